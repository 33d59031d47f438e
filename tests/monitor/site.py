"""A BBC-like site the test scripts between cycles: one RSS feed and the article pages it links.

Pages are rendered with the demo's BBC templates (crawler/demo/bbc_pages.py) from `DemoArticle` values the
test writes, so the text is ours and the markup is the shape the BBC parser reads. Served by the loopback
test server (tests/servers) under /bbcfeeds (feeds.bbci.co.uk) and /bbc (www.bbc.com and www.bbc.co.uk).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from crawler.demo import bbc_pages
from crawler.demo.catalog import DemoArticle
from tests.servers import LoopbackServer, Reply

FEED_PATH = "/news/world/rss.xml"
FEED_URL = "https://feeds.bbci.co.uk" + FEED_PATH
HTML = "text/html; charset=utf-8"


def story(article_id: str, title: str, *, relevant: bool = True, day: int = 3,
          paragraphs: tuple[str, ...] | None = None) -> DemoArticle:
    """A made-up BBC story. Relevant ones are about the Kazakhstan unrest; the others are not."""
    if paragraphs is None:
        if relevant:
            paragraphs = (
                f"Protesters gathered again in Almaty on the day this story ({article_id}) was filed.",
                "The unrest in Kazakhstan began over a rise in the price of liquefied petroleum gas.",
                "President Tokayev said order had been restored and a curfew stayed in place.",
            )
        else:
            paragraphs = (
                f"A village bakery won a regional prize for its sourdough on the day of story {article_id}.",
                "The judges praised the crust and the bakers thanked their customers.",
            )
    lead = paragraphs[0].split(" on the day")[0] + "."
    return DemoArticle(site="bbc", id=article_id, title=title, lead=lead,
                       published=datetime(2022, 1, day, 9, 0, tzinfo=UTC), body=paragraphs,
                       authors=("Test Correspondent",), section="Asia", tags=("Test",), relevant=relevant,
                       feeds=("world",))


class ScriptedFeedSite:
    """The site's state; `publish`, `edit` and `touch` change what the next request sees."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self.articles: dict[str, DemoArticle] = {}
        self.delays: dict[str, float] = {}  # article id (or "feed") -> seconds before the server answers
        server.handle("/bbcfeeds/", self._feed)
        server.handle("/bbc/", self._article)

    def routes(self) -> dict[str, str]:
        base = self.server.base("bbc")
        return {"feeds.bbci.co.uk": self.server.base("bbcfeeds"), "www.bbc.com": base, "www.bbc.co.uk": base}

    def publish(self, article: DemoArticle) -> None:
        with self._lock:
            self.articles[article.id] = article

    def edit(self, article_id: str, **changes: Any) -> None:
        """Change a stored story (title, lead, body...); its feed date moves forward as the BBC's does."""
        with self._lock:
            current = self.articles[article_id]
            modified = (current.modified or current.published) + timedelta(days=1)
            self.articles[article_id] = replace(current, modified=modified, **changes)

    def _feed(self, path: str) -> Reply | None:
        if urlsplit(path).path != "/bbcfeeds" + FEED_PATH:
            return None
        with self._lock:
            items = sorted(self.articles.values(), key=lambda a: a.last_modified, reverse=True)
        built = items[0].last_modified if items else datetime(2022, 1, 1, tzinfo=UTC)
        body = bbc_pages.rss("world", items, built).encode("utf-8")
        return Reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"},
                     delay=self.delays.get("feed", 0.0))

    def _article(self, path: str) -> Reply | None:
        bare = urlsplit(path).path.removeprefix("/bbc")
        with self._lock:
            found = next((a for a in self.articles.values() if a.path == bare), None)
        if found is None:
            return None
        return Reply(200, bbc_pages.article_page(found, []).encode("utf-8"), {"Content-Type": HTML},
                     delay=self.delays.get(found.id, 0.0))
