"""`newswatch extract`: one page to one clean article."""

from __future__ import annotations

import json
import re

import click

from crawler.core.errors import InputError
from crawler.extract.inputs import fetch_html, read_html
from crawler.extract.pages import parse_article

# A saved page usually says where it came from; that address picks the right site parser.
_CANONICAL = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)
_OG_URL = re.compile(
    r"""<meta\b(?=[^>]*\bproperty\s*=\s*["']?og:url\b)[^>]*\bcontent\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)


def page_address(html: str) -> str | None:
    """The http(s) address a saved page declares for itself (canonical link, else og:url), if any."""
    head = html[:300_000]
    match = _CANONICAL.search(head) or _OG_URL.search(head)
    return match.group(1) if match else None


@click.command()
@click.argument("path_or_url")
@click.option("--url", "page_url", help="The page's real address (selects the parser; default: the argument "
              "if it is a URL, else the page's canonical link, else a file:// address).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def extract(path_or_url: str, page_url: str | None, fmt: str) -> None:
    """Extract the article from an HTML file or a URL and print it."""
    if path_or_url.startswith(("http://", "https://")):
        html = fetch_html(path_or_url)
        page_url = page_url or path_or_url
    elif "://" in path_or_url:
        raise InputError(f"unsupported address {path_or_url!r}: give a file path or an http(s) URL")
    else:
        html = read_html(path_or_url)
    if page_url is None:
        page_url = page_address(html) or "file://" + path_or_url
    elif not page_url.startswith(("http://", "https://")):
        raise InputError(f"--url must be an http(s) address, got {page_url!r}")
    article = parse_article(page_url, html)
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(article.body)


COMMANDS = [extract]
