"""Turning a user's search words into an FTS5 query (or LIKE terms), and a plain snippet for LIKE hits.

User text never reaches FTS5 raw: its query language gives meaning to characters that are common in news
("2.500", "Kassym-Jomart", "AS:"), and a stray one is a syntax error. Each word becomes a quoted string.
"""

from __future__ import annotations

import re

from crawler.core.errors import InputError

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def _words(query: str) -> list[tuple[str, bool]]:
    """(text, is_phrase) for each quoted phrase or bare word."""
    found = [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
             for m in _TOKEN.finditer(query)]
    return [(w.strip(), phrase) for w, phrase in found if w.strip().strip('"*')]


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression: words ANDed, "phrases" kept, word* as a prefix, OR between words."""
    parts: list[str] = []
    for word, phrase in _words(query):
        if not phrase and word == "OR":
            if parts and parts[-1] != "OR":
                parts.append("OR")
            continue
        prefix = not phrase and word.endswith("*")
        body = word.rstrip("*") if prefix else word
        parts.append('"' + body.replace('"', '""') + '"' + ("*" if prefix else ""))
    while parts and parts[-1] == "OR":
        parts.pop()
    if parts and parts[0] == "OR":
        parts.pop(0)
    if not parts:
        raise InputError("empty search: give at least one word")
    return " ".join(parts)


def like_terms(query: str) -> list[str]:
    """The words (and phrases) every LIKE hit must contain; OR and * are not supported there."""
    terms = [w.rstrip("*") for w, phrase in _words(query) if phrase or w != "OR"]
    if not terms:
        raise InputError("empty search: give at least one word")
    return terms


def plain_snippet(text: str, terms: list[str], width: int = 160) -> str:
    """About `width` characters of text around the first term found, the term in [brackets]."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    positions = [(lowered.find(t.lower()), t) for t in terms if lowered.find(t.lower()) >= 0]
    if not positions:
        return flat[:width]
    start, term = min(positions)
    left = max(0, start - width // 2)
    right = min(len(flat), start + len(term) + width // 2)
    marked = flat[left:start] + "[" + flat[start:start + len(term)] + "]" + flat[start + len(term):right]
    return ("… " if left else "") + marked + (" …" if right < len(flat) else "")
