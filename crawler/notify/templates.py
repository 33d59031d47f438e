"""Text and HTML bodies of alert e-mails, rendered from Jinja2 templates (crawler/notify/templates/).

Every value that came from a page or a config file is escaped in the HTML part: autoescaping is on for the
`.html` templates, with the escape the mails always used (`sanitize.esc`: one line, quotes escaped), so the
packaged templates give the same bytes as the f-strings they replaced. Text templates use the `line` filter
(`sanitize.line_text`). Links are only made from `safe_url`, so a `javascript:` address is shown as withheld,
never linked. No images or remote resources are ever referenced: an alert cannot carry a tracking pixel.

A user restyles mails with `[alerts] templates_dir`: a template of the same name there (e.g. `digest.html`)
replaces the packaged one, the rest stay packaged. The directory in force is the one `use_templates_dir`
set for the current context (delivery sets it from the config); by default only the packaged templates.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup

from crawler.core.errors import ConfigError
from crawler.notify.events import AlertEvent, ArticleDiff
from crawler.notify.sanitize import esc, line_text, safe_url

MAX_DIFF_ITEMS = 10
PARAGRAPH_LIMIT = 1000
DIGEST_LEAD_LIMIT = 300
NO_LINK = "(link withheld: not an http(s) address)"
FOOTER = "Sent by newswatch, a news monitor. You receive this because your address is in its alert settings."
TEST_BODY = "This is a test message from newswatch. If you can read it, alert e-mail delivery works."

_templates_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("newswatch_templates_dir",
                                                                             default=None)
F = TypeVar("F", bound=Callable[..., Any])


class AlsoReported(NamedTuple):
    """Another article of the development: "Also reported by BBC News 3 h earlier", its title and link."""

    summary: str
    title: str
    url: str | None


class DigestRow(NamedTuple):
    event: AlertEvent
    source: str
    published: str | None
    also: Sequence[AlsoReported] = ()


@dataclass
class HealthReport:
    source: str
    status: str
    runs: int
    reasons: list[str] = field(default_factory=list)
    since: str | None = None


# --- the template environment ---------------------------------------------------------------------

@pass_eval_context
def _finalize(ctx: EvalContext, value: Any) -> Any:
    # In an HTML template every {{ value }} goes through sanitize.esc (not markupsafe's escape, which writes
    # &#39;/&#34; where the mails always had &#x27;/&quot;); macro output is Markup already and kept as is.
    if ctx.autoescape and not hasattr(value, "__html__"):
        return Markup(esc(value))
    return value


def _line(value: Any, limit: int = 200) -> str:
    return line_text(value, limit=limit)


def _commas(values: Iterable[Any]) -> str:
    # Jinja's own join would escape (and so mark safe) each item in an HTML template: escaping stays with esc.
    return ", ".join(str(v) for v in values)


def _link_text(url: str | None) -> str:
    return safe_url(url) or NO_LINK


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> Environment:
    """The Jinja2 environment: `templates_dir` first (when given), then the packaged templates."""
    loaders: list[Any] = [PackageLoader("crawler.notify", "templates")]
    if templates_dir is not None:
        loaders.insert(0, FileSystemLoader(str(templates_dir)))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"], default=False),
                      finalize=_finalize, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=False)
    env.filters.update(line=_line, commas=_commas, safe_url=safe_url, link_text=_link_text)
    env.globals.update(footer=FOOTER, no_link=NO_LINK, test_body=TEST_BODY, max_items=MAX_DIFF_ITEMS,
                       paragraph_limit=PARAGRAPH_LIMIT, lead_limit=DIGEST_LEAD_LIMIT)
    return env


@contextmanager
def use_templates_dir(templates_dir: Path | None) -> Iterator[None]:
    """Render the mails composed inside this block with `templates_dir`'s templates over the packaged ones."""
    token = _templates_dir.set(templates_dir)
    try:
        yield
    finally:
        _templates_dir.reset(token)


def current_templates_dir() -> Path | None:
    """The user's templates directory in force for this context (None: packaged templates only)."""
    return _templates_dir.get()


def with_config_templates(func: F) -> F:
    """Decorate a function of (store, config, ...) to render its mails with config.alerts.templates_dir."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        config = kwargs["config"] if "config" in kwargs else args[1]
        with use_templates_dir(getattr(config.alerts, "templates_dir", None)):
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def render(name: str, **context: Any) -> str:
    """Render template `name` ("immediate.html", ...); a broken user template is a one-line ConfigError."""
    templates_dir = _templates_dir.get()
    try:
        return environment(templates_dir).get_template(name).render(**context)
    except TemplateError as exc:
        where = f" in {templates_dir}" if templates_dir else ""
        raise ConfigError(f"mail template {name}{where}: {' '.join(str(exc).split())}") from exc


# --- immediate alerts -----------------------------------------------------------------------------

def immediate_text(ev: AlertEvent, source: str, published: str | None,
                   also: Sequence[AlsoReported] = ()) -> str:
    """The text part of an alert about one event (with what changed, for an update)."""
    return render("immediate.txt", ev=ev, diff=ev.diff, source=source, published=published, also=also)


def immediate_html(ev: AlertEvent, source: str, published: str | None,
                   also: Sequence[AlsoReported] = ()) -> str:
    """The HTML part of an alert about one event."""
    return render("immediate.html", ev=ev, diff=ev.diff, source=source, published=published, also=also)


def diff_text(diff: ArticleDiff, *, max_items: int = MAX_DIFF_ITEMS) -> str:
    """What changed, as the text alert shows it (lines ending in a newline), `max_items` of each kind."""
    return render("diff.txt", diff=diff, max_items=max_items)


def diff_html(diff: ArticleDiff, *, max_items: int = MAX_DIFF_ITEMS) -> str:
    """What changed, as the HTML alert shows it (a fragment), `max_items` of each kind."""
    return render("diff.html", diff=diff, max_items=max_items)


# --- digests --------------------------------------------------------------------------------------

def digest_text(topic: str, new: list[DigestRow], updated: list[DigestRow], left_out: int) -> str:
    return render("digest.txt", topic=topic, new=new, updated=updated, left_out=left_out)


def digest_html(topic: str, new: list[DigestRow], updated: list[DigestRow], left_out: int) -> str:
    return render("digest.html", topic=topic, new=new, updated=updated, left_out=left_out)


# --- test message and health notices --------------------------------------------------------------

def probe_text(sent: str) -> str:
    return render("probe.txt", sent=sent)


def probe_html(sent: str) -> str:
    return render("probe.html", sent=sent)


def health_text(report: HealthReport) -> str:
    return render("health.txt", report=report)


def health_html(report: HealthReport) -> str:
    return render("health.html", report=report)
