"""`newswatch extract`: one page to one clean article."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from crawler.cli import configuring
from crawler.core.errors import InputError
from crawler.crawl.configured import use_config
from crawler.extract import batch
from crawler.extract.inputs import STDIN, Limits, fetch_html, page_address, read_html
from crawler.extract.pages import page_for


@click.command()
@click.argument("path_or_url", required=False)
@click.option("--url", "page_url", help="The page's real address (selects the parser; default: the argument "
              "if it is a URL, else the page's canonical link, else a file:// address).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--batch", "manifest", type=click.Path(path_type=Path),
              help='Extract every page of a JSONL manifest (lines {"path": ..., "url": ...}; paths relative '
              "to the manifest's folder): one JSON line per input, in input order.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for --batch (default: the number of cores).")
@click.option("--timeout", "page_timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds the input may take to read (default: the config's crawl.timeout, 30), or a page "
                   f"in --batch before its worker is stopped (default {batch.DEFAULT_TIMEOUT:g}).")
@click.option("--explain", is_flag=True,
              help="Say on stderr how the body was found: the site parser, or which of the generic "
              "extractor's candidates won and why.")
def extract(path_or_url: str | None, page_url: str | None, fmt: str, manifest: Path | None,
            jobs: int | None, page_timeout: float | None, explain: bool) -> None:
    """Extract the article from an HTML file, standard input (-) or a URL and print it (or every page of a
    --batch manifest).

    The input is read as a crawl reads a response: at most crawl.max_response_size bytes, within the
    timeout (both from the config: --config, --set crawl.max_response_size=...); more, or slower, is one
    line on stderr and exit status 2.
    """
    # The config's outlets ([sources.NAME] with article_url) become URL rules, as in a crawl: their pages get
    # the source's name and the id its pattern draws (the batch's forked workers inherit them).
    config = use_config(configuring.load())
    if manifest is not None:
        if path_or_url is not None or page_url is not None:
            raise InputError("--batch takes no PATH_OR_URL or --url: the manifest names the pages")
        _run_batch(manifest, jobs or os.cpu_count() or 1, page_timeout or batch.DEFAULT_TIMEOUT)
        return
    if path_or_url is None:
        raise InputError("give a file path, - for standard input, or an http(s) URL to extract "
                         "(or --batch MANIFEST)")
    crawl = config.crawl
    limits = Limits(max_bytes=crawl.max_response_size, timeout=page_timeout or crawl.timeout)
    if path_or_url.startswith(("http://", "https://")):
        html = fetch_html(path_or_url, limits)
        page_url = page_url or path_or_url
    elif "://" in path_or_url:
        raise InputError(f"unsupported address {path_or_url!r}: give a file path or an http(s) URL")
    else:
        html = read_html(path_or_url, limits)
    if page_url is None:
        local = "file:///dev/stdin" if path_or_url == STDIN else "file://" + path_or_url
        page_url = page_address(html) or local
    elif not page_url.startswith(("http://", "https://")):
        raise InputError(f"--url must be an http(s) address, got {page_url!r}")
    page = page_for(page_url, html)
    try:
        article = page.to_article()
    finally:
        if explain:
            click.echo(page.explain(), err=True)
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(article.body)


def _run_batch(manifest: Path, jobs: int, timeout: float) -> None:
    if not manifest.is_file():
        raise InputError(f"no such manifest file: {manifest}")
    runner = batch.BatchRunner(jobs=jobs, timeout=timeout)
    failed = 0
    for task, outcome in runner.run(batch.read_manifest(manifest)):
        failed += isinstance(outcome, str)
        sys.stdout.write(batch.result_line(task, outcome) + "\n")
        sys.stdout.flush()  # a consumer downstream sees each page as soon as it and those before it are done
    if failed:
        click.echo(f"newswatch: {failed} page(s) gave no article (see their error lines)", err=True)


COMMANDS = [extract]
