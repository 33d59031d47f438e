"""Recognising whose plain text an article is (crawler/extract/plaintext.py), for `clean` without --site."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.extract.plaintext import guess_rules

BBC_TEXT = """Kazakhstan: Troops arrive as protests spread
Image source, Getty Images
Image caption, Protesters gathered in Almaty's main square on Wednesday
Russian-led troops have arrived in Kazakhstan after days of unrest over the price of fuel.
The country's president said the protests were the work of foreign-trained terrorists.
Related Topics
More on this story
Kazakhstan unrest: What is going on?
"""

ID_TEXT = """Pemerintah Kazakhstan mengumumkan keadaan darurat setelah protes atas kenaikan harga bahan bakar
menyebar ke kota-kota besar. Presiden Tokayev menerima pengunduran diri kabinet pada hari Rabu.
Baca Juga
Ribuan warga turun ke jalan di Almaty dan menuntut harga gas diturunkan kembali oleh pemerintah.
"""

EN_TEXT = """The government of Kazakhstan declared a state of emergency after protests over the rising price
of fuel spread to the largest cities. President Tokayev accepted the resignation of the cabinet on Wednesday.
Advertisement
Thousands of people took to the streets of Almaty demanding that the price of gas be lowered again.
"""


@pytest.mark.parametrize(("dateline", "city"), [
    ("Liputan6.com, Jakarta - Presiden Joko Widodo menyampaikan belasungkawa.", "Jakarta"),
    ("Liputan6.com, Nur-Sultan – Pasukan Rusia telah tiba di Kazakhstan.", "Nur-Sultan"),
    ("Liputan6.com, Banda Aceh - Banjir melanda tiga kabupaten.", "Banda Aceh"),
])
def test_a_liputan6_dateline_names_the_site(dateline: str, city: str) -> None:
    site, reason = guess_rules(["", dateline, "Paragraf kedua."])
    assert site == "liputan6"
    assert city in reason


def test_a_mention_of_liputan6_later_in_the_text_is_not_a_dateline() -> None:
    site, _ = guess_rules([ID_TEXT, "Seperti dikutip dari Liputan6.com, Jakarta - kemarin."])
    assert site == "generic-id"


def test_bbc_text_is_recognised_by_its_markers() -> None:
    site, reason = guess_rules(BBC_TEXT.splitlines())
    assert site == "bbc"
    assert "marker" in reason


def test_one_agency_credit_alone_does_not_make_an_english_text_bbc() -> None:
    site, _ = guess_rules([*EN_TEXT.splitlines(), "Reuters"])
    assert site == "generic-en"


@pytest.mark.parametrize(("text", "expected"), [(ID_TEXT, "generic-id"), (EN_TEXT, "generic-en")])
def test_unknown_sites_get_their_languages_rules(text: str, expected: str) -> None:
    site, reason = guess_rules(text.splitlines())
    assert site == expected
    assert "language" in reason


def test_a_text_in_another_language_gets_both_languages_shared_rules() -> None:
    site, _ = guess_rules(["Die Regierung von Kasachstan hat nach Protesten gegen steigende "
                           "Treibstoffpreise den Ausnahmezustand verhängt und das Kabinett entlassen."])
    assert site == "generic"


def test_clean_applies_the_guessed_rules_through_the_cli(tmp_path) -> None:
    bbc = tmp_path / "bbc.txt"
    bbc.write_text(BBC_TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["clean", str(bbc)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # BBC's own rules: captions and credits go, and "More on this story" ends the article.
    assert lines == [line for line in BBC_TEXT.splitlines()[:5] if not line.startswith("Image")]
    english = tmp_path / "en.txt"
    english.write_text(EN_TEXT, encoding="utf-8")
    kept = CliRunner().invoke(cli, ["clean", str(english)]).stdout.splitlines()
    assert "Advertisement" not in kept and len(kept) == 3
