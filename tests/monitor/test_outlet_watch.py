"""An outlet added by configuration alone, followed by the monitor like a built-in source.

`newswatch watch --once` cycles (real subprocesses: a real Scrapy crawl with the generic spider and
extractor) against the Caspian Courier's markup (crawler/demo/outlet_pages.py) served by the loopback
server, with alerts to a real SMTP server (aiosmtpd): a new article, then a material update that gives a
second version and an "updated" alert threaded under the first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo import outlet_pages
from crawler.demo.catalog import DemoArticle
from tests.monitor.helpers import RECIPIENT, REPO, db_url, plain_text, watch_once, write_config
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer, Reply

HTML = "text/html; charset=utf-8"


def _story(article_id: str, slug: str, title: str, day: int, body: tuple[str, ...]) -> DemoArticle:
    return DemoArticle(site="caspian", id=article_id, slug=slug, title=title, lead=body[0],
                       published=datetime(2022, 1, day, 9, 0, tzinfo=UTC), body=body,
                       authors=("Test Writer",), section="Region")


FIRST = _story("200101", "almaty-curfew-extended", "Curfew extended in Almaty as Kazakhstan unrest goes on",
               5, (
    "The curfew in Almaty was extended on Wednesday as protests in Kazakhstan continued into a third night.",
    "President Tokayev said the state of emergency would stay in place until order was restored.",
    "Residents said shops and banks in the city centre remained closed.",
))
SECOND = _story("200102", "csto-troops-arrive", "CSTO troops arrive in Kazakhstan", 6, (
    "The first soldiers of the CSTO alliance landed in Kazakhstan on Thursday after a request from Tokayev.",
    "Officials said about 2,500 peacekeepers would guard government buildings during the unrest.",
    "Protesters in Almaty said they had not been told how long the troops would stay.",
))


class CourierSite:
    """The outlet's Atom feed and article pages; `publish` and `edit` change what the next cycle sees."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.articles: dict[str, DemoArticle] = {}
        self._lock = threading.Lock()
        server.handle("/caspian/", self._reply)

    def routes(self) -> dict[str, str]:
        return {outlet_pages.HOST: self.server.base("caspian")}

    def publish(self, article: DemoArticle) -> None:
        with self._lock:
            self.articles[article.id] = article

    def edit(self, article_id: str, body: tuple[str, ...]) -> None:
        with self._lock:
            current = self.articles[article_id]
            self.articles[article_id] = replace(current, body=body,
                                                modified=current.published + timedelta(days=2))

    def _reply(self, path: str) -> Reply | None:
        bare = urlsplit(path).path.removeprefix("/caspian")
        with self._lock:
            items = sorted(self.articles.values(), key=lambda a: a.last_modified, reverse=True)
        if bare == outlet_pages.FEED_PATH:
            feed = outlet_pages.atom(items, items[0].last_modified)
            return Reply(200, feed.encode(), {"Content-Type": "application/atom+xml; charset=utf-8"})
        for article in items:
            if article.path == bare:
                page = outlet_pages.article_page(article, [a for a in items if a.id != article.id])
                return Reply(200, page.encode(), {"Content-Type": HTML})
        return None


def _versions(config: Path, key: str) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "crawler", "articles", "show", key, "--format", "json",
                           "--db", db_url(config)], cwd=REPO, capture_output=True, text=True, timeout=60,
                          check=True)
    return list(json.loads(done.stdout)["versions"])


def test_a_configured_outlet_is_watched_like_a_builtin_source(loopback_server: LoopbackServer,
                                                              smtp_server: LoopbackSmtpServer,
                                                              tmp_path: Path) -> None:
    site = CourierSite(loopback_server)
    site.publish(FIRST)
    # Only the outlet's feed: the listing template is left out so that the test serves one way in.
    outlet = outlet_pages.CONFIG.replace('listings = ["https://www.caspian-courier.example/region/page/{page}/"]',
                                         "")
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, extra=outlet)

    # Cycle 1: the backlog is one digest.
    first = watch_once(config, "--source", "caspian")
    assert first.returncode == 0, first.log
    assert "cycle 1: caspian finished" in first.log
    (digest,) = smtp_server.received()
    assert "Curfew extended in Almaty" in plain_text(digest.message)

    # Cycle 2: a new article: one "new" alert naming the outlet.
    site.publish(SECOND)
    second = watch_once(config, "--source", "caspian")
    assert second.returncode == 0, second.log
    (new,) = smtp_server.received()[1:]
    alert = new.message
    assert new.rcpt_tos == [RECIPIENT]
    assert alert["Subject"] == "[newswatch] caspian: CSTO troops arrive in Kazakhstan"
    assert "https://www.caspian-courier.example/region/2022/01/06/csto-troops-arrive-200102/" in \
        plain_text(alert)

    # Cycle 3: the article is revised (the feed's <updated> moves on): a second version, and one "updated"
    # alert threaded under the first.
    site.edit("200102", (
        SECOND.body[0],
        "Officials now say 2,030 peacekeepers guarded government buildings, the airport and power stations.",
        SECOND.body[2],
    ))
    third = watch_once(config, "--source", "caspian")
    assert third.returncode == 0, third.log
    (update,) = smtp_server.received()[2:]
    assert update.message["In-Reply-To"] == alert["Message-ID"]
    assert "2,030 peacekeepers" in plain_text(update.message)
    versions = _versions(config, "caspian:200102")
    assert [v["version_no"] for v in versions] == [1, 2]
    assert len(_versions(config, "caspian:200101")) == 1

