"""`newswatch serve` and `newswatch report` through the real command line."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.web.conftest import TOPIC


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_report_is_one_self_contained_html_file(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = run(["report", "--db", demo_db, "--topic", TOPIC, "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and "<svg" in html
    assert "<script" not in html.lower()
    # Nothing to load: no stylesheet link, no image or frame, no @import or url() in the CSS.
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "Liputan6" in html and "BBC News" in html
    assert re.search(r"<del>[^<]*164[^<]*</del>", html) and re.search(r"<ins>[^<]*225[^<]*</ins>", html)


def test_report_on_bad_input_is_one_line_and_status_2(demo_db: str, tmp_path: Path) -> None:
    unknown = run(["report", "--db", demo_db, "--topic", "no-such-topic", "--out", str(tmp_path / "r.html")],
                  tmp_path)
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "no-such-topic" in unknown.stderr
    unwritable = run(["report", "--db", demo_db, "--topic", TOPIC, "--out", str(tmp_path / "no" / "r.html")],
                     tmp_path)
    assert unwritable.returncode == 2 and unwritable.stderr.count("\n") == 1
    missing = run(["report", "--db", f"sqlite:///{tmp_path / 'absent.db'}", "--topic", TOPIC, "--out",
                   str(tmp_path / "r.html")], tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert not (tmp_path / "absent.db").exists()  # a read-only command creates nothing


def test_serve_answers_on_loopback_and_stops_on_sigterm(demo_db: str, tmp_path: Path) -> None:
    server = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", demo_db, "--port", "0"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first
        assert "loopback only" in first
        with urllib.request.urlopen(f"http://127.0.0.1:{found.group(1)}/topics/{TOPIC}", timeout=30) as page:
            assert page.status == 200
            assert "<svg" in page.read().decode("utf-8")
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=30)
    assert status == 0


def test_serve_on_a_port_in_use_is_one_line(demo_db: str, tmp_path: Path) -> None:
    from crawler.cli.serve import bind

    taken = bind("127.0.0.1", 0)
    try:
        done = run(["serve", "--db", demo_db, "--port", str(taken.getsockname()[1])], tmp_path)
    finally:
        taken.close()
    assert done.returncode == 2 and "cannot listen" in done.stderr and done.stderr.count("\n") == 1
