"""StoragePipeline's shortcut: an article whose fingerprint equals the stored version's body_hash is
"unchanged" without fingerprinting both texts again; every other case is story.changes.classify's."""

from __future__ import annotations

import hashlib

from crawler.core.items import Article
from crawler.crawl.pipelines import classify_against
from crawler.story.changes import classify, fingerprint
from storage import PreviousVersion

BODY = "Pengunjuk rasa di Almaty menolak kenaikan harga gas.\n\nPemerintah mengumumkan keadaan darurat."


def _article(body: str = BODY, title: str = "Protes di Kazakhstan") -> Article:
    return Article(source="liputan6", article_id="4880001", url="https://www.liputan6.com/global/read/4880001/x",
                   title=title, lead=None, published_at=None, body=body, language="id")


def _previous(article: Article, body_hash: str) -> PreviousVersion:
    return PreviousVersion(1, article.title, article.body, body_hash)


def test_same_fingerprint_is_unchanged_as_classify_says() -> None:
    stored, again = _article(), _article(BODY + "\n\nDibaca 1.234 kali")  # a counter line only
    version = fingerprint(again.title, again.body)
    previous = _previous(stored, fingerprint(stored.title, stored.body))
    assert classify_against(version)(previous, again).kind == "unchanged"
    assert classify(previous, again).kind == "unchanged"


def test_other_cases_are_classify_s_own_decision() -> None:
    stored = _article()
    changed = _article(BODY + "\n\nKorban tewas bertambah menjadi 26 orang.")
    version = fingerprint(changed.title, changed.body)
    previous = _previous(stored, fingerprint(stored.title, stored.body))
    decided = classify_against(version)(previous, changed)
    expected = classify(previous, changed)
    assert (decided.kind, decided.material, decided.diff) == ("updated", True, expected.diff)
    assert classify_against(version)(None, changed).kind == "new"
    # A version stored with a plain content hash: no shortcut, classify compares the texts.
    plain = _previous(stored, hashlib.sha256(stored.body.encode()).hexdigest())
    same = fingerprint(stored.title, stored.body)
    assert classify_against(same)(plain, _article()).kind == "unchanged"
