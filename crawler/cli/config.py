"""`newswatch config check|show|schema`: validate the configuration, print it with each value's origin, and
write the JSON Schema of the config file for editors.

    newswatch config check --config newswatch.toml     # "ok: ..." or one line naming the file and key, exit 2
    newswatch config show                              # every key = value  # the layer it came from
    newswatch config schema > newswatch.schema.json    # for editors (Taplo / Even Better TOML, ...)

No secret is printed: the SMTP password is never part of the config (only the name of its variable or file),
and a password inside a URL (storage.url, a route) is shown as ***.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from crawler.cli.configuring import load
from crawler.config import Config
from crawler.config.loader import adapter, defaults_text, dotted
from crawler.core.errors import InputError
from crawler.notify.channels import check_channels

_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^/@\s]+@")
_SECRET_NAME = re.compile(r"password$|secret|token", re.IGNORECASE)
MASK = "***"


@click.group("config")
def config_group() -> None:
    """Check, show and describe the configuration."""


@config_group.command("check")
def check_command() -> None:
    """Validate the configuration: all layers, every key, and what `watch` checks at start (every channel's
    secrets present, the SMTP password file readable); one line and exit 2 on the first problem."""
    config = load()
    channels = check_channels(config)
    config.smtp_password()  # an unreadable password_file: ConfigError naming the key
    where = str(config.path) if config.path is not None else "no config file (packaged defaults)"
    sources = ", ".join(s.name for s in config.enabled_sources()) or "none"
    topics = ", ".join(t.name for t in config.enabled_topics()) or "none"
    click.echo(f"ok: {where}; sources {sources}; topics {topics}; {len(config.subscriptions)} "
               f"subscription(s), {channels} channel(s)")


@config_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_command(fmt: str) -> None:
    """Print the effective configuration, one `key = value  # origin` line per value (secrets masked)."""
    config = load()
    values = file_shaped(config)
    flat = list(flatten(values, ()))
    if fmt == "json":
        data = {"file": str(config.path) if config.path else None, "values": values,
                "origins": {key: config.origin(key) for key, _value in flat}}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"# config file: {config.path or 'none (packaged defaults)'}")
    for key, value in flat:
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}  # {config.origin(key)}")


@config_group.command("schema")
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the schema to this file (default: standard output).")
def schema_command(out: Path | None) -> None:
    """Write the JSON Schema of the config file (for editors: completion and checks in newswatch.toml)."""
    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"newswatch: wrote {out}", err=True)


# ---------------------------------------------------------------------------------------------------------


def mask(key: str, value: Any) -> Any:
    """A value fit to print: a password inside a URL, or a key named like a secret, becomes ***."""
    if isinstance(value, str):
        if _SECRET_NAME.search(key.rsplit(".", 1)[-1]) and value:
            return MASK
        return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", value)
    return value


def file_shaped(config: Config) -> dict[str, Any]:
    """The config as the file writes it: keyword sets by language, no derived names, plain JSON values."""
    raw = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
           if f.name not in ("path", "origins")}
    data = _plain(raw)
    for topic in data.get("topics", {}).values():
        topic.pop("name", None)
        topic["keywords"] = {k.pop("language"): k for k in topic["keywords"]}
    for source in data.get("sources", {}).values():
        source.pop("name", None)
    return data


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def flatten(value: Any, key: tuple[str | int, ...]) -> Any:
    """(dotted key, masked value) for every value; lists of scalars stay whole, [[subscriptions]] per item."""
    if isinstance(value, dict) and value:
        for name, item in value.items():
            yield from flatten(item, (*key, name))
        return
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, (*key, index))
        return
    name = dotted(key)
    yield name, (mask(name, value) if not isinstance(value, list) else [mask(name, v) for v in value])


def json_schema() -> dict[str, Any]:
    """The model's JSON Schema in the file's shape, with each key's description from defaults.toml."""
    schema = adapter().json_schema(mode="validation")
    defs = schema.get("$defs", {})
    topic = defs.get("TopicConfig", {}).get("properties", {})
    if "keywords" in topic:  # a table of languages in the file (a tuple of keyword sets in the model)
        topic["keywords"] = {"type": "object", "minProperties": 1, "title": "Keywords",
                             "propertyNames": {"pattern": "^[a-z]{2,3}$"},
                             "additionalProperties": {"$ref": "#/$defs/LanguageKeywords"}}
    # What the file may write beyond the model's own types: one address for a list of them, one term for a
    # group of terms in `all`.
    to = defs.get("Subscription", {}).get("properties", {}).get("to")
    if to is not None:
        defs["Subscription"]["properties"]["to"] = {"anyOf": [{"type": "string"}, to], "title": "To"}
    groups = defs.get("LanguageKeywords", {}).get("properties", {}).get("all")
    if groups is not None and "items" in groups:
        groups["items"] = {"anyOf": [{"type": "string"}, groups["items"]]}
    for name in ("SourceConfig", "TopicConfig", "LanguageKeywords"):
        definition = defs.get(name, {})
        if "required" in definition:
            definition["required"] = [r for r in definition["required"] if r not in ("name", "language")]
    descriptions = key_descriptions()
    _describe(schema, defs, (), descriptions)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "newswatch configuration (newswatch.toml)", **schema}


def _describe(node: dict[str, Any], defs: dict[str, Any], key: tuple[str, ...],
              descriptions: dict[str, str]) -> None:
    if len(key) > 4:
        return
    target = node
    if "$ref" in node:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    for name, sub in target.get("properties", {}).items():
        here = (*key, name)
        text = descriptions.get(".".join(here))
        if text and "description" not in sub:
            sub["description"] = text
        _describe(sub, defs, here, descriptions)
    extra = target.get("additionalProperties")
    if isinstance(extra, dict):
        _describe(extra, defs, (*key, "*"), descriptions)


def key_descriptions() -> dict[str, str]:
    """Dotted key -> the comment above it in defaults.toml (the one place keys are documented).

    Keys of [sources.NAME] and [topics.NAME] are also filed as `*.key` under their section, so the schema of
    any source or topic gets them.
    """
    out: dict[str, str] = {}
    table: tuple[str, ...] = ()
    comment: list[str] = []
    for line in defaults_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped.lstrip("#").strip()
            if re.match(r"^[a-z_]+ = |^\[", text):  # a commented-out example key, not prose
                continue
            comment.append(text)
            continue
        header = re.match(r"^\[+([^\]]+)\]+", stripped)
        if header:
            table = tuple(header.group(1).split("."))
            comment = []
            continue
        assignment = re.match(r"^([a-z_]+) = ", stripped)
        if assignment and comment:
            key = (*table, assignment.group(1))
            text = " ".join(comment)
            out.setdefault(".".join(key), text)
            if len(key) >= 3 and key[0] in ("sources", "topics"):
                out.setdefault(".".join((key[0], "*", *key[2:])), text)
        if not stripped or assignment:
            comment = []
    return out


COMMANDS = [config_group]
