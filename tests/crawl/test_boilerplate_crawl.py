"""Real crawls of a configured outlet whose articles all carry the same promo line inside the article: the
line is learned from the outlet's pages and taken out, and what was learned serves the next crawl."""

from __future__ import annotations

from pathlib import Path

from storage import Store
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl

PROMO = "Follow the Bulletin on Mastodon for more harbour news."
PLACES = ["Aktau", "Atyrau", "Taraz", "Oral", "Semey", "Kostanay", "Pavlodar", "Shymkent", "Karaganda",
          "Petropavl"]
CONFIG = """[sources.bulletin]
allowed_hosts = ["news.bulletin.example"]
sitemaps = ["https://news.bulletin.example/sitemap.xml"]
article_url = '^/story/(?P<id>\\d+)$'
language = "en"
{extra}

[topics.harbours]
description = "Harbour repairs"
[topics.harbours.keywords.en]
any = ["harbour", "berth"]
"""


def _story(n: int) -> str:
    place = PLACES[n]
    return (f"<html><head><title>{place} harbour</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>The berth at {place} harbour reopens after repairs</h1>"
            f"<p>The harbour master in {place} said on Monday that the berth would reopen after repairs to "
            "the quay, ending weeks of delays for the ferries.</p>"
            f"<p>{PROMO}</p>"
            f"<p>Fishing boats from {PLACES[(n + 3) % len(PLACES)]} had been using the northern slipway "
            "while the work went on, the harbour office said.</p>"
            "</article><footer>Bulletin</footer></body></html>")


def _serve(server: LoopbackServer, numbers: range) -> None:
    urls = "".join(f"<url><loc>https://news.bulletin.example/story/{n}</loc>"
                   f"<lastmod>2022-01-0{1 + n % 9}</lastmod></url>" for n in numbers)
    server.add("/bulletin/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>'
               f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
               content_type="application/xml")
    for n in numbers:
        server.add(f"/bulletin/story/{n}", _story(n), content_type="text/html")


def _crawl(server: LoopbackServer, tmp_path: Path, name: str, db: Path, extra: str = "") -> list[dict]:  # type: ignore[type-arg]
    config = tmp_path / f"{name}.toml"
    config.write_text(CONFIG.format(extra=extra), encoding="utf-8")
    workdir = tmp_path / name
    workdir.mkdir()
    result = run_crawl("bulletin", workdir, routes={"news.bulletin.example": server.base("bulletin")},
                       settings={"NEWSWATCH_CONFIG": str(config), "NEWSWATCH_DB": f"sqlite:///{db}",
                                 "CONCURRENT_REQUESTS": 1})
    assert result.returncode == 0, result.log[-3000:]
    assert result.stat("newswatch/boilerplate/lines_removed") == sum(PROMO not in a["body"]
                                                                      for a in result.articles)
    return result.articles


def test_a_line_under_every_article_is_learned_removed_and_remembered(loopback_server: LoopbackServer,
                                                                      tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    _serve(loopback_server, range(7))
    first = _crawl(loopback_server, tmp_path, "first", db)
    assert len(first) == 7
    # The first three pages are what it learns from; from the fourth on the line is gone, the text stays.
    assert sum(PROMO in a["body"] for a in first) == 3
    assert all("harbour master in" in a["body"] and "northern slipway" in a["body"] for a in first)

    # The next crawl meets three new stories (the seven known ones are not fetched again): what the first
    # crawl learned is read back from the database, so even the first new page is cleaned.
    _serve(loopback_server, range(10))
    second = _crawl(loopback_server, tmp_path, "second", db)
    assert sorted(a["article_id"] for a in second) == ["7", "8", "9"]
    assert not any(PROMO in a["body"] for a in second)
    with Store.open(f"sqlite:///{db}") as store:
        stored = [store.get_article("bulletin", str(n)) for n in range(10)]
        assert sum(PROMO in a.body for a in stored if a) == 3
        assert len(store.boilerplate.recent("news.bulletin.example", 100)) == 10


def test_an_outlet_can_turn_learning_off(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    _serve(loopback_server, range(6))
    articles = _crawl(loopback_server, tmp_path, "off", tmp_path / "off.db",
                      extra="learn_boilerplate = false")
    assert len(articles) == 6 and all(PROMO in a["body"] for a in articles)
