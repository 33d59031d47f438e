"""Full-text search: a user's words as an FTS5 query on SQLite, a tsquery on PostgreSQL (LIKE terms on
anything else), ranked hits with snippets.

User text never reaches FTS5 raw: its query language gives meaning to characters that are common in news
("2.500", "Kassym-Jomart", "AS:"), and a stray one is a syntax error. Each word becomes a quoted string.
On PostgreSQL the same query language (words ANDed, "phrases", word* prefixes, OR) maps onto
websearch_to_tsquery (which never raises on user text) for words and phrases and a quoted to_tsquery lexeme
with :* for prefixes, over the articles.search_vector column (a generated tsvector in the 'simple'
configuration, so Indonesian and English are both indexed word for word; title weighs A, lead B, body C)
with its GIN index.
"""

from __future__ import annotations

import re
from typing import Any

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
    if db.dialect == "postgresql":
        return _search_postgres(db, query, limit)
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

def ts_groups(query: str) -> list[tuple[str, list[str]]]:
    """The query as OR-ed groups, each (words and "phrases" for websearch_to_tsquery, prefix lexemes).

    OR binds loosest, as in FTS5: `a b OR c` is (a AND b) OR c.
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for word, phrase in _words(query):
        if not phrase and word == "OR":
            if groups[-1] != ([], []):
                groups.append(([], []))
            continue
        if not phrase and word.endswith("*"):
            groups[-1][1].append(word.rstrip("*"))
        else:
            # websearch_to_tsquery reads "..." as a phrase and a leading - as NOT: quote every word so a
            # hyphenated name or a minus in a figure stays text.
            groups[-1][0].append('"' + word.replace('"', " ") + '"')
    found = [(" ".join(words), prefixes) for words, prefixes in groups if words or prefixes]
    if not found:
        raise InputError("empty search: give at least one word")
    return found


def _prefix_lexeme(word: str) -> str:
    """A to_tsquery operand matching lexemes that start with `word` (quoted: no operator survives)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*"


def _search_postgres(db: Database, query: str, limit: int) -> list[SearchHit]:
    """tsvector search: ranked by ts_rank_cd over the weighted vector, highlighted with ts_headline."""
    params: dict[str, Any] = {"limit": limit}
    ors: list[str] = []
    for g, (words, prefixes) in enumerate(ts_groups(query)):
        ands: list[str] = []
        if words:
            params[f"w{g}"] = words
            ands.append(f"websearch_to_tsquery('simple', :w{g})")
        for p, prefix in enumerate(prefixes):
            params[f"p{g}_{p}"] = _prefix_lexeme(prefix)
            ands.append(f"to_tsquery('simple', :p{g}_{p})")
        ors.append("(" + " && ".join(ands) + ")")
    tsquery = " || ".join(ors)
    # The headline is worked out for the page of hits only (it re-parses the text), hence the subquery.
    sql = text(
        "SELECT h.source, h.article_id, h.url, h.title, h.published_at, "
        "ts_headline('simple', concat_ws(' ', h.title, h.lead, h.body), h.q, "
        "'StartSel=[, StopSel=], MaxWords=16, MinWords=6, MaxFragments=2, FragmentDelimiter=\" … \"') "
        "AS snippet FROM ("
        f"SELECT a.id, a.source, a.article_id, a.url, a.title, a.lead, a.body, a.published_at, q.q, "
        "ts_rank_cd(a.search_vector, q.q) AS rank "
        f"FROM articles AS a, (SELECT {tsquery} AS q) AS q "
        "WHERE a.search_vector @@ q.q ORDER BY rank DESC, a.id LIMIT :limit) AS h "
        "ORDER BY h.rank DESC, h.id"
    )
    with db._read() as conn:
        rows = conn.execute(sql, params).all()
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
