"""Scrapy spiders (SPIDER_MODULES = ["spiders"]): one per site, on the shared base in spiders/base.py.

A spider decides what to follow and nothing else: `sources` resolves each source's ways in from the config and
spider arguments, `base` turns feeds, listings and sitemaps into article requests and hands article pages to
the page parsers. May import `crawler.core`, `crawler.config`, `crawler.extract` and `crawler.crawl`.
"""
