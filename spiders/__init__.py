"""Scrapy spiders (SPIDER_MODULES = ["spiders"]): one per site, on the shared base in spiders/base.py."""
