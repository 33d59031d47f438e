"""The configuration a crawl runs with, found through its Scrapy settings, and the settings it stands for.

`newswatch crawl` and the monitor hand the Config they loaded to Scrapy in NEWSWATCH_CONFIG_OBJECT (it may
carry overrides no file holds); a plain `scrapy crawl` names a file in the NEWSWATCH_CONFIG setting or
environment variable, or falls back to the default lookup of crawler.config.load_config.

The Scrapy project settings (settings.py, with the variables it reads: NEWSWATCH_USER_AGENT,
NEWSWATCH_CONTACT) are a layer of the configuration, above the packaged defaults and below the config file:
`project_settings()` reads that layer, and `crawl_settings()` gives back only the [crawl] values that a
higher layer set, so a packaged default never replaces what settings.py says.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

from crawler.config import DEFAULTS_LABEL, SCRAPY_SETTING_OF, SETTINGS_LABEL, Config, load_config
from crawler.extract.urls import SiteRule, configure_sites

CONFIG_SETTING = "NEWSWATCH_CONFIG"
CONFIG_OBJECT_SETTING = "NEWSWATCH_CONFIG_OBJECT"
SETTINGS_MODULE = "crawler.crawl.settings"
_PROJECT_PRIORITY = 20  # scrapy.settings.SETTINGS_PRIORITIES["project"]
# The settings that stand for [crawl] keys.
SETTING_NAMES = (*SCRAPY_SETTING_OF.values(), "NEWSWATCH_RECHECK_WINDOW_HOURS")


def config_path(settings: Any) -> str | None:
    value = settings.get(CONFIG_SETTING) if settings is not None else None
    return value or os.environ.get(CONFIG_SETTING) or None


def project_settings(settings: Any = None) -> dict[str, Any]:
    """The Scrapy project settings the configuration reads, as settings.py gives them.

    From a Scrapy Settings object, the values at project priority (Scrapy's own defaults are below the
    packaged defaults, and a `-s` on the command line is the command-line layer, not settings.py). Without
    one, settings.py is run afresh, so the variables it reads are read now ($SCRAPY_SETTINGS_MODULE names
    another settings module).
    """
    if settings is not None and hasattr(settings, "getpriority"):
        return {name: settings.get(name) for name in SETTING_NAMES
                if settings.getpriority(name) == _PROJECT_PRIORITY}
    module = os.environ.get("SCRAPY_SETTINGS_MODULE") or SETTINGS_MODULE
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return {}
    found: dict[str, Any] = {"__name__": module, "__file__": spec.origin}
    source = Path(spec.origin).read_text(encoding="utf-8")
    # A fresh run: os.environ is read now, and sys.modules is left alone.
    exec(compile(source, spec.origin, "exec"), found)
    return {name: found[name] for name in SETTING_NAMES if name in found}


def read_config(settings: Any) -> Config:
    """The validated config for a crawl (raises ConfigError naming the file and key of a problem).

    The Config object the runner put in NEWSWATCH_CONFIG_OBJECT when there is one (it may carry overrides
    no file holds), else the file NEWSWATCH_CONFIG names, else the default lookup; settings.py's values are
    the layer under the file. Its outlets without code are made known to URL classification (`use_config`).
    """
    given = settings.get(CONFIG_OBJECT_SETTING) if settings is not None else None
    if isinstance(given, Config):
        return use_config(given)
    return use_config(load_config(config_path(settings), scrapy_settings=project_settings(settings)))


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


def crawl_settings(config: Config) -> dict[str, Any]:
    """The Scrapy settings of the config's [crawl] values that a layer above settings.py set (the file, the
    environment, the command line); the packaged defaults and settings.py's own values are left to
    settings.py, which already holds them."""
    values = config.crawl.scrapy_settings()
    return {setting: values[setting] for key, setting in SCRAPY_SETTING_OF.items()
            if config.origin(f"crawl.{key}") not in (DEFAULTS_LABEL, SETTINGS_LABEL)}

