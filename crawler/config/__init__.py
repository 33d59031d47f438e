"""Configuration: the packaged defaults (`defaults.toml`), the Scrapy project settings, the user's file, the
environment and the command line, layered in that order and validated by one pydantic model per section.

Holds the typed configuration tree (`model.py`) and its loader (`loader.py`). Everything reads configuration
through the names exported here. May import `crawler.core` only.
"""

from crawler.config.loader import (
    ENV_CONFIG,
    ENV_DB,
    ENV_DELIMITER,
    ENV_PREFIX,
    SETTINGS_LABEL,
    load_config,
)
from crawler.config.model import (
    DEFAULTS_LABEL,
    KNOWN_SOURCES,
    SCRAPY_SETTING_OF,
    AlertsConfig,
    Config,
    CrawlConfig,
    HealthConfig,
    LanguageKeywords,
    Schedule,
    ScheduleOverride,
    SmtpConfig,
    SourceConfig,
    StorageConfig,
    Subscription,
    TopicConfig,
    WatchConfig,
)

__all__ = [
    "DEFAULTS_LABEL",
    "ENV_CONFIG",
    "ENV_DB",
    "ENV_DELIMITER",
    "ENV_PREFIX",
    "KNOWN_SOURCES",
    "SCRAPY_SETTING_OF",
    "SETTINGS_LABEL",
    "AlertsConfig",
    "Config",
    "CrawlConfig",
    "HealthConfig",
    "LanguageKeywords",
    "Schedule",
    "ScheduleOverride",
    "SmtpConfig",
    "SourceConfig",
    "StorageConfig",
    "Subscription",
    "TopicConfig",
    "WatchConfig",
    "load_config",
]
