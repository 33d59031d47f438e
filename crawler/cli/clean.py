"""`newswatch clean`: a plain-text article (one paragraph a line) to its content lines."""

from __future__ import annotations

import click

from crawler.extract.cleaning import clean_lines
from crawler.extract.inputs import read_text_lines


@click.command()
@click.argument("path")
@click.option("--site", type=click.Choice(["liputan6", "bbc", "generic"]), default="generic",
              show_default=True, help="Whose rules to apply (a site's own plus its language's).")
def clean(path: str, site: str) -> None:
    """Print the lines of PATH that are article content, dropping ads, related links and promos."""
    for line in clean_lines(read_text_lines(path), site):
        click.echo(line)


COMMANDS = [clean]
