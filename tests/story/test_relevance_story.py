"""Relevance that knows the story: violence and casualty words in both languages, and the bar an active
development lowers for articles naming its places and actors. Both sides: what must now match, and the hard
negatives that must stay out (protests elsewhere, Kazakhstan stories on other subjects).

Headlines and leads are written for these tests; the BBC headline the issue names is quoted with the short
phrases of its lead.
"""

from __future__ import annotations

import pytest

from crawler.config import TopicConfig, load_config
from crawler.core.items import Article
from crawler.story.developments import name_weights
from crawler.story.relevance import ActiveDevelopment, ActiveDevelopments, evaluate
from tests.story.test_relevance import article

TOPIC = "kazakhstan-unrest"


@pytest.fixture(scope="module")
def topics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TopicConfig]:
    """The packaged default topics: no user config from the environment or the working directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEWSWATCH_CONFIG", raising=False)
        patch.chdir(tmp_path_factory.mktemp("no-config"))
        return dict(load_config().topics)


def names(development_id: int = 7, topic: str = TOPIC) -> ActiveDevelopments:
    return ActiveDevelopments([ActiveDevelopment(development_id, topic, {
        "almaty": "Almaty", "nursultan": "Nur-Sultan", "tokayev": "Tokayev", "kazakhstan": "Kazakhstan"})],
        name_weights)


def test_the_analysis_with_no_unrest_words_but_violence_now_matches(topics: dict[str, TopicConfig]) -> None:
    item = article("Kazakhstan: Who sparked deadly violence?",
                   "Analysts weigh the official account against what residents saw.",
                   lead="Officials blame armed extremists for the clashes, in which dozens are thought to "
                        "have been killed.")
    [match] = evaluate(item, topics)
    assert match.topic == TOPIC and {"violence", "extremist*", "clash*"} <= set(match.terms)
    assert match.reason is None


def test_indonesian_violence_words_match_too(topics: dict[str, TopicConfig]) -> None:
    item = article("Siapa Dalang Kekerasan di Kazakhstan?", "Para analis menimbang keterangan pemerintah.",
                   lead="Pemerintah menyalahkan kelompok ekstremis bersenjata atas bentrokan itu.",
                   language="id", source="liputan6")
    [match] = evaluate(item, topics)
    assert {"kekerasan", "ekstremis", "bentrokan"} <= set(match.terms)


@pytest.mark.parametrize("title, lead", [
    ("Sudan: Security forces fire tear gas at protesters in Khartoum",
     "Thousands marched against military rule; clashes were reported near the palace."),
    ("Ottawa: Trucker convoy protest against vaccine mandates enters second week",
     "Police warn of violence as horns blare through the night."),
    ("Covid: Clashes as thousands protest against new restrictions in Brussels",
     "Police used water cannon after a march turned violent."),
    ("Kazakhstan bus crash kills 12 on the road to Almaty",
     "Twelve people were killed when a bus left the road in icy conditions."),
    ("Kazakh skater wins gold at the winter games",
     "The 19-year-old from Almaty beat the world champion."),
])
def test_hard_negatives_stay_out(topics: dict[str, TopicConfig], title: str, lead: str) -> None:
    assert evaluate(article(title, "More in the full report.", lead=lead), topics) == []
    assert evaluate(article(title, "More in the full report.", lead=lead), topics, names()) == []


WEAK = Article(  # names Almaty and the embassy in Nur-Sultan, one unrest word in the body: under min_score
    source="liputan6", article_id="4829001", url="https://www.liputan6.com/global/read/4829001/x",
    title="WNI Dievakuasi dengan Pesawat Khusus", lead="Sebanyak 40 warga negara Indonesia tiba di Jakarta.",
    body="Mereka berangkat dari Almaty setelah berkoordinasi dengan KBRI di Nur-Sultan.\n\n"
         "Situasi kota itu berangsur pulih setelah kerusuhan.",
    language="id", published_at="2022-01-09T10:00:00+07:00")


def test_an_active_development_lowers_the_bar_and_says_why(topics: dict[str, TopicConfig]) -> None:
    assert evaluate(WEAK, topics) == []
    [match] = evaluate(WEAK, topics, names(7))
    assert match.topic == TOPIC and match.reason == "active development 7: names Almaty, Nur-Sultan"
    assert match.score < topics[TOPIC].min_score


def test_the_lowered_bar_needs_two_names_of_that_topics_development(topics: dict[str, TopicConfig]) -> None:
    only_almaty = ActiveDevelopments(
        [ActiveDevelopment(7, TOPIC, {"almaty": "Almaty", "kazakhstan": "Kazakhstan"})], name_weights)
    assert evaluate(WEAK, topics, only_almaty) == []  # the country's name weighs nothing
    assert evaluate(WEAK, topics, names(7, topic="elsewhere")) == []
    assert evaluate(WEAK, topics, ActiveDevelopments(list, name_weights)) == []


def test_the_lowered_bar_still_needs_a_topic_term(topics: dict[str, TopicConfig]) -> None:
    unrelated = Article(source="liputan6", article_id="4829002", url="https://www.liputan6.com/x/read/4829002",
                        title="Festival Musim Dingin Digelar", lead="Wisatawan memadati Almaty.",
                        body="KBRI di Nur-Sultan mengimbau WNI menjaga kesehatan.", language="id",
                        published_at="2022-01-09T10:00:00+07:00")
    assert evaluate(unrelated, topics, names()) == []
