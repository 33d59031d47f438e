"""The small policies: retry waits, allowed hosts, the title/lead pre-filter, date windows, entry points."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from scrapy.settings import Settings

from crawler.config import load_config
from crawler.crawl.discovery import dates
from crawler.crawl.discovery.filters import KeywordPrefilter, accept_all, load_prefilter
from crawler.crawl.discovery.offsite import host_allowed
from crawler.crawl.retry import backoff_seconds, retry_after_seconds
from spiders.sources import source_settings


def test_retry_after_forms() -> None:
    now = datetime(2022, 1, 7, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds(b"3", now) == 3
    assert retry_after_seconds("Fri, 07 Jan 2022 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Fri, 07 Jan 2022 11:00:00 GMT", now) == 0  # in the past: no wait
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None) is None and retry_after_seconds("") is None


def test_backoff_doubles_and_caps() -> None:
    assert [backoff_seconds(n, 2.0, 60.0) for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 32, 60]
    jittered = backoff_seconds(2, 2.0, 60.0, jitter=0.5)
    assert 4.0 <= jittered <= 6.0


def test_allowed_hosts() -> None:
    patterns = ["www.liputan6.com", "*.bbc.co.uk"]
    assert host_allowed("www.liputan6.com", patterns)
    assert host_allowed("WWW.LIPUTAN6.COM.", patterns)
    assert not host_allowed("m.liputan6.com", patterns)
    assert host_allowed("www.bbc.co.uk", patterns) and host_allowed("bbc.co.uk", patterns)
    assert not host_allowed("evilbbc.co.uk", patterns)
    assert not host_allowed("www.bola.com", patterns)


def test_keyword_prefilter() -> None:
    keep = KeywordPrefilter(["Kazakhstan", "protest*", "Nur-Sultan", "unjuk rasa"])
    assert keep("Pasukan Rusia Tiba di Kazakhstan", None)
    assert keep("KAZAKHSTAN: harga gas naik", None)
    assert keep(None, "Protesters gathered in the main square")
    assert keep("Situasi di Nur Sultan", None)  # space and hyphen are interchangeable
    assert keep("Aksi unjuk-rasa berlanjut", None)
    assert not keep("Harga cabai naik jelang Lebaran", "Pedagang mengeluh.")
    assert keep("Kazakhstanis rally", None)  # a word start is enough
    assert keep(None, None)  # nothing to judge by: fetch it
    assert not KeywordPrefilter(["Almaty"])("Salmaty", None)  # but it must be the start of a word


def test_load_prefilter() -> None:
    assert load_prefilter(Settings(), []) is accept_all
    assert isinstance(load_prefilter(Settings(), ["Kazakhstan"]), KeywordPrefilter)
    assert load_prefilter(Settings({"NEWSWATCH_PREFILTER": "crawler.crawl.discovery.filters.accept_all"}),
                          ["Kazakhstan"]) is accept_all
    keyword = "crawler.crawl.discovery.filters.KeywordPrefilter"
    built = load_prefilter(Settings({"NEWSWATCH_PREFILTER": keyword}),
                           ["Almaty"])
    assert built("Almaty", None) and not built("Jakarta", None)


def test_date_windows() -> None:
    wib = timezone(timedelta(hours=7))
    since, until = date(2022, 1, 5), date(2022, 1, 7)
    # 2022-01-04T20:00Z is already the 5th in Jakarta.
    assert dates.in_window(datetime(2022, 1, 4, 20, tzinfo=UTC), since, until, wib)
    assert not dates.in_window(datetime(2022, 1, 4, 20, tzinfo=UTC), since, until, UTC)
    assert dates.in_window(None, since, until)
    assert not dates.in_window(datetime(2022, 1, 8, 0, 1), since, until)
    assert dates.before(datetime(2022, 1, 4, 23, 59), since) and not dates.before(None, since)
    assert dates.days(since, until) == [date(2022, 1, 7), date(2022, 1, 6), date(2022, 1, 5)]
    assert dates.parse_day("2022-01-05") == since
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        dates.parse_day("05/01/2022")
    assert dates.parse_date("Fri, 07 Jan 2022 10:00:00 +0700") == datetime(2022, 1, 7, 10, tzinfo=wib)
    assert dates.parse_date("not a date") is None


def test_entry_points_from_packaged_config_and_arguments() -> None:
    config = load_config(None)
    liputan6 = source_settings("liputan6", config)
    assert liputan6.allowed_hosts  # the packaged defaults name the hosts
    assert liputan6.tag_listings[0].url == "https://www.liputan6.com/tag/kazakhstan?page=1"
    assert liputan6.tag_listings[0].page(3) == "https://www.liputan6.com/tag/kazakhstan?page=3"
    index = liputan6.index_listing(date(2022, 1, 7))
    assert index is not None and index.url == "https://www.liputan6.com/indeks/2022/01/07?page=1"
    assert "Kazakhstan" in liputan6.terms
    bbc = source_settings("bbc", config)
    assert "https://feeds.bbci.co.uk/news/world/asia/rss.xml" in bbc.feeds
    overridden = source_settings("liputan6", config, {"tags": "kerusuhan-kazakhstan,https://x.test/t",
                                                      "feeds": "", "max_pages": "7"})
    assert [t.url for t in overridden.tag_listings] == [
        "https://www.liputan6.com/tag/kerusuhan-kazakhstan?page=1", "https://x.test/t"]
    assert overridden.feeds == () and overridden.max_pages == 7
