"""Text and HTML bodies of alert e-mails.

Every value that came from a page or a config file goes through `esc` (HTML) or `line_text` (text); links are
only made from `safe_url`, so a `javascript:` address is shown as withheld, never linked. No images or remote
resources are ever referenced: an alert cannot carry a tracking pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from crawler.notify.events import AlertEvent, ArticleDiff
from crawler.notify.sanitize import esc, line_text, safe_url

MAX_DIFF_ITEMS = 10
PARAGRAPH_LIMIT = 1000
DIGEST_LEAD_LIMIT = 300
NO_LINK = "(link withheld: not an http(s) address)"
FOOTER = "Sent by newswatch, a news monitor. You receive this because your address is in its alert settings."


class DigestRow(NamedTuple):
    event: AlertEvent
    source: str
    published: str | None


@dataclass
class HealthReport:
    source: str
    status: str
    runs: int
    reasons: list[str] = field(default_factory=list)
    since: str | None = None


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title></head>\n"
            "<body style=\"font-family:sans-serif;line-height:1.4;max-width:40em\">\n"
            f"{body}\n<hr><p style=\"color:#666;font-size:smaller\">{esc(FOOTER)}</p>\n</body></html>\n")


def _link_html(url: str | None, label: str) -> str:
    safe = safe_url(url)
    if safe is None:
        return esc(label)
    return f"<a href=\"{esc(safe)}\" rel=\"noopener noreferrer\">{esc(label)}</a>"


def _link_text(url: str | None) -> str:
    return safe_url(url) or NO_LINK


def _clip(items: list[str]) -> tuple[list[str], int]:
    shown = [line_text(p, limit=PARAGRAPH_LIMIT) for p in items[:MAX_DIFF_ITEMS]]
    return shown, max(0, len(items) - MAX_DIFF_ITEMS)


# --- immediate alerts -----------------------------------------------------------------------------

def immediate_text(ev: AlertEvent, source: str, published: str | None) -> str:
    lines = [f"Updated article: {source}" if ev.kind == "updated" else f"New article: {source}", "",
             line_text(ev.display_title, limit=PARAGRAPH_LIMIT), ""]
    if ev.lead:
        lines += [line_text(ev.lead, limit=PARAGRAPH_LIMIT), ""]
    lines.append(f"Published: {published or 'unknown'}")
    if ev.topics:
        lines.append(f"Topics: {line_text(', '.join(ev.topics), limit=500)}")
    if ev.terms:
        lines.append(f"Matched terms: {line_text(', '.join(ev.terms), limit=500)}")
    lines.append(f"Link: {_link_text(ev.url)}")
    if ev.kind == "updated":
        lines += ["", *diff_text(ev.diff)]
    lines += ["", "-- ", FOOTER]
    return "\n".join(lines) + "\n"


def diff_text(diff: ArticleDiff) -> list[str]:
    if diff.is_empty:
        return ["What changed: no text differences were recorded."]
    lines = ["What changed:"]
    if diff.title:
        lines += ["", "Title changed", f"  before: {line_text(diff.title.before, limit=PARAGRAPH_LIMIT)}",
                  f"  after:  {line_text(diff.title.after, limit=PARAGRAPH_LIMIT)}"]
    for heading, items, mark in (("Added", diff.added, "+"), ("Removed", diff.removed, "-")):
        if items:
            shown, more = _clip(items)
            lines += ["", f"{heading} ({len(items)})", *(f"  {mark} {p}" for p in shown)]
            if more:
                lines.append(f"  … and {more} more")
    if diff.changed:
        lines += ["", f"Changed ({len(diff.changed)})"]
        for change in diff.changed[:MAX_DIFF_ITEMS]:
            lines += [f"  before: {line_text(change.before, limit=PARAGRAPH_LIMIT)}",
                      f"  after:  {line_text(change.after, limit=PARAGRAPH_LIMIT)}", ""]
        if len(diff.changed) > MAX_DIFF_ITEMS:
            lines.append(f"  … and {len(diff.changed) - MAX_DIFF_ITEMS} more")
    return lines


def immediate_html(ev: AlertEvent, source: str, published: str | None) -> str:
    label = "Updated article" if ev.kind == "updated" else "New article"
    parts = [f"<p style=\"color:#666\">{esc(label)}: {esc(source)}</p>",
             f"<h1 style=\"font-size:1.3em\">{_link_html(ev.url, ev.display_title)}</h1>"]
    if ev.lead:
        parts.append(f"<p>{esc(line_text(ev.lead, limit=PARAGRAPH_LIMIT))}</p>")
    facts = [("Published", published or "unknown")]
    if ev.topics:
        facts.append(("Topics", ", ".join(ev.topics)))
    if ev.terms:
        facts.append(("Matched terms", ", ".join(ev.terms)))
    parts.append("<ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in facts) + "</ul>")
    if safe_url(ev.url) is None:
        parts.append(f"<p>{esc(NO_LINK)}</p>")
    if ev.kind == "updated":
        parts.append(diff_html(ev.diff))
    return _page(ev.display_title, "\n".join(parts))


def diff_html(diff: ArticleDiff) -> str:
    if diff.is_empty:
        return "<h2 style=\"font-size:1.1em\">What changed</h2><p>No text differences were recorded.</p>"
    parts = ["<h2 style=\"font-size:1.1em\">What changed</h2>"]
    if diff.title:
        parts.append(f"<h3>Title changed</h3><p><del>{esc(diff.title.before)}</del><br>"
                     f"<ins>{esc(diff.title.after)}</ins></p>")
    for heading, items, tag in (("Added", diff.added, "ins"), ("Removed", diff.removed, "del")):
        if items:
            shown, more = _clip(items)
            parts.append(f"<h3>{heading} ({len(items)})</h3><ul>"
                         + "".join(f"<li><{tag}>{esc(p)}</{tag}></li>" for p in shown)
                         + (f"<li>… and {more} more</li>" if more else "") + "</ul>")
    if diff.changed:
        rows = "".join(f"<li><del>{esc(line_text(c.before, limit=PARAGRAPH_LIMIT))}</del><br>"
                       f"<ins>{esc(line_text(c.after, limit=PARAGRAPH_LIMIT))}</ins></li>"
                       for c in diff.changed[:MAX_DIFF_ITEMS])
        more = len(diff.changed) - MAX_DIFF_ITEMS
        parts.append(f"<h3>Changed ({len(diff.changed)})</h3><ul>{rows}"
                     + (f"<li>… and {more} more</li>" if more > 0 else "") + "</ul>")
    return "\n".join(parts)


# --- digests --------------------------------------------------------------------------------------

def digest_text(topic: str, new: list[DigestRow], updated: list[DigestRow], left_out: int) -> str:
    lines = [f"Topic: {line_text(topic, limit=200)}"]
    for heading, rows in (("New articles", new), ("Updated articles", updated)):
        if not rows:
            continue
        lines += ["", f"{heading} ({len(rows)})", ""]
        for n, row in enumerate(rows, 1):
            ev = row.event
            lines.append(f"{n}. {line_text(ev.display_title, limit=PARAGRAPH_LIMIT)}")
            lines.append(f"   {row.source}, {row.published or 'time unknown'}")
            if ev.lead:
                lines.append(f"   {line_text(ev.lead, limit=DIGEST_LEAD_LIMIT)}")
            lines += [f"   {_link_text(ev.url)}", ""]
    if left_out:
        lines += ["", f"… and {left_out} more not listed here."]
    lines += ["", "-- ", FOOTER]
    return "\n".join(lines) + "\n"


def digest_html(topic: str, new: list[DigestRow], updated: list[DigestRow], left_out: int) -> str:
    parts = [f"<p style=\"color:#666\">Topic: {esc(topic)}</p>"]
    for heading, rows in (("New articles", new), ("Updated articles", updated)):
        if not rows:
            continue
        items = []
        for row in rows:
            ev = row.event
            lead = (f"<br>{esc(line_text(ev.lead, limit=DIGEST_LEAD_LIMIT))}"
                    if ev.lead else "")
            when = esc(row.published or "time unknown")
            items.append(f"<li><strong>{_link_html(ev.url, ev.display_title)}</strong><br>"
                         f"<span style=\"color:#666\">{esc(row.source)}, {when}</span>{lead}</li>")
        parts.append(f"<h2 style=\"font-size:1.1em\">{heading} ({len(rows)})</h2><ol>{''.join(items)}</ol>")
    if left_out:
        parts.append(f"<p>… and {left_out} more not listed here.</p>")
    return _page(f"newswatch digest: {topic}", "\n".join(parts))


# --- test message and health notices --------------------------------------------------------------

TEST_BODY = "This is a test message from newswatch. If you can read it, alert e-mail delivery works."


def probe_text(sent: str) -> str:
    return f"{TEST_BODY}\n\nSent: {sent}\n\n-- \n{FOOTER}\n"


def probe_html(sent: str) -> str:
    return _page("newswatch test message", f"<p>{esc(TEST_BODY)}</p><p>Sent: {esc(sent)}</p>")


def health_text(report: HealthReport) -> str:
    if report.status == "failing":
        lines = [f"Source {report.source} has failed {report.runs} crawl run(s) in a row."]
        if report.since:
            lines.append(f"Failing since: {report.since}")
    else:
        lines = [f"Source {report.source} has recovered: its last crawl run passed the health checks."]
    if report.reasons:
        lines += ["", "Reasons:", *(f"  - {line_text(r, limit=PARAGRAPH_LIMIT)}" for r in report.reasons)]
    lines += ["", "-- ", FOOTER]
    return "\n".join(lines) + "\n"


def health_html(report: HealthReport) -> str:
    if report.status == "failing":
        parts = [f"<p>Source <strong>{esc(report.source)}</strong> has failed {report.runs} crawl run(s) "
                 "in a row.</p>"]
        if report.since:
            parts.append(f"<p>Failing since: {esc(report.since)}</p>")
    else:
        parts = [f"<p>Source <strong>{esc(report.source)}</strong> has recovered: its last crawl run passed "
                 "the health checks.</p>"]
    if report.reasons:
        parts.append("<h2 style=\"font-size:1.1em\">Reasons</h2><ul>"
                     + "".join(f"<li>{esc(line_text(r, limit=PARAGRAPH_LIMIT))}</li>" for r in report.reasons)
                     + "</ul>")
    return _page(f"newswatch health: {report.source}", "\n".join(parts))
