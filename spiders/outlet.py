"""Any outlet configured without code: a `[sources.NAME]` table with hosts, ways in and an article pattern.

There is no module per outlet: `spiders.loader.SourceSpiderLoader` makes a subclass of `OutletSpider` named
after each such source, so `newswatch crawl --source NAME`, the monitor and `scrapy crawl NAME` all work.
Which links are articles and their ids come from the config (crawler.extract.urls.SiteRule, set up by
crawler.crawl.configured); the pages go to the generic extractor.

    scrapy crawl riverside -s NEWSWATCH_CONFIG=newswatch.toml -a since=2022-01-01 -O out.jsonl
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import scrapy

from spiders.base import NewsSpider


class OutletSpider(NewsSpider):
    """Feeds, listing templates, topic and tag pages on every crawl; sitemaps when backfilling (`since`) or
    when they are the only way in; the date index (index_url) day by day with exhaustive=1."""

    def entry_requests(self) -> Iterator[scrapy.Request]:
        config = self.config
        yield from self.feed_requests()
        yield from self.listing_requests(config.listings, "listing")
        yield from self.listing_requests(config.topic_listings, "topic")
        yield from self.listing_requests(config.tag_listings, "tag")
        # A sitemap index may span years: walked on a backfill, or on every crawl when nothing else lists
        # the outlet's articles.
        only_way = not (config.feeds or config.listings or config.topic_listings or config.tag_listings)
        if self.since or only_way:
            yield from self.sitemap_requests()
        if self.exhaustive or (only_way and not config.sitemaps):
            yield from self.index_requests()


@cache
def outlet_spider(source: str) -> type[OutletSpider]:
    """The spider class of a configured outlet (one class per name, made once per process)."""
    class_name = "OutletSpider_" + "".join(c if c.isalnum() else "_" for c in source)
    spider: type[OutletSpider] = type(class_name, (OutletSpider,), {
        "name": source, "source": source, "__module__": __name__,
        "__doc__": f"The configured outlet {source!r} (spiders/outlet.py)."})
    return spider
