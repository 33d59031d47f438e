"""When a known article is fetched again (crawl.incremental.decide), and what a crawl's settings hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.config import load_config
from crawler.core.errors import ConfigError
from crawler.crawl.incremental import decide
from crawler.crawl.runner import build_settings, spider_arguments
from storage import Known

NOW = datetime(2022, 1, 8, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)
FP = "fingerprint-now"


def known(status: str, published: str | None = "2021-12-01T10:00:00+07:00", listing: str | None = None,
          fingerprint: str | None = None) -> Known:
    return Known(status, published, listing, "2022-01-07T00:00:00+00:00", fingerprint)


def check(item: Known | None, listing: str | None = None) -> tuple[bool, str]:
    return decide(item, listing, now=NOW, window=WINDOW, verdicts={FP})


def test_unknown_articles_are_fetched_and_deleted_ones_never() -> None:
    assert check(None) == (True, "new")
    assert check(known("deleted"), "2022-01-08T11:00:00+07:00") == (False, "deleted")


def test_stored_articles_come_back_when_the_listing_dates_them_newer() -> None:
    stored = known("stored", listing="2021-12-01T10:00:00+07:00")
    assert check(stored, "2021-12-01T10:00:00+07:00") == (False, "known")
    assert check(stored, "2021-12-01T03:00:00Z") == (False, "known")  # the same moment, in UTC
    assert check(stored, "2021-12-02T08:00:00+07:00") == (True, "listing_newer")
    assert check(stored, None) == (False, "known")


def test_without_a_stored_listing_date_the_publication_time_is_compared() -> None:
    stored = known("stored", published="2021-12-01T10:00:35+07:00")
    assert check(stored, "2021-12-01T10:00:00+07:00") == (False, "known")  # same minute, written differently
    assert check(stored, "2021-12-01T12:00:00+07:00") == (True, "listing_newer")


def test_recent_stored_articles_are_rechecked_within_the_window() -> None:
    assert check(known("stored", published="2022-01-07T10:00:00+07:00")) == (True, "recent")
    assert check(known("stored", published="2022-01-05T10:00:00+00:00")) == (False, "known")
    assert check(known("failed", published=None, listing="2022-01-08T09:00:00+07:00")) == (True, "recent")


def test_irrelevant_articles_wait_for_a_listing_change_or_a_topic_edit() -> None:
    recent = "2022-01-08T10:00:00+07:00"
    assert check(known("irrelevant", published=None, listing=recent, fingerprint=FP)) == (False, "known")
    assert check(known("irrelevant", published=None, listing=recent, fingerprint="older")) == (
        True, "topics_changed")
    assert check(known("irrelevant", published=None, listing=recent, fingerprint=FP),
                 "2022-01-08T18:00:00+07:00") == (True, "listing_newer")


def test_build_settings_layers_config_routes_and_overrides() -> None:
    config = load_config(None, overrides={"routes": {"www.bbc.com": "http://127.0.0.1:9/bbc"},
                                          "crawl": {"download_delay": 0.5}})
    settings = build_settings(config, db_url="sqlite:///x.db",
                              routes={"www.liputan6.com": "http://127.0.0.1:9/l6/"},
                              overrides={"DOWNLOAD_DELAY": 0})
    assert settings.get("NEWSWATCH_DB") == "sqlite:///x.db"
    assert settings.getfloat("DOWNLOAD_DELAY") == 0  # the override beats the config's 0.5
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == config.crawl.concurrent_requests_per_domain
    assert settings.get("NEWSWATCH_ROUTES") == (
        '{"www.bbc.com": "http://127.0.0.1:9/bbc", "www.liputan6.com": "http://127.0.0.1:9/l6"}')
    assert settings.get("NEWSWATCH_CONFIG_OBJECT") is config
    assert build_settings(config).get("NEWSWATCH_DB") == config.storage.url
    with pytest.raises(ConfigError):
        build_settings(config, routes={"www.bbc.com": "not a url"})


def test_spider_arguments() -> None:
    assert spider_arguments() == {}
    assert spider_arguments("2022-01-01", None, True) == {"since": "2022-01-01", "exhaustive": "1"}
