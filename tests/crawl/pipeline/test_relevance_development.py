"""RelevancePipeline with the developments in the database: an article under min_score that names an active
development's places and actors goes on, with the reason in its match; without such a development, or long
after it, it is dropped. A Scrapy test crawler, a real SQLite file, the product's linker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.config import load_config
from crawler.crawl.discovery.records import CrawledArticle
from crawler.crawl.pipelines import RelevancePipeline
from crawler.story.changes import classify
from crawler.story.developments import DevelopmentLinker
from storage import Store
from tests.story.test_developments import BBC_DETAINED
from tests.story.test_relevance_story import WEAK

TOPIC = "kazakhstan-unrest"


def _pipeline(db: Path) -> RelevancePipeline:
    crawler = get_crawler(settings_dict={"NEWSWATCH_DB": f"sqlite:///{db}",
                                         "NEWSWATCH_CONFIG_OBJECT": load_config(None)})
    return RelevancePipeline.from_crawler(crawler)


def _judge(pipeline: RelevancePipeline, item: CrawledArticle) -> dict | None:  # type: ignore[type-arg]
    try:
        return pipeline.process_item(item).matches[0]  # type: ignore[no-any-return]
    except DropItem:
        return None


def test_an_active_development_lets_a_weak_article_in_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "nw.db"
    with Store.open(f"sqlite:///{db}") as store:
        reported = replace(BBC_DETAINED, lead="Police in Nur-Sultan and Almaty say 2,298 were detained.")
        store.save_article(reported, matches=[{"topic": TOPIC, "terms": ["Kazakhstan"]}], score=9.0,
                           fetched_at=datetime(2022, 1, 7, 7, tzinfo=UTC), listing_date=None,
                           classify=classify, linker=DevelopmentLinker())
    pipeline = _pipeline(db)
    match = _judge(pipeline, CrawledArticle.of(WEAK, None))
    assert match is not None and match["topic"] == TOPIC
    assert match["reason"].startswith("active development 1: names ") and "Almaty" in match["reason"]
    late = CrawledArticle.of(replace(WEAK, article_id="4829003", published_at="2022-01-20T10:00:00+07:00"),
                             None)
    assert _judge(pipeline, late) is None  # the development is no longer active then
    pipeline.close_spider()


def test_without_a_development_the_weak_article_is_dropped(tmp_path: Path) -> None:
    db = tmp_path / "nw.db"
    Store.open(f"sqlite:///{db}").close()
    pipeline = _pipeline(db)
    assert _judge(pipeline, CrawledArticle.of(WEAK, None)) is None
    pipeline.close_spider()
