"""The fast selector matcher must select exactly what soupsieve selects, on the recorded pages."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from crawler.extract.cleaning.rules import SITES, rules_for
from crawler.extract.cleaning.selectors import Matcher, parse_simple
from tests.conftest import fixture_html

PAGES = [
    "liputan6/m_global_read_4464894__m.liputan6-detail.html",
    "liputan6/m_news_read_4541831__foto-kondisi-kapal-selam-kri-nanggala-402.html",
    "liputan6/anpandu_2016/liputan6-singlepage.html",
    "indonesian_other/htmldate_health.detik.com-Stroke.html",
    "indonesian_other/htmldate_money.kompas.com-Menhub.html",
    "bbc/trafilatura_bbc.com.52241221.html",
    "bbc/fundus/BBC_2026_04_25.html",
]


@pytest.mark.parametrize("page", PAGES)
def test_matcher_agrees_with_soupsieve_on_recorded_pages(page: str) -> None:
    soup = BeautifulSoup(fixture_html(page), "lxml")
    body = soup.body
    assert body is not None
    for site in SITES:
        for rule in rules_for(site).html_rules:
            fast = {id(el) for el in Matcher(list(rule.selectors)).select(body)}
            reference = {id(el) for el in body.select(rule.selector)}
            assert fast == reference, f"{site} {rule.file}:{rule.name} on {page}"
    # The pages do hold noise the selectors find (the comparison above is not vacuous).
    assert rules_for("generic").matcher.select(body) or rules_for("bbc").matcher.select(body)


HTML = """<div id="r"><div class="a b" id="x1" data-info="ad"><p class="b">t</p></div>
<span id="div-gpt-ad-1-wrapper" lang="en-GB">u</span><img src="/kly-ads/x.jpg">
<p><a class="z">v</a></p></div>"""


@pytest.mark.parametrize("selector", [
    ".a", ".b", "div.a.b", "#x1", '[data-info="ad"]', "[data-info]", '[id^="div-gpt"]', '[id$="-wrapper"]',
    '[id^="div-gpt-ad"][id$="-wrapper"]', 'img[src*="/kly-ads/"]', '[class~="b"]', '[lang|="en"]', "p", "*",
    "p:has(a.z)", "div p", "div > p.b",
])
def test_matcher_agrees_with_soupsieve_on_each_selector_form(selector: str) -> None:
    root = BeautifulSoup(HTML, "lxml").select_one("#r")
    assert root is not None
    expected = [id(el) for el in root.select(selector)]
    assert expected, "every form should match something here"
    assert sorted(id(el) for el in Matcher([selector]).select(root)) == sorted(expected)


def test_complex_selectors_are_left_to_soupsieve() -> None:
    for selector in ("p:has(a)", "div p", "a > b", "a, b", "a::before"):
        assert parse_simple(selector) is None
    simple = parse_simple('div.x#y[data-a^="b"]')
    assert simple is not None and simple.tag == "div" and simple.classes == {"x"} and simple.id == "y"

