"""Distributed crawling: one frontier in Redis that several worker processes split (scrapy-redis underneath).

    newswatch crawl --distributed --source NAME     # discovery here; the article requests go to Redis
    newswatch worker --source NAME                  # N of these, on any machine: fetch, parse, store

`settings.py` turns the config's `[distributed]` table into the Scrapy settings of either role;
`frontier.py` is the shared queue (each popped request parked in the worker's own processing list until it is
done, so a killed worker's requests go back to the queue once its lease runs out); `seen.py` the duplicate
filter on the article identity with expiring entries; `politeness.py` the per-site delay held in Redis so it
is global; `worker.py` the extension that heartbeats, acknowledges finished requests and keeps a worker alive
while the crawl is not drained.

Part of crawler/crawl: may import crawler.core, crawler.config, crawler.extract (and Redis, scrapy-redis:
the `distributed` extra).
"""
