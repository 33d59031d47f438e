"""Making page-derived text safe for mail headers and HTML.

Everything in an alert (titles, leads, topic names, even the source name) ultimately comes from a web page
or a config file, so it is treated as hostile: it must not add headers or recipients, and it must not put
markup, scripts or remote images into the HTML part.
"""

from __future__ import annotations

import html
import re
import unicodedata
from email.headerregistry import Address
from urllib.parse import urlsplit

from crawler.core.errors import ConfigError

HEADER_LIMIT = 200
# Bidirectional overrides can make a header read differently from what it is (e.g. a reversed address).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
# A plain address: no quotes, spaces, brackets or commas, so it can never smuggle a second address.
_NAMED = re.compile(r"^\s*([^<>]*?)\s*<([^<>]*)>\s*$")
_ADDR_SPEC = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _is_breaking(ch: str) -> bool:
    # Cc covers CR, LF, NUL, NEL (U+0085) and the other C0/C1 controls; Zl/Zp are the Unicode line and
    # paragraph separators, which str.splitlines() (and so the email package) also treats as line ends.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def line_text(value: object, *, limit: int = HEADER_LIMIT) -> str:
    """One line of text (a title, a name): breaks and controls become spaces, runs of space one, capped."""
    text = "" if value is None else str(value)
    text = "".join(" " if _is_breaking(ch) else ch for ch in text if ch not in _BIDI_CONTROLS)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def header_text(value: object, *, limit: int = HEADER_LIMIT) -> str:
    """One line of header-safe text: no line breaks or controls, no encoded words, at most `limit` chars.

    Python's email package decodes RFC 2047 encoded words ("=?utf-8?b?...?=") in header values it is given,
    so an encoded CR LF would become a real header break; "=?" is therefore split to "= ?".
    """
    return line_text(line_text(value, limit=limit).replace("=?", "= ?"), limit=limit)


def esc(value: object) -> str:
    """HTML-escape page text as one line (quotes included, so it is safe in attribute values too)."""
    return html.escape(line_text(value, limit=5000), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it may be linked: absolute http(s) with a host and no whitespace or controls; else None.

    `javascript:`, `data:`, `file:` and relative URLs are never linked.
    """
    if not url or any(ch.isspace() or _is_breaking(ch) for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def mailbox(value: str, *, what: str = "address") -> Address:
    """A validated mailbox from "addr@example.org" or "Name <addr@example.org>".

    Raises ConfigError naming the value when it is not exactly one plain address (addresses come from the
    configuration or the command line).
    """
    if any(_is_breaking(ch) for ch in value):
        raise ConfigError(f"invalid e-mail {what} {header_text(value)!r}: contains a line break or control")
    # Parsed by hand rather than with email.utils.parseaddr, which (before Python 3.13) can read
    # "a@x.org)<b@y.org>"-style strings as a different address than a mail server would.
    match = _NAMED.match(value)
    name, addr = (match.group(1).strip().strip('"'), match.group(2).strip()) if match else ("", value.strip())
    if not _ADDR_SPEC.match(addr):
        raise ConfigError(f"invalid e-mail {what} {header_text(value)!r}: expected one address like "
                          "name@example.org")
    return Address(display_name=header_text(name, limit=80), addr_spec=addr)


def addr_spec(value: str, *, what: str = "address") -> str:
    """The bare address of a mailbox (for the SMTP envelope), validated as in `mailbox`."""
    return mailbox(value, what=what).addr_spec
