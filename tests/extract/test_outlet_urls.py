"""URL identity of outlets configured without code: site, article id (pattern group or canonical URL),
canonical URL, and the generic extractor naming the source and taking the language hint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.crawl.configured import outlet_rules, use_config
from crawler.demo import outlet_pages
from crawler.demo.catalog import DemoArticle
from crawler.extract.pages import parse_article
from crawler.extract.urls import SiteRule, article_id_for, canonical_url, configure_sites, site_of

RIVERSIDE = SiteRule(name="riverside", hosts=frozenset({"www.riverside.example", "m.riverside.example"}),
                     article_path=re.compile(r"^/world/\d{4}/\d{2}/(?P<id>[a-z0-9-]+)$"), language="en")
BY_URL = SiteRule(name="bulletin", hosts=frozenset({"bulletin.example"}),
                  article_path=re.compile(r"^/story\.php\?n=\d+$"), id_from_url=True)


@pytest.fixture(autouse=True)
def _outlets() -> Iterator[None]:
    configure_sites([RIVERSIDE, BY_URL])
    yield
    configure_sites([])


def test_site_and_id_from_the_pattern_group() -> None:
    url = "https://www.riverside.example/world/2022/01/airport-seized?utm_source=rss#top"
    assert site_of(url) == "riverside"
    assert article_id_for(url) == "airport-seized"
    assert article_id_for("https://m.riverside.example/world/2022/01/airport-seized") == "airport-seized"
    assert canonical_url(url) == "https://www.riverside.example/world/2022/01/airport-seized"
    # Not an article by the pattern, or a host the outlet does not list.
    assert article_id_for("https://www.riverside.example/world?page=2") is None
    assert site_of("https://riverside.example/world/2022/01/airport-seized") is None
    # The built-in sites keep their own rules whatever is configured.
    assert site_of("https://www.bbc.com/news/articles/c3g5vx0l2k8o") == "bbc"


def test_id_drawn_from_the_canonical_url() -> None:
    first = article_id_for("http://bulletin.example/story.php?n=42&utm_medium=x")
    assert first is not None and first == article_id_for("https://bulletin.example/story.php?n=42")
    assert first != article_id_for("https://bulletin.example/story.php?n=43")
    assert re.fullmatch(r"u[0-9a-f]{15}", first)  # short, and safe in SOURCE:ID and in URL paths
    assert article_id_for("https://bulletin.example/about.php") is None


def test_rules_come_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(outlet_pages.CONFIG, encoding="utf-8")
    config = load_config(path)
    (rule,) = outlet_rules(config)
    assert (rule.name, rule.hosts, rule.language, rule.id_from_url) == (
        "caspian", frozenset({"www.caspian-courier.example"}), "en", False)
    use_config(config)
    assert site_of("https://www.riverside.example/world/2022/01/x") is None  # replaced, not added
    url = "https://www.caspian-courier.example/region/2022/01/06/troops-land-100245/"
    assert (site_of(url), article_id_for(url)) == ("caspian", "100245")


def test_the_generic_extractor_reads_an_outlet_page() -> None:
    configure_sites([SiteRule(name="caspian", hosts=frozenset({outlet_pages.HOST}),
                              article_path=re.compile(r"-(?P<id>\d{5,})/$"), language="en")])
    article = DemoArticle(
        site="caspian", id="100999", slug="ferry-crossing-resumes", title="Ferry crossing to Baku resumes",
        lead="The first ferry in a week left Kuryk on Monday.",
        published=datetime(2022, 1, 10, 8, 0, tzinfo=UTC), authors=("Ayan Test",), section="Region",
        body=("The first ferry to cross the sea in a week left the port of Kuryk on Monday morning with "
              "trucks and rail wagons on board.", "## Long queues",
              "Drivers said they had waited at the port for six days while the crossing was closed."))
    related = DemoArticle(site="caspian", id="100998", slug="older", title="An older story about grain",
                          lead="Grain.", published=datetime(2022, 1, 9, tzinfo=UTC), body=("Grain.",))
    html = outlet_pages.article_page(article, [related])
    parsed = parse_article(article.url, html)
    assert parsed.source == "caspian" and parsed.article_id == "100999"
    assert parsed.title == "Ferry crossing to Baku resumes"
    assert parsed.language == "en" and parsed.authors == ["Ayan Test"]
    assert parsed.published_at is not None and parsed.published_at.startswith("2022-01-10T08:00")
    assert "waited at the port for six days" in parsed.body
    assert "An older story about grain" not in parsed.body  # the related box
    assert "invented paper" not in parsed.body  # the colophon
