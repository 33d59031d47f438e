"""The linking benchmark (bench/linking.py): its labelled set is well formed, and a small subset of it is
evaluated the way the benchmark does, against the targets."""

from __future__ import annotations

import json

from bench.linking import PAIRS, TARGET_PRECISION, TARGET_RECALL, evaluate, load_articles, load_pairs


def test_the_labelled_set_holds_ids_labels_and_reasons_only() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 60
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) == {"a", "b", "label", "languages", "reason"}  # no article text
    kinds = {(p.same, p.languages) for p in pairs}
    assert {(same, languages) for same in (True, False) for languages in ("en-id", "en", "id")} <= kinds
    assert sum(not p.same and "same story" in p.reason for p in pairs) >= 30  # hard negatives
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)


def test_a_subset_meets_the_targets_in_every_arrival_order() -> None:
    # The CSTO days: the request, the landing (three outlets, two languages) and the shoot order, with the
    # hard negatives between them; demo articles and the benchmark's own follow-ups only (no page parsing).
    days = ("4825377", "c3g5vx0l2k8o", "4826148", "cd1y7w4m3zqo", "100245", "4826690", "59876304", "l6-shoot")
    subset = [p for p in load_pairs() if any(d in p.a for d in days) and any(d in p.b for d in days)]
    assert len(subset) >= 20 and any(p.same for p in subset) and any(not p.same for p in subset)
    articles = load_articles({i for p in subset for i in (p.a, p.b)})
    results = evaluate(subset, articles)
    for name in ("published", "by-source", "newest-first"):
        assert results[name].precision >= TARGET_PRECISION, (name, results[name].wrong)
        assert results[name].recall >= TARGET_RECALL, (name, results[name].wrong)
