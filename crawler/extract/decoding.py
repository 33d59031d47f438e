"""Turning page bytes into text, whatever the page claims about its encoding.

Order of trust: a byte-order mark, then valid multi-byte UTF-8, then a declared charset that actually decodes
the bytes, then windows-1252 for Latin-script text, then charset detection. A declaration is checked, not
believed: pages declaring UTF-8 while serving windows-1252 are common, and so are UTF-8 pages still labelled
ISO-8859-1 (a single-byte label "decodes" anything, into mojibake). latin-1 declarations are read as
windows-1252, as browsers do (the WHATWG encoding standard); a UTF-16/32 label on a page without a byte-order
mark is ignored (the bytes are ASCII-compatible, or looks_binary would have refused them).

Unusable bytes raise UnreadablePage (an InputError) whose `kind` ("empty", "binary", "undecodable") names the
problem for crawl stats.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from charset_normalizer import from_bytes

from crawler.core.errors import InputError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
# Browsers treat these labels as windows-1252, which is a superset of what such pages really hold.
_WINDOWS_1252_ALIASES = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "us-ascii", "ascii", "cp819"}
_WIDE_CODECS = ("utf-16", "utf-32")


class UnreadablePage(InputError):
    """Bytes that are no text page: `kind` is "empty", "binary" or "undecodable"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with both arguments: a parse worker (crawler/crawl/parsepool.py) sends it back to the crawl.
        return (UnreadablePage, (self.kind, str(self)))


# File signatures of formats that are never a text page (images, archives, documents, executables, media).
BINARY_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"%PDF-", b"PK\x03\x04", b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\xfd7zXZ\x00", b"BZh91", b"\x7fELF", b"\x00asm", b"OggS",
    b"fLaC", b"\x00\x00\x01\x00", b"wOFF", b"wOF2", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
)
_RIFF_KINDS = (b"WEBP", b"WAVE", b"AVI ")
# Share of NUL and other control bytes in the first 4 KiB above which the data is no text page. Five stray
# NULs in a 6 kB article (a template bug, a bad copy) are 0.1%; random bytes are about 9%.
CONTROL_SHARE = 0.05
# The bytes counted as control characters: below TAB, and between CR and space.
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])


def looks_binary(data: bytes) -> bool:
    """True for data no text page holds: a binary format's signature, or many NUL/control bytes in the
    first 4 KiB. A few isolated NULs do not make a page binary (decode_html drops them)."""
    head = data[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if head.startswith(BINARY_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] in _RIFF_KINDS):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # in C: a Python loop was 1 ms a page
    return bool(head) and controls / len(head) > CONTROL_SHARE


def _looks_western(data: bytes) -> bool:
    """True when non-ASCII bytes are a small minority of the letters: accented letters in a Latin-script
    language. Cyrillic, Greek or Arabic in a legacy single-byte encoding has mostly non-ASCII letters."""
    sample = data[:200_000]
    high = sum(1 for b in sample if b >= 0x80)
    letters = sum(1 for b in sample if 65 <= b <= 90 or 97 <= b <= 122)
    return high > 0 and high / (high + letters) < 0.3


def _normalise(label: str) -> str | None:
    label = label.strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes, header_charset: str | None = None) -> str | None:
    if header_charset:
        return _normalise(header_charset)
    head = data[:4096]
    match = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return _normalise(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(data: bytes, header_charset: str | None = None) -> str:
    """Decode page bytes to text. Raises InputError for empty, binary or undecodable data."""
    if not data or not data.strip():
        raise UnreadablePage("empty", "empty input: the page has no content")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    if looks_binary(data):
        raise UnreadablePage("binary", "binary data: this is not an HTML page")
    # Isolated NULs in a text page: no encoding this far means them, and they would reach the stored text.
    data = data.replace(b"\x00", b"")
    declared = declared_charset(data, header_charset)
    if declared and declared.startswith(_WIDE_CODECS):
        declared = None  # no BOM and no NULs: whatever the label says, these are not UTF-16/32 bytes
    if not data.isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    candidates = [c for c in (declared, "utf-8") if c]
    for codec in dict.fromkeys(candidates):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    if _looks_western(data):
        # Detection guesses badly on Latin-script pages with a few accented letters ("café" came out as
        # windows-1250 "naďve" and as Arabic); windows-1252 is what browsers fall back to for them.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        encoding = _normalise(best.encoding) or best.encoding
        return data.decode(encoding, errors="replace")
    # Every byte decodes in windows-1252 except five undefined ones; replace those rather than fail.
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100:
        raise UnreadablePage("undecodable",
                             "undecodable bytes: the page's text encoding cannot be determined")
    return text
