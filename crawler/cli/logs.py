"""Logging for every `newswatch` command: to stderr (journald keeps it), as text or one JSON object a line.

    newswatch --log-level info --log-format json watch        # or after the verb: watch --log-level info
    NEWSWATCH_LOG_LEVEL=debug NEWSWATCH_LOG_FORMAT=json newswatch watch

A command decides its default level: ERROR for the short-lived ones (they report what went wrong themselves,
in one line: a warning logged on the way would say it twice), INFO for the `watch` daemon's one line per
cycle; `--log-level` overrides it. The libraries that are chatty at INFO (Scrapy's stats dump per crawl,
APScheduler's line per job run) stay at WARNING unless the level asked for is DEBUG.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("scrapy", "twisted", "apscheduler", "py.warnings", "filelock", "asyncio")
# Attributes every LogRecord has: anything else was passed in `extra=` and goes into the JSON object.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


@dataclass
class LogChoice:
    """What the command line asked for (None: the command's default) and the default in force."""

    level: str | None = None
    fmt: str = "text"
    default_level: int = logging.ERROR


_META_KEY = "newswatch.log"


def current_choice(ctx: click.Context | None = None) -> LogChoice:
    """The choice of this invocation (kept in the root context, so each run of the CLI starts afresh)."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return LogChoice()
    choice: LogChoice = ctx.find_root().meta.setdefault(_META_KEY, LogChoice())
    return choice


class StderrHandler(logging.StreamHandler):
    """The handler `configure` installs (a class of its own, so a second call replaces only it)."""


def _from_library(name: str) -> bool:
    return any(name == quiet or name.startswith(quiet + ".") for quiet in QUIET_LOGGERS)


def without_library_traceback(record: logging.LogRecord) -> logging.LogRecord:
    """The record without its traceback when a library logged it (Scrapy logs one for every unreachable
    robots.txt or feed host, 30 lines of its own internals): the message already says what failed, and an
    operator reading a daemon's log wants one line per problem. --log-level debug keeps them."""
    if not record.exc_info or not _from_library(record.name):
        return record
    return logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})


class TextFormatter(logging.Formatter):
    def __init__(self, tracebacks: bool) -> None:
        super().__init__(TEXT_FORMAT)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record if self.tracebacks else without_library_traceback(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC ISO), level, logger, message, exception, and any `extra` fields."""

    def __init__(self, tracebacks: bool = True) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if not self.tracebacks:
            record = without_library_traceback(record)
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                data[key] = value
        return json.dumps(data, ensure_ascii=False, default=str)


def level_number(name: str | None, default: int) -> int:
    return default if name is None else int(logging.getLevelName(name.upper()))


def configure(default_level: int | None = None, choice: LogChoice | None = None) -> None:
    """Send the root logger to stderr with the chosen format and level (`default_level` unless asked)."""
    choice = choice or current_choice()
    if default_level is not None:
        choice.default_level = default_level
    level = level_number(choice.level, choice.default_level)
    root = logging.getLogger()
    for handler in list(root.handlers):
        # Ours from an earlier call, or a bare stderr one (basicConfig's); a crawl's --log-file and handlers
        # of whoever embeds the CLI (pytest's log capture) stay.
        if isinstance(handler, StderrHandler) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = StderrHandler(sys.stderr)
    tracebacks = level <= logging.DEBUG
    handler.setFormatter(JsonFormatter(tracebacks) if choice.fmt == "json" else TextFormatter(tracebacks))
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.captureWarnings(True)


def _set_level(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        choice = current_choice(ctx)
        choice.level = value.lower()
        configure(choice=choice)


def _set_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        choice = current_choice(ctx)
        choice.fmt = value.lower()
        configure(choice=choice)


def log_options() -> list[click.Option]:
    """--log-level and --log-format, for the group and every command (they take effect when parsed)."""
    return [
        click.Option(["--log-level"], type=click.Choice(LEVELS, case_sensitive=False), default=None,
                     envvar="NEWSWATCH_LOG_LEVEL", expose_value=False, is_eager=True, callback=_set_level,
                     help="Log level on stderr (default: error; info for watch)."),
        click.Option(["--log-format"], type=click.Choice(FORMATS, case_sensitive=False), default=None,
                     envvar="NEWSWATCH_LOG_FORMAT", expose_value=False, is_eager=True, callback=_set_format,
                     help="Log lines as text or one JSON object each (default: text)."),
    ]


def add_log_options(command: click.Command) -> None:
    """Give `command` (and, for a group, every command in it) the shared logging options."""
    names = {name for param in command.params for name in getattr(param, "opts", [])}
    if "--log-level" not in names:
        command.params.extend(log_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_log_options(sub)
