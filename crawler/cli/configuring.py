"""How every command gets its configuration: one loader, so the layers are the same everywhere.

Packaged defaults < Scrapy settings.py < the config file (`--config`, $NEWSWATCH_CONFIG, ./newswatch.toml)
< the environment ($NEWSWATCH_DB, NEWSWATCH_<SECTION>__<KEY>) < the command line (`--set section.key=value`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.config import Config, load_config
from crawler.crawl.configured import project_settings


def load(config_path: str | None, overrides: Mapping[str, Any] | None = None) -> Config:
    """The validated configuration (ConfigError, one line, on a problem)."""
    return load_config(config_path, overrides=overrides, overrides_label="--set",
                       scrapy_settings=project_settings())
