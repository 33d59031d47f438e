"""Liputan6.com: tag pages and feeds by default; the date index day by day when asked (`exhaustive=1`).

    scrapy crawl liputan6 -a since=2022-01-01 -a until=2022-01-31 -O out.jsonl
    scrapy crawl liputan6 -a since=2022-01-05 -a until=2022-01-07 -a exhaustive=1 -O out.jsonl
"""

from __future__ import annotations

from collections.abc import Iterator

import scrapy

from crawler.crawl.discovery import dates
from spiders.base import NewsSpider


class Liputan6Spider(NewsSpider):
    name = "liputan6"
    source = "liputan6"
    # Liputan6 dates its pages in Western Indonesia Time: a day of its index is a WIB day.
    zone = dates.WIB

    def entry_requests(self) -> Iterator[scrapy.Request]:
        yield from self.feed_requests()
        yield from self.listing_requests(self.config.tag_listings, "tag")
        yield from self.listing_requests(self.config.topic_listings, "topic")
        yield from self.listing_requests(self.config.listings, "listing")
        if self.since:
            yield from self.sitemap_requests()
        if self.exhaustive:
            yield from self.index_requests()
