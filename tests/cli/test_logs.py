"""Log lines on stderr: a library's traceback (Scrapy's, unreachable host) is dropped unless debugging."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from crawler.cli import logs


def _failure() -> BaseException:
    try:
        raise ConnectionRefusedError("DNS lookup failed: no results for hostname lookup: feed.example.org.")
    except ConnectionRefusedError as exc:
        return exc


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_both() -> None:
    exc = _failure()
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").error(
        "Error downloading <GET https://feed.example.org/robots.txt>: %s", exc, exc_info=exc)
    logging.getLogger("crawler.monitor.watch").error("cycle failed", exc_info=exc)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_library_error_is_one_line_and_ours_keeps_its_traceback(
        fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(logging.ERROR, logs.LogChoice(fmt=fmt))
    _log_both()
    err = capsys.readouterr().err
    if fmt == "text":
        library, ours = err.split("\n", 1)
        assert "scrapy.downloadermiddlewares.robotstxt" in library and "DNS lookup failed" in library
        assert ours.startswith(tuple("0123456789")) and "cycle failed" in ours
        assert err.count("Traceback") == 1  # ours only
    else:
        first, second = (json.loads(line) for line in err.splitlines())
        assert "exception" not in first and "DNS lookup failed" in first["message"]
        assert "Traceback" in second["exception"]


def test_debug_keeps_every_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(logging.DEBUG, logs.LogChoice())
    _log_both()
    assert capsys.readouterr().err.count("Traceback") == 2
