"""Every cleaning rule, checked against its own examples: the lines/fragments it removes and the similar
content it must keep. Parametrized over the rules data, so a rule added without examples fails here."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from crawler.extract.cleaning import clean_lines, is_noise_line, strip_noise_html
from crawler.extract.cleaning.cleaner import is_link_list
from crawler.extract.cleaning.rules import (
    RULE_FILES,
    SITES,
    HtmlRule,
    LineRule,
    files_for,
    load_file,
    parse_rules,
)
from crawler.extract.text import iter_paragraphs

LINE_RULES = [rule for file in RULE_FILES for rule in load_file(file)[0]]
HTML_RULES = [rule for file in RULE_FILES for rule in load_file(file)[1]]
BEFORE = "Pasukan CSTO tiba di Almaty pada Kamis malam, kata kantor berita itu."
AFTER = "Pemerintah mengatakan batas harga bahan bakar akan dipulihkan selama enam bulan."


def sites_using(file: str) -> list[str]:
    return [site for site in SITES if file in files_for(site)]


def test_every_rule_file_has_rules() -> None:
    for file in RULE_FILES:
        lines, htmls = load_file(file)
        assert lines, f"{file}.toml has no line rules"
        assert all(rule.file == file for rule in [*lines, *htmls])
        assert sites_using(file), f"{file}.toml is used by no site: its rules never run"
    assert len(LINE_RULES) >= 15 and len(HTML_RULES) >= 8


@pytest.mark.parametrize("rule", LINE_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_line_rule_has_examples_of_both_kinds(rule: LineRule) -> None:
    assert rule.removes, f"{rule.file}:{rule.name} shows no line it removes"
    assert rule.keeps, f"{rule.file}:{rule.name} shows no similar content line it keeps"


@pytest.mark.parametrize("rule", LINE_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_line_rule_removes_its_examples(rule: LineRule) -> None:
    for line in rule.removes:
        assert rule.matches(line), f"rule does not match its own example {line!r}"
        for site in sites_using(rule.file):
            assert is_noise_line(line, site), f"{site}: {line!r} kept"


@pytest.mark.parametrize("rule", LINE_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_line_rule_keeps_similar_content(rule: LineRule) -> None:
    for line in rule.keeps:
        assert not rule.matches(line), f"rule eats content {line!r}"
        # No other rule of any site using this file may eat it either.
        for site in sites_using(rule.file):
            assert not is_noise_line(line, site), f"{site}: content {line!r} dropped"
            assert clean_lines([BEFORE, line, AFTER], site) == [BEFORE, line, AFTER]


@pytest.mark.parametrize("rule", LINE_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_line_rule_in_the_text_path(rule: LineRule) -> None:
    for line in rule.removes:
        for site in sites_using(rule.file):
            kept = clean_lines([BEFORE, "  " + line + " ", AFTER], site)
            # A section marker ends the article: what follows it goes too.
            assert kept == ([BEFORE] if rule.section_end else [BEFORE, AFTER])


def _fragment(html: str) -> BeautifulSoup:
    return BeautifulSoup(f"<div id='root'>{html}</div>", "lxml")


def _rule_hits(rule: HtmlRule, html: str) -> list[str]:
    root = _fragment(html).select_one("#root")
    assert root is not None
    hits = [el for el in root.select(rule.selector) if not rule.link_only or is_link_list(el)]
    return [el.name or "" for el in hits]


@pytest.mark.parametrize("rule", HTML_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_html_rule_has_examples_of_both_kinds(rule: HtmlRule) -> None:
    assert rule.removes and rule.keeps, f"{rule.file}:{rule.name} needs removes and keeps examples"


@pytest.mark.parametrize("rule", HTML_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_html_rule_removes_its_examples(rule: HtmlRule) -> None:
    for html in rule.removes:
        assert _rule_hits(rule, html), f"selectors find nothing in {html!r}"
        for site in sites_using(rule.file):
            soup = _fragment(f"<p>{BEFORE}</p>{html}<p>{AFTER}</p>")
            root = soup.select_one("#root")
            assert root is not None
            strip_noise_html(root, site)
            assert list(iter_paragraphs(root)) == [BEFORE, AFTER], f"{site}: noise left from {html!r}"


@pytest.mark.parametrize("rule", HTML_RULES, ids=lambda r: f"{r.file}:{r.name}")
def test_html_rule_keeps_content(rule: HtmlRule) -> None:
    for html in rule.keeps:
        assert not _rule_hits(rule, html), f"selectors hit content in {html!r}"
        for site in sites_using(rule.file):
            soup = _fragment(html)
            root = soup.select_one("#root")
            assert root is not None
            expected = list(iter_paragraphs(root))
            assert expected, "a keeps example must hold some text"
            strip_noise_html(root, site)
            assert list(iter_paragraphs(root)) == expected


@pytest.mark.parametrize(("toml", "complaint"), [
    ('[[line]]\nname = "a"\nkind = "fuzzy"\npatterns = ["x"]', "`kind`"),
    ('[[line]]\nname = "a"\nkind = "exact"\npatterns = []', "`patterns` is empty"),
    ('[[line]]\nname = "a"\nkind = "regex"\npatterns = ["(unclosed"]', "bad regular expression"),
    ('[[line]]\nname = "a"\nkind = "exact"\npatterns = ["x"]\nmax_word = 3', "unknown key"),
    ('[[line]]\nname = "a"\nkind = "exact"\npatterns = ["x"]\nmax_words = 0', "`max_words`"),
    ('[[line]]\nname = "a"\nkind = "exact"\npatterns = ["x"]\nshape = "round"', "`shape`"),
    ('[[line]]\nname = "a"\nkind = "exact"\npatterns = ["x"]\n'
     '[[line]]\nname = "a"\nkind = "exact"\npatterns = ["y"]', "unique `name`"),
    ('[[html]]\nname = "h"\nselectors = []', "`selectors` is empty"),
    ('[[html]]\nname = "h"\nselectors = "div"\nremoves = [1]', "list of strings"),
])
def test_bad_rule_files_are_rejected_with_the_rule_named(toml: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as info:
        parse_rules("mine", toml)
    assert "rules/mine.toml" in str(info.value)


def test_a_rule_file_parses_into_working_rules() -> None:
    lines, htmls = parse_rules("mine", '[[line]]\nname = "a"\nkind = "prefix"\npatterns = ["Lihat Foto"]\n'
                                       'max_words = 4\n[[html]]\nname = "h"\nselectors = ".x"')
    assert lines[0].matches("LIHAT FOTO: Almaty") and not lines[0].matches("Lihat foto itu lagi, kata dia.")
    assert not lines[0].matches("Lihat Fotonya")
    assert htmls[0].selector == ".x"
