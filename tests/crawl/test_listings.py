"""Listing-page parsing on recorded Liputan6 pages: article links by URL pattern, one per article id.

Expected counts were taken from the pages with a plain regular expression over their hrefs: distinct numeric
ids of liputan6.com `/read/<id>` links plus photo.liputan6.com gallery links ending in `-<id>`; links to other
KLY sites (bola.com, fimela.com) are counted apart and must not appear.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from crawler.crawl.discovery import listings
from crawler.crawl.discovery.listings import clean_link, main_list, page_number, parse_listing, with_page
from crawler.crawl.discovery.records import ListingLink
from crawler.extract.urls import SiteRule, article_id_for, configure_sites, site_of
from tests.conftest import shared_path

WIB = timezone(timedelta(hours=7))


def _links(relative: str, url: str) -> list[ListingLink]:
    return parse_listing(url, shared_path(f"fixtures/liputan6/{relative}").read_bytes())


@pytest.mark.parametrize(("relative", "url", "count"), [
    ("anpandu_2016/liputan6-mainpage.html", "https://www.liputan6.com/indeks", 97),
    ("www_home_2022-04__index.html", "https://www.liputan6.com/", 110),
    ("www_home_2021-01__www-liputan6.html", "https://www.liputan6.com/", 105),
    ("m_home_2022-02__new-liputan6.html", "https://m.liputan6.com/", 114),
])
def test_one_link_per_article_id(relative: str, url: str, count: int) -> None:
    links = _links(relative, url)
    ids = [article_id_for(link.url) for link in links]
    assert len(links) == count
    assert len(set(ids)) == count and None not in ids
    assert all(site_of(link.url) == "liputan6" for link in links)
    assert all(link.title for link in links)


def test_other_kly_sites_and_tracking_are_dropped() -> None:
    links = _links("www_home_2022-04__index.html", "https://www.liputan6.com/")
    assert not [link for link in links if "bola.com" in link.url or "fimela.com" in link.url]
    # The homepage's headline links carry ?medium=Headline&campaign=Headline_click_1 click trackers.
    medina = next(link for link in links if article_id_for(link.url) == "4924845")
    assert medina.url == ("https://www.liputan6.com/showbiz/read/4924845/medina-zein-jadi-tersangka-ancaman-bom-"
                          "terhadap-uci-flowdea-kini-minta-maaf-dan-pengin-damai")


def test_date_index_rows_carry_title_lead_and_time() -> None:
    links = _links("anpandu_2016/liputan6-mainpage.html", "https://www.liputan6.com/indeks")
    london = next(link for link in links if article_id_for(link.url) == "2437019")
    assert london.url == "http://showbiz.liputan6.com/read/2437019/london-love-story-tembus-800-ribu-penonton-ini-rahasianya"
    assert london.title == "London Love Story Tembus 800 Ribu Penonton, Ini Rahasianya"
    assert london.lead == "London Love Story adalah film dengan angka penonton tertinggi tahun ini."
    assert london.date == datetime(2016, 2, 16, 9, 20, tzinfo=WIB)
    # The index list proper: 20 rows, three of them video.liputan6.com links (not articles); the menus and
    # "popular" widgets link their stories without a time.
    listed = main_list(links)
    assert len(listed) == 17
    assert all(link.date and link.date.date().isoformat() == "2016-02-16" for link in listed)


def test_photo_gallery_link_is_an_article_link() -> None:
    links = _links("anpandu_2016/liputan6-mainpage.html", "https://www.liputan6.com/indeks")
    gallery = next(link for link in links if article_id_for(link.url) == "2437247")
    assert gallery.url.startswith("http://photo.liputan6.com/musik/hadiri-grammy-awards-2016-taylor-swift")


def test_mobile_links_keep_their_ids() -> None:
    links = _links("m_home_2022-02__new-liputan6.html", "https://m.liputan6.com/")
    first = links[0]
    assert article_id_for(first.url) == "4895449"
    sekjen = next(link for link in links if article_id_for(link.url) == "4896137")
    assert sekjen.title == "Sekjen PBB Desak Rusia Setop Serangan ke Ukraina"
    assert sekjen.date == datetime(2022, 2, 24, 14, 32, 33, tzinfo=WIB)


def test_markup_free_listing_still_finds_articles() -> None:
    # A redesign that drops every class and <time> still yields the links, found by URL pattern alone.
    html = ('<ul><li><a href="/news/read/4850001/satu">Satu</a></li>'
            '<li><a href="https://m.liputan6.com/news/read/4850001/satu?medium=x">Satu lagi</a></li>'
            '<li><a href="/news/read/4850002/dua/comments">Komentar</a></li>'
            '<li><a href="https://www.vidio.com/watch/1-x">Video</a></li>'
            '<li><a href="/tag/kazakhstan">Tag</a></li></ul>')
    links = parse_listing("https://www.liputan6.com/tag/x", html)
    assert [link.url for link in links] == ["https://www.liputan6.com/news/read/4850001/satu"]
    assert main_list(links) == links


def test_empty_page() -> None:
    assert parse_listing("https://www.liputan6.com/", "") == []
    assert parse_listing("https://www.liputan6.com/", "<html><body><p>kosong</p></body></html>") == []


def test_paging_helpers() -> None:
    assert with_page("https://www.liputan6.com/tag/kazakhstan", 2) == "https://www.liputan6.com/tag/kazakhstan?page=2"
    assert with_page("https://www.liputan6.com/tag/kazakhstan?page=2", 3).endswith("?page=3")
    assert with_page("https://www.liputan6.com/tag/kazakhstan?page=2", 1) == "https://www.liputan6.com/tag/kazakhstan"
    assert page_number("https://www.liputan6.com/indeks/2022/01/07?page=4") == 4
    assert page_number("https://www.liputan6.com/indeks/2022/01/07") == 1
    assert page_number("https://x.test/?page=abc") == 1


def test_clean_link_drops_click_trackers_only() -> None:
    link = "https://www.liputan6.com/news/read/1234567/x?medium=Headline&campaign=c&page=2#top"
    assert clean_link(link) == "https://www.liputan6.com/news/read/1234567/x?page=2"


def test_listing_pages_share_resolved_links_until_the_outlets_change() -> None:
    html = ('<a href="https://news.example.org/world/2022/01/kazakhstan-unrest">Kazakhstan</a>'
            '<a href=" https://www.liputan6.com/news/read/4850123/x ">L6</a>'
            '<a href="/news/read/4850124/y">rel</a>')
    rule = SiteRule(name="example", hosts=frozenset({"news.example.org"}),
                    article_path=re.compile(r"^/world/\d{4}/\d{2}/(?P<id>[a-z-]+)$"))
    try:
        configure_sites([])
        before = parse_listing("https://www.liputan6.com/tag/x?page=1", html)
        assert [link.url for link in before] == ["https://www.liputan6.com/news/read/4850123/x",
                                                 "https://www.liputan6.com/news/read/4850124/y"]
        # The same hrefs on another page: the page-independent ones come from the shared cache, same result.
        assert listings._shared
        assert parse_listing("https://www.liputan6.com/tag/x?page=2", html) == before
        # Relative links still resolve against their own page.
        other = parse_listing("https://m.liputan6.com/tag/x", html)
        assert other[1].url == "https://m.liputan6.com/news/read/4850124/y"
        configure_sites([rule])  # the outlet is now an article site: what was cached no longer holds
        after = parse_listing("https://www.liputan6.com/tag/x?page=3", html)
        assert after[0].url == "https://news.example.org/world/2022/01/kazakhstan-unrest"
        assert len(after) == 3
    finally:
        configure_sites([])
