"""`newswatch report`: a topic's timeline, first reports and revisions as ONE self-contained HTML file.

Inline CSS and SVG, no script and no external resource, so the file reads the same attached to an email,
opened from an archive years later, or printed. Links point at the original articles.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from crawler.web.app import development_spans, environment, stylesheet, timeline_svg, topic_developments
from crawler.web.diffview import paragraphs, side_by_side
from storage.coverage import CoverageReader, Revision


def revision_lines(reader: CoverageReader, revision: Revision, limit: int = 3) -> list[tuple[str, str]]:
    """Up to `limit` (before, after) paragraph pairs that a revision edited, added or removed."""
    stored = reader.article(revision.source, revision.article_id)
    if stored is None:
        return []
    by_no = {v.version_no: v for v in stored.versions}
    old, new = by_no.get(revision.version_no - 1), by_no.get(revision.version_no)
    if old is None or new is None:
        return []
    rows = side_by_side(paragraphs(old.title, old.lead, old.body), paragraphs(new.title, new.lead, new.body))
    changed = [("".join(r.text for r in row.left), "".join(r.text for r in row.right))
               for row in rows if row.kind != "equal"]
    return changed[:limit]


def render_report(reader: CoverageReader, topic: str, *, description: str = "",
                  now: datetime | None = None) -> str | None:
    """The report's HTML, or None when nothing is stored for the topic."""
    coverage = reader.coverage(topic, recent=200)
    if coverage is None:
        return None
    env = environment()
    changes = {(r.source, r.article_id, r.version_no): revision_lines(reader, r) for r in coverage.revisions}
    developments = topic_developments(reader, topic)
    return env.get_template("report.html").render(
        topic=topic, description=description, coverage=coverage, developments=developments,
        timeline=timeline_svg(coverage, development_spans(developments)),
        css=Markup(stylesheet()), changes=changes,
        generated=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"))
