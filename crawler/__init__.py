"""newswatch: follow how the news covers a developing story.

The application, in packages by responsibility, lowest first (each may import only those before it; the map
is in docs/DEVELOPING.md and tests/test_architecture.py holds it): `core` (Article, errors), `config`,
`extract` (page to clean article), `story` (relevance, change detection), `notify` (alert mails), `crawl`
(the Scrapy side), `monitor` (the daemon), then `cli` and `demo` on top. The package root imports nothing.
"""

__version__ = "0.1.0"
