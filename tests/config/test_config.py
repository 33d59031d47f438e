"""crawler.config: packaged defaults, a user file layered over them, strict one-line errors, secrets."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import ENV_CONFIG, ENV_DB, load_config
from crawler.core.errors import ConfigError

DEFAULTS = Path(__file__).resolve().parents[2] / "crawler" / "config" / "defaults.toml"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config from the machine: no env variables, and a working directory without newswatch.toml."""
    for name in (ENV_CONFIG, ENV_DB, "NEWSWATCH_SMTP_PASSWORD", "NW_TEST_SMTP_PW"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ---------------------------------------------------------------------------------------------


def test_defaults_alone_are_valid_and_hold_the_documented_values() -> None:
    config = load_config()
    assert config.path is None
    assert config.storage.url == "sqlite:///data/newswatch.db"
    assert "newswatch" in config.crawl.user_agent and "mailto:" in config.crawl.user_agent
    assert config.crawl.concurrent_requests_per_domain in (1, 2)
    assert config.crawl.obey_robots is True
    assert set(config.sources) == {"liputan6", "bbc"}
    bbc = config.sources["bbc"]
    assert bbc.feeds == (
        "https://feeds.bbci.co.uk/news/rss.xml",
        "https://feeds.bbci.co.uk/news/world/rss.xml",
        "https://feeds.bbci.co.uk/news/world/asia/rss.xml",
        "https://feeds.bbci.co.uk/news/world/europe/rss.xml",
    )
    assert bbc.sitemaps == ("https://www.bbc.com/sitemaps/https-index-com-news.xml",
                            "https://www.bbc.com/sitemaps/https-index-com-archive.xml")
    liputan6 = config.sources["liputan6"]
    assert liputan6.index_page(date(2022, 1, 7), 2) == "https://www.liputan6.com/indeks/2022/01/07?page=2"
    assert liputan6.tag_pages == ("https://www.liputan6.com/tag/kazakhstan?page=1",)
    topic = config.topics["kazakhstan-unrest"]
    assert topic.since == date(2022, 1, 1) and topic.until is None
    assert {"Kazakhstan", "Almaty", "Nur-Sultan", "Tokayev", "CSTO", "OPKK", "kerusuhan", "unrest",
            "LPG"} <= set(topic.terms)
    assert {k.language for k in topic.keywords} == {"id", "en"}
    assert config.schedule.interval_minutes == 15 and config.schedule.cron is None
    assert config.schedule.jitter_seconds > 0
    assert config.subscriptions == ()
    assert config.smtp.security == "starttls"
    assert config.alerts.baseline == "digest"
    assert config.watch.crawl_timeout_seconds > 0


def test_every_default_key_is_documented_by_a_comment() -> None:
    """The defaults file is the documentation: each key sits right under a comment (or under a commented
    table header). Exceptions: [sources.bbc] repeats the keys documented under [sources.liputan6], and a
    keyword table's `all` and `none` are explained by the comment above the first keyword table."""
    undocumented = []
    section = ""
    lines = DEFAULTS.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("["):
            section = line
        if not re.match(r"^[a-z_]+ = ", line):
            continue
        above = lines[index - 1] if not lines[index - 1].startswith("[") else lines[index - 2]
        if above.startswith("#") or section == "[sources.bbc]":
            continue
        if ".keywords." in section and line.startswith(("all =", "none =")):
            continue
        undocumented.append(f"{section} {line}")
    assert undocumented == []


# --- where the user file comes from ------------------------------------------------------------------------


def test_user_file_is_layered_over_the_defaults_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
[crawl]
download_delay = 5

[topics.kazakhstan-unrest]
min_score = 6.5

[topics.kazakhstan-unrest.keywords.en]
none = ["Borat"]
""")
    config = load_config(path)
    assert config.path == path
    assert config.crawl.download_delay == 5.0
    assert config.crawl.retry_times == 2  # untouched default next to the edited key
    topic = config.topics["kazakhstan-unrest"]
    assert topic.min_score == 6.5
    english = topic.keywords_for("en")
    assert english is not None and english.none == ("Borat",)
    assert "unrest" in english.any  # sibling list kept from the defaults
    indonesian = topic.keywords_for("id")
    assert indonesian is not None and "kerusuhan" in indonesian.any


def test_lists_replace_the_default_list_whole(tmp_path: Path) -> None:
    path = write(tmp_path, '[sources.bbc]\nfeeds = ["https://feeds.bbci.co.uk/news/world/asia/rss.xml"]\n')
    assert load_config(path).sources["bbc"].feeds == ("https://feeds.bbci.co.uk/news/world/asia/rss.xml",)


def test_path_argument_then_env_then_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = Path("newswatch.toml")
    local.write_text("[crawl]\nretry_times = 1\n", encoding="utf-8")
    assert load_config().crawl.retry_times == 1
    env_file = write(tmp_path, "[crawl]\nretry_times = 3\n", "env.toml")
    monkeypatch.setenv(ENV_CONFIG, str(env_file))
    assert load_config().crawl.retry_times == 3
    arg_file = write(tmp_path, "[crawl]\nretry_times = 4\n", "arg.toml")
    assert load_config(arg_file).crawl.retry_times == 4
    assert load_config(str(arg_file)).crawl.retry_times == 4


def test_a_named_missing_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: no such config file"):
        load_config(missing)
    monkeypatch.setenv(ENV_CONFIG, str(missing))
    with pytest.raises(ConfigError, match=r"nope\.toml: no such config file"):
        load_config()


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl\nretry_times = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: invalid TOML")


def test_env_db_overrides_storage_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[storage]\nurl = "sqlite:///from-file.db"\n')
    assert load_config(path).storage.url == "sqlite:///from-file.db"
    monkeypatch.setenv(ENV_DB, "sqlite:////srv/nw.db")
    assert load_config(path).storage.url == "sqlite:////srv/nw.db"
    monkeypatch.setenv(ENV_DB, "data/other.db")  # a plain path means an SQLite file
    assert load_config(path).storage.url == "sqlite:///data/other.db"


def test_overrides_win_and_are_validated_too(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\nretry_times = 1\n")
    assert load_config(path, overrides={"crawl": {"retry_times": 5}}).crawl.retry_times == 5
    with pytest.raises(ConfigError, match=r"^overrides: crawl\.retry_times: expected an integer"):
        load_config(path, overrides={"crawl": {"retry_times": "many"}})


# --- strict validation: one line, the file and the dotted key ---------------------------------------------

BAD = [
    ("[crawl]\ndelay = 3\n", "crawl.delay: unknown key"),
    ("[crawl]\ndownload_delay = \"fast\"\n",
     "crawl.download_delay: expected a number, got the string 'fast'"),
    ("[crawl]\nconcurrent_requests_per_domain = 8\n",
     "crawl.concurrent_requests_per_domain: must be at most 2"),
    ("[crawl]\nobey_robots = 1\n", "crawl.obey_robots: expected true or false"),
    ("[crawl]\nparse_workers = -1\n", 'crawl.parse_workers: "auto" or a number of processes from 0 to 64'),
    ("[crawl]\nparse_workers = \"all\"\n", 'crawl.parse_workers: "auto" or a number'),
    ("[crawl]\nuser_agent = \"newswatch\"\n", "crawl.user_agent: must name the tool and a contact"),
    ("[storage]\nurl = \"not a url\"\n", "storage.url: not a database URL"),
    ("[schedule]\ncron = \"61 * * * *\"\n", "schedule.cron: invalid cron expression '61 * * * *'"),
    ("[schedule]\ntimezone = \"Mars/Olympus\"\n", "schedule.timezone: unknown time zone 'Mars/Olympus'"),
    ("[sources.bbc.schedule]\ncron = \"* *\"\n", "sources.bbc.schedule.cron: invalid cron expression"),
    ("[sources.cnn]\nenabled = true\n", "sources.cnn.allowed_hosts: missing: cnn is not a built-in source"),
    ("[sources.bbc]\nfeeds = [\"feeds.bbci.co.uk/news/rss.xml\"]\n", "sources.bbc.feeds: not an http(s) URL"),
    ("[sources.liputan6]\nindex_url = \"https://www.liputan6.com/indeks/{yyyy}/{mm}?page={page}\"\n",
     "sources.liputan6.index_url: template lacks {dd}"),
    ("[sources.liputan6]\ntag_url = \"https://www.liputan6.com/tag/{tag}?page={page}\"\n",
     "sources.liputan6.tag_url: bad template"),
    ("[routes]\n\"www.liputan6.com\" = \"ftp://127.0.0.1/\"\n",
     'routes."www.liputan6.com": not an http(s) URL'),
    ("[routes]\n\"www.liputan6.com/x\" = \"http://127.0.0.1:8080\"\n",
     'routes."www.liputan6.com/x": not a host name'),
    ("[topics.kazakhstan-unrest]\nsources = [\"cnn\"]\n",
     "topics.kazakhstan-unrest.sources: unknown source 'cnn'"),
    ("[topics.kazakhstan-unrest]\nuntil = 2021-12-31\n", "topics.kazakhstan-unrest.until: is before since"),
    ("[topics.kazakhstan-unrest.keywords.id]\nall = [[\"Kazakhstan\"], []]\n",
     "topics.kazakhstan-unrest.keywords.id.all: item 2 must be a non-empty term"),
    ("[topics.kazakhstan-unrest.keywords.english]\nany = [\"unrest\"]\n",
     "topics.kazakhstan-unrest.keywords.english: a language is a lower-case ISO 639 code"),
    ("[topics.kazakhstan-unrest.keywords.en]\nany = [\"pro*test\"]\n",
     "topics.kazakhstan-unrest.keywords.en.any: 'pro*test': '*' is only allowed at the end"),
    ("[topics.new-topic]\nenabled = true\nmin_score = 1\n", "topics.new-topic.keywords: missing"),
    ("[smtp]\nsecurity = \"tls\"\n", "smtp.security: must be one of 'starttls', 'ssl', 'none'"),
    ("[smtp]\nport = 70000\n", "smtp.port: must be at most 65535"),
    ("[alerts]\nbaseline = \"loud\"\n", "alerts.baseline: must be one of 'digest', 'silent', 'all'"),
    ("[alerts.health]\nmax_parse_failure_ratio = 1.5\n",
     "alerts.health.max_parse_failure_ratio: must be at most"),
    ("[watch]\ncrawl_timeout_seconds = 0\n", "watch.crawl_timeout_seconds: must be at least 1"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\ntopics = [\"elections\"]\n",
     "subscriptions[0].topics: unknown topic 'elections'"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\nsources = [\"cnn\"]\n",
     "subscriptions[0].sources: unknown source 'cnn'"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\nmode = \"weekly\"\n",
     "subscriptions[0].mode: must be one of"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\ndigest_at = \"25:00\"\n",
     "subscriptions[0].digest_at: expected HH:MM"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\ntimezone = \"Asia/Nowhere\"\n",
     "subscriptions[0].timezone: unknown time zone"),
    ("[[subscriptions]]\nto = [\"desk@example.org\", \"not an address\"]\n",
     "subscriptions[0].to: not an email address"),
    ("[[subscriptions]]\nto = \"desk@example.org\"\ncolour = \"red\"\n",
     "subscriptions[0].colour: unknown key"),
    ("[[subscriptions]]\ntopics = []\n", "subscriptions[0].to: missing"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[b[1].split(":")[0] for b in BAD])
def test_invalid_config_is_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "\n" not in message


def test_a_password_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[smtp]\nusername = "bot"\npassword = "hunter2-secret"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: smtp.password: ")
    assert "password_env" in message and "password_file" in message
    assert "hunter2-secret" not in message


# --- schedules ---------------------------------------------------------------------------------------------


def test_per_source_schedule_overrides_the_global_one(tmp_path: Path) -> None:
    path = write(tmp_path, """
[schedule]
interval_minutes = 20
jitter_seconds = 30

[sources.bbc.schedule]
cron = "*/5 * * * *"

[sources.liputan6.schedule]
jitter_seconds = 0
""")
    config = load_config(path)
    bbc = config.schedule_for("bbc")
    assert (bbc.cron, bbc.interval_minutes, bbc.jitter_seconds) == ("*/5 * * * *", None, 30)
    liputan6 = config.schedule_for("liputan6")
    assert (liputan6.cron, liputan6.interval_minutes, liputan6.jitter_seconds) == (None, 20, 0)

    now = datetime(2022, 1, 7, 10, 2, tzinfo=UTC)
    cron_trigger = bbc.trigger()
    assert isinstance(cron_trigger, CronTrigger)
    first = cron_trigger.get_next_fire_time(None, now)
    assert first is not None and first.minute == 5 and first.second < 30  # plus up to 30 s of jitter
    interval_trigger = liputan6.trigger()
    assert isinstance(interval_trigger, IntervalTrigger)
    assert interval_trigger.interval.total_seconds() == 20 * 60


def test_a_global_cron_replaces_the_default_interval(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[schedule]\ncron = "0 * * * *"\n'))
    assert (config.schedule.cron, config.schedule.interval_minutes) == ("0 * * * *", None)
    assert config.schedule_for("liputan6").cron == "0 * * * *"


# --- secrets -----------------------------------------------------------------------------------------------


def test_smtp_password_from_env_is_read_at_call_time_and_never_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[smtp]\nusername = "alerts"\npassword_env = "NW_TEST_SMTP_PW"\n')
    config = load_config(path)
    assert config.smtp_password() is None  # not set yet
    monkeypatch.setenv("NW_TEST_SMTP_PW", "s3cret-from-env")
    assert config.smtp_password() == "s3cret-from-env"
    assert "s3cret-from-env" not in repr(config)
    assert "s3cret-from-env" not in str(config)
    assert "s3cret-from-env" not in repr(config.smtp)


def test_smtp_password_file_is_relative_to_the_config_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "smtp").write_text("from-a-file\n", encoding="utf-8")
    path = write(tmp_path, '[smtp]\nusername = "alerts"\npassword_env = ""\npassword_file = "secrets/smtp"\n')
    config = load_config(path)
    assert config.smtp_password() == "from-a-file"
    assert "from-a-file" not in repr(config)
    (secrets / "smtp").unlink()
    with pytest.raises(ConfigError, match=r"smtp\.password_file: cannot read"):
        config.smtp_password()


def test_no_username_means_no_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_SMTP_PASSWORD", "unused")
    assert load_config().smtp_password() is None


# --- topics fingerprint ------------------------------------------------------------------------------------

EXTRA_TOPIC = """
[topics.csto-mission]
enabled = {enabled}
since = 2022-01-05
min_score = 2

[topics.csto-mission.keywords.en]
any = ["CSTO", "peacekeep*"]
"""


def test_topics_fingerprint_follows_topic_definitions_only(tmp_path: Path) -> None:
    base = load_config().topics_fingerprint()
    assert base == load_config().topics_fingerprint()  # stable across loads
    assert len(base) == 64

    unrelated = load_config(write(tmp_path, "[crawl]\ndownload_delay = 9\n", "a.toml"))
    assert unrelated.topics_fingerprint() == base
    edited = load_config(write(tmp_path, "[topics.kazakhstan-unrest]\nmin_score = 5\n", "b.toml"))
    assert edited.topics_fingerprint() != base
    keyword_edit = '[topics.kazakhstan-unrest.keywords.en]\nnone = ["Borat"]\n'
    keyword = load_config(write(tmp_path, keyword_edit, "c.toml"))
    assert keyword.topics_fingerprint() not in (base, edited.topics_fingerprint())
    added = load_config(write(tmp_path, EXTRA_TOPIC.format(enabled="true"), "d.toml"))
    assert added.topics_fingerprint() != base
    disabled = load_config(write(tmp_path, EXTRA_TOPIC.format(enabled="false"), "e.toml"))
    assert disabled.topics_fingerprint() == base


# --- the rest of the tree ----------------------------------------------------------------------------------


def test_subscriptions_routes_and_alerts(tmp_path: Path) -> None:
    path = write(tmp_path, """
[routes]
"www.liputan6.com" = "http://127.0.0.1:8081/liputan6/"
"*.bbc.co.uk" = "http://127.0.0.1:8082"

[alerts]
retry_backoff_seconds = 30
retry_backoff_max_seconds = 100
admin_address = "ops@example.org"

[[subscriptions]]
to = "desk@example.org"

[[subscriptions]]
to = ["a@example.org", "b@example.org"]
topics = ["kazakhstan-unrest"]
sources = ["bbc"]
mode = "digest"
digest = "daily"
digest_at = "07:30"
timezone = "Asia/Jakarta"
""")
    config = load_config(path)
    assert config.routes == {"www.liputan6.com": "http://127.0.0.1:8081/liputan6",
                             "*.bbc.co.uk": "http://127.0.0.1:8082"}
    first, second = config.subscriptions
    assert first.to == ("desk@example.org",) and first.mode == "immediate"
    assert first.topics == () and first.sources == ()
    assert second.to == ("a@example.org", "b@example.org")
    assert (second.mode, second.digest, second.digest_at, second.timezone) == (
        "digest", "daily", "07:30", "Asia/Jakarta")
    assert second.topics == ("kazakhstan-unrest",) and second.sources == ("bbc",)
    assert config.alerts.admin_address == "ops@example.org"
    assert [config.alerts.retry_delay(n) for n in (1, 2, 3, 4)] == [30.0, 60.0, 100.0, 100.0]


def test_scrapy_settings_carry_the_crawl_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\nconcurrent_requests_per_domain = 2\nobey_robots = false\n")
    settings = load_config(path).crawl.scrapy_settings()
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert settings["ROBOTSTXT_OBEY"] is False
    assert settings["DOWNLOAD_MAXSIZE"] == tomllib.loads(DEFAULTS.read_text())["crawl"]["max_response_size"]
    assert settings["USER_AGENT"].startswith("newswatch/")


def test_a_new_topic_can_be_added_and_a_default_one_disabled(tmp_path: Path) -> None:
    text = EXTRA_TOPIC.format(enabled="true") + "\n[topics.kazakhstan-unrest]\nenabled = false\n"
    config = load_config(write(tmp_path, text))
    assert [t.name for t in config.enabled_topics()] == ["csto-mission"]
    topic = config.topics["csto-mission"]
    assert topic.since == date(2022, 1, 5) and topic.sources == ()
    assert topic.keywords_for("en") is not None and topic.keywords_for("id") is None


def test_a_new_topic_is_enabled_unless_it_says_otherwise(tmp_path: Path) -> None:
    text = EXTRA_TOPIC.format(enabled="true").replace("enabled = true\n", "")
    assert "enabled" not in text
    assert load_config(write(tmp_path, text)).topics["csto-mission"].enabled is True
