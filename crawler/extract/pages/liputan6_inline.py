"""The page data Liputan6 inlines for its analytics: `window.kmklabs.<key> = ...;` and `window.kly...`.

Every Liputan6 (KLY) page template, mobile and desktop, old and new, assigns the article's metadata to a
global object in an inline script: the id, the title, the type ("TextTypeArticle", "PhotoGallery", ...), the
channel, the tags, the publication time and the people (`gtm.authors`, `gtm.reporters`, `gtm.editors`). Older
templates call the object `window.kmklabs`, newer ones `window.kly` (with `kmklabs` kept as an alias). The
markup around the text changes with every redesign; this data has kept its shape, which makes it the
parser's fallback.

Values are read with a JSON decoder from the position after `=`, never with `eval`: a value that is not JSON
(a function call, a quoted JavaScript string) is taken only when it is a plain quoted string or a number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# `window.kmklabs.article = {...}` / `window.kly.gtm = {...}`: one key of the global object.
_KEY_ASSIGNMENT = re.compile(r"window\.(?:kmklabs|kly)\.(?P<key>[A-Za-z_]\w*)\s*=(?!=)\s*")
# `window.kly = {...}`: the whole object at once (an object literal, not `{}` followed by key assignments).
_OBJECT_ASSIGNMENT = re.compile(r"window\.(?:kmklabs|kly)\s*=(?!=)\s*(?=\{)")
_PREFIX = re.compile(r"window\.k")  # where either pattern can start
_QUOTED = re.compile(r"""'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)\"""")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DECODER = json.JSONDecoder()


def _value_at(text: str, pos: int) -> tuple[bool, Any]:
    """The JSON-ish value starting at `pos`: (True, value) or (False, None) when it is not a plain value."""
    if pos >= len(text):
        return False, None
    char = text[pos]
    if char in "{[":
        try:
            value, _ = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError):  # malformed, or nested deeper than the interpreter allows
            return False, None
        return True, value
    if char in "'\"":
        match = _QUOTED.match(text, pos)
        if not match:
            return False, None
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        return True, raw.replace("\\'", "'").replace('\\"', '"').replace("\\/", "/")
    match = _NUMBER.match(text, pos)
    if match:
        number = match.group(0)
        return True, float(number) if "." in number else int(number)
    return False, None


def _starts(html: str) -> list[int]:
    """Where `window.k` occurs: the only places either pattern above can match. One scan of the page for a
    literal (the engine jumps between its occurrences), instead of each pattern stepping through a 300 KB
    page character by character. Not a loop of str.find: restarting it at every occurrence cost a fifth
    more on the bench pages. Occurrences cannot overlap (no suffix of `window.k` starts it), so the
    non-overlapping matches are all of them."""
    return [match.start() for match in _PREFIX.finditer(html)]


def _matches(pattern: re.Pattern[str], html: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(html)`, for a pattern that can only match at `starts`: the same matches."""
    end = 0
    for pos in starts:
        if pos < end:  # inside the previous match: finditer resumes after it
            continue
        match = pattern.match(html, pos)
        if match:
            yield match
            end = match.end()


def inline_data(html: str) -> dict[str, Any]:
    """Every `window.kmklabs.*` / `window.kly.*` value of the page by key; a key's first assignment wins.

    The first one is the server's: later ones are scripts re-assigning a key at run time (page type checks
    such as `window.kmklabs.pageType === ...` are comparisons and are skipped).
    """
    found: dict[str, Any] = {}
    starts = _starts(html)
    for match in _matches(_OBJECT_ASSIGNMENT, html, starts):
        ok, value = _value_at(html, match.end())
        if ok and isinstance(value, dict):
            for key, item in value.items():
                found.setdefault(str(key), item)
    for match in _matches(_KEY_ASSIGNMENT, html, starts):
        key = match.group("key")
        if key in found:
            continue
        ok, value = _value_at(html, match.end())
        if ok:
            found[key] = value
    return found


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def split_names(value: Any) -> list[str]:
    """Names from an inline value: a string ("A, B" or "A|B"), a list, or a {"names": ...} object."""
    if isinstance(value, dict):
        return split_names(value.get("names") or value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in split_names(item)]
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,|]", value) if part.strip()]
    return []
