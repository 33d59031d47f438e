"""The long-running monitor: scheduled re-crawls, crawl-health checks, then alert delivery.

Holds `watch` (the `newswatch watch` daemon: one asyncio reactor, APScheduler jobs, clean shutdown),
`schedule` (when each source is due, restart-safe from the crawl_runs table) and `health` (assertions over a
finished crawl's stats and the admin notices they raise). May import every package below it: `crawler.core`,
`crawler.config`, `crawler.crawl`, `crawler.notify`, `crawler.story` and `storage`; only the CLI and the demo
import it.
"""
