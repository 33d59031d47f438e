"""Developments on the dashboard and in the report, over the demo database (crawled with the linker):
linked coverage across sources and languages, each link explained, drawn as spans on the timeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from crawler.cli import cli
from crawler.web.app import create_app
from storage.coverage import CoverageReader
from tests.web.conftest import TOPIC


@pytest.fixture()
def client(reader: CoverageReader) -> TestClient:
    return TestClient(create_app(reader, {TOPIC: "The January 2022 unrest in Kazakhstan"}),
                      raise_server_exceptions=False)


def test_the_topic_page_lists_developments_across_sources_and_languages(client: TestClient) -> None:
    html = client.get(f"/topics/{TOPIC}").text
    # the CSTO troops landing: Liputan6, BBC News and the Caspian Courier, Indonesian and English
    landing = re.search(r'<article class="development" id="development-(\d+)">(?:(?!</article>).)*'
                        r'Pasukan Penjaga Perdamaian CSTO Tiba(?:(?!</article>).)*</article>', html, re.S)
    assert landing is not None
    block = landing.group(0)
    assert "Russian-led troops arrive in Kazakhstan" in block and "Russian-led troops land" in block
    assert "en, id" in block and "linked: " in block and "2,500 troops" in block
    # each development is a span under the timeline, linking to its entry
    assert f'<a href="#development-{landing.group(1)}"><rect' in html
    assert html.count('class="span"') >= 8


def test_json_carries_the_developments_with_their_signals(client: TestClient) -> None:
    data = client.get(f"/topics/{TOPIC}", params={"format": "json"}).json()
    developments = data["developments"]
    assert len(developments) >= 8
    for development in developments:
        assert len(development["articles"]) >= 2
        linked = [a for a in development["articles"] if a["linked_to"]]
        assert linked and all(a["signals"] and a["explanation"] for a in linked)
    assert any(d["languages"] == ["en", "id"] for d in developments)


def test_the_report_shows_the_developments_too(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", demo_db, "--topic", TOPIC, "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'id="developments-h"' in html and "linked: " in html and 'class="span"' in html
    assert "<script" not in html
