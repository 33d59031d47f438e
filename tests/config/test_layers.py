"""The layers of the configuration, lowest first: packaged defaults < Scrapy settings.py < the config file <
the environment < the command line; each value knows which layer set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import DEFAULTS_LABEL, ENV_CONFIG, ENV_DB, SETTINGS_LABEL, load_config
from crawler.core.errors import ConfigError
from tests.config_env import clean_newswatch_env as clean_newswatch_env  # the fixture
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl

pytestmark = pytest.mark.usefixtures("clean_newswatch_env")


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_wins_over_the_one_below_and_is_named_as_the_origin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"USER_AGENT": "settings-ua (+mailto:s@example.org)", "DOWNLOAD_DELAY": 4.0,
                "RETRY_TIMES": 5}
    path = write(tmp_path, '[crawl]\nuser_agent = "file-ua (+mailto:f@example.org)"\ndownload_delay = 6\n')
    monkeypatch.setenv("NEWSWATCH_CRAWL__USER_AGENT", "env-ua (+mailto:e@example.org)")

    config = load_config(path, scrapy_settings=settings, overrides={"crawl": {"retry_times": 7}},
                         overrides_label="--set")

    assert config.crawl.user_agent == "env-ua (+mailto:e@example.org)"
    assert config.origin("crawl.user_agent") == "$NEWSWATCH_CRAWL__USER_AGENT"
    assert (config.crawl.download_delay, config.origin("crawl.download_delay")) == (6.0, str(path))
    assert (config.crawl.retry_times, config.origin("crawl.retry_times")) == (7, "--set")
    assert config.origin("crawl.obey_robots") == DEFAULTS_LABEL
    # settings.py over the packaged defaults, where nothing above it speaks
    only_settings = load_config(scrapy_settings=settings)
    assert (only_settings.crawl.retry_times, only_settings.origin("crawl.retry_times")) == (5, SETTINGS_LABEL)
    assert load_config().crawl.retry_times == 2


def test_every_key_is_overridable_from_the_environment_with_typed_values(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_SMTP__HOST", "mail.example.org")
    monkeypatch.setenv("NEWSWATCH_SMTP__PORT", "2525")
    monkeypatch.setenv("NEWSWATCH_SMTP__USERNAME", "12345")  # a string key keeps digits as text
    monkeypatch.setenv("NEWSWATCH_SOURCES__BBC__ENABLED", "false")
    monkeypatch.setenv("NEWSWATCH_SOURCES__BBC__FEEDS", '["https://feeds.bbci.co.uk/news/rss.xml"]')
    monkeypatch.setenv("NEWSWATCH_ALERTS__HEALTH__MIN_ARTICLES", "0")
    monkeypatch.setenv("NEWSWATCH_SCHEDULE__CRON", "*/5 * * * *")
    monkeypatch.setenv("NEWSWATCH_TOPICS__KAZAKHSTAN-UNREST__SINCE", "2022-01-05")
    monkeypatch.setenv("NEWSWATCH_SUBSCRIPTIONS", '[{to = "desk@example.org", mode = "digest"}]')

    config = load_config()

    assert (config.smtp.host, config.smtp.port, config.smtp.username) == ("mail.example.org", 2525, "12345")
    assert config.sources["bbc"].enabled is False
    assert config.sources["bbc"].feeds == ("https://feeds.bbci.co.uk/news/rss.xml",)
    assert config.alerts.health.min_articles == 0
    assert (config.schedule.cron, config.schedule.interval_minutes) == ("*/5 * * * *", None)
    assert str(config.topics["kazakhstan-unrest"].since) == "2022-01-05"
    assert config.subscriptions[0].to == ("desk@example.org",) and config.subscriptions[0].mode == "digest"
    assert config.origin("smtp.port") == "$NEWSWATCH_SMTP__PORT"
    assert config.origin("subscriptions") == "$NEWSWATCH_SUBSCRIPTIONS"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("NEWSWATCH_SMTP__HOTS", "x", "$NEWSWATCH_SMTP__HOTS: smtp.hots: unknown key"),
    ("NEWSWATCH_CRAWL__DOWNLOAD_DELAY", "fast",
     "$NEWSWATCH_CRAWL__DOWNLOAD_DELAY: crawl.download_delay: expected a number, got the string 'fast'"),
    ("NEWSWATCH_SMTP__PORT", "99999", "$NEWSWATCH_SMTP__PORT: smtp.port: must be at most 65535"),
    ("NEWSWATCH_CRAWL__PARSE_WORKERS", "many",
     '$NEWSWATCH_CRAWL__PARSE_WORKERS: crawl.parse_workers: "auto" or a number of processes from 0 to 64'),
    ("NEWSWATCH_SOURCES__CNN__ENABLED", "true",
     "$NEWSWATCH_SOURCES__CNN__ENABLED: sources.cnn.allowed_hosts: missing: cnn is not a built-in source"),
])
def test_a_bad_environment_value_is_one_line_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(expected), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("value", "expected"), [("auto", "auto"), ("0", 0), ("3", 3)])
def test_a_word_or_a_number_key_reads_both_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, value: str, expected: object) -> None:
    """crawl.parse_workers is "auto" or a number: "3" in the environment is the number 3."""
    monkeypatch.setenv("NEWSWATCH_CRAWL__PARSE_WORKERS", value)
    assert load_config().crawl.parse_workers == expected


def test_variables_of_their_own_are_not_config_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """NEWSWATCH_ROUTES (settings.py's HOST=URL list), NEWSWATCH_LOG_LEVEL, ... have no `__`: not keys."""
    monkeypatch.setenv("NEWSWATCH_ROUTES", "www.bbc.com=http://127.0.0.1:9")
    monkeypatch.setenv("NEWSWATCH_LOG_LEVEL", "debug")
    monkeypatch.setenv(ENV_DB, "data/plain.db")
    config = load_config()
    assert config.routes == {}
    assert (config.storage.url, config.origin("storage.url")) == ("sqlite:///data/plain.db", f"${ENV_DB}")
    monkeypatch.setenv("NEWSWATCH_STORAGE__URL", "sqlite:///data/nested.db")  # the specific name wins
    assert load_config().storage.url == "sqlite:///data/nested.db"
    monkeypatch.setenv(ENV_CONFIG, str(write(tmp_path, "[crawl]\nretry_times = 4\n")))
    assert load_config().origin("crawl.retry_times") == str(tmp_path / "user.toml")


# --- through a real crawl: the User-Agent the server receives ---------------------------------------------

FILE_UA = "file-ua/1.0 (+mailto:file@example.org)"
ENV_UA = "env-ua/1.0 (+mailto:env@example.org)"
SETTINGS_UA = "custom-ua/1.0 (+mailto:settings@example.org)"
CMDLINE_UA = "cmdline-ua/1.0 (+mailto:cmdline@example.org)"


@pytest.mark.parametrize(("env", "config_ua", "settings", "expected"), [
    ({"NEWSWATCH_USER_AGENT": SETTINGS_UA}, None, {}, SETTINGS_UA),  # the bug: the default was sent
    ({"NEWSWATCH_CONTACT": "mailto:desk@example.org"}, None, {}, "newswatch/0.1 (+mailto:desk@example.org)"),
    ({"NEWSWATCH_USER_AGENT": SETTINGS_UA}, FILE_UA, {}, FILE_UA),  # the file over settings.py
    ({"NEWSWATCH_USER_AGENT": SETTINGS_UA, "NEWSWATCH_CRAWL__USER_AGENT": ENV_UA}, FILE_UA, {}, ENV_UA),
    ({"NEWSWATCH_CRAWL__USER_AGENT": ENV_UA}, FILE_UA, {"USER_AGENT": CMDLINE_UA}, CMDLINE_UA),  # -s wins
], ids=["settings-env", "contact", "file", "env", "cmdline"])
def test_scrapy_crawl_sends_the_user_agent_of_the_highest_layer(
        loopback_server: LoopbackServer, tmp_path: Path, env: dict[str, str], config_ua: str | None,
        settings: dict[str, str], expected: str) -> None:
    config = tmp_path / "nw.toml"
    config.write_text("[sources.bbc]\nfeeds = [\"https://feeds.bbci.co.uk/news/rss.xml\"]\nsitemaps = []\n"
                      + (f'\n[crawl]\nuser_agent = "{config_ua}"\n' if config_ua else ""), encoding="utf-8")
    result = run_crawl("bbc", tmp_path, routes={"feeds.bbci.co.uk": loopback_server.base("feeds")},
                       env={**env, "NEWSWATCH_CONFIG": str(config)}, settings={"RETRY_TIMES": 0, **settings},
                       timeout=60)
    assert result.returncode == 0, result.log[-2000:]
    sent = {r.header("user-agent") for r in loopback_server.requests("/feeds/")}
    assert sent == {expected}, result.log[-1500:]
