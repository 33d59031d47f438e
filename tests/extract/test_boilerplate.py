"""The per-host boilerplate learner (crawler/extract/boilerplate.py): what it learns, when, and what it never
takes out."""

from __future__ import annotations

from crawler.extract.boilerplate import MAX_CHARS, HostBoilerplate, line_key

HOST = "news.example"
PROMO = "Follow us on Mastodon for more harbour news!"


_PLACES = ["Aktau", "Almaty", "Atyrau", "Taraz", "Oral", "Semey", "Kostanay", "Pavlodar", "Turkistan",
           "Shymkent", "Karaganda", "Petropavl", "Ekibastuz", "Temirtau", "Zhanaozen", "Kyzylorda"]


def _story(n: int, *extra: str) -> list[str]:
    # Stories differ in words, not only in numbers: the learner reads "berth 3" and "berth 4" as one line.
    place, other = _PLACES[n % len(_PLACES)], _PLACES[(n + 5) % len(_PLACES)]
    return [f"The harbour master in {place} said the berth would reopen after repairs to the quay.",
            *extra, f"Fishing boats from {other} used the northern slipway while the work went on."]


def _feed(learner: HostBoilerplate, pages: list[list[str]], host: str = HOST) -> list[list[str]]:
    """Each page stripped on what came before it, then remembered, as the crawl pipeline does."""
    removed = []
    for n, lines in enumerate(pages):
        removed.append(learner.strip(host, lines).removed)
        learner.observe(host, f"page-{n}", lines)
    return removed


def test_a_line_on_most_pages_of_a_host_is_learned_after_three_pages() -> None:
    learner = HostBoilerplate()
    removed = _feed(learner, [_story(n, PROMO) for n in range(6)])
    assert removed == [[], [], [], [PROMO], [PROMO], [PROMO]]
    stripped = learner.strip(HOST, _story(9, PROMO))
    assert stripped.lines == _story(9) and stripped.removed == [PROMO]
    # Learned for this host only.
    assert learner.strip("other.example", _story(9, PROMO)).removed == []


def test_numbers_case_and_spacing_do_not_hide_a_repeated_line() -> None:
    learner = HostBoilerplate()
    _feed(learner, [_story(n, f"© {2019 + n} The Harbour  Courier.") for n in range(4)])
    later = "© 2031 the harbour courier"
    assert learner.strip(HOST, _story(7, later)).removed == [later]


def test_text_a_few_stories_share_is_kept() -> None:
    """A paragraph reused under 3 of 10 stories is on fewer than half the host's pages: it stays."""
    background = "Repairs began after a storm in March."
    learner = HostBoilerplate()
    removed = _feed(learner, [_story(n, background) if n % 3 == 0 else _story(n) for n in range(10)])
    assert removed == [[]] * 10
    assert learner.strip(HOST, _story(11, background)).removed == []


def test_long_paragraphs_are_never_boilerplate() -> None:
    long_line = "The protests began on 2 January in Zhanaozen after fuel prices doubled, " * 4
    assert len(long_line) > MAX_CHARS and line_key(long_line) is None
    learner = HostBoilerplate()
    assert _feed(learner, [_story(n, long_line) for n in range(6)]) == [[]] * 6


def test_a_body_is_never_emptied() -> None:
    learner = HostBoilerplate()
    _feed(learner, [["Subscribe to our newsletter.", "Follow us.", *_story(n)] for n in range(5)])
    page = ["Subscribe to our newsletter.", "Follow us."]
    stripped = learner.strip(HOST, page)
    assert stripped.lines == page and stripped.removed == []


def test_a_page_seen_again_counts_once() -> None:
    """Re-checks of one known article must not make its own lines look site-wide."""
    learner = HostBoilerplate()
    for _ in range(5):
        learner.observe(HOST, "same-article", _story(1, PROMO))
    learner.observe(HOST, "another", _story(2))
    assert not learner.is_boilerplate(HOST, PROMO)


def test_the_window_forgets_old_pages_and_hosts_are_bounded() -> None:
    learner = HostBoilerplate(window=5, max_hosts=2)
    _feed(learner, [_story(n, PROMO) for n in range(5)])
    assert learner.is_boilerplate(HOST, PROMO)
    _feed(learner, [_story(n) for n in range(10, 15)])  # the site dropped its promo line
    assert not learner.is_boilerplate(HOST, PROMO)
    assert len(learner.pages(HOST)) == 5
    learner.observe("b.example", "p", _story(1))
    learner.observe("c.example", "p", _story(1))
    assert not learner.knows(HOST) and learner.knows("b.example") and learner.knows("c.example")


def test_what_is_learned_can_be_saved_and_loaded() -> None:
    learner = HostBoilerplate()
    _feed(learner, [_story(n, PROMO) for n in range(4)])
    saved = learner.pages(HOST)
    assert [page for page, _ in saved] == ["page-0", "page-1", "page-2", "page-3"]
    assert all(len(key) == 16 for _, keys in saved for key in keys)  # hashes, not text
    fresh = HostBoilerplate()
    fresh.load(HOST, saved)
    assert fresh.strip(HOST, _story(8, PROMO)).removed == [PROMO]
