"""How every command gets its configuration: one loader and the same options everywhere.

Layers, lowest first: packaged defaults < Scrapy settings.py < the config file (`--config`,
$NEWSWATCH_CONFIG, ./newswatch.toml) < the environment ($NEWSWATCH_DB, NEWSWATCH_<SECTION>__<KEY>) < the
command line (`--set section.key=value`, `-s`).

`add_config_options` gives every command `--config` (when it has none of its own) and `--set`/`-s`; both are
kept on the click context, so `load()` finds them whichever command runs. A `--set NAME=VALUE` whose NAME
has no dot and is upper-case (`DOWNLOAD_DELAY=0`) is a Scrapy setting for the crawl commands, as before.
`--db` values go through the one parser of database locations (crawler/core/locations.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import click

from crawler.config import Config, load_config
from crawler.config.loader import merge, nest, parse_assignment
from crawler.core.errors import NewswatchError
from crawler.core.locations import database_url
from crawler.crawl.configured import project_settings

_CONFIG_KEY = "newswatch.config_path"
_SETS_KEY = "newswatch.sets"


def load(config_path: str | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """The validated configuration for the running command (ConfigError, one line, on a problem).

    `config_path` is the command's own --config value; None falls back to the shared --config option,
    then to $NEWSWATCH_CONFIG and ./newswatch.toml. The command line's `--set key=value` are the top layer.
    """
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    if config_path is None:
        config_path = meta.get(_CONFIG_KEY)
    layer = config_overrides(tuple(meta.get(_SETS_KEY, ())))
    if overrides:
        merge(layer, overrides, "--set", (), {})
    return load_config(config_path, overrides=layer or None, overrides_label="--set",
                       scrapy_settings=project_settings())


def config_overrides(values: tuple[str, ...]) -> dict[str, Any]:
    """The `--set section.key=value` among `values` as a nested dict shaped like the TOML."""
    layer: dict[str, Any] = {}
    for key, value in config_sets(values):
        merge(layer, nest(key, value), "--set", (), {})
    return layer


def is_scrapy_setting(name: str) -> bool:
    return "." not in name and name.upper() == name


def config_sets(values: tuple[str, ...]) -> list[tuple[tuple[str | int, ...], Any]]:
    """The `--set` values that name a config key (section.key=value), parsed."""
    return [parse_assignment(entry, "--set") for entry in values
            if not is_scrapy_setting(entry.partition("=")[0].strip())]


def scrapy_sets(values: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The `--set NAME=VALUE` values that name a Scrapy setting (upper-case, no dot); a VALUE that reads as
    JSON (numbers, true, {...}) is taken as such."""
    if values is None:
        ctx = click.get_current_context(silent=True)
        values = tuple(ctx.meta.get(_SETS_KEY, ())) if ctx is not None else ()
    settings: dict[str, Any] = {}
    for entry in values:
        name, sep, raw = entry.partition("=")
        if not is_scrapy_setting(name.strip()):
            continue
        if not sep or not name.strip():
            raise NewswatchError(f"--set: expected NAME=VALUE, got {entry!r}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        settings[name.strip()] = value
    return settings


def db_location(value: str | None, label: str = "--db") -> str | None:
    """A --db value as an SQLAlchemy URL (a plain path is an SQLite file); None stays None."""
    return None if value is None else database_url(value, label)


def _db_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    return db_location(value)


def db_option(help_text: str = "Database: an SQLAlchemy URL or an SQLite file path (default: the config's "
                               "storage.url, or $NEWSWATCH_DB).") -> Callable[[Any], Any]:
    return click.option("--db", "db_url", metavar="URL", default=None, callback=_db_callback, help=help_text)


def _remember_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_CONFIG_KEY] = value


def _remember_sets(ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:
        ctx.meta[_SETS_KEY] = tuple(ctx.meta.get(_SETS_KEY, ())) + tuple(value)
    for entry in value:  # a malformed one fails now, before the command does anything
        name = entry.partition("=")[0].strip()
        if not is_scrapy_setting(name) or "=" not in entry:
            parse_assignment(entry, "--set")


CONFIG_HELP = "Config file (default: $NEWSWATCH_CONFIG or ./newswatch.toml)."
SET_HELP = ("Override a config key for this run: section.key=VALUE (VALUE as in TOML; a string as it "
            "stands), e.g. crawl.download_delay=5; repeatable. For crawl and watch, an upper-case NAME is a "
            "Scrapy setting (DOWNLOAD_DELAY=0).")


def add_config_options(command: click.Command) -> None:
    """Give `command` (and, for a group, every command in it) --config and --set/-s."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_config_options(sub)
        return
    names = {name for param in command.params for name in getattr(param, "opts", [])}
    if "--config" not in names:
        command.params.append(click.Option(["--config"], metavar="PATH", type=click.Path(dir_okay=False),
                                           default=None, expose_value=False, callback=_remember_config,
                                           help=CONFIG_HELP))
    if "--set" not in names:
        command.params.append(click.Option(["--set", "-s"], metavar="KEY=VALUE", multiple=True,
                                           expose_value=False, callback=_remember_sets, help=SET_HELP))
