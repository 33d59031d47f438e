"""crawler.story.relevance: topics matched by weighted, whole-word, accent-insensitive keyword rules.

The articles here are short texts written for these tests; the seed article is read from ../shared.
"""

from __future__ import annotations

from datetime import date

import pytest

from crawler.config import LanguageKeywords, TopicConfig, load_config
from crawler.core.items import Article
from crawler.story.relevance import TopicMatch, compile_topic, evaluate
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def topics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TopicConfig]:
    """The packaged default topics: no user config from the environment or the working directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEWSWATCH_CONFIG", raising=False)
        patch.chdir(tmp_path_factory.mktemp("no-config"))
        return dict(load_config().topics)


def topic(name: str = "t", *, any_: tuple[str, ...] = (), all_: tuple[tuple[str, ...], ...] = (),
          none: tuple[str, ...] = (), language: str = "en", min_score: float = 1.0,
          since: date | None = None, until: date | None = None, sources: tuple[str, ...] = (),
          extra: tuple[LanguageKeywords, ...] = ()) -> TopicConfig:
    keywords = (LanguageKeywords(language, any=any_, all=all_, none=none), *extra)
    return TopicConfig(name=name, enabled=True, description="", keywords=keywords, since=since, until=until,
                       sources=sources, min_score=min_score)


def article(title: str = "", body: str = "", *, lead: str | None = None, language: str | None = "en",
            source: str = "bbc", published_at: str | None = "2022-01-07T10:00:00+00:00") -> Article:
    return Article(source=source, article_id="x1", url="https://www.bbc.com/news/world-asia-00000001",
                   title=title, lead=lead, body=body, language=language, published_at=published_at)


FILLER = "\n\n".join(f"Paragraph {n} talks about the weather and local football results." for n in range(8))

INDONESIAN = article(
    "Kerusuhan di Kazakhstan Meluas, Tokayev Minta Bantuan CSTO",
    "Demonstran memprotes kenaikan harga LPG di Almaty sejak awal pekan.\n\n"
    "Presiden Tokayev meminta bantuan Organisasi Perjanjian Keamanan Kolektif (OPKK) "
    "untuk meredam kerusuhan.\n\n"
    "Pemerintah menetapkan keadaan darurat dan jam malam di beberapa kota.",
    language="id", source="liputan6", published_at="2022-01-06T21:00:00+07:00",
)

ENGLISH = article(
    "Kazakhstan's president blames 'terrorists' for unrest",
    "Protesters stormed government buildings in Almaty after fuel prices doubled.\n\n"
    "Kassym-Jomart Tokayev asked the CSTO, a Russia-led alliance, to send peacekeepers.\n\n"
    "A state of emergency and a curfew are in force across the country.",
)


# --- the default topic ------------------------------------------------------------------------------------


def test_relevant_indonesian_article_matches_the_default_topic(topics: dict[str, TopicConfig]) -> None:
    [match] = evaluate(INDONESIAN, topics)
    assert match.topic == "kazakhstan-unrest"
    assert match.score >= topics["kazakhstan-unrest"].min_score
    assert {"Kazakhstan", "kerusuhan", "CSTO", "Organisasi Perjanjian Keamanan Kolektif", "OPKK", "LPG",
            "Almaty", "Tokayev", "keadaan darurat", "jam malam"} <= set(match.terms)


def test_relevant_english_article_matches_with_possessive_and_inflections(
        topics: dict[str, TopicConfig]) -> None:
    [match] = evaluate(ENGLISH, topics)
    assert match.topic == "kazakhstan-unrest"
    # "Kazakhstan's", "Protesters" (protest*), "fuel prices" (fuel price*), "peacekeepers" (peacekeep*)
    assert {"Kazakhstan", "unrest", "protest*", "fuel price*", "peacekeep*", "CSTO", "Tokayev", "Almaty",
            "state of emergency", "curfew"} <= set(match.terms)


def test_passing_mention_deep_in_the_body_stays_below_the_threshold(topics: dict[str, TopicConfig]) -> None:
    passing = article(
        "Cycling season opens with a sprint finish",
        FILLER + "\n\nThe winner's team, registered in Kazakhstan, also won last year amid fan protests.",
    )
    assert evaluate(passing, topics) == []
    # The same mention with min_score 0 shows it did match the rules, only with a low score.
    low = topics["kazakhstan-unrest"]
    loose = TopicConfig(low.name, True, low.description, low.keywords, low.since, low.until, low.sources, 0.0)
    [match] = evaluate(passing, [loose])
    assert match.score < low.min_score
    assert match.terms == ["protest*", "Kazakhstan"]


def test_default_topic_needs_a_kazakhstan_name(topics: dict[str, TopicConfig]) -> None:
    elsewhere = article("Fuel price protests turn to unrest",
                        "Protesters clashed with police over fuel prices.")
    assert evaluate(elsewhere, topics) == []


def test_seed_article_matches_the_default_topic(topics: dict[str, TopicConfig]) -> None:
    path = shared_path("seed/liputan6-kazakhstan-2022-01-07.clean.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    seed = article("Pasukan Rusia telah tiba di Kazakhstan", "\n\n".join(lines[1:]), lead=lines[0],
                   language="id", source="liputan6", published_at="2022-01-07T12:00:00+07:00")
    [match] = evaluate(seed, topics)
    assert {"Kazakhstan", "Almaty", "Tokayev", "CSTO", "Organisasi Perjanjian Keamanan Kolektif", "LPG",
            "kerusuhan", "Nur-Sultan"} <= set(match.terms)
    assert match.score > 3 * topics["kazakhstan-unrest"].min_score


# --- scoring ----------------------------------------------------------------------------------------------


def test_title_and_lead_weigh_more_than_the_body() -> None:
    t = topic(any_=("Almaty",))
    assert evaluate(article("News from Almaty", "Nothing more."), [t])[0].score == 3.0
    assert evaluate(article("News", "Other.", lead="Reported in Almaty."), [t])[0].score == 2.0
    assert evaluate(article("News", "Intro paragraph.\n\nReported in Almaty."), [t])[0].score == 1.0
    # Without a lead, the first paragraph is the lead.
    assert evaluate(article("News", "Reported in Almaty.\n\nMore."), [t])[0].score == 2.0
    # Repeats in the body add 0.5 each, three at most.
    assert evaluate(article("News", "Intro.\n\n" + "Almaty. " * 2), [t])[0].score == 1.5
    assert evaluate(article("News", "Intro.\n\n" + "Almaty. " * 9), [t])[0].score == 2.5
    assert evaluate(article("Almaty", "Almaty lead.\n\nAlmaty."), [t])[0].score == 6.0


def test_score_sums_distinct_terms_and_reports_them_in_config_order() -> None:
    t = topic(any_=("Almaty", "Astana", "Shymkent"))
    [match] = evaluate(article("Astana and Almaty", "Intro.\n\nAlmaty again."), [t])
    assert match == TopicMatch(topic="t", score=3.0 + 1.0 + 3.0, terms=["Almaty", "Astana"])


# --- any / all / none -------------------------------------------------------------------------------------


def test_none_terms_exclude() -> None:
    t = topic(any_=("Kazakhstan",), none=("Borat",))
    assert evaluate(article("Kazakhstan today"), [t])
    assert evaluate(article("Kazakhstan today", "Intro.\n\nA Borat screening drew crowds."), [t]) == []


def test_all_groups_each_need_one_of_their_terms() -> None:
    t = topic(all_=(("Kazakhstan", "Almaty"), ("protest*", "riot*")))
    assert evaluate(article("Riots in Almaty"), [t])[0].terms == ["Almaty", "riot*"]
    assert evaluate(article("Almaty marathon"), [t]) == []
    assert evaluate(article("Riots in Paris"), [t]) == []


def test_any_needs_one_term_when_given() -> None:
    t = topic(any_=("unrest",), all_=(("Kazakhstan",),))
    assert evaluate(article("Kazakhstan unrest"), [t])
    assert evaluate(article("Kazakhstan budget"), [t]) == []


# --- matching ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("term", "language", "text", "expected"), [
    ("Kazakhstan", "en", "KAZAKHSTAN votes", True),
    ("Kazakhstan", "en", "Kazakhstan's president", True),
    ("Kazakhstan", "en", "Kazakhstan\u2019s president", True),
    ("Kazakhstan", "id", "kembali ke-Kazakhstan", True),
    ("Kazakhstan", "id", "warga Kazakhstannya", True),
    ("Kazakhstan", "en", "pro-Kazakhstani groups", False),
    ("Kazakh", "en", "Kazakhstan votes", False),
    ("Kazakh", "en", "ethnic Kazakhs", True),
    ("kerusuhan", "id", "kerusuhannya meluas", True),
    ("kerusuhan", "en", "kerusuhannya meluas", False),  # Indonesian endings are for Indonesian terms
    ("Nur-Sultan", "en", "in Nur Sultan on Friday", True),
    ("Nur-Sultan", "en", "in Nur\u2013Sultan on Friday", True),
    ("Nur-Sultan", "en", "President Nursultan Nazarbayev", False),
    ("Tokayev", "en", "Kassym-Jomart Tok\u00e1yev said", True),
    ("Tok\u00e1yev", "en", "TOKAYEV said", True),
    ("CSTO", "en", "the CSTO-led force", True),
    ("CSTO", "en", "CSTOS", True),  # an English plural, harmless
    ("CSTO", "en", "ACSTO", False),
    ("protest*", "en", "protesters gathered", True),
    ("protest*", "en", "the protest", True),
    ("fuel price*", "en", "fuel  prices doubled", True),
    ("LPG", "id", "harga LPG naik", True),
])
def test_whole_word_case_and_accent_insensitive(term: str, language: str, text: str, expected: bool) -> None:
    t = topic(any_=(term,), language=language)
    assert bool(evaluate(article(text, language=language), [t])) is expected


# --- language, window, sources ----------------------------------------------------------------------------

BILINGUAL = topic(any_=("unrest",), language="en",
                  extra=(LanguageKeywords("id", any=("kerusuhan",)),))


def test_article_language_selects_the_keyword_set() -> None:
    indonesian_text = "Kerusuhan di kota"
    assert evaluate(article(indonesian_text, language="id"), [BILINGUAL])[0].terms == ["kerusuhan"]
    assert evaluate(article(indonesian_text, language="en"), [BILINGUAL]) == []
    assert evaluate(article(indonesian_text, language="id-ID"), [BILINGUAL])


def test_unknown_language_falls_back_to_every_language() -> None:
    assert evaluate(article("Kerusuhan di kota", language=None), [BILINGUAL])[0].terms == ["kerusuhan"]
    assert evaluate(article("Unrest in the city", language=None), [BILINGUAL])[0].terms == ["unrest"]
    assert evaluate(article("Unrest in the city", language="fr"), [BILINGUAL])[0].terms == ["unrest"]


@pytest.mark.parametrize(("published_at", "expected"), [
    ("2022-01-01T00:00:00+06:00", True),
    ("2022-01-31T23:59:00+07:00", True),
    ("2021-12-31T23:30:00+07:00", False),
    ("2021-12-31T23:30:00-05:00", False),  # the page's own date counts, not UTC's (2022-01-01)
    ("2022-02-01T00:10:00+07:00", False),
    ("2022-01-15", True),
    ("2022-01-15T08:00:00Z", True),
    (None, True),  # no date: kept, the newest coverage may lack one
    ("not a date", True),
])
def test_date_window_uses_published_at(published_at: str | None, expected: bool) -> None:
    t = topic(any_=("Almaty",), since=date(2022, 1, 1), until=date(2022, 1, 31))
    assert bool(evaluate(article("Almaty", published_at=published_at), [t])) is expected


def test_open_ended_window_keeps_following_the_story(topics: dict[str, TopicConfig]) -> None:
    later = article(ENGLISH.title or "", ENGLISH.body, published_at="2025-06-01T09:00:00+01:00")
    assert [m.topic for m in evaluate(later, topics)] == ["kazakhstan-unrest"]
    earlier = article(ENGLISH.title or "", ENGLISH.body, published_at="2021-12-20T09:00:00+01:00")
    assert evaluate(earlier, topics) == []


def test_source_restriction_and_disabled_topics() -> None:
    bbc_only = topic("bbc-only", any_=("Almaty",), sources=("bbc",))
    assert evaluate(article("Almaty", source="bbc"), [bbc_only])
    assert evaluate(article("Almaty", source="liputan6"), [bbc_only]) == []
    off = TopicConfig("off", False, "", bbc_only.keywords, None, None, (), 1.0)
    assert evaluate(article("Almaty"), [off]) == []


def test_several_topics_and_mapping_or_list_input() -> None:
    a = topic("a", any_=("Almaty",))
    b = topic("b", any_=("Astana",))
    c = topic("c", any_=("Shymkent",))
    text = article("Almaty and Astana")
    assert [m.topic for m in evaluate(text, [a, b, c])] == ["a", "b"]
    assert [m.topic for m in evaluate(text, {"a": a, "b": b, "c": c})] == ["a", "b"]


def test_patterns_are_compiled_once_per_topic() -> None:
    t = topic(any_=("Almaty",))
    assert compile_topic(t) is compile_topic(t)
    same = topic(any_=("Almaty",))
    assert compile_topic(same) is compile_topic(t)  # equal definitions share the compiled form
