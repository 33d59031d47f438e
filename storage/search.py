"""Full-text search: a user's words as an FTS5 query (or LIKE terms elsewhere), ranked hits with snippets.

User text never reaches FTS5 raw: its query language gives meaning to characters that are common in news
("2.500", "Kassym-Jomart", "AS:"), and a stray one is a syntax error. Each word becomes a quoted string.
"""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select, text

from crawler.core.errors import InputError
from storage import schema as s
from storage.database import Database
from storage.records import SearchHit

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


def search_articles(db: Database, query: str, limit: int = 20) -> list[SearchHit]:
    """Full-text search over title, lead and body: FTS5 (best match first) on SQLite, LIKE elsewhere.

    Words are ANDed; "quoted words" form a phrase; a trailing * matches a prefix; OR between words.
    """
    if db.dialect != "sqlite":
        return _search_like(db, query, limit)
    match = fts_query(query)
    sql = text(
        "SELECT a.source, a.article_id, a.url, a.title, a.published_at, "
        "snippet(articles_fts, -1, '[', ']', ' … ', 16) AS snippet "
        "FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH :match ORDER BY bm25(articles_fts), a.id LIMIT :limit"
    )
    with db._read() as conn:
        rows = conn.execute(sql, {"match": match, "limit": limit}).all()
    return [SearchHit(r.source, r.article_id, r.url, r.title, r.published_at, r.snippet) for r in rows]

def _search_like(db: Database, query: str, limit: int) -> list[SearchHit]:
    """The portable search: every word in title, lead or body, case-insensitively; newest first."""
    terms = like_terms(query)
    a = s.articles
    conditions = [or_(*(func.lower(func.coalesce(col, "")).contains(term.lower(), autoescape=True)
                        for col in (a.c.title, a.c.lead, a.c.body))) for term in terms]
    dated = func.coalesce(a.c.published_utc, a.c.first_seen_at)
    with db._read() as conn:
        rows = conn.execute(select(a.c.source, a.c.article_id, a.c.url, a.c.title, a.c.published_at,
                                   a.c.lead, a.c.body)
                            .where(*conditions).order_by(dated.desc(), a.c.id.desc()).limit(limit)).all()
    return [SearchHit(r.source, r.article_id, r.url, r.title, r.published_at,
                      plain_snippet(f"{r.lead or ''}\n\n{r.body}", terms)) for r in rows]
