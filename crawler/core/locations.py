"""Database locations: the one reader of `--db`, $NEWSWATCH_DB and storage.url values for every command.

A location is an SQLAlchemy URL (`sqlite:///data/newswatch.db`, `postgresql://...`) or a plain path to an
SQLite file (`data/newswatch.db`, `/srv/nw.db`), which means `sqlite:///<path>`. An empty value is refused:
it is a mistake (an unset shell variable), never "the default".
"""

from __future__ import annotations

from crawler.core.errors import NewswatchError


def database_url(location: str, label: str = "--db") -> str:
    """The SQLAlchemy URL for `location` (NewswatchError naming `label` when it is empty)."""
    value = location.strip()
    if not value:
        raise NewswatchError(f"{label}: empty database location: give a URL (sqlite:///data/newswatch.db) "
                             f"or the path of an SQLite file")
    if "://" in value:
        return value
    return f"sqlite:///{value}"
