"""The spider loader (SPIDER_LOADER_CLASS): the spiders of spiders/, plus one per outlet in the config.

Scrapy finds spiders by name in SPIDER_MODULES. A `[sources.NAME]` table without code has no module, so a
name Scrapy does not know is looked up in the config (the same one the crawl reads: crawler.crawl.configured)
and, when it is a source there, crawled by a generic `OutletSpider` of that name.
"""

from __future__ import annotations

from typing import Any

from scrapy.spiderloader import SpiderLoader

from crawler.crawl.configured import read_config
from spiders.outlet import outlet_spider


class SourceSpiderLoader(SpiderLoader):
    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._settings = settings

    def _outlets(self) -> list[str]:
        known = set(super().list())
        return [name for name in read_config(self._settings).sources if name not in known]

    def load(self, spider_name: str) -> Any:
        try:
            return super().load(spider_name)
        except KeyError:
            if spider_name in self._outlets():
                return outlet_spider(spider_name)
            raise

    def list(self) -> list[str]:
        return [*super().list(), *self._outlets()]
