"""crawler/extract/text.py: white space as the extractors see it."""

from __future__ import annotations

import re

import pytest

from crawler.extract.text import normalize_space

# What normalize_space means, written the slow way: zero-width characters go, runs of these white-space
# characters become one space, and str.strip() trims the ends.
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u2009\u200a\u202f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


@pytest.mark.parametrize("text", [
    "", "   ", "plain", "  two   words  ", "tab\tand\nnew\r\nline\f\vend", "\x1cunit\x1dsep\x1e\x1f",
    "inner\x1fseparator stays", "nbsp\u00a0\u00a0here", "zero\u200bwidth\ufeff", "thin\u2009space\u3000cjk",
    "line\u2028separator kept", "em\u2003space kept", "\u00a0 leading and trailing \u202f",
])
def test_normalize_space_collapses_white_space_and_drops_zero_width(text: str) -> None:
    assert normalize_space(text) == _WS.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def test_normalize_space_examples() -> None:
    assert normalize_space("  Jakarta -\n\tPolisi  menangkap ") == "Jakarta - Polisi menangkap"
    assert normalize_space("a\x1fb") == "a\x1fb"  # a separator is not white space: kept
    assert normalize_space("Rp\u00a0100\u200b ribu") == "Rp 100 ribu"
