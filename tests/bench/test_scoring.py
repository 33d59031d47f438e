"""The extraction benchmark's scoring functions (bench/extraction.py), on texts scored by hand."""

from __future__ import annotations

import pytest

from bench.extraction import average_scores, count_noise, f1, fundus_truth, precision_recall, shingles, tokens
from tests.conftest import shared_path


def test_tokens_are_casefolded_word_runs() -> None:
    expected = ["kazakhstan", "s", "fuel", "price", "protests", "2022"]
    assert tokens("Kazakhstan's fuel-price PROTESTS, 2022!") == expected


def test_shingles_are_word_4_grams() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"), ("b", "c", "d", "e")}
    assert shingles("A b, c. D") == {("a", "b", "c", "d")}  # punctuation and case do not matter
    assert shingles("only three words") == {("only", "three", "words")}
    assert shingles("  ...  ") == set()


def test_precision_and_recall() -> None:
    truth = "one two three four five six"  # 3 shingles
    assert precision_recall(truth, truth) == (1.0, 1.0)
    # extracted = truth + 2 extra words: 5 shingles, 3 shared
    p, r = precision_recall(truth + " seven eight", truth)
    assert p == pytest.approx(3 / 5)
    assert r == 1.0
    # extracted = first 5 words: 2 shingles, both right, 2 of 3 found
    p, r = precision_recall("one two three four five", truth)
    assert (p, r) == (1.0, pytest.approx(2 / 3))
    assert precision_recall("", truth) == (0.0, 0.0)
    assert precision_recall("unrelated text entirely here", truth) == (0.0, 0.0)


def test_f1_and_page_averages() -> None:
    assert f1(1.0, 1.0) == 1.0
    assert f1(0.0, 0.0) == 0.0
    assert f1(0.5, 1.0) == pytest.approx(2 / 3)
    p, r, f = average_scores([(1.0, 0.5), (0.5, 1.0)])
    assert (p, r) == (0.75, 0.75)
    assert f == pytest.approx(0.75)
    assert average_scores([]) == (0.0, 0.0, 0.0)


def test_count_noise() -> None:
    text = "Baca juga: Harga naik\nisi berita\nBACA JUGA: lainnya\nAdvertisement"
    assert count_noise(text, ("Baca Juga", "Advertisement", "Related Topics")) == 3
    assert count_noise("clean text", ("Baca Juga",)) == 0


def test_fundus_truth_joins_summary_and_sections() -> None:
    path = shared_path("fixtures/bbc/fundus/BBC.json")
    text = fundus_truth(path, "V1")
    lines = text.split("\n")
    # V1's summary line comes first, then the section headlines and paragraphs in order
    assert lines[0].startswith("The Office for Budget Responsibility (OBR) monitors")
    assert "What is the OBR and what does it do?" in lines
