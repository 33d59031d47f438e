"""RelevancePipeline writes its "irrelevant" marks in batches: the same rows and stats as one write per page,
in far fewer transactions; and a read-only or full database ends the crawl (StorageError -> storage_failed).

The pipeline runs here outside a crawl (a Scrapy test crawler, a real SQLite file, real articles), so the
batching can be watched mark by mark.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.config import load_config
from crawler.core.items import Article
from crawler.crawl.discovery.records import CrawledArticle
from crawler.crawl.extensions import STORAGE_ERROR_STAT, crawl_store
from crawler.crawl.pipelines import RelevancePipeline, verdict_fingerprint
from storage import Store


def _article(n: int, *, relevant: bool = False) -> CrawledArticle:
    body = ("Pengunjuk rasa di Almaty, Kazakhstan, menolak kenaikan harga gas; protes meluas."
            if relevant else f"Harga cabai di pasar induk naik lagi pekan ini, laporan {n}.")
    article = Article(source="liputan6", article_id=str(4870000 + n),
                      url=f"https://www.liputan6.com/bisnis/read/{4870000 + n}/x",
                      title="Kerusuhan di Kazakhstan" if relevant else f"Harga cabai {n}", lead=None,
                      published_at="2022-01-07T10:00:00+07:00", body=body, language="id")
    return CrawledArticle.of(article, "2022-01-07T10:00:00+07:00")


def _pipeline(db: Path, **settings: object) -> RelevancePipeline:
    Store.open(f"sqlite:///{db}").close()
    crawler = get_crawler(settings_dict={"NEWSWATCH_DB": f"sqlite:///{db}",
                                         "NEWSWATCH_CONFIG_OBJECT": load_config(None), **settings})
    return RelevancePipeline.from_crawler(crawler)


def _seen(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT article_id, status, topics_fingerprint FROM seen "
                                 "ORDER BY article_id"))


def _judge(pipeline: RelevancePipeline, item: CrawledArticle) -> bool:
    """True when the item went on (relevant), False when it was dropped as irrelevant."""
    try:
        pipeline.process_item(item)
    except DropItem:
        return False
    return True


def test_irrelevant_marks_are_written_in_batches_and_at_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    db = tmp_path / "nw.db"
    pipeline = _pipeline(db)
    monkeypatch.setattr(pipeline, "FLUSH_SECONDS", 3600.0)  # only the count and the close flush here
    batch = pipeline.FLUSH_ITEMS
    verdict = verdict_fingerprint(load_config(None), None)
    assert _judge(pipeline, _article(0, relevant=True))
    for n in range(1, batch):
        assert not _judge(pipeline, _article(n))
    assert _seen(db) == []  # waiting: one transaction for the lot, not one per page
    assert not _judge(pipeline, _article(batch))
    assert len(_seen(db)) == batch
    for n in range(batch + 1, batch + 6):
        assert not _judge(pipeline, _article(n))
    assert len(_seen(db)) == batch
    pipeline.close_spider()
    assert _seen(db) == [(str(4870000 + n), "irrelevant", verdict) for n in range(1, batch + 6)]
    stats = pipeline.crawler.stats
    assert stats is not None and stats.get_value("newswatch/articles/irrelevant") == batch + 5


def test_a_mark_waits_at_most_the_flush_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "nw.db"
    pipeline = _pipeline(db)
    monkeypatch.setattr(pipeline, "FLUSH_SECONDS", 0.2)
    assert not _judge(pipeline, _article(1))
    assert _seen(db) == []
    time.sleep(0.3)
    pipeline._flush_if_due()  # what the pipeline's one-second timer calls during a crawl
    assert [row[0] for row in _seen(db)] == ["4870001"]


def test_a_database_that_refuses_the_batch_ends_the_crawl(tmp_path: Path) -> None:
    db = tmp_path / "nw.db"
    Store.open(f"sqlite:///{db}").close()
    pipeline = _pipeline(db, NEWSWATCH_DB=f"sqlite:///file:{db}?mode=ro&uri=true")
    store = crawl_store(pipeline.crawler)
    assert store is pipeline.store
    assert not _judge(pipeline, _article(1))
    pipeline.close_spider()  # the flush fails: recorded for the crawl, not raised
    stats = pipeline.crawler.stats
    assert stats is not None and "read-only" in str(stats.get_value(STORAGE_ERROR_STAT))
    assert _seen(db) == []
