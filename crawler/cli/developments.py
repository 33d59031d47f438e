"""`newswatch developments`: the stored coverage grouped by development, with the signals of every link.

    newswatch developments --topic kazakhstan-unrest --since 2022-01-05
    newswatch developments --format json --min-articles 2       # for scripts: only linked coverage
"""

from __future__ import annotations

import json
from typing import Any

import click

from crawler.cli.articles import db_option, opened, parse_when
from crawler.story.developments import explain
from storage.records import Development


def development_dict(development: Development) -> dict[str, Any]:
    """A development as plain JSON: its articles as `source:id`, first report, languages, link signals."""
    return {
        "id": development.id, "title": development.title,
        "first_reported_at": development.first_reported_at, "last_reported_at": development.last_reported_at,
        "languages": development.languages, "sources": development.sources,
        "articles": [{
            "ref": f"{m.source}:{m.article_id}", "source": m.source, "article_id": m.article_id,
            "title": m.title, "url": m.url, "language": m.language, "published_utc": m.published_utc,
            "topics": m.topics, "linked_to": m.linked_to, "score": m.score, "signals": m.signals,
            "explanation": explain(m.signals) if m.linked_to else None,
        } for m in development.members],
    }


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
def developments_command(db_url: str | None, topic: str | None, since: str | None, min_articles: int,
                         limit: int | None, fmt: str) -> None:
    """List developments (articles reporting the same development, across sources and languages)."""
    moment = parse_when(since, option="--since")
    with opened(db_url) as store:
        found = store.developments.list_all(topic=topic, since=moment, min_articles=min_articles, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([development_dict(d) for d in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no developments", err=True)
        return
    click.echo(render_text(found).rstrip("\n"))


COMMANDS = [developments_command]
