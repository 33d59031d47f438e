"""`newswatch extract`: files and URLs to one article, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner, Result

from crawler.cli import cli
from crawler.cli.extract import page_address
from crawler.core.items import Article

REPO = Path(__file__).resolve().parents[2]

ARTICLE = """<!doctype html><html lang="en"><head>{charset}<title>{title}</title>
<link rel="canonical" href="https://news.example.org/world/kazakhstan-fuel-protests">
<meta property="og:site_name" content="Example News"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>
<p>{first}</p>
<p>Officials in Almaty said the price cap on liquefied gas would be restored for the next six months.</p>
<p>Internet access was cut across the country late on Wednesday, according to the monitoring group.</p>
</article><footer><p>Copyright Example News</p></footer></body></html>"""

TITLE = "Protests spread across Kazakhstan"
FIRST = "Thousands gathered in the main square of the city on Tuesday as protests over fuel prices spread."
# windows-1252 text: accents and the curly quotes and dash that only windows-1252 (not latin-1) encodes.
ACCENTED_TITLE = "Café owners in Almaty count the cost"
ACCENTED_FIRST = "“We were naïve,” said the café’s owner — a résumé of losses followed, worth €3,000 or more."


def article_html(charset: str = "", title: str = TITLE, first: str = FIRST) -> str:
    return ARTICLE.format(charset=charset, title=title, first=first)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["extract", *args], obj={})


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newswatch: error:")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "story.html"
    path.write_text(article_html('<meta charset="utf-8">'), encoding="utf-8")
    return path


def test_json_has_every_key(article_file: Path) -> None:
    result = run(str(article_file))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {f.name for f in fields(Article)}
    assert data["title"] == TITLE
    assert data["source"] == "news.example.org"  # from the page's canonical link
    assert data["article_id"] == "kazakhstan-fuel-protests"
    assert data["url"] == "https://news.example.org/world/kazakhstan-fuel-protests"
    assert data["language"] == "en"
    # unknown scalars are null, empty lists are []
    assert data["published_at"] is None
    assert data["section"] is None
    assert data["authors"] == []
    assert data["tags"] == []
    assert data["body"].split("\n\n")[0] == FIRST
    assert "Copyright" not in data["body"]


def test_url_option_overrides_the_address(article_file: Path) -> None:
    result = run(str(article_file), "--url", "https://other.example.com/2022/01/protest-story.html")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "other.example.com"
    assert data["article_id"] == "protest-story"


def test_text_format_prints_the_body(article_file: Path) -> None:
    result = run(str(article_file), "--format", "text")
    assert result.exit_code == 0, result.output
    paragraphs = result.stdout.strip().split("\n\n")
    assert paragraphs[0] == FIRST
    assert len(paragraphs) == 3
    assert TITLE not in result.stdout


@pytest.mark.parametrize(
    "declaration",
    ['<meta charset="windows-1252">', '<meta charset="iso-8859-1">', "", '<meta charset="utf-8">'],
    ids=["cp1252", "latin-1-label", "undeclared", "wrongly-utf-8"],
)
def test_windows_1252_pages_are_decoded(tmp_path: Path, declaration: str) -> None:
    path = tmp_path / "cafe.html"
    path.write_bytes(article_html(declaration, ACCENTED_TITLE, ACCENTED_FIRST).encode("cp1252"))
    result = run(str(path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == ACCENTED_TITLE
    assert data["body"].split("\n\n")[0] == ACCENTED_FIRST


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run(str(tmp_path / "nope.html")), "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run(str(tmp_path)), "directory")


@pytest.mark.parametrize("content", [b"", b"  \n\n  "])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.html"
    path.write_bytes(content)
    assert_one_line_error(run(str(path)), "empty")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    assert_one_line_error(run(str(path)), "binary")


def test_undecodable_bytes(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "garbled.html"
    path.write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(4000)))
    assert_one_line_error(run(str(path)), "undecodable")


def test_page_without_article(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text('<html><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
                    "<ul><li><a href='/a'>Sport</a></li></ul></body></html>", encoding="utf-8")
    assert_one_line_error(run(str(path)), "no article body")


def test_unsupported_scheme_and_bad_url_option(article_file: Path) -> None:
    assert_one_line_error(run("ftp://example.org/a.html"), "unsupported address")
    assert_one_line_error(run(str(article_file), "--url", "not-a-url"), "--url")


class _Handler(http.server.BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[bytes, str]]] = {}

    def do_GET(self) -> None:
        body, content_type = self.pages.get(self.path, (b"not found", "text/plain"))
        self.send_response(200 if self.path in self.pages else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    _Handler.pages = {
        "/world/fuel-protests": (article_html().encode("utf-8"), "text/html; charset=utf-8"),
        # the charset is only in the HTTP header, and the bytes are windows-1252
        "/cafe": (article_html("", ACCENTED_TITLE, ACCENTED_FIRST).encode("cp1252"),
                  "text/html; charset=ISO-8859-1"),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_url_argument_is_fetched(server: str) -> None:
    result = run(f"{server}/world/fuel-protests")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == TITLE
    assert data["body"].split("\n\n")[0] == FIRST
    # the address given is the page's address; its id is the last path segment
    assert data["article_id"] == "fuel-protests"


def test_url_with_header_charset(server: str) -> None:
    result = run(f"{server}/cafe", "--format", "text")
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n\n")[0] == ACCENTED_FIRST


def test_url_not_found(server: str) -> None:
    assert_one_line_error(run(f"{server}/missing"), "HTTP 404")


def test_url_unreachable() -> None:
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        assert_one_line_error(run(f"http://127.0.0.1:{port}/x"), "cannot reach")


def test_page_address() -> None:
    assert page_address(article_html()) == "https://news.example.org/world/kazakhstan-fuel-protests"
    assert page_address('<meta content="https://a.example/x" property="og:url">') == "https://a.example/x"
    assert page_address("<p>no address</p>") is None


def test_subprocess_python_m_crawler(tmp_path: Path, article_file: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, "-m", "crawler", "extract", str(article_file), "--format", "text"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n\n")[0] == FIRST
    missing = subprocess.run([sys.executable, "-m", "crawler", "extract", str(tmp_path / "missing.html")],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False)
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert missing.stderr.strip().count("\n") == 0
    assert "Traceback" not in missing.stderr


OUTLET = """[sources.caspian]
allowed_hosts = ["www.caspian-courier.example"]
feeds = ["https://www.caspian-courier.example/feeds/region.atom"]
article_url = '-(?P<id>\\d+)/$'
language = "en"
"""
OUTLET_URL = "https://www.caspian-courier.example/region/2022/01/06/protests-spread-100245/"


def test_a_configured_outlets_page_gets_its_source_and_id_as_in_a_crawl(tmp_path: Path,
                                                                         article_file: Path) -> None:
    """`extract` reads the config's outlets ([sources.NAME] with article_url), as a crawl does: the page of
    such an outlet is that source's, with the id its pattern draws from the URL, in one page and in a
    batch (in a subprocess each: the outlets are process-wide URL rules)."""
    config = tmp_path / "outlets.toml"
    config.write_text(OUTLET)
    manifest = tmp_path / "pages.jsonl"
    manifest.write_text(json.dumps({"path": str(article_file), "url": OUTLET_URL}) + "\n")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "NEWSWATCH_CONFIG"}
    outputs = []
    for args in (["--url", OUTLET_URL, str(article_file)], ["--batch", str(manifest), "--jobs", "1"]):
        done = subprocess.run([sys.executable, "-m", "crawler", "extract", "--config", str(config), *args],
                              capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    for article in outputs:
        assert (article["source"], article["article_id"]) == ("caspian", "100245"), article
        assert article["body"].split("\n\n")[0] == FIRST
    # Without the config the same page is an unknown site's: its host, and an id from the URL's slug.
    alone = [sys.executable, "-m", "crawler", "extract", "--url", OUTLET_URL, str(article_file)]
    done = subprocess.run(alone, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"] != "caspian"
