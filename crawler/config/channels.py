"""Channel destinations (Apprise URLs) in the configuration, and the secrets they name.

A subscription's `channels` are Apprise URLs ("json://host/path", "tgram://${TELEGRAM_TOKEN}/12345",
"slack://${SLACK_TOKENS}/#desk"). A secret is never written into the URL itself: it is a placeholder,
`${NAME}` for the environment variable NAME or `${file:PATH}` for a secret file (relative to the config file),
read only when a message is sent, the way the SMTP password is. The URL *as written*, placeholders and all,
is what the database keeps and what logs and `newswatch status` show, so a secret is never stored or logged.

Two levels of checking, both one line naming the subscription:
- `problem(url)` at config load: the URL is well formed, its scheme is one Apprise knows, placeholders are
  well formed; a URL without placeholders must also be accepted by its Apprise plugin.
- `resolve(url, base_dir)` when a channel is used (and at start, see crawler.notify.channels.check_channels):
  every secret present, and the filled-in URL accepted by its plugin.

Apprise is imported lazily: loading a config that has no channels never imports it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.core.errors import ConfigError

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class Resolved:
    """A channel URL with its secrets filled in. `secrets` are the values to scrub from any text shown."""

    template: str
    url: str
    secrets: tuple[str, ...]

    def scrub(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def scheme_of(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def is_channel(destination: str) -> bool:
    """Whether a destination is a channel URL (else it is an e-mail address)."""
    return scheme_of(destination) is not None


@lru_cache(maxsize=1)
def known_schemes() -> frozenset[str]:
    """Every URL scheme Apprise has a plugin for."""
    from apprise.manager_plugins import NotificationManager

    return frozenset(str(s).lower() for s in NotificationManager().schemas())


def _placeholders(url: str) -> list[str]:
    return _PLACEHOLDER.findall(url)


def problem(url: str) -> str | None:
    """What is wrong with a channel URL as written in the config (None: nothing found without secrets)."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return f"malformed channel URL {_shown(url)}: contains whitespace or a control character"
    scheme = scheme_of(url)
    if scheme is None:
        return f"malformed channel URL {_shown(url)}: expected SCHEME://... (an Apprise URL)"
    if scheme not in known_schemes():
        return f"unknown channel scheme {scheme!r} in {_shown(url)}"
    if "${" in _PLACEHOLDER.sub("", url):
        return f"malformed secret placeholder in {_shown(url)}: write ${{NAME}} or ${{file:PATH}}"
    for name in _placeholders(url):
        if name.startswith("file:"):
            if not name[5:].strip():
                return f"empty secret file name in {_shown(url)}"
        elif not _ENV_NAME.match(name):
            return f"not an environment variable name in {_shown(url)}: {name!r}"
    if not _placeholders(url):
        plugin = _instantiate(url)
        if plugin is None:
            return f"malformed channel URL {_shown(url)}: its {scheme}:// plugin does not accept it"
        if literal_secret(Resolved(url, url, ())):
            return (f"a secret is written into channel URL {_shown(plugin.url(privacy=True))}: give it as "
                    "${NAME} (an environment variable) or ${file:PATH} (a secret file)")
    return None


def resolve(url: str, base_dir: Path, environ: Any = None) -> Resolved:
    """Fill in the secrets of a channel URL; ConfigError (one line, no secret in it) when one is missing or
    the result is not a URL its plugin accepts."""
    env = os.environ if environ is None else environ
    secrets: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("file:"):
            path = base_dir / Path(name[5:].strip()).expanduser()
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"secret missing: cannot read secret file {path}: "
                                  f"{exc.strerror or exc}") from None
            if not value:
                raise ConfigError(f"secret missing: secret file {path} is empty")
        else:
            value = env.get(name) or ""
            if not value:
                raise ConfigError(f"secret missing: environment variable {name} is not set")
        secrets.append(value)
        return value

    filled = _PLACEHOLDER.sub(fill, url)
    resolved = Resolved(url, filled, tuple(secrets))
    if _instantiate(filled) is None:
        raise ConfigError(f"malformed channel URL {_shown(url)}: its {scheme_of(url)}:// plugin does not "
                          "accept it (with its secrets filled in)")
    if literal_secret(resolved):
        masked = _instantiate(filled).url(privacy=True)
        raise ConfigError(f"a secret is written into channel URL {_shown(masked)}: give every token or "
                          "password as ${NAME} or ${file:PATH}")
    return resolved


def literal_secret(resolved: Resolved) -> bool:
    """Whether the plugin treats some part of the URL as private that was written literally in the config
    (a token or password not given as a placeholder): such a URL would put a secret in the database."""
    plugin = _instantiate(resolved.url)
    if plugin is None:
        return False
    full = set(_parts(plugin.url(privacy=False)))
    masked = set(_parts(plugin.url(privacy=True)))
    hidden = [part for part in full - masked if len(part) > 2]
    return any(part in resolved.template and all(part not in s for s in resolved.secrets) for part in hidden)


def _parts(url: str) -> list[str]:
    from urllib.parse import unquote

    return [unquote(p) for p in re.split(r"[/:@?&=#,]+", url) if p]


def _instantiate(url: str) -> Any:
    """The Apprise plugin object for a URL, or None when the plugin rejects it. No network."""
    import apprise

    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True) or None
    except Exception:  # a plugin that throws on a bad URL is a bad URL
        return None


def _shown(url: str) -> str:
    text = url if len(url) <= 120 else url[:117] + "..."
    return repr(text)
