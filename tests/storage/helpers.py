"""Articles and a change classifier for storage tests.

`classify` is a small real rule (not a stub): new when nothing is stored, unchanged when title and body are
equal, updated otherwise, material unless only whitespace changed. The product's own classifier lives in the
change-detection module; the store only needs something with the same signature.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crawler.core.items import Article
from storage import Change, PreviousVersion, SaveResult, Store
from tests.conftest import shared_path

FETCHED = datetime(2022, 1, 7, 9, 0, tzinfo=UTC)
KZ_MATCH = [{"topic": "kazakhstan", "terms": ["Kazakhstan", "Almaty"]}]


def classify(previous: PreviousVersion | None, article: Article) -> Change:
    if previous is None:
        return Change("new", True)
    if previous.title == article.title and previous.body == article.body:
        return Change("unchanged")
    before, after = previous.body.split("\n\n"), article.body.split("\n\n")
    material = (" ".join(previous.body.split()) != " ".join(article.body.split())
                or previous.title != article.title)
    return Change("updated", material, {"added": [p for p in after if p not in before],
                                        "removed": [p for p in before if p not in after]})


def article(article_id: str = "1000001", *, source: str = "liputan6", title: str = "Pasukan Rusia tiba",
            body: str = "Pasukan Rusia telah tiba di Kazakhstan.\n\nKerusuhan di Almaty berlanjut.",
            published_at: str | None = "2022-01-07T08:05:00+07:00",
            lead: str | None = "Nur-Sultan") -> Article:
    host = "www.liputan6.com/global/read" if source == "liputan6" else "www.bbc.com/news"
    return Article(source=source, article_id=article_id, url=f"https://{host}/{article_id}/x", title=title,
                   lead=lead, published_at=published_at, body=body, authors=["Reporter"], tags=["Kazakhstan"],
                   language="id" if source == "liputan6" else "en")


def save(store: Store, item: Article, *, matches: list[dict] | None = None, fetched_at: datetime = FETCHED,
         listing_date: str | None = None) -> SaveResult:
    return store.save_article(item, matches=KZ_MATCH if matches is None else matches, score=2.0,
                              fetched_at=fetched_at, listing_date=listing_date, classify=classify)


def seed_body() -> str:
    """The seed Liputan6 article's clean text as a body (paragraphs separated by a blank line)."""
    lines = shared_path("seed/liputan6-kazakhstan-2022-01-07.clean.txt").read_text(encoding="utf-8")
    return "\n\n".join(line.strip() for line in lines.splitlines() if line.strip())


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
