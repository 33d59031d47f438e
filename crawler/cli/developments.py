"""`newswatch developments`: the stored coverage grouped by development, with the signals of every link.

    newswatch developments --topic kazakhstan-unrest --since 2022-01-05
    newswatch developments --format json --min-articles 2       # for scripts: only linked coverage
"""

from __future__ import annotations

import json

import click

from crawler.cli.articles import db_option, opened, parse_when
from crawler.story.developments import DevelopmentLinker, development_dict, explain
from storage.records import Development


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "undated"


def render_text(developments: list[Development]) -> str:
    lines: list[str] = []
    for d in developments:
        count = len(d.members)
        lines.append(f"development {d.id} · {count} article{'s' if count != 1 else ''} · "
                     f"{', '.join(d.sources)} · {', '.join(d.languages) or '?'} · "
                     f"first reported {_when(d.first_reported_at)} UTC")
        lines.append(f"  {d.title or '(untitled)'}")
        for m in d.members:
            ref = f"{m.source}:{m.article_id}"
            lines.append(f"  {ref:<28} {_when(m.published_utc or m.first_seen_at)}  {m.language or '?':<3}"
                         f"{m.title or ''}")
            if m.linked_to:
                lines.append(f"  {'':<28} linked to {m.linked_to} ({m.score:.1f}): {explain(m.signals)}")
        lines.append("")
    return "\n".join(lines)


@click.command("developments")
@db_option
@click.option("--topic", default=None, help="Only developments with an article of this topic.")
@click.option("--since", metavar="DATE", default=None,
              help="Only developments reported on or after this day (YYYY-MM-DD, UTC) or ISO time.")
@click.option("--min-articles", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only developments with at least this many articles (2: coverage linked across reports).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many, latest first.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--link-missing", is_flag=True,
              help="First put every stored article without a development into one (articles stored before "
                   "developments existed); writes to the database.")
def developments_command(db_url: str | None, topic: str | None, since: str | None, min_articles: int,
                         limit: int | None, fmt: str, link_missing: bool) -> None:
    """List developments (articles reporting the same development, across sources and languages)."""
    moment = parse_when(since, option="--since")
    with opened(db_url) as store:
        if link_missing:
            count = store.link_unlinked(DevelopmentLinker())
            click.echo(f"developments: linked {count} article(s) stored without a development", err=True)
        found = store.developments.list_all(topic=topic, since=moment, min_articles=min_articles, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([development_dict(d) for d in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no developments", err=True)
        return
    click.echo(render_text(found).rstrip("\n"))


COMMANDS = [developments_command]
