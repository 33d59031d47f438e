"""story.changes: distinct versions by normalised fingerprint, material updates with a paragraph diff."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crawler.core.items import Article
from crawler.story.changes import classify, fingerprint, is_counter_line, is_related_link
from storage.records import Change, PreviousVersion
from tests.conftest import shared_path

TITLE = "Death toll rises in Almaty clashes"
BODY = "\n\n".join([
    "Updated 07 Jan 2022, 10:00 GMT",
    "Officials said 18 security personnel were killed in Almaty.",
    "The interior ministry said 2,298 people had been detained.",
    "Fuel price rises sparked the protests on Sunday.",
    "Read more: Why is Kazakhstan in turmoil?",
    "Read more: Who is Kassym-Jomart Tokayev?",
])


def previous(title: str | None = TITLE, body: str = BODY) -> PreviousVersion:
    return PreviousVersion(version_no=1, title=title, body=body, body_hash=fingerprint(title, body))


def incoming(title: str | None = TITLE, body: str = BODY) -> Article:
    return Article(source="bbc", article_id="world-asia-59000001",
                   url="https://www.bbc.com/news/world-asia-59000001", title=title, body=body)


def test_without_a_previous_version_it_is_new() -> None:
    change = classify(None, incoming())
    assert isinstance(change, Change)
    assert change.kind == "new"


def test_the_same_text_is_unchanged() -> None:
    assert classify(previous(), incoming()) == Change(kind="unchanged")


@pytest.mark.parametrize("edit", [
    pytest.param(lambda b: b.replace(" were ", "  were ") + "\n\n\n", id="whitespace"),
    pytest.param(lambda b: b.replace("\n\n", "\n \n"), id="blank-line-with-space"),
    pytest.param(lambda b: b.replace("10:00 GMT", "11:45 GMT"), id="updated-timestamp"),
    pytest.param(lambda b: b.replace("Updated 07 Jan 2022, 10:00 GMT", "2 hours ago"), id="relative-time"),
    pytest.param(lambda b: b + "\n\nDibaca 1.024 kali", id="read-counter-added"),
    pytest.param(lambda b: b.replace("Updated 07 Jan 2022, 10:00 GMT", "Diperbarui 07 Jan 2022, 10:00 WIB"),
                 id="timestamp-language"),
    pytest.param(lambda b: b.replace("Fuel price", "Fuel-price").replace("Officials", "officials"),
                 id="case-and-punctuation"),
    pytest.param(lambda b: b.replace("2,298", "2.298").replace("turmoil?", "turmoil ?"), id="number-punct"),
    pytest.param(lambda b: b.replace("Almaty.", "\u00c1lmaty."), id="accent"),
])
def test_noise_leaves_the_article_unchanged(edit: Callable[[str], str]) -> None:
    body = edit(BODY)
    assert body != BODY
    assert fingerprint(TITLE, body) == fingerprint(TITLE, BODY)
    assert classify(previous(), incoming(body=body)).kind == "unchanged"


def test_a_revised_death_toll_is_a_material_update() -> None:
    body = BODY.replace("18 security personnel", "26 security personnel")
    assert fingerprint(TITLE, body) != fingerprint(TITLE, BODY)
    change = classify(previous(), incoming(body=body))
    assert (change.kind, change.material) == ("updated", True)
    assert change.diff["changed"] == [{
        "before": "Officials said 18 security personnel were killed in Almaty.",
        "after": "Officials said 26 security personnel were killed in Almaty.",
    }]
    assert change.diff["added"] == [] and change.diff["removed"] == [] and change.diff["title"] is None


def test_added_and_removed_paragraphs() -> None:
    body = BODY.replace("Fuel price rises sparked the protests on Sunday.",
                        "Russian-led CSTO troops arrived on Thursday.")
    change = classify(previous(), incoming(body=body))
    assert change.material
    assert change.diff["added"] == ["Russian-led CSTO troops arrived on Thursday."]
    assert change.diff["removed"] == ["Fuel price rises sparked the protests on Sunday."]
    assert change.diff["changed"] == []

    longer = BODY + "\n\nThe president declared a day of mourning."
    change = classify(previous(), incoming(body=longer))
    assert (change.material, change.diff["added"], change.diff["removed"]) == (
        True, ["The president declared a day of mourning."], [])


def test_a_new_title_is_material_and_recorded() -> None:
    change = classify(previous(), incoming(title="Almaty death toll revised"))
    assert (change.kind, change.material) == ("updated", True)
    assert change.diff["title"] == {"before": TITLE, "after": "Almaty death toll revised"}
    assert change.diff["changed"] == [] and change.diff["added"] == []


def test_a_title_case_change_is_not_a_version() -> None:
    assert classify(previous(), incoming(title=TITLE.upper())).kind == "unchanged"


def test_reordered_related_links_are_a_version_but_not_material() -> None:
    links = ["Read more: Why is Kazakhstan in turmoil?", "Read more: Who is Kassym-Jomart Tokayev?"]
    body = BODY.replace(links[0], "@@").replace(links[1], links[0]).replace("@@", links[1])
    change = classify(previous(), incoming(body=body))
    assert (change.kind, change.material) == ("updated", False)
    assert change.diff["added"] == change.diff["removed"] == change.diff["changed"] == []


def test_a_swapped_related_link_is_not_material() -> None:
    body = BODY.replace("Read more: Who is Kassym-Jomart Tokayev?", "Read more: What is the CSTO?")
    change = classify(previous(), incoming(body=body))
    assert (change.kind, change.material) == ("updated", False)


def test_moved_paragraphs_are_reported_but_not_material() -> None:
    paragraphs = BODY.split("\n\n")
    paragraphs[1], paragraphs[3] = paragraphs[3], paragraphs[1]
    change = classify(previous(), incoming(body="\n\n".join(paragraphs)))
    assert (change.kind, change.material) == ("updated", False)
    assert change.diff["moved"]
    assert set(change.diff["moved"]) <= set(paragraphs)


def test_title_none_and_empty_are_the_same() -> None:
    assert fingerprint(None, BODY) == fingerprint("", BODY)
    assert classify(previous(title=None), incoming(title="")).kind == "unchanged"


@pytest.mark.parametrize(("line", "expected"), [
    ("Diperbarui 07 Jan 2022, 10:00 WIB", True),
    ("Diterbitkan 07 Januari 2022, 09:10 WIB", True),
    ("Jumat, 07 Jan 2022 12:47 WIB", True),
    ("2 hours ago", True),
    ("5 menit yang lalu", True),
    ("Updated 3 days ago", True),
    ("Dibaca 1.234 kali", True),
    ("1,024 comments", True),
    ("18 tewas", False),  # a number in prose
    ("Sekitar 18 anggota pasukan keamanan tewas di Almaty.", False),
    ("Kementerian dalam negeri mengatakan 2.298 pengunjuk rasa telah ditahan.", False),
    ("Liputan6.com, Jakarta", False),
    ("Pada Rabu (5/1) malam, polisi menembak", False),
    ("Ribuan Orang Ditahan", False),
    ("", False),
])
def test_counter_and_timestamp_lines(line: str, expected: bool) -> None:
    assert is_counter_line(line) is expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Baca juga: Rusia kirim pasukan", True),
    ("Read more: Why is Kazakhstan in turmoil?", True),
    ("Related Topics", True),
    ("Related: Kazakhstan", True),
    ("Related to this, the ministry said", False),
    ("Officials said 18 people were killed.", False),
])
def test_related_link_lines(line: str, expected: bool) -> None:
    assert is_related_link(line) is expected


def test_seed_article_revision() -> None:
    """The seed article, as if Liputan6 had revised the Almaty toll and added a line."""
    text = shared_path("seed/liputan6-kazakhstan-2022-01-07.clean.txt").read_text(encoding="utf-8")
    body = "\n\n".join(line for line in text.splitlines() if line.strip())
    title = "Pasukan Rusia Tiba di Kazakhstan"
    before = previous(title, body)
    assert body.count("Sekitar 18 anggota") == 1
    stamped = body + "\n\nDiperbarui 08 Jan 2022, 09:00 WIB"
    assert classify(before, incoming(title, stamped)).kind == "unchanged"

    revised = body.replace("Sekitar 18 anggota", "Sekitar 26 anggota") + "\n\nKorban tewas terus bertambah."
    change = classify(before, incoming(title, revised))
    assert (change.kind, change.material) == ("updated", True)
    [edit] = change.diff["changed"]
    assert edit["before"].startswith("Sekitar 18 anggota pasukan keamanan tewas di Almaty")
    assert edit["after"].startswith("Sekitar 26 anggota pasukan keamanan tewas di Almaty")
    assert change.diff["added"] == ["Korban tewas terus bertambah."]
    assert change.diff["removed"] == []
