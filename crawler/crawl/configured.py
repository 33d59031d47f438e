"""The configuration a crawl runs with, found through its Scrapy settings.

`newswatch crawl` and the monitor hand the Config they loaded to Scrapy in NEWSWATCH_CONFIG_OBJECT (it may
carry overrides no file holds); a plain `scrapy crawl` names a file in the NEWSWATCH_CONFIG setting or
environment variable, or falls back to the default lookup of crawler.config.load_config.
"""

from __future__ import annotations

import os
import re
from typing import Any

from crawler.config import Config, load_config
from crawler.extract.urls import SiteRule, configure_sites

CONFIG_SETTING = "NEWSWATCH_CONFIG"


def config_path(settings: Any) -> str | None:
    value = settings.get(CONFIG_SETTING) if settings is not None else None
    return value or os.environ.get(CONFIG_SETTING) or None


CONFIG_OBJECT_SETTING = "NEWSWATCH_CONFIG_OBJECT"


def read_config(settings: Any) -> Config:
    """The validated config for a crawl (raises ConfigError naming the file and key of a problem).

    The Config object the runner put in NEWSWATCH_CONFIG_OBJECT when there is one (it may carry overrides
    no file holds), else the file NEWSWATCH_CONFIG names, else the default lookup. Its outlets without
    code are made known to URL classification (`use_config`).
    """
    given = settings.get(CONFIG_OBJECT_SETTING) if settings is not None else None
    if isinstance(given, Config):
        return use_config(given)
    return use_config(load_config(config_path(settings)))


def outlet_rules(config: Config) -> list[SiteRule]:
    """The URL rules of the config's outlets without code (sources with an article_url)."""
    rules = []
    for source in config.sources.values():
        if source.article_url:
            rules.append(SiteRule(name=source.name, hosts=frozenset(source.allowed_hosts),
                                  article_path=re.compile(source.article_url),
                                  id_from_url=source.article_id == "url", language=source.language))
    return rules


def use_config(config: Config) -> Config:
    """Make `config`'s outlets known to URL classification (crawler.extract.urls) in this process."""
    configure_sites(outlet_rules(config))
    return config
