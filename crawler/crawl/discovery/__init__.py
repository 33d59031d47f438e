"""Finding articles: feeds, sitemaps and listing pages in, (url, title, lead, date) links out.

Pure functions from (url, body) to links; the spiders decide which links to follow. Records: ListingLink,
GoneArticle (crawler.crawl.discovery.records).

May import `crawler.core` and `crawler.extract`; nothing else of the crawl (the spiders and pipelines
import it).
"""

from crawler.crawl.discovery.feeds import parse_feed
from crawler.crawl.discovery.listings import main_list, parse_listing
from crawler.crawl.discovery.records import CrawledArticle, FailedArticle, GoneArticle, ListingLink
from crawler.crawl.discovery.sitemaps import Sitemap, SitemapError, parse_sitemap

__all__ = ["CrawledArticle", "FailedArticle", "GoneArticle", "ListingLink", "Sitemap", "SitemapError",
           "main_list", "parse_feed", "parse_listing", "parse_sitemap"]
