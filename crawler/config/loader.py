"""Loading the configuration: layers merged key by key, validated by the models, one line per problem.

Layers, lowest first (a later layer wins, key by key; a list replaces the list below it whole):

1. the packaged defaults, `crawler/config/defaults.toml` (label `defaults.toml`);
2. the Scrapy project settings (`crawler/crawl/settings.py` and the variables it reads, such as
   NEWSWATCH_USER_AGENT and NEWSWATCH_CONTACT), for the [crawl] keys that stand for a Scrapy setting
   (label `settings.py`; the caller passes them, since configuration may not import the crawl package);
3. the user's file: `--config`, else $NEWSWATCH_CONFIG, else ./newswatch.toml when it exists (its path);
4. the environment: $NEWSWATCH_DB (storage.url: a URL or a plain SQLite path), then one variable per key,
   NEWSWATCH_<SECTION>__<KEY>[__<KEY>...] (two underscores between keys, e.g. NEWSWATCH_SMTP__HOST,
   NEWSWATCH_SOURCES__BBC__ENABLED), the value written as in TOML for anything but a string
   (`5`, `true`, `["a", "b"]`, `2022-01-01`); a string is taken as it stands (label `$NAME`);
5. the command line (`--set crawl.download_delay=5`, label `--set`; or `overrides`).

A problem is one ConfigError line naming the layer the offending value came from and its dotted key:
``newswatch.toml: schedule.cron: invalid cron expression ...``.

Why the layers are merged here and not by pydantic-settings' BaseSettings (the models are pydantic v2; only
the merging is ours): tried with the same strict models (pydantic-settings 2.x), its environment source
hands every scalar over as text, which the strict models refuse (`NEWSWATCH_SMTP__PORT=2525`: "Input should
be a valid integer"); a misspelled section (`NEWSWATCH_SMPT__HOST`) is silently ignored instead of refused;
it failed on the existing NEWSWATCH_ROUTES variable ("error parsing value for field routes"); and it does
not say which layer set a value, which `newswatch config show` prints and every error line names. Merging
plain dicts key by key with the origin of each value, then validating once, is this module.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from crawler.config.model import DEFAULTS_LABEL, SCRAPY_SETTING_OF, Config, KeyedProblem, TopicConfig
from crawler.core.errors import ConfigError
from crawler.core.locations import database_url

ENV_CONFIG = "NEWSWATCH_CONFIG"
ENV_DB = "NEWSWATCH_DB"
ENV_PREFIX = "NEWSWATCH_"
ENV_DELIMITER = "__"
LOCAL_CONFIG = "newswatch.toml"
SETTINGS_LABEL = "settings.py"
OVERRIDES_LABEL = "overrides"
# The [crawl] keys a Scrapy project setting stands for, beyond SCRAPY_SETTING_OF (no Scrapy equivalent).
_SCRAPY_EXTRA = {"recheck_window_hours": "NEWSWATCH_RECHECK_WINDOW_HOURS"}

Key = tuple[str | int, ...]
Layer = tuple[str, dict[str, Any]]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ADAPTER: TypeAdapter[Config] | None = None


def adapter() -> TypeAdapter[Config]:
    """The validator of the whole tree (built once: building it costs ~50 ms)."""
    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Config)
    return _ADAPTER


def load_config(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                overrides_label: str = OVERRIDES_LABEL,
                scrapy_settings: Mapping[str, Any] | None = None) -> Config:
    """Read, merge and validate the configuration (the layers are in the module docstring).

    `scrapy_settings`: the Scrapy project settings (names as in settings.py) that sit between the packaged
    defaults and the user file. `overrides`: a nested dict shaped like the TOML, over everything.
    Raises ConfigError naming the layer and dotted key of the first problem.
    """
    layers = config_layers(path, overrides=overrides, overrides_label=overrides_label,
                           scrapy_settings=scrapy_settings)
    user_path = user_config_path(path)
    return build(layers, user_path)


def config_layers(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                  overrides_label: str = OVERRIDES_LABEL,
                  scrapy_settings: Mapping[str, Any] | None = None) -> list[Layer]:
    """Every layer that applies, lowest first, as (label, nested dict)."""
    layers: list[Layer] = [(DEFAULTS_LABEL, read_defaults())]
    if scrapy_settings:
        crawl = settings_layer(scrapy_settings)
        if crawl:
            layers.append((SETTINGS_LABEL, {"crawl": crawl}))
    user_path = user_config_path(path)
    if user_path is not None:
        layers.append((str(user_path), read_toml(user_path)))
    layers.extend(env_layers(os.environ))
    if overrides:
        layers.append((overrides_label, dict(overrides)))
    return layers


def build(layers: list[Layer], user_path: Path | None) -> Config:
    merged: dict[str, Any] = {}
    origins: dict[Key, str] = {}
    for label, data in layers:
        merge(merged, data, label, (), origins)
    base_dir = user_path.parent if user_path is not None else Path.cwd()
    context = {"base_dir": base_dir, "path": user_path,
               "origins": {dotted(k): v for k, v in origins.items()}}
    try:
        return adapter().validate_python(merged, context=context)
    except KeyedProblem as keyed:
        raise ConfigError(f"{blame(keyed.key, origins)}: {dotted(keyed.key)}: {keyed.problem}") from None
    except ValidationError as exc:
        key, problem = explain(exc.errors()[0], merged)
        raise ConfigError(f"{blame(key, origins)}: {dotted(key) or '(top level)'}: {problem}") from None


# ---------------------------------------------------------------------------------------------------------
# The layers


def read_defaults() -> dict[str, Any]:
    text = resources.files("crawler.config").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def defaults_text() -> str:
    return resources.files("crawler.config").joinpath("defaults.toml").read_text(encoding="utf-8")


def user_config_path(path: str | Path | None) -> Path | None:
    """`path`, else $NEWSWATCH_CONFIG, else ./newswatch.toml when it exists, else None."""
    if path is not None and str(path) == "":
        raise ConfigError("--config: empty path")
    if path is not None:
        chosen = Path(path)
    elif os.environ.get(ENV_CONFIG):
        chosen = Path(os.environ[ENV_CONFIG])
    else:
        local = Path(LOCAL_CONFIG)
        return local if local.is_file() else None
    if not chosen.is_file():
        raise ConfigError(f"{chosen}: no such config file")
    return chosen


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict: UTF-8 (a byte-order mark is allowed), else one line with the byte offset."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise ConfigError(f"{path}: not UTF-8 text: byte 0x{data[offset]:02x} at offset {offset} "
                          f"(save the file as UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def settings_layer(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The [crawl] values the Scrapy project settings give (None and absent ones left out)."""
    names = {**SCRAPY_SETTING_OF, **_SCRAPY_EXTRA}
    return {key: settings[name] for key, name in names.items()
            if name in settings and settings[name] is not None}


def env_layers(environ: Mapping[str, str]) -> list[Layer]:
    """$NEWSWATCH_DB, then every NEWSWATCH_<SECTION>__<KEY> variable (sorted, so the order is stable).

    A variable naming no key is an error, as an unknown key in a file is: a typo must not go unnoticed.
    """
    layers: list[Layer] = []
    db = environ.get(ENV_DB, "")
    if db:
        layers.append((f"${ENV_DB}", {"storage": {"url": database_url(db, f"${ENV_DB}")}}))
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX):]
        if ENV_DELIMITER not in rest and rest.lower() != "subscriptions":
            continue  # NEWSWATCH_DB, NEWSWATCH_LOG_LEVEL, ...: variables of their own
        key: Key = tuple(part.lower() for part in rest.split(ENV_DELIMITER))
        label = f"${name}"
        if any(not part for part in key):
            raise ConfigError(f"{label}: empty key between '{ENV_DELIMITER}' delimiters")
        layers.append((label, nest(key, typed_value(key, environ[name], label))))
    return layers


def parse_assignment(text: str, label: str = "--set") -> tuple[Key, Any]:
    """`section.key=value` (the value as in TOML, a string as it stands) for the command line."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f"{label}: expected KEY=VALUE, got {text!r}")
    key: Key = tuple(part.strip() for part in name.split("."))
    if any(not part for part in key):
        raise ConfigError(f"{label}: {name!r} is not a dotted key (e.g. crawl.download_delay)")
    return key, typed_value(key, raw, label)


def nest(key: Key, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(key):
        out = {part: out}
    return dict(out)


def typed_value(key: Key, raw: str, label: str) -> Any:
    """A text value for `key`: as it stands when the key holds a string, else read as a TOML value."""
    annotation = annotation_at(key)
    if annotation is _UNKNOWN:
        raise ConfigError(f"{label}: {dotted(key)}: unknown key")
    if _holds_text(annotation):
        return raw
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw  # validation then says what was expected


_UNKNOWN: Any = object()


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    annotation = _strip(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return [_strip(a) for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _holds_text(annotation: Any) -> bool:
    # Every member: a key that is a word or a number ("auto" or 2) reads 2 as a number, "auto" as text.
    return all(m in (str, Path) or get_origin(m) is Literal for m in _members(annotation))


def _fields(cls: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return {name: hints[name] for name in getattr(cls, "__pydantic_fields__", {})}


def annotation_at(key: Key) -> Any:
    """The type the file holds at `key` (_UNKNOWN when no such key can exist)."""
    current: Any = Config
    index = 0
    while index < len(key):
        part = key[index]
        members = _members(current)
        model = next((m for m in members if hasattr(m, "__pydantic_fields__")), None)
        if model is not None:
            fields = _fields(model)
            if part not in fields or part in ("name", "language", "path", "origins"):
                return _UNKNOWN
            current = fields[part]
            if model is TopicConfig and part == "keywords":
                # a table of languages in the file, a tuple of keyword sets in the model
                item = _strip(get_args(_strip(current))[0])
                current = dict[str, item]  # type: ignore[valid-type]
            index += 1
            continue
        mapping = next((m for m in members if get_origin(m) is dict), None)
        if mapping is not None:
            current = get_args(mapping)[1]
            index += 1
            continue
        return _UNKNOWN
    return current


# ---------------------------------------------------------------------------------------------------------
# Merging and blaming


def merge(base: dict[str, Any], over: Mapping[str, Any], label: str, prefix: Key,
          origins: dict[Key, str]) -> None:
    """Deep-merge `over` into `base`: tables merge key by key, anything else replaces; record where from."""
    for key, value in over.items():
        here = (*prefix, key)
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merge(base[key], value, label, here, origins)
            continue
        base[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
        for old in [k for k in origins if k[: len(here)] == here]:
            del origins[old]
        if isinstance(value, Mapping):
            _record(value, label, here, origins)
        else:
            origins[here] = label


def _record(table: Mapping[str, Any], label: str, prefix: Key, origins: dict[Key, str]) -> None:
    if not table:
        origins[prefix] = label
    for key, value in table.items():
        if isinstance(value, Mapping):
            _record(value, label, (*prefix, key), origins)
        else:
            origins[(*prefix, key)] = label


def blame(key: Key, origins: Mapping[Key, str]) -> str:
    """The layer to name for a problem at `key`: who set it (or the table holding it); for a key nobody
    set (missing), whoever set keys beside it, the user before the defaults."""
    for end in range(len(key), 0, -1):
        if key[:end] in origins:
            return origins[key[:end]]
    for end in range(len(key), -1, -1):
        inside = [v for k, v in origins.items() if k[:end] == key[:end]]
        if inside:
            return next((label for label in reversed(inside) if label != DEFAULTS_LABEL), inside[0])
    return DEFAULTS_LABEL


def dotted(key: Key) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE_KEY.match(part) else json.dumps(part)
            out += f".{text}" if out else text
    return out


# ---------------------------------------------------------------------------------------------------------
# Pydantic's errors as one line each


_EXPECTED = {
    "float_type": "a number", "float_parsing": "a number", "int_type": "an integer",
    "int_from_float": "an integer", "int_parsing": "an integer", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "tuple_type": "a list",
    "list_type": "a list", "dict_type": "a table", "dataclass_type": "a table",
    "dataclass_exact_type": "a table", "model_type": "a table", "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)", "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "path_type": "a path", "finite_number": "a finite number",
}


def explain(error: ErrorDetails, merged: Mapping[str, Any]) -> tuple[Key, str]:
    """(dotted key as the file writes it, problem) for one pydantic error."""
    loc = _file_key(tuple(error["loc"]), merged)
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    item = None
    # An item of a list: name the list (the value is in the message), except the [[subscriptions]] tables.
    while loc and isinstance(loc[-1], int) and not (len(loc) == 2 and loc[0] == "subscriptions"):
        item, loc = loc[-1], loc[:-1]
    if kind == "missing":
        problem = "missing"
    elif kind in ("extra_forbidden", "unexpected_keyword_argument"):
        problem = "unknown key"
    elif kind in _EXPECTED:
        problem = f"expected {_EXPECTED[kind]}, got {type_name(value)}"
    elif kind == "greater_than_equal":
        problem = f"must be at least {ctx['ge']}, got {value}"
    elif kind == "less_than_equal":
        problem = f"must be at most {ctx['le']}, got {value}"
    elif kind == "too_short":
        problem = "must not be empty"
    elif kind == "literal_error":
        problem = f"must be one of {str(ctx.get('expected', '')).replace(' or ', ', ')}, got {value!r}"
    else:
        problem = str(error["msg"])
        if problem.startswith("Value error, "):
            problem = problem[len("Value error, "):]
    if item is not None and (kind != "newswatch" or problem.startswith("must")):
        joiner = " " if problem.startswith("must") else ": "
        problem = f"item {item + 1}{joiner}{problem}"
    return loc, problem


def _file_key(loc: Key, merged: Mapping[str, Any]) -> Key:
    """Pydantic's location in the file's terms: a topic's keyword set N is its language's table."""
    if len(loc) >= 4 and loc[0] == "topics" and loc[2] == "keywords" and isinstance(loc[3], int):
        topic = merged.get("topics", {}).get(loc[1], {})
        languages = list(topic.get("keywords", {})) if isinstance(topic, Mapping) else []
        if loc[3] < len(languages):
            return (*loc[:3], languages[loc[3]], *loc[4:])
    if len(loc) >= 3 and loc[0] in ("sources", "topics") and loc[2] in ("[key]",):
        return loc[:2]
    return loc


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    return type(value).__name__
