"""Whose plain text is this? The rule set `newswatch clean` applies when it is not told the site.

Text copied from a page has lost its URL, so the site is read from the text itself:

- Liputan6 opens every article with a dateline, "Liputan6.com, <City> - ", in its first paragraph;
- BBC text carries the furniture its pages print around the article (image captions and credits,
  "Related Topics", "More on this story"): two or more such lines, judged by the BBC rules themselves, so the
  markers stay in one place (crawler/extract/cleaning/rules/bbc.toml). One line is not enough: a bare agency
  credit ("Reuters") is printed by many English sites;
- anything else gets the shared rules of its detected language, or of both languages when it is neither.

This sits outside `cleaning/` because it needs the language detector of the generic page parser, which
itself cleans with `cleaning/` (the other way round would be an import circle).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.extract.cleaning.cleaner import CONTENT, classify
from crawler.extract.cleaning.rules import rules_for
from crawler.extract.pages.generic import detect_language

# "Liputan6.com, Jakarta - " / "Liputan6.com, Nur-Sultan – ": a place of one to four words, then a dash.
_DATELINE = re.compile(r"^\s*Liputan6\.com\s*,\s*(?P<place>[^\W\d][\w.'-]*(?: [\w.'-]+){0,3})\s+[-–—]\s",
                       re.UNICODE)
# The first paragraphs that can hold the dateline (a title line and a blank line may come before it).
_DATELINE_LINES = 3
_BBC_MARKERS_NEEDED = 2
_LANGUAGE_RULES = {"id": "generic-id", "ms": "generic-id", "en": "generic-en"}


def guess_rules(lines: Sequence[str]) -> tuple[str, str]:
    """The rule set for an article given as lines of text, and why: ("liputan6", "dateline ...")."""
    opening = [line for line in lines if line.strip()][:_DATELINE_LINES]
    for line in opening:
        if match := _DATELINE.match(line):
            return "liputan6", f"dateline 'Liputan6.com, {match['place']} -'"
    markers = _bbc_markers(lines)
    if len(markers) >= _BBC_MARKERS_NEEDED:
        shown = ", ".join(repr(m) for m in markers[:3])
        return "bbc", f"{len(markers)} BBC page marker lines ({shown})"
    language = detect_language(" ".join(line.strip() for line in lines[:200]))
    site = _LANGUAGE_RULES.get(language or "", "generic")
    if site == "generic":
        return site, f"detected language {language or 'unknown'}: the shared rules of both languages"
    return site, f"detected language {language}: its shared rules"


def _bbc_markers(lines: Sequence[str]) -> list[str]:
    """Lines BBC's own rules call noise that the shared English rules keep: the BBC's page furniture."""
    bbc, english = rules_for("bbc"), rules_for("generic-en")
    found = []
    for raw in lines:
        line = raw.strip()
        if line and len(line) < 200 and classify(line, bbc) != CONTENT and classify(line, english) == CONTENT:
            found.append(line)
    return found
