"""The coverage timeline as inline SVG: articles per day per source, first reports, revisions, developments.

Drawn on the server so a page needs no script and no network resource to show it; the same markup goes into
the dashboard and the self-contained HTML report. Every mark carries a <title> (a tooltip and what a screen
reader reads) and the page shows the same figures as a table beside the picture.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from storage.coverage import TopicCoverage

# Colour-blind-safe (Okabe-Ito) colours, one per source in order; each source also gets its own stroke
# pattern in the legend's text, so colour is never the only cue.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
WIDTH, BAR_AREA, MARGIN_LEFT, MARGIN_TOP = 960, 180, 44, 16


@dataclass(frozen=True)
class Span:
    """A development drawn as a bar from its first to its last report."""

    label: str
    start: str  # ISO date or time
    end: str
    href: str | None = None


@dataclass(frozen=True)
class Bucket:
    start: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def bucket_size(first: date, last: date) -> int:
    """Days per bar: one day up to four months, a week up to three years, else thirty days."""
    span = (last - first).days + 1
    return 1 if span <= 120 else 7 if span <= 3 * 366 else 30


def buckets(coverage: TopicCoverage) -> tuple[list[Bucket], int]:
    """Bars of the timeline, oldest first, and the days each stands for."""
    days = [date.fromisoformat(d.day) for d in coverage.days]
    first, last = min(days), max(days)
    for revision in coverage.revisions:
        when = _day(revision.at)
        first, last = min(first, when), max(last, when)
    size = bucket_size(first, last)
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in coverage.days:
        counts[_start(date.fromisoformat(d.day), first, size)][d.source] += d.articles
    out, cursor = [], first
    while cursor <= last:
        out.append(Bucket(cursor, dict(counts.get(cursor, {}))))
        cursor += timedelta(days=size)
    return out, size


def _start(day: date, first: date, size: int) -> date:
    return first + timedelta(days=((day - first).days // size) * size)


def _day(iso: str) -> date:
    return date.fromisoformat(iso[:10])


def source_colours(sources: Sequence[str]) -> dict[str, str]:
    return {source: PALETTE[i % len(PALETTE)] for i, source in enumerate(sources)}


def render(coverage: TopicCoverage, spans: Sequence[Span] = (), *, labels: dict[str, str] | None = None,
           article_href: str = "/articles/{source}/{article_id}") -> str:
    """The timeline of one topic as an <svg> element (a string of markup, every text escaped)."""
    labels = labels or {}
    bars, size = buckets(coverage)
    colours = source_colours(coverage.sources)
    peak = max((b.total for b in bars), default=1) or 1
    slot = (WIDTH - MARGIN_LEFT - 8) / max(len(bars), 1)
    bar_width = max(slot * 0.8, 1.0)
    span_rows = len(spans)
    height = MARGIN_TOP + BAR_AREA + 46 + span_rows * 18 + 8
    base = MARGIN_TOP + BAR_AREA
    unit = "day" if size == 1 else f"{size} days"
    title = f"Coverage of {coverage.topic}: articles per {unit} and source"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="tl-title tl-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="tl-title">{escape(title)}</title>',
        f'<desc id="tl-desc">{escape(_description(coverage, size))}</desc>',
        f'<line x1="{MARGIN_LEFT}" y1="{base}" x2="{WIDTH - 4}" y2="{base}" class="axis"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 4}" class="tick" text-anchor="end">{peak}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{base}" class="tick" text-anchor="end">0</text>',
    ]
    positions: dict[date, float] = {}
    for index, bar in enumerate(bars):
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        positions[bar.start] = x + bar_width / 2
        y = float(base)
        for source in coverage.sources:
            count = bar.counts.get(source, 0)
            if not count:
                continue
            h = count / peak * BAR_AREA
            y -= h
            name = labels.get(source, source)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{h:.1f}" '
                         f'fill="{colours[source]}" class="bar"><title>{escape(name)}: {count} '
                         f'article{"s" if count != 1 else ""}, {bar.start.isoformat()}</title></rect>')
        if index % max(1, len(bars) // 8) == 0:
            parts.append(f'<text x="{x + bar_width / 2:.1f}" y="{base + 14}" class="tick" '
                         f'text-anchor="middle">{bar.start.strftime("%d %b")}</text>')
    first_bar = bars[0].start

    def x_of(iso: str) -> float:
        key = _start(_day(iso), first_bar, size)
        return positions.get(key, MARGIN_LEFT)

    taken: dict[tuple[str, int], int] = defaultdict(int)

    def spread(kind: str, x: float) -> float:
        # Marks that fall on the same bar sit side by side instead of on top of each other.
        key = (kind, round(x))
        offset = taken[key]
        taken[key] += 1
        return x + offset * 12

    for source, line in sorted(coverage.first_reports.items(), key=lambda kv: kv[1].dated):
        x = spread("first", x_of(line.dated))
        name = labels.get(source, source)
        parts.append(f'<a href="{escape(article_href.format(source=source, article_id=line.article_id))}">'
                     f'<path d="M{x - 5:.1f},{MARGIN_TOP - 12} h10 l-5,8 z" fill="{colours[source]}" '
                     f'class="first"><title>First report by {escape(name)}, {escape(line.dated[:16])} UTC: '
                     f'{escape(line.title or "")}</title></path></a>')
    for revision in coverage.revisions:
        x = spread("revision", x_of(revision.at))
        colour = colours.get(revision.source, "#000")
        href = (article_href.format(source=revision.source, article_id=revision.article_id)
                + f"/diff?from={revision.version_no - 1}&to={revision.version_no}")
        parts.append(f'<a href="{escape(href)}">'
                     f'<circle cx="{x:.1f}" cy="{base + 24}" r="5" fill="none" stroke="{colour}" '
                     f'stroke-width="2.5" class="revision"><title>Revision {revision.version_no} of '
                     f'{escape(revision.title or revision.article_id)} ({escape(revision.at[:16])} UTC): '
                     f'{escape(revision.summary)}</title></circle></a>')
    for row, span in enumerate(spans):
        x1, x2 = x_of(span.start), x_of(span.end)
        y = base + 40 + row * 18
        mark = (f'<rect x="{min(x1, x2) - 4:.1f}" y="{y}" width="{abs(x2 - x1) + 8:.1f}" height="12" rx="6" '
                f'class="span"><title>{escape(span.label)}</title></rect>')
        parts.append(f'<a href="{escape(span.href)}">{mark}</a>' if span.href else mark)
    parts.append("</svg>")
    return "\n".join(parts)


def _description(coverage: TopicCoverage, size: int) -> str:
    per = "day" if size == 1 else f"{size}-day period"
    firsts = ", ".join(f"{source} first on {line.dated[:10]}"
                       for source, line in sorted(coverage.first_reports.items(), key=lambda kv: kv[1].dated))
    return (f"{coverage.total} articles from {len(coverage.sources)} source(s), one bar per {per}; "
            f"{firsts}; {len(coverage.revisions)} material revision(s) marked by circles below the axis.")
