"""D4 (issue 13): `newswatch extract` reads files, standard input and URLs within the crawl's limits.

At most crawl.max_response_size bytes and within an overall timeout (crawl.timeout, or --timeout), whatever
the input: /dev/zero, a sparse 200 MB file, a FIFO nobody writes to, a standard input that never ends, a URL
that sends a byte a second or streams without end. Each is one line on stderr and exit status 2, soon, with
little memory. The real command in a subprocess; the URLs are served by a loopback server started here.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.reliability.faults_helpers import article_html, articles, clean_env, newswatch_command

MAX_BYTES = 1_000_000  # the test config's crawl.max_response_size: small, so the limit is met quickly
ARTICLE = article_html(articles(1)[0])


class _Site(BaseHTTPRequestHandler):
    sent: ClassVar[dict[str, int]] = {}  # bytes of body written per path, until the client hung up

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.sent[self.path] = 0
        if self.path == "/article":
            self._head(len(ARTICLE))
            self._write(ARTICLE)
        elif self.path == "/drip":  # headers at once, then one byte a second, for ten minutes
            self._head(600)
            for _ in range(600):
                if not self._write(b"x"):
                    return
                time.sleep(1)
        elif self.path == "/stream":  # 270 MB with no Content-Length, as fast as the client takes it
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"<p>" + b"a" * 65_530 + b"</p>"
            for _ in range(270_000_000 // len(block)):
                if not self._write(block):
                    return
        elif self.path == "/announced":  # says 270 MB up front
            self._head(270_000_000)
            self._write(b"<p>" * 1000)

    def _head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        self.sent[self.path] += len(data)
        return True


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hanging up mid-body is the point of these tests


@pytest.fixture
def site() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "limits.toml"  # not ./newswatch.toml: the packaged limits apply without --config
    path.write_text(f"[crawl]\nmax_response_size = {MAX_BYTES}\ntimeout = 20.0\n", encoding="utf-8")
    return path


def extract(args: Sequence[str], cwd: Path, *, stdin: Any = subprocess.DEVNULL,
            timeout: float = 60) -> tuple[int, str, str, float]:
    """`newswatch extract ARGS`: (status, stdout, stderr, seconds taken)."""
    started = time.monotonic()
    done = subprocess.run(newswatch_command(["extract", *args]), cwd=cwd, env=clean_env(), stdin=stdin,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def assert_one_line(status: int, stdout: str, stderr: str, *words: str) -> None:
    assert status == 2, (status, stderr[-2000:])
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("newswatch: error:") and "Traceback" not in stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_dev_zero_stops_at_the_size_limit(config: Path, tmp_path: Path) -> None:
    status, out, err, seconds = extract(["--config", str(config), "/dev/zero"], tmp_path)
    assert_one_line(status, out, err, "/dev/zero", "larger than 1,000,000 bytes", "max_response_size")
    assert seconds < 30
    # `newswatch clean` reads its text file the same way (the packaged 10 MB limit).
    done = subprocess.run(newswatch_command(["clean", "/dev/zero"]), cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert_one_line(done.returncode, done.stdout, done.stderr, "/dev/zero", "larger than 10,000,000 bytes")


def test_a_file_over_the_limit_is_refused_before_reading(config: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as handle:  # 200 MB, sparse: the size says it all
        handle.truncate(200_000_000)
    status, out, err, _ = extract(["--config", str(config), str(big)], tmp_path)
    assert_one_line(status, out, err, str(big), "larger than 1,000,000 bytes")
    # The packaged limit (10 MB) applies without a config.
    status, out, err, _ = extract([str(big)], tmp_path)
    assert_one_line(status, out, err, "larger than 10,000,000 bytes")


def test_a_fifo_nobody_writes_to_times_out(config: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)
    status, out, err, seconds = extract(["--config", str(config), "--timeout", "1", str(fifo)], tmp_path)
    assert_one_line(status, out, err, str(fifo), "not read within 1 s")
    assert seconds < 20


def test_standard_input(config: Path, tmp_path: Path) -> None:
    # A page on standard input is extracted like a file.
    page = tmp_path / "page.html"
    page.write_bytes(ARTICLE)
    with page.open("rb") as handle:
        status, out, err, _ = extract(["--config", str(config), "-"], tmp_path, stdin=handle)
    assert status == 0, err
    assert '"article_id": "4830001"' in out
    # Endless: /dev/zero as standard input.
    with open("/dev/zero", "rb") as zero:
        assert_one_line(*extract(["--config", str(config), "-"], tmp_path, stdin=zero)[:3],
                        "standard input", "larger than 1,000,000 bytes")
    # Never ending, never writing: a pipe whose writer stays open.
    read_end, write_end = os.pipe()
    try:
        status, out, err, seconds = extract(["--config", str(config), "--timeout", "1", "-"], tmp_path,
                                            stdin=read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert_one_line(status, out, err, "standard input", "not read within 1 s")
    assert seconds < 20


def test_a_url_sending_a_byte_a_second_times_out(site: str, config: Path, tmp_path: Path) -> None:
    status, out, err, seconds = extract(["--config", str(config), "--timeout", "2", f"{site}/drip"],
                                        tmp_path)
    assert_one_line(status, out, err, f"{site}/drip", "not read within 2 s")
    assert seconds < 20  # not the ten minutes the server would go on for
    # The config's crawl.timeout is the default deadline.
    short = tmp_path / "short.toml"
    short.write_text("[crawl]\ntimeout = 1.5\n", encoding="utf-8")
    status, out, err, _ = extract(["--config", str(short), f"{site}/drip"], tmp_path)
    assert_one_line(status, out, err, "not read within 1.5 s")


def test_a_url_streaming_without_end_stops_at_the_size_limit(site: str, config: Path, tmp_path: Path) -> None:
    status, out, err, seconds = extract(["--config", str(config), f"{site}/stream"], tmp_path)
    assert_one_line(status, out, err, f"{site}/stream", "larger than 1,000,000 bytes")
    assert seconds < 30
    time.sleep(0.5)
    # The client hung up soon after the limit: what was sent is the limit plus what the socket buffers held.
    assert _Site.sent["/stream"] < 20 * MAX_BYTES


def test_a_url_announcing_too_much_is_refused_before_its_body(site: str, config: Path,
                                                             tmp_path: Path) -> None:
    status, out, err, _ = extract(["--config", str(config), f"{site}/announced"], tmp_path)
    assert_one_line(status, out, err, "larger than 1,000,000 bytes")


def test_a_url_within_the_limits_is_extracted(site: str, config: Path, tmp_path: Path) -> None:
    status, out, err, _ = extract(["--config", str(config), f"{site}/article"], tmp_path)
    assert status == 0, err
    assert "Pemerintah Kazakhstan mengumumkan keadaan darurat" in out
