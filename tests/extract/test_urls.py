"""URL identity: the same article gets the same (source, id) and canonical URL however it was linked."""

from __future__ import annotations

import pytest

from crawler.extract.urls import (
    article_id_for,
    bbc_article_id,
    canonical_url,
    is_article_url,
    liputan6_article_id,
    same_site,
    site_of,
    strip_tracking,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.liputan6.com/global/read/4854263/kazakhstan-protest", "4854263"),
        ("https://m.liputan6.com/global/read/4854263/kazakhstan-protest", "4854263"),
        ("http://liputan6.com/global/read/4854263/kazakhstan-protest", "4854263"),
        ("https://www.liputan6.com/global/read/4854263", "4854263"),
        ("https://www.liputan6.com/global/read/4854263/kazakhstan-protest?utm_source=x#comments", "4854263"),
        # 2016 channel subdomains
        ("http://tekno.liputan6.com/read/2436773/tri-indonesia-broadband-dorong-ekosistem-digital-dalam-negeri",
         "2436773"),
        ("http://showbiz.liputan6.com/read/2437019/london-love-story-tembus-800-ribu-penonton-ini-rahasianya",
         "2437019"),
        # 2016 photo galleries: photo.liputan6.com/<channel>/<slug>-<id>
        ("http://photo.liputan6.com/news/kapal-tenggelam-di-selat-bali-2437247", "2437247"),
    ],
)
def test_liputan6_article_ids(url: str, expected: str) -> None:
    assert liputan6_article_id(url) == expected
    assert article_id_for(url) == expected
    assert site_of(url) == "liputan6"
    assert is_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.liputan6.com/global/read/4854263/comments",
        "https://www.liputan6.com/global/read/4854263/kazakhstan-protest/comments",
        "https://www.liputan6.com/global/read/4854263/kazakhstan-protest?photo=3",
        "https://www.liputan6.com/",
        "https://www.liputan6.com/global",
        "https://www.liputan6.com/tag/kazakhstan?page=2",
        "https://www.liputan6.com/indeks/2022/01/07?page=3",
        "https://www.fimela.com/news/read/4854263/some-slug",
        "https://www.bola.com/indonesia/read/4854263/some-slug",
        "https://photo.liputan6.com/news",
    ],
)
def test_liputan6_non_articles(url: str) -> None:
    assert liputan6_article_id(url) is None
    assert not is_article_url(url)


def test_other_kly_sites_are_not_liputan6() -> None:
    assert site_of("https://www.fimela.com/news/read/4854263/x") is None
    assert site_of("https://www.bola.com/indonesia/read/4854263/x") is None
    assert site_of("https://notliputan6.com/news/read/4854263/x") is None


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://m.liputan6.com/global/read/4854263/kazakhstan-protest",
         "https://www.liputan6.com/global/read/4854263/kazakhstan-protest"),
        ("http://tekno.liputan6.com/read/2436773/tri-indonesia",
         "https://www.liputan6.com/tekno/read/2436773/tri-indonesia"),
        ("https://www.liputan6.com/global/read/4854263/kazakhstan-protest?utm_source=twitter&utm_medium=social",
         "https://www.liputan6.com/global/read/4854263/kazakhstan-protest"),
        ("https://www.bbc.co.uk/news/world-asia-59894266?at_medium=RSS&at_campaign=KARANGA#0",
         "https://www.bbc.com/news/world-asia-59894266"),
        ("http://bbc.com/news/articles/clymn8zyrp9o", "https://www.bbc.com/news/articles/clymn8zyrp9o"),
        ("https://example.org/story?id=7&utm_campaign=x&fbclid=abc#section",
         "https://example.org/story?id=7"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_same_article_from_every_liputan6_host_gets_one_identity() -> None:
    hosts = ["https://www.liputan6.com/tekno/read/2436773/tri", "https://m.liputan6.com/tekno/read/2436773/tri",
             "http://tekno.liputan6.com/read/2436773/tri"]
    assert {canonical_url(u) for u in hosts} == {"https://www.liputan6.com/tekno/read/2436773/tri"}
    assert {article_id_for(u) for u in hosts} == {"2436773"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bbc.com/news/world-us-canada-52241221", "world-us-canada-52241221"),
        ("https://www.bbc.co.uk/news/world-us-canada-52241221", "world-us-canada-52241221"),
        ("https://www.bbc.co.uk/news/world-asia-59894266?at_medium=RSS&at_campaign=KARANGA#0",
         "world-asia-59894266"),
        ("https://www.bbc.com/news/articles/clymn8zyrp9o", "clymn8zyrp9o"),
        ("https://www.bbc.co.uk/news/articles/clymn8zyrp9o?at_medium=RSS", "clymn8zyrp9o"),
        ("https://www.bbc.com/news/explainers-63159607", "explainers-63159607"),
    ],
)
def test_bbc_article_ids(url: str, expected: str) -> None:
    assert bbc_article_id(url) == expected
    assert article_id_for(url) == expected
    assert site_of(url) == "bbc"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.co.uk/news/av/world-asia-59894266",
        "https://www.bbc.com/news/videos/c4nn0g0x4z9o",
        "https://www.bbc.co.uk/iplayer/episode/m0013abc/newsnight",
        "https://www.bbc.com/news/live/world-asia-59894266",
        "https://www.bbc.co.uk/news/world-asia-59894266/live",
        "https://www.bbc.co.uk/sounds/play/p0bf1abc",
        "https://www.bbc.com/news/world/asia",
        "https://www.bbc.com/news",
        "https://www.bbc.co.uk/sport/cricket/articles/c4n1l6wx98go",
        "https://www.bbc.com/news/in_pictures/world-asia-59894266",
    ],
)
def test_bbc_non_articles(url: str) -> None:
    assert bbc_article_id(url) is None
    assert not is_article_url(url)


def test_feed_host_is_bbc() -> None:
    assert site_of("https://feeds.bbci.co.uk/news/technology/rss.xml") == "bbc"
    assert same_site("https://www.bbc.co.uk/news", "https://www.bbc.com/news/articles/clymn8zyrp9o")
    assert not same_site("https://www.bbc.com/news", "https://www.liputan6.com/")
    assert not same_site("https://example.org/a", "https://example.org/b")  # only the built-in sites


def test_strip_tracking_keeps_real_parameters() -> None:
    url = "https://www.liputan6.com/tag/kazakhstan?page=2&utm_source=a&at_medium=RSS&at_campaign=b&gclid=c#x"
    assert strip_tracking(url) == "https://www.liputan6.com/tag/kazakhstan?page=2"
    assert strip_tracking("https://www.bbc.co.uk/news/world-asia-59894266#0") == (
        "https://www.bbc.co.uk/news/world-asia-59894266")


@pytest.mark.parametrize(
    ("url", "expected_id"),
    [
        ("https://www.bbc.co.uk/news/world-asia-59894266.amp", "world-asia-59894266"),
        ("https://www.bbc.com/news/articles/clymn8zyrp9o.amp", "clymn8zyrp9o"),
    ],
)
def test_bbc_amp_pages_are_the_same_article(url: str, expected_id: str) -> None:
    assert bbc_article_id(url) == expected_id
    assert canonical_url(url) == canonical_url(url.removesuffix(".amp"))
