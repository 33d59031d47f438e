"""Development linking: the signals that survive translation, and the decision made from them."""

from __future__ import annotations

import random
import re

from crawler.core.items import Article
from crawler.story.developments import (
    _LOWER_WORD,
    DevelopmentLinker,
    article_features,
    compare,
    explain,
    load_lexicon,
)
from storage.records import LinkCandidate


def make(source: str, title: str, lead: str, body: str, published: str, article_id: str = "1") -> Article:
    return Article(source=source, article_id=article_id, url=f"https://example.org/{source}/{article_id}",
                   title=title, lead=lead, body=body, published_at=published,
                   language="id" if source == "liputan6" else "en")


BBC_DETAINED = make(
    "bbc", "Kazakhstan unrest: 2,298 detained after clashes in Almaty",
    "The interior ministry says 2,298 people were detained, and the CSTO mission continues.",
    "Police in Kazakhstan say 2,298 people have been detained.\n\nPresident Kassym-Jomart Tokayev spoke in "
    "Nur-Sultan.", "2022-01-07T06:00:00Z", "bbc-1")
LIPUTAN6_DETAINED = make(
    "liputan6", "2.298 Orang Ditahan Usai Bentrokan di Almaty",
    "Kementerian Dalam Negeri Kazakhstan menyatakan 2.298 orang ditahan.",
    "Presiden Kassym Jomart Tokayev berbicara di Nursultan. Misi CSTO berlanjut.\n\nDemikian dikutip dari "
    "BBC, Jumat (7/1/2022).", "2022-01-07T18:00:00+07:00", "4900001")
BBC_WITHDRAWAL = make(
    "bbc", "Russian-led troops begin leaving Kazakhstan",
    "The CSTO withdrawal is due to end within ten days.",
    "Troops from the CSTO alliance have begun to leave Kazakhstan.\n\nPresident Tokayev said order was "
    "restored in Almaty.", "2022-01-08T11:00:00Z", "bbc-2")


def test_numbers_are_read_in_both_notations_with_what_they_count() -> None:
    english = article_features(BBC_DETAINED)["numbers"]
    indonesian = article_features(LIPUTAN6_DETAINED)["numbers"]
    assert english["2298"]["concepts"] == ["detained"]
    assert indonesian["2298"]["concepts"] == ["detained"]
    nearly = article_features(make("bbc", "Nearly 10,000 detained", "", "More.", "2022-01-11T00:00:00Z"))
    hampir = article_features(make("liputan6", "Hampir 10.000 Orang Ditahan", "", "Lagi.",
                                   "2022-01-11T00:00:00+07:00"))
    assert nearly["numbers"]["10000"]["label"] == "~10,000 detained"
    assert "10000" in hampir["numbers"]


def test_years_days_times_and_decimals_are_not_counts() -> None:
    features = article_features(make(
        "liputan6", "Jam malam", "",
        "Pada 4 Januari 2022 pukul 23.00, harga elpiji 5,5 kg naik. Pada 2011 juga.",
        "2022-01-05T00:00:00+07:00"))
    assert features["numbers"] == {}
    assert features["dates"] == ["2022-01-04"]


def test_names_are_folded_across_spellings() -> None:
    english = article_features(BBC_DETAINED)["entities"]
    indonesian = article_features(LIPUTAN6_DETAINED)["entities"]
    assert {"tokayev", "nursultan", "csto", "almaty"} <= english.keys() & indonesian.keys()
    # "Nursultan Nazarbayev" is the former president, not the capital
    person = article_features(make("bbc", "Nursultan Nazarbayev resigns", "", "Text.",
                                   "2022-01-05T00:00:00Z"))
    assert "nazarbayev" in person["entities"] and "nursultan" not in person["entities"]


def test_explicit_citations_are_found() -> None:
    assert article_features(LIPUTAN6_DETAINED)["cites"] == ["bbc"]
    reuters = make("bbc", "Talks", "", "Troops arrived, according to Reuters.", "2022-01-07T00:00:00Z")
    assert article_features(reuters)["cites"] == ["reuters"]
    link = make("liputan6", "Tembak", "", "Sumber: https://www.bbc.com/news/world-asia-1.",
                "2022-01-07T00:00:00Z")
    assert article_features(link)["cites"] == ["bbc"]
    plain = make("bbc", "Talks", "", "A map said nothing; we spoke to a bbc fan.", "2022-01-07T00:00:00Z")
    assert article_features(plain)["cites"] == []


def test_the_same_development_across_languages_links_with_its_reasons() -> None:
    score, signals = compare(article_features(LIPUTAN6_DETAINED), article_features(BBC_DETAINED))
    line = explain([s.as_dict() for s in signals])
    assert score >= DevelopmentLinker().threshold
    assert "cites BBC" in line and "2,298 detained" in line and "5 h apart" in line
    assert "Tokayev" in line or "CSTO" in line


def test_a_different_development_of_the_same_story_starts_its_own() -> None:
    linker = DevelopmentLinker()
    new = linker.features(LIPUTAN6_DETAINED, None)
    candidates = [LinkCandidate(1, 10, "bbc", "bbc-2", "2022-01-08T11:00:00+00:00",
                                linker.features(BBC_WITHDRAWAL, None))]
    assert linker.decide(new, candidates).development_id is None
    candidates.append(LinkCandidate(2, 11, "bbc", "bbc-1", "2022-01-07T06:00:00+00:00",
                                    linker.features(BBC_DETAINED, None)))
    decision = linker.decide(new, candidates)
    assert (decision.development_id, decision.linked_pk) == (11, 2)
    assert {s["kind"] for s in decision.signals} >= {"citation", "number", "entity", "time"}


def test_articles_far_apart_in_time_are_never_linked() -> None:
    later = make("bbc", BBC_DETAINED.title or "", BBC_DETAINED.lead or "", BBC_DETAINED.body,
                 "2022-01-20T06:00:00Z")
    score, _ = compare(article_features(LIPUTAN6_DETAINED), article_features(later))
    assert score == float("-inf")


def test_lower_word_pattern_finds_what_the_look_behind_first_form_finds() -> None:
    original = re.compile(r"(?<![\w-])[a-z][\w-]*")
    rng = random.Random(7)
    texts = ["", "a", "-abc x", "xabc", "Ab cd", "é a", "1a b", "a-b-c", "_a b", "  a\nb-c", "aB cD"]
    texts += ["".join(rng.choice("aAz -_1é\n'.Z") for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for text in texts:
        assert _LOWER_WORD.findall(text) == original.findall(text), text


def test_an_entity_without_its_acronyms_in_the_text_is_not_searched_for_them() -> None:
    entity = next(e for e in load_lexicon().entities if "CSTO" in e.acronym_names)
    assert entity.acronyms_in("Pasukan CSTO tiba") and not entity.acronyms_in("Pasukan CSTOX tiba")
    assert not entity.acronyms_in("no capital names here")
