"""Outlets by configuration: a [sources.NAME] table with no code behind it, and its one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ENV_CONFIG, ENV_DB, load_config
from crawler.core.errors import ConfigError
from tests.servers.offline import loopback_only_args

REPO = Path(__file__).resolve().parents[2]

OUTLET = """
[sources.riverside]
allowed_hosts = ["www.riverside-courier.example", "m.riverside-courier.example"]
feeds = ["https://www.riverside-courier.example/rss/world.xml"]
listings = ["https://www.riverside-courier.example/world?page={page}"]
article_url = '^/world/\\d{4}/\\d{2}/(?P<id>[a-z0-9-]+)$'
language = "en"
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (ENV_CONFIG, ENV_DB):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "user.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_outlet_table_alone_makes_a_source(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, OUTLET))
    assert list(config.sources) == ["liputan6", "bbc", "riverside"]
    source = config.sources["riverside"]
    assert not source.builtin and config.sources["bbc"].builtin
    assert source.allowed_hosts == ("www.riverside-courier.example", "m.riverside-courier.example")
    assert source.feeds == ("https://www.riverside-courier.example/rss/world.xml",)
    assert source.listings == ("https://www.riverside-courier.example/world?page={page}",)
    assert source.article_url == r"^/world/\d{4}/\d{2}/(?P<id>[a-z0-9-]+)$"
    assert (source.article_id, source.language) == ("group", "en")
    # The keys it left out take the outlet defaults.
    assert source.enabled and source.max_pages == 5
    assert source.sitemaps == source.topic_pages == source.tags == ()
    assert source.index_url is None and source.tag_url is None
    # Topics and subscriptions may name it like a built-in source.
    with_topic = load_config(write(tmp_path, OUTLET + '[topics.kazakhstan-unrest]\nsources = ["riverside"]\n'
                                   '[[subscriptions]]\nto = "desk@example.org"\nsources = ["riverside"]\n'))
    assert with_topic.topics["kazakhstan-unrest"].sources == ("riverside",)


def test_the_id_may_come_from_the_canonical_url(tmp_path: Path) -> None:
    text = OUTLET.replace("(?P<id>[a-z0-9-]+)", "[a-z0-9-]+") + 'article_id = "url"\n'
    source = load_config(write(tmp_path, text)).sources["riverside"]
    assert source.article_id == "url"


def test_the_builtin_liputan6_feeds_are_configured() -> None:
    liputan6 = load_config().sources["liputan6"]
    assert liputan6.feeds == (
        "https://feed.liputan6.com/rss/global",
        "https://feed.liputan6.com/rss/news",
        "https://www.liputan6.com/global/feed/rss",
        "https://www.liputan6.com/news/feed/rss",
    )
    assert "feed.liputan6.com" in liputan6.allowed_hosts


BAD = [
    (OUTLET.replace("(?P<id>[a-z0-9-]+)", "(?P<id>[a-z0-9-]+"),
     "sources.riverside.article_url: not a valid regular expression: missing ), unterminated subpattern"),
    (OUTLET.replace("(?P<id>[a-z0-9-]+)", "([a-z0-9-]+)"),
     "sources.riverside.article_url: the pattern has no (?P<id>...) group"),
    (OUTLET.replace('allowed_hosts = ["www.riverside-courier.example", "m.riverside-courier.example"]',
                    "allowed_hosts = []"),
     "sources.riverside.allowed_hosts: a source without built-in code needs at least one host"),
    ("[sources.riverside]\nfeeds = [\"https://www.riverside-courier.example/rss\"]\n",
     "sources.riverside.allowed_hosts: missing: riverside is not a built-in source"),
    (OUTLET.replace("article_url = ", "# article_url = "),
     "sources.riverside.article_url: missing: a source without built-in code needs the regular expression"),
    (OUTLET + 'article_id = "slug"\n',
     "sources.riverside.article_id: must be one of 'group', 'url', got 'slug'"),
    (OUTLET.replace('language = "en"', 'language = "English"'),
     "sources.riverside.language: a language is a lower-case ISO 639 code"),
    (OUTLET.replace("rss/world.xml", "rss/world.xml\", \"https://feeds.elsewhere.example/world.xml"),
     "sources.riverside.feeds: host feeds.elsewhere.example is not in allowed_hosts"),
    (OUTLET.replace("world?page={page}", "world?page={page}&day={day}"),
     "sources.riverside.listings: item 1: bad template (the only field is {page})"),
    (OUTLET.replace("feeds = ", "# feeds = ").replace("listings = ", "# listings = "),
     "sources.riverside: no way in: set one of feeds, sitemaps, listings, topic_pages, tags, index_url"),
    (OUTLET.replace("[sources.riverside]", "[sources.River]"),
     "sources.River: a source name is lower-case letters, digits, '-' and '_'"),
    (OUTLET.replace('"m.riverside-courier.example"', '"sport.bbc.co.uk"'),
     "sources.riverside.allowed_hosts: sport.bbc.co.uk belongs to a built-in source (liputan6, bbc)"),
    (OUTLET + OUTLET.replace("[sources.riverside]", "[sources.riverside-mobile]"),
     "sources.riverside-mobile.allowed_hosts: www.riverside-courier.example is already a host of riverside"),
    ("[sources.bbc]\narticle_url = '^/news/(?P<id>.+)$'\n",
     "sources.bbc.article_url: bbc has built-in URL rules; article_url is for sources without code"),
    ('[sources.liputan6]\nfeeds = ["https://rss.example.org/liputan6.xml"]\n',
     "sources.liputan6.feeds: host rss.example.org is not in allowed_hosts"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e.split(":")[0] + str(i) for i, (_, e) in
                                                        enumerate(BAD)])
def test_bad_outlet_config_is_one_line_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "\n" not in message


def test_the_command_line_says_it_in_one_line_with_status_2(tmp_path: Path) -> None:
    path = write(tmp_path, OUTLET.replace("(?P<id>[a-z0-9-]+)", "([a-z0-9-]+)"))
    # Refused at its config; should it ever crawl, the loopback-only resolver keeps it off the network.
    command = loopback_only_args([sys.executable, "-m", "crawler", "crawl", "--config", str(path)])
    done = subprocess.run(command, cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "sources.riverside.article_url: the pattern has no (?P<id>...) group" in lines[0]
    assert "Traceback" not in done.stderr
