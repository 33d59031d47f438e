"""The mail bodies, byte for byte as recorded from the f-string composer before the move to Jinja2."""

from __future__ import annotations

import pytest

from tests.notify.templates.cases import CASES, GOLDEN, bodies


@pytest.mark.parametrize("case", sorted(CASES))
def test_packaged_templates_keep_the_recorded_output(case: str) -> None:
    text, html = bodies(CASES[case]())
    assert text.encode("utf-8") == (GOLDEN / f"{case}.txt").read_bytes()
    assert html.encode("utf-8") == (GOLDEN / f"{case}.html").read_bytes()


def test_every_recorded_file_has_a_case() -> None:
    recorded = {p.stem for p in GOLDEN.iterdir()}
    assert recorded == set(CASES)
