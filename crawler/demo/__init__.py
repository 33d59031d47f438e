"""The bundled replay site: Liputan6- and BBC-style pages about January 2022 in Kazakhstan, served offline.

`DemoSite(step)` holds what each page says at a step of the timeline (content/*.toml); `DemoServer` serves
it on 127.0.0.1 under one path prefix per real host, for `make demo` (`python -m crawler.demo`) and tests.
May import every package of newswatch (the demo drives the real CLI); nothing imports it but tests.
"""

from crawler.demo.catalog import DemoArticle, load_articles
from crawler.demo.server import DemoServer, LoggedRequest
from crawler.demo.site import DemoSite, Page

__all__ = ["DemoArticle", "DemoServer", "DemoSite", "LoggedRequest", "Page", "load_articles"]
