"""Reading the user's input files and URLs for the one-shot commands, with one-line errors."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

from crawler.core.errors import InputError
from crawler.extract.decoding import decode_html, looks_binary

# A saved page usually says where it came from; that address picks the right site parser.
_CANONICAL = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)
_OG_URL = re.compile(
    r"""<meta\b(?=[^>]*\bproperty\s*=\s*["']?og:url\b)[^>]*\bcontent\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)

USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"


def read_bytes(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise InputError(f"no such file: {path}")
    if p.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    if not data.strip():
        raise InputError(f"empty file: {path}")
    return data


def read_html(path: str) -> str:
    """The decoded HTML of a file (any encoding, declared or not)."""
    data = read_bytes(path)
    try:
        return decode_html(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc


def read_text_lines(path: str) -> list[str]:
    """A plain-text article, one paragraph a line."""
    data = read_bytes(path)
    if looks_binary(data):
        raise InputError(f"{path}: binary data, expected a plain-text article")
    data = data.replace(b"\x00", b"")  # isolated NULs (looks_binary let them pass): never text
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = decode_html(data)
    return text.splitlines()


def fetch_html(url: str, timeout: float = 30.0) -> str:
    """Fetch one page (the `extract URL` form). Network failures become one-line errors."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http(s) only
            data = response.read(20_000_000)
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot reach {url}: {reason} (offline? `make demo` runs against a local replay "
                         "site)") from exc
    return decode_html(data, charset)


def page_address(html: str) -> str | None:
    """The http(s) address a saved page declares for itself (canonical link, else og:url), if any."""
    head = html[:300_000]
    match = _CANONICAL.search(head) or _OG_URL.search(head)
    return match.group(1) if match else None
