"""BBC News: the news, world, Asia and Europe feeds and topic pages; sitemaps for backfill (`since`).

    scrapy crawl bbc -a since=2022-01-01 -a until=2022-01-31 -O out.jsonl
"""

from __future__ import annotations

from collections.abc import Iterator

import scrapy

from spiders.base import NewsSpider


class BBCSpider(NewsSpider):
    name = "bbc"
    source = "bbc"

    def entry_requests(self) -> Iterator[scrapy.Request]:
        yield from self.feed_requests()
        yield from self.listing_requests(self.config.topic_listings, "topic")
        yield from self.listing_requests(self.config.listings, "listing")
        yield from self.listing_requests(self.config.tag_listings, "tag")
        if self.since:
            # Sitemaps list years of stories: worth walking only when backfilling a window.
            yield from self.sitemap_requests()
