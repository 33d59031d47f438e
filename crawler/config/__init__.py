"""Configuration: the packaged defaults (`defaults.toml`) with the user's file layered over them, validated.

Holds the typed configuration tree and its loader. Everything reads configuration through the names exported
here. May import `crawler.core` only.
"""

from crawler.config.model import (
    ENV_CONFIG,
    ENV_DB,
    KNOWN_SOURCES,
    AlertsConfig,
    Config,
    CrawlConfig,
    HealthConfig,
    LanguageKeywords,
    Schedule,
    SmtpConfig,
    SourceConfig,
    Subscription,
    TopicConfig,
    WatchConfig,
    load_config,
)

__all__ = [
    "ENV_CONFIG",
    "ENV_DB",
    "KNOWN_SOURCES",
    "AlertsConfig",
    "Config",
    "CrawlConfig",
    "HealthConfig",
    "LanguageKeywords",
    "Schedule",
    "SmtpConfig",
    "SourceConfig",
    "Subscription",
    "TopicConfig",
    "WatchConfig",
    "load_config",
]
