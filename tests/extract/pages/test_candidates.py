"""The generic extractor's choice among candidates by agreement, and `newswatch extract --explain`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.extract.pages.candidates import CLOSE_ENOUGH, SETTLED, agreement, choose, line_shingles, shingles
from tests.conftest import shared_path

STORY = [
    "Thousands gathered in the main square of Almaty on Tuesday as protests over fuel prices spread.",
    "Officials said the price cap on liquefied gas would be restored for the next six months.",
    "Internet access was cut across the country late on Wednesday, according to the monitoring group.",
]
HEADLINES = [
    "Ten things to do this weekend in the city",
    "Celebrity chef opens a new restaurant downtown",
    "Stocks close higher after a volatile session",
    "Local team wins the cup in a penalty shoot-out",
]


def never() -> list[str]:
    raise AssertionError("a later candidate must not be computed when the earlier ones settle it")


def test_agreement_is_shingle_f1() -> None:
    text = " ".join(STORY)
    assert agreement(shingles(text), shingles(text)) == 1.0
    assert agreement(shingles(text), shingles(" ".join(HEADLINES))) == 0.0
    assert agreement(shingles(text), set()) == 0.0
    half = agreement(shingles(STORY[0]), shingles(" ".join(STORY[:2])))
    assert 0.4 < half < 0.8


def test_shingles_are_the_case_folded_word_4_grams() -> None:
    assert len(shingles("a b c d e")) == 2 and shingles("A b, c. D") == shingles("a b c d")
    assert shingles("a b c d") != shingles("a b d c") and len(shingles("one two three")) == 1
    assert shingles("  ...  ") == set()
    # One 4-gram shared ("a b c d"): 1 of the first text's 3, 1 of the second's 2.
    assert agreement(shingles("a b c d e f"), shingles("x a b c d")) == pytest.approx(0.4)  # F1 of 1/3, 1/2


@pytest.mark.parametrize("lines", [
    STORY, HEADLINES, [], [""], ["one two", "three four five"], ["a", "b", "c"], ["a b c"],
    # case folding that changes a word's length or depends on where a letter stands, across line breaks
    ["STRAẞE ODOΣ", "İstanbul ǅemal", "ﬁnal ŉ"], ["word\u2028split", "tab\tand, punctuation!"],
])
def test_shingles_of_lines_read_once_are_those_of_the_joined_text(lines: list[str]) -> None:
    words_by_line: dict[str, list[str]] = {}
    assert line_shingles(lines, words_by_line) == shingles("\n".join(lines))
    assert set(words_by_line) == set(lines)
    # a second candidate sharing lines with the first reads only its new ones, and gets its own shingles
    other = [*lines[1:], "a line of its own here"]
    assert line_shingles(other, words_by_line) == shingles("\n".join(other))
    assert set(words_by_line) == {*lines, "a line of its own here"}


def test_the_two_that_agree_outvote_a_list_of_headlines() -> None:
    # The preferred extractor went wrong (a "trending" box); the two others found the story.
    choice = choose(("trafilatura", lambda: HEADLINES), ("trafilatura-precision", lambda: STORY[:2]),
                    ("readability", lambda: STORY))
    # The two story candidates agree with each other alike; of equals, the earlier (preferred) one wins.
    assert choice.winner is not None and choice.winner.name == "trafilatura-precision"
    assert choice.winner.lines == STORY[:2]
    assert "highest agreement" in choice.reason
    assert choice.candidates[1].score == choice.candidates[2].score > 0.3
    assert [c.name for c in choice.candidates] == ["trafilatura", "trafilatura-precision", "readability"]
    assert choice.candidates[0].score == 0.0


def test_close_agreement_of_the_first_two_skips_the_third() -> None:
    choice = choose(("trafilatura", lambda: STORY), ("trafilatura-precision", lambda: list(STORY)),
                    ("readability", never))
    assert choice.winner is not None and choice.winner.name == "trafilatura"
    assert f">= {CLOSE_ENOUGH}" in choice.reason
    assert len(choice.candidates) == 2


def test_ties_and_lone_candidates_go_to_the_preferred_or_the_only_one() -> None:
    tie = choose(("trafilatura", lambda: STORY), ("trafilatura-precision", lambda: []),
                 ("readability", lambda: STORY[:1]))
    assert tie.winner is not None and tie.winner.name == "trafilatura"
    lone = choose(("trafilatura", lambda: []), ("trafilatura-precision", lambda: []),
                  ("readability", lambda: STORY))
    assert lone.winner is not None and lone.winner.name == "readability"
    assert lone.reason == "the only candidate with a body"
    none = choose(("trafilatura", lambda: []), ("trafilatura-precision", lambda: []), ("readability", list))
    assert none.winner is None
    assert "chose none: no extractor found a body" in none.explain()


PAGE = """<!doctype html><html lang="en"><head><title>Protests reach Aktau</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Protests reach Aktau</h1>
<p>{0}</p><p>{1}</p><p>{2}</p></article>
<aside><h2>Trending</h2><ul>{3}</ul></aside></body></html>"""


def _explain(tmp_path: Path, html: str) -> tuple[str, str]:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--explain", "--url", "https://news.example.org/a/1",
                                      str(page)], obj={})
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_extract_explain_names_the_winner_for_a_generic_page(tmp_path: Path) -> None:
    trending = "".join(f"<li><a href='/x'>{h}</a></li>" for h in HEADLINES)
    # The page marks its article (<article>): our density scoring agrees with it, nothing else runs.
    out, err = _explain(tmp_path, PAGE.format(*STORY, trending))
    assert err.startswith("generic extractor: candidates: density (")
    assert "chose density: density and the witness markup agree" in err
    assert "trafilatura" not in err
    assert "Aktau" in out and "Trending" not in out
    # No such markup: the classification of text blocks (blocks.py) is the next witness, and agrees.
    out, err = _explain(tmp_path, PAGE.replace("article>", "div>").format(*STORY, trending))
    assert "markup (0 words" in err and "chose density: density and the witness blocks agree" in err
    assert "trafilatura" not in err
    assert "Aktau" in out and "Trending" not in out


def test_a_witness_that_disagrees_is_shown_but_never_chosen() -> None:
    choice = choose(("density", lambda: STORY), ("trafilatura", lambda: list(STORY)),
                    ("readability", never), witnesses=[("markup", lambda: HEADLINES)])
    assert choice.winner is not None and choice.winner.name == "density"
    assert [c.name for c in choice.candidates] == ["density", "markup", "trafilatura"]
    assert f"trafilatura confirms it (1.00 >= {SETTLED})" in choice.reason
    lone = choose(("density", list), ("trafilatura", list), ("readability", list),
                  witnesses=[("markup", lambda: STORY)])
    assert lone.winner is None


def test_witnesses_are_asked_in_turn_until_one_agrees() -> None:
    choice = choose(("density", lambda: STORY), ("trafilatura", never), ("readability", never),
                    witnesses=[("markup", lambda: HEADLINES), ("blocks", lambda: list(STORY)),
                               ("more", never)])
    assert choice.winner is not None and choice.winner.name == "density"
    assert [c.name for c in choice.candidates] == ["density", "markup", "blocks"]
    assert "density and the witness blocks agree (1.00" in choice.reason
    # No witness agrees: trafilatura is the second opinion, as before.
    choice = choose(("density", lambda: STORY), ("trafilatura", lambda: list(STORY)), ("readability", never),
                    witnesses=[("markup", lambda: HEADLINES), ("blocks", lambda: STORY[:1])])
    assert [c.name for c in choice.candidates] == ["density", "markup", "blocks", "trafilatura"]
    assert "the witnesses markup, blocks" in choice.reason
    assert "trafilatura confirms it (1.00" in choice.reason


def test_a_witness_votes_and_confirms_but_is_never_chosen() -> None:
    # density found a list of headlines; the witness (never chosen) agrees with trafilatura: its vote and
    # confirmation settle the page for trafilatura, and nothing more is computed.
    choice = choose(("density", lambda: HEADLINES), ("trafilatura", lambda: list(STORY)),
                    ("readability", never), ("trafilatura-precision", never),
                    witnesses=[("blocks", lambda: STORY)])
    assert choice.winner is not None and choice.winner.name == "trafilatura"
    assert "the witness blocks" in choice.reason
    assert f"blocks confirms it (1.00 >= {SETTLED})" in choice.reason
    assert [c.name for c in choice.candidates] == ["density", "blocks", "trafilatura"]
    # With only the witness and density, the witness still cannot win.
    alone = choose(("density", lambda: STORY[:1]), ("trafilatura", list), ("readability", list),
                   ("trafilatura-precision", list), witnesses=[("blocks", lambda: HEADLINES)])
    assert alone.winner is not None and alone.winner.name == "density"


def test_extract_explain_names_the_site_parser() -> None:
    path = shared_path("fixtures/liputan6/m_global_read_4464894__m.liputan6-detail.html")
    result = CliRunner().invoke(cli, ["extract", "--explain", str(path)], obj={})
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("liputan6 page parser (")


def test_a_page_without_an_article_explains_and_fails(tmp_path: Path) -> None:
    page = tmp_path / "home.html"
    page.write_text("<html><body><nav><a href='/a'>World</a></nav></body></html>", encoding="utf-8")
    args = ["extract", "--explain", "--url", "https://news.example.org/", str(page)]
    result = CliRunner().invoke(cli, args, obj={})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("generic extractor: candidates:") and "chose" in lines[0]
    assert "no article" in lines[-1].lower()


def test_an_unconfirmed_vote_of_three_calls_the_fourth() -> None:
    # Three different answers: no vote of three is confirmed, so the fourth opinion is asked and settles it.
    choice = choose(("trafilatura", lambda: HEADLINES), ("density", lambda: STORY[:1]),
                    ("readability", lambda: STORY[2:]), ("trafilatura-precision", lambda: STORY))
    assert [c.name for c in choice.candidates] == ["trafilatura", "density", "readability",
                                                   "trafilatura-precision"]
    assert choice.winner is not None and choice.winner.name == "trafilatura-precision"


def test_a_confirmed_vote_of_three_skips_the_fourth() -> None:
    choice = choose(("trafilatura", lambda: HEADLINES), ("density", lambda: STORY),
                    ("readability", lambda: list(STORY)), ("trafilatura-precision", never))
    assert choice.winner is not None and choice.winner.name == "density"
    assert len(choice.candidates) == 3
    assert f"readability confirms it (1.00 >= {SETTLED})" in choice.reason


def test_a_fragment_two_extractors_share_does_not_outvote_the_confirmed_article() -> None:
    # Two extractors stop after the first paragraph and agree with each other perfectly; the preferred
    # candidate has the whole article, and the fourth opinion confirms it: the article wins, not the piece.
    article = [
        *STORY,
        "Shops in the city centre were looted overnight, and the airport was closed to all flights.",
        "The security council asked allied states for troops, and the first of them landed on Thursday.",
        "Rights groups counted thousands detained across the country by the end of the first week.",
        "Banks reopened on Monday, with queues at cash machines stretching around several blocks.",
        "The new cabinet promised to hold fuel prices down and to review the energy market reforms.",
        "Foreign ministers in the region called for calm, and several airlines suspended their routes.",
    ]
    # A witness that read a little more than the piece tips the vote towards the piece, as on the real page
    # this rule was written for.
    witnesses = [("blocks", lambda: article[:3])]
    choice = choose(("density", lambda: article), ("trafilatura", lambda: article[:2]),
                    ("readability", lambda: article[:2]), ("trafilatura-precision", lambda: list(article)),
                    witnesses=witnesses)
    assert choice.winner is not None and choice.winner.name == "density"
    assert "is a fragment of density's, which trafilatura-precision confirms" in choice.reason
    # Without the confirmation the piece stays the vote's choice: the rule needs the article's own support.
    unconfirmed = choose(("density", lambda: article), ("trafilatura", lambda: article[:2]),
                         ("readability", lambda: article[:2]), ("trafilatura-precision", lambda: HEADLINES),
                         witnesses=witnesses)
    assert unconfirmed.winner is not None and unconfirmed.winner.name == "trafilatura"
