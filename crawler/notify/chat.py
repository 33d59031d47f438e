"""Short chat messages (Slack, Telegram, Discord, Mattermost, webhooks...) from the Jinja2 templates
`chat_immediate.txt`, `chat_digest.txt`, `chat_health.txt` and `chat_probe.txt` in crawler/notify/templates/
(`[alerts] templates_dir` restyles them like the mails). A template's first line is the message title, the
rest its body.

Page text is hostile, and each channel renders it differently, so every `{{ value }}` is neutralised for the
channel's flavour (the way autoescaping works for the HTML mails):

- every flavour: one line (CR, LF and other controls become spaces), chat mentions defused (`@channel`,
  `@everyone`, `@here`, `<@U123>`, Slack's `<!channel>`: a zero-width space after the `@`/`!`, so nobody is
  pinged), and Markdown links (`[text](https://elsewhere)`) broken apart so they never become links;
- "markdown" (chats that render Markdown: Slack, Discord, Mattermost, Teams, Matrix, ...): CommonMark
  punctuation and HTML markup backslash-escaped, so `<b>`, `**` and `[..](..)` show as typed;
- "text" (webhooks such as json:// and form://, e-mail, Telegram, ...): plain text; Apprise escapes it
  itself for a service that wants HTML.

Only the `chat_link` filter makes links, and only of http(s) addresses (sanitize.safe_url).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup

from crawler.core.errors import ConfigError
from crawler.notify import templates
from crawler.notify.events import AlertEvent
from crawler.notify.sanitize import line_text, safe_url

Flavour = Literal["markdown", "text"]
MAX_CHANGES = 6
LINE_LIMIT = 200
DIGEST_MAX_ITEMS = 20

# Services whose messages render Markdown whatever Apprise declares as their native format.
MARKDOWN_SCHEMES = frozenset({
    "slack", "discord", "msteams", "mmost", "mmosts", "rocket", "rockets", "matrix", "matrixs", "zulip",
    "gchat", "guilded", "revolt", "ryver", "flock", "twist", "workflow", "workflows", "lark", "feishu",
    "dingtalk", "wecombot", "webexteams", "wxteams", "nctalk", "nctalks",
})
_ZWSP = "\u200b"
# CommonMark punctuation that can start markup in the middle of a line (values never start a line).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>|~&])")


@dataclass(frozen=True)
class ChatMessage:
    """A message for one channel: title and body, rendered and neutralised for `flavour`."""

    title: str
    body: str
    flavour: Flavour


def flavour_for(url: str) -> Flavour:
    """How a destination renders text: from an explicit `format=` in its URL, else from its scheme."""
    parts = urlsplit(url)
    wanted = (parse_qs(parts.query).get("format") or [""])[0].lower()
    if wanted in ("markdown", "text", "html"):
        return "markdown" if wanted == "markdown" else "text"
    return "markdown" if parts.scheme.lower() in MARKDOWN_SCHEMES else "text"


def neutral(value: Any, flavour: Flavour, limit: int = 5000) -> str:
    """Page text made inert for a channel of `flavour` (see the module doc)."""
    text = line_text(value, limit=limit)
    if flavour == "markdown":
        text = _MD_SPECIAL.sub(r"\\\1", text)
    else:
        text = text.replace("](", "]" + _ZWSP + "(").replace("<!", "<!" + _ZWSP)
    # Last, so that no mention can be formed by the characters around it.
    return text.replace("@", "@" + _ZWSP)


# --- the template environment ---------------------------------------------------------------------

@pass_context
def _finalize(ctx: Context, value: Any) -> Any:
    if hasattr(value, "__html__"):  # produced by a filter below: already in the channel's syntax
        return value
    return neutral(value, ctx["flavour"])


@pass_context
def _bold(ctx: Context, value: Any) -> Markup:
    text = neutral(value, ctx["flavour"], limit=LINE_LIMIT)
    return Markup(f"**{text}**" if ctx["flavour"] == "markdown" else text)


@pass_context
def _chat_link(ctx: Context, url: str | None, label: str = "link") -> Markup:
    target = safe_url(url)
    if target is None:
        return Markup(neutral(templates.NO_LINK, ctx["flavour"]))
    if ctx["flavour"] == "markdown":
        quoted = target.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
        return Markup(f"[{neutral(label, 'markdown')}]({quoted})")
    return Markup(target)


_ZONE_NAME = re.compile(r" \([^,()]+, (UTC[+-]\d\d:\d\d)\)$")


def short_time(formatted: str | None) -> str | None:
    """compose.format_time's "2022-01-07 15:30 (Asia/Almaty, UTC+06:00)" as "2022-01-07 15:30 UTC+06:00"."""
    return _ZONE_NAME.sub(r" \1", formatted) if formatted else formatted


def _line(value: Any, limit: int = LINE_LIMIT) -> str:
    return line_text(value, limit=limit)


def _commas(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values)


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    """Chat templates: `templates_dir` first (when given), then the packaged ones. No HTML autoescaping:
    `_finalize` neutralises every value for the channel instead."""
    loaders: list[Any] = [PackageLoader("crawler.notify", "templates")]
    if templates_dir is not None:
        loaders.insert(0, FileSystemLoader(str(templates_dir)))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=False, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(line=_line, commas=_commas, bold=_bold, chat_link=_chat_link)
    env.globals.update(line_limit=LINE_LIMIT)
    return env


def render(name: str, flavour: Flavour, **context: Any) -> ChatMessage:
    """Render chat template `name`: its first line is the title, the rest the body."""
    templates_dir = templates.current_templates_dir()
    try:
        text = environment(templates_dir).get_template(name).render(flavour=flavour, **context)
    except TemplateError as exc:
        where = f" in {templates_dir}" if templates_dir else ""
        raise ConfigError(f"chat template {name}{where}: {' '.join(str(exc).split())}") from exc
    title, _sep, body = text.strip("\n").partition("\n")
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    title = line_text(title, limit=250)
    if flavour == "markdown":
        # Services place a separate title differently (Slack: an attachment, escaped as HTML; Mattermost:
        # joined to the Markdown); as the body's first line it is always rendered as the rest is.
        return ChatMessage("", "\n".join([f"**{title}**", *lines]), flavour)
    return ChatMessage(title, "\n".join(lines), flavour)


# --- the four kinds of message --------------------------------------------------------------------

@dataclass(frozen=True)
class _Change:
    mark: str
    text: str


def _changes(ev: AlertEvent) -> list[_Change]:
    diff = ev.diff
    out: list[_Change] = []
    if diff.title:
        out.append(_Change("Title:", f"{diff.title.before} → {diff.title.after}"))
    out += [_Change("+", p) for p in diff.added]
    out += [_Change("-", p) for p in diff.removed]
    for change in diff.changed:
        out += [_Change("-", change.before), _Change("+", change.after)]
    return out


def chat_immediate(ev: AlertEvent, flavour: Flavour, *, source: str, published: str | None) -> ChatMessage:
    changes = _changes(ev) if ev.kind == "updated" else []
    return render("chat_immediate.txt", flavour, ev=ev, source=source, published=published,
                  changes=changes[:MAX_CHANGES], more_changes=max(0, len(changes) - MAX_CHANGES))


def chat_digest(topic: str, new: list[templates.DigestRow], updated: list[templates.DigestRow],
                flavour: Flavour) -> ChatMessage:
    listed_new = new[:DIGEST_MAX_ITEMS]
    listed_updated = updated[: max(0, DIGEST_MAX_ITEMS - len(listed_new))]
    left_out = len(new) + len(updated) - len(listed_new) - len(listed_updated)
    return render("chat_digest.txt", flavour, topic=topic, new=listed_new, updated=listed_updated,
                  left_out=left_out)


def chat_health(report: templates.HealthReport, flavour: Flavour) -> ChatMessage:
    return render("chat_health.txt", flavour, report=report)


def chat_probe(flavour: Flavour, now: datetime | None = None) -> ChatMessage:
    moment = now or datetime.now(UTC)
    return render("chat_probe.txt", flavour, sent=f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
