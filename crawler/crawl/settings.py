# Scrapy settings for newswatch, in the style of Scrapy's project template: polite by default.
# Every value can be overridden per run (`scrapy crawl bbc -s DOWNLOAD_DELAY=5`) or by the newswatch CLI.
#     https://docs.scrapy.org/en/latest/topics/settings.html

import os

BOT_NAME = "newswatch"  # the project name Scrapy logs and reports

SPIDER_MODULES = ["spiders"]  # where `scrapy crawl NAME` looks for spiders
NEWSPIDER_MODULE = "spiders"  # where `scrapy genspider` puts new ones
# Also finds a spider for each [sources.NAME] of the config that has no module (spiders/outlet.py).
SPIDER_LOADER_CLASS = "spiders.loader.SourceSpiderLoader"

# The [crawl] values below (user agent, delay, concurrency, autothrottle, timeout, size cap, retries, robots)
# are a layer of the newswatch configuration: over the packaged defaults.toml, under the config file, the
# NEWSWATCH_CRAWL__* variables and the command line (`newswatch config show` says which layer won).

# Who we are, with a way to reach us: set NEWSWATCH_CONTACT (an e-mail or URL) for real crawls.
NEWSWATCH_CONTACT = os.environ.get("NEWSWATCH_CONTACT", "mailto:newswatch@example.org")
# The User-Agent names the tool and the contact address; NEWSWATCH_USER_AGENT replaces it whole.
USER_AGENT = os.environ.get("NEWSWATCH_USER_AGENT", f"newswatch/0.1 (+{NEWSWATCH_CONTACT})")

ROBOTSTXT_OBEY = True  # fetch and honour robots.txt of every host before anything else there

CONCURRENT_REQUESTS = 8  # across all sites at once
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # one request in flight per site (the config allows 1 or 2)
# Scrapy starts this many asyncio worker tasks for every response's callback output (default 100). A newswatch
# callback yields one article or a listing's links, and the pipelines are synchronous: 100 only cost 100 task
# creations a page (a few percent of the crawl's CPU; docs/BENCHMARKS.md "Crawling").
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 2.0  # seconds between requests to one site (randomised 0.5x-1.5x below)
DOWNLOAD_DELAY_JITTER = 0.5  # +/-50% random variation, so requests do not arrive in lockstep

AUTOTHROTTLE_ENABLED = True  # slow down further when the site's responses slow down
AUTOTHROTTLE_START_DELAY = 2.0  # first delay, before latency has been measured
AUTOTHROTTLE_MAX_DELAY = 60.0  # the slowest we will go when a site is struggling
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # aim for one request in flight per site on average
AUTOTHROTTLE_DEBUG = False  # log every throttling decision when True

# Retries with backoff that honours Retry-After (crawler/crawl/retry.py replaces Scrapy's immediate retries).
RETRY_ENABLED = True  # retry transient failures
RETRY_TIMES = 2  # at most two retries per request
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]  # statuses worth another try
NEWSWATCH_RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubled for each further one
NEWSWATCH_RETRY_BACKOFF_MAX = 120.0  # cap on any wait, a longer Retry-After included
NEWSWATCH_RETRY_BACKOFF_JITTER = 0.1  # up to 10% random extra, so retries do not synchronise

DOWNLOAD_TIMEOUT = 30.0  # seconds before a request is abandoned (then retried)
DOWNLOAD_MAXSIZE = 10_000_000  # refuse responses over 10 MB: no news page or feed is that big
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024  # log responses over 3 MiB
DNS_TIMEOUT = 20  # seconds for a DNS lookup

COOKIES_ENABLED = False  # news pages need no session; cookies only make requests look tracked
TELNETCONSOLE_ENABLED = False  # no listening debug port on a monitoring host
REMOTE_CONTROL_ENABLED = False  # nor Scrapy's remote-control HTTP port

DEFAULT_REQUEST_HEADERS = {  # what a browser would ask for; Indonesian first for Liputan6
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "id,en;q=0.8",
}

DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.discovery.offsite.AllowedHostsMiddleware": 50,  # only configured hosts, before robots.txt
    # Conditional listing requests, known articles skipped (needs NEWSWATCH_DB): before robots.txt too.
    "crawler.crawl.incremental.IncrementalMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by the backoff retry below
    "crawler.crawl.retry.BackoffRetryMiddleware": 550,  # retries after Retry-After / exponential backoff
    # Distributed crawls only: the per-site delay held in Redis for the whole fleet (last before the socket).
    "crawler.crawl.distributed.politeness.GlobalDelayMiddleware": 950,
}

# Routes (`-s NEWSWATCH_ROUTES=www.liputan6.com=http://127.0.0.1:8000/liputan6,...`) apply in the handler,
# below every middleware, so everything but the socket sees the real URL (crawler/crawl/routing.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.crawl.routing.RoutingDownloadHandler",  # routed or plain HTTP
    "https": "crawler.crawl.routing.RoutingDownloadHandler",  # routed or plain HTTPS
}
NEWSWATCH_ROUTES = os.environ.get("NEWSWATCH_ROUTES", "")  # HOST=BASE_URL,... or a dict; empty: no routes

NEWSWATCH_CONFIG = os.environ.get("NEWSWATCH_CONFIG")  # path of the config file; None: the default lookup
NEWSWATCH_MAX_PAGES = 50  # listing pages walked per tag/topic/index day when backfilling (`since` given)
NEWSWATCH_MONITOR_PAGES = 1  # listing pages walked per tag/topic without `since` (a monitoring pass)
NEWSWATCH_PREFILTER = None  # dotted path of a (title, lead) -> bool pre-filter; None: topic terms or accept
NEWSWATCH_PREFILTER_ON = "index,feed,sitemap,topic,listing"  # listing kinds the pre-filter applies to
NEWSWATCH_MAX_SITEMAP_URLS = 5_000  # entries read from one sitemap; more: cut, counted, a health failure
NEWSWATCH_MAX_SITEMAP_REQUESTS = 20_000  # article requests all sitemaps of one crawl may queue
NEWSWATCH_PARSE_POOL_AFTER = 20  # article pages parsed in-process before the parse workers start

# One asyncio reactor for Scrapy and the scheduler (see docs: APScheduler's AsyncIOScheduler on its loop).
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # required by the scheduler
FEED_EXPORT_ENCODING = "utf-8"  # -O out.jsonl keeps Indonesian and other non-ASCII text readable
LOG_LEVEL = os.environ.get("NEWSWATCH_LOG_LEVEL", "INFO")  # INFO: one line per notable event

HTTPCACHE_ENABLED = False  # the database keeps what matters; an HTTP cache would serve stale news

# Storage. With a database (NEWSWATCH_DB: an SQLAlchemy URL or an SQLite file path; the newswatch CLI always
# sets one) the pipelines below keep relevant articles, remember irrelevant/deleted/failed pages, crawls are
# incremental and recorded as runs. Without one, `scrapy crawl NAME -O out.jsonl` only exports what it parses.
NEWSWATCH_DB = os.environ.get("NEWSWATCH_DB") or None  # None: export only, nothing stored or skipped
NEWSWATCH_TOPIC = None  # restrict relevance to this one topic name; None: every enabled topic
NEWSWATCH_RECHECK_WINDOW_HOURS = None  # re-fetch articles published this recently; None: the config's value
NEWSWATCH_PROGRESS = False  # one live status line on stderr when it is a terminal (newswatch crawl sets it)

SPIDER_MIDDLEWARES = {
    "crawler.crawl.pipelines.ParseFailureMiddleware": 950,  # unreadable article page -> FailedArticle
    "crawler.crawl.distributed.worker.NoStartInWorkers": 10,  # distributed workers: work from the queue only
}

ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ParseFailurePipeline": 100,  # no article: counted, remembered, dropped
    "crawler.crawl.pipelines.GonePipeline": 200,  # deleted articles marked deleted (needs NEWSWATCH_DB)
    "crawler.crawl.boilerplate.BoilerplatePipeline": 250,  # outlets: lines the host repeats removed
    "crawler.crawl.pipelines.RelevancePipeline": 300,  # topics matched, or remembered irrelevant, dropped
    "crawler.crawl.pipelines.StoragePipeline": 400,  # new / updated / unchanged versions (needs NEWSWATCH_DB)
}

EXTENSIONS = {
    "crawler.crawl.extensions.RunRecorder": 100,  # one crawl_runs row per crawl (needs NEWSWATCH_DB)
    "crawler.crawl.extensions.Progress": 900,  # live status line (NEWSWATCH_PROGRESS, terminal only)
    "crawler.crawl.distributed.worker.FleetMember": 800,  # distributed crawls: heartbeat, ack, stay up
}
# Distributed crawling (crawler/crawl/distributed/): JSON options set by `crawl --distributed` and `worker`.
NEWSWATCH_DISTRIBUTED = None
