"""`newswatch clean`: a plain-text article (one paragraph a line) to its content lines."""

from __future__ import annotations

import click

from crawler.extract.cleaning import clean_lines
from crawler.extract.inputs import read_text_lines
from crawler.extract.plaintext import guess_rules


@click.command()
@click.argument("path")
@click.option("--site", type=click.Choice(["auto", "liputan6", "bbc", "generic"]), default="auto",
              show_default=True,
              help="Whose rules to apply (a site's own plus its language's). auto: recognise Liputan6 by its "
                   "dateline and BBC by its page markers, else use the detected language's rules.")
@click.option("--explain", is_flag=True, help="Say on stderr which rules were applied and why.")
def clean(path: str, site: str, explain: bool) -> None:
    """Print the lines of PATH that are article content, dropping ads, related links and promos."""
    lines = read_text_lines(path)
    reason = "given with --site"
    if site == "auto":
        site, reason = guess_rules(lines)
    if explain:
        click.echo(f"rules: {site} ({reason})", err=True)
    for line in clean_lines(lines, site):
        click.echo(line)


COMMANDS = [clean]
