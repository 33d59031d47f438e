"""Each configured feed watched on its own: dead (an error status, no entries) and stale feeds fail the
crawl's health check, named by URL. Two real `newswatch crawl`s of Liputan6's four default feeds on the
loopback server, then the check over the stats they recorded; and the check alone for feeds that answered
304."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from crawler.config import HealthConfig
from crawler.monitor.health import check_feeds, evaluate
from tests.crawl.pipeline.site import last_stats, newswatch_crawl, write_config
from tests.servers import LoopbackServer

HEALTH = HealthConfig(consecutive_failures=3, min_articles=0, max_parse_failure_ratio=0.2,
                      feed_stale_hours=24)
GLOBAL_FEED = "https://feed.liputan6.com/rss/global"
NEWS_FEED = "https://feed.liputan6.com/rss/news"
GLOBAL_PAGE_FEED = "https://www.liputan6.com/global/feed/rss"
NEWS_PAGE_FEED = "https://www.liputan6.com/news/feed/rss"
FEEDS = [GLOBAL_FEED, NEWS_FEED, GLOBAL_PAGE_FEED, NEWS_PAGE_FEED]  # the packaged defaults


def _rss(when: datetime, article_id: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Liputan6</title>'
            f"<item><title>Berita Kazakhstan {article_id}</title>"
            f"<link>https://www.liputan6.com/global/read/{article_id}/berita</link>"
            f"<pubDate>{format_datetime(when)}</pubDate></item></channel></rss>")


def test_dead_and_stale_feeds_of_a_real_crawl_are_named(loopback_server: LoopbackServer,
                                                        tmp_path: Path) -> None:
    now = datetime.now(UTC)
    server = loopback_server
    server.add("/liputan6-feed/rss/global", _rss(now - timedelta(hours=2), "4860001"),
               content_type="application/rss+xml")
    # /liputan6-feed/rss/news is not served: 404.
    server.add("/liputan6/global/feed/rss", _rss(datetime(2022, 1, 7, 9, 0, tzinfo=UTC), "4860002"),
               content_type="application/rss+xml")
    server.add("/liputan6/news/feed/rss", "<html><body><h1>Bukan feed</h1></body></html>",
               content_type="text/html")
    db = tmp_path / "nw.db"
    config = write_config(tmp_path / "nw.toml", liputan6={"feeds": FEEDS, "tags": []})

    run = newswatch_crawl(db, config, server, "--source", "liputan6",
                          settings={"NEWSWATCH_PREFILTER_ON": ""})

    assert run.returncode == 0, run.stderr
    stats = last_stats(db, "liputan6")
    assert f"newswatch/feed/newest/{GLOBAL_FEED}" in stats
    assert stats[f"newswatch/feed/dead/{NEWS_FEED}"] == "HTTP 404"
    assert stats[f"newswatch/feed/dead/{NEWS_PAGE_FEED}"].startswith("no entries")
    message = check_feeds(stats, [], now + timedelta(minutes=1), HEALTH.feed_stale_hours)
    assert message is not None
    assert f"{NEWS_FEED} is dead (HTTP 404)" in message
    assert f"{NEWS_PAGE_FEED} is dead (no entries" in message
    assert f"{GLOBAL_PAGE_FEED} is stale (newest entry" in message
    assert f"{GLOBAL_FEED} " not in message
    checks = [f.check for f in evaluate(stats, [], HEALTH, outcome="finished",
                                        finished_at=now + timedelta(minutes=1))]
    assert "feeds" in checks

    # The next crawl asks conditionally: the unchanged feeds answer 304, alive, judged by what the first
    # run saw in them.
    again = newswatch_crawl(db, config, server, "--source", "liputan6",
                            settings={"NEWSWATCH_PREFILTER_ON": ""})
    assert again.returncode == 0, again.stderr
    second = last_stats(db, "liputan6")
    assert second[f"newswatch/feed/not_modified/{GLOBAL_FEED}"] == 1
    assert f"newswatch/feed/dead/{GLOBAL_FEED}" not in second
    assert second[f"newswatch/feed/dead/{NEWS_FEED}"] == "HTTP 404"
    assert second[f"newswatch/feed/not_modified/{NEWS_PAGE_FEED}"] == 1  # the same HTML page again
    assert check_feeds(second, [stats], now + timedelta(minutes=1), 24) == message.replace(
        "(not a feed, or an empty one))", "(not a feed, or an empty one), unchanged since)")


def test_a_feed_that_answered_304_is_judged_by_what_an_earlier_run_saw() -> None:
    finished = datetime(2022, 1, 10, 12, 0, tzinfo=UTC)
    earlier = {f"newswatch/feed/newest/{GLOBAL_FEED}": "2022-01-10T08:00:00+00:00",
               f"newswatch/feed/newest/{NEWS_FEED}": "2022-01-07T08:00:00+00:00"}
    unchanged = {f"newswatch/feed/not_modified/{GLOBAL_FEED}": 1,
                 f"newswatch/feed/not_modified/{NEWS_FEED}": 1}
    message = check_feeds(unchanged, [earlier], finished, 24)
    assert message == (f"feed {NEWS_FEED} is stale (newest entry 76 hours old, published "
                       "2022-01-07T08:00:00+00:00)")
    assert check_feeds(unchanged, [earlier], finished, 0) is None  # staleness off: only dead feeds count
    assert check_feeds({}, [earlier], finished, 24) is None  # no feed configured this run
