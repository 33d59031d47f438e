"""The Scrapy side: everything between a configured source and a stored article.

Holds `settings` (the Scrapy project settings, polite defaults), `runner` (building settings from the config
and running a crawl in-process), `routing` (sending a host's requests to a mirror or a loopback server),
`retry` (backoff that honours Retry-After), `incremental` (conditional requests, skipping known articles),
`pipelines` (parse failures, gone articles, relevance, storage: one job each), `parsepool` (article
pages parsed in worker processes, `crawl.parse_workers`), `extensions` (run recording,
progress, the store shared by one crawl) and `discovery/` (feeds, sitemaps, date and tag listings, offsite
filtering). May import `crawler.core`, `crawler.config`, `crawler.extract`, `crawler.story` and `storage`;
never the spiders, the monitor, notification or the CLI.
"""
