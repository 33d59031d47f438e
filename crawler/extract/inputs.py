"""Reading the user's input files, standard input and URLs for the one-shot commands: one-line errors, and
the crawl's size limit and a deadline for every kind of input."""

from __future__ import annotations

import os
import re
import stat
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from crawler.core.errors import InputError
from crawler.extract.decoding import decode_html, looks_binary

# A saved page usually says where it came from; that address picks the right site parser.
_CANONICAL = re.compile(
    r"""<link\b(?=[^>]*\brel\s*=\s*["']?canonical\b)[^>]*\bhref\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)
_OG_URL = re.compile(
    r"""<meta\b(?=[^>]*\bproperty\s*=\s*["']?og:url\b)[^>]*\bcontent\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)

USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"

# The packaged crawl limits (crawl.max_response_size, crawl.timeout in defaults.toml); callers pass the
# configured ones.
DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = 30.0
_CHUNK = 64 * 1024
STDIN = "-"

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """How much a one-shot command reads and for how long, whatever the input: a file (/dev/zero, a FIFO no
    one writes to), standard input, a URL that streams forever or sends a byte a second. The crawl's own
    limits, so that `extract URL` accepts what a crawl would."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT


def _too_big(what: str, limits: Limits) -> InputError:
    return InputError(f"{what} is larger than {limits.max_bytes:,} bytes (crawl.max_response_size)")


def _read_capped(read: Callable[[int], bytes], what: str, limits: Limits) -> bytes:
    """Everything `read(n)` gives until it returns b"", refusing more than limits.max_bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limits.max_bytes:
            raise _too_big(what, limits)
        chunks.append(chunk)


def within(seconds: float, what: str, job: Callable[[], T]) -> T:
    """`job()` if it finishes within `seconds`, else InputError. The job runs in a daemon thread, so a read
    that blocks (a FIFO, a terminal, a server that stalls between two bytes) cannot hold the command: the
    process exits with the error and the thread with it. Jobs use raw file descriptors and sockets, never
    sys.stdin's buffered object, whose lock a thread left blocked would hold at interpreter exit."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(job())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            failure.append(exc)

    worker = threading.Thread(target=run, name="newswatch-input", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise InputError(f"{what}: not read within {seconds:g} s (the timeout; --timeout changes it)")
    if failure:
        raise failure[0]
    return outcome[0]


def _read_fd(fd: int, what: str, limits: Limits) -> bytes:
    return _read_capped(lambda n: os.read(fd, n), what, limits)


def _read_file(path: str, limits: Limits) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY)  # a FIFO blocks here until a writer comes: within() bounds it
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode) and os.fstat(fd).st_size > limits.max_bytes:
            raise _too_big(path, limits)  # refused before a byte is read
        return _read_fd(fd, path, limits)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)


def read_bytes(path: str, limits: Limits | None = None) -> bytes:
    """The bytes of a file, or of standard input for "-", at most limits.max_bytes, within limits.timeout."""
    limits = limits or Limits()
    if path == STDIN:
        data = within(limits.timeout, "standard input",
                      lambda: _read_fd(sys.stdin.fileno(), "standard input", limits))
        if not data.strip():
            raise InputError("empty input on standard input")
        return data
    p = Path(path)
    if not p.exists():
        raise InputError(f"no such file: {path}")
    if p.is_dir():
        raise InputError(f"{path} is a directory, not a file")
    data = within(limits.timeout, path, lambda: _read_file(path, limits))
    if not data.strip():
        raise InputError(f"empty file: {path}")
    return data


def read_html(path: str, limits: Limits | None = None) -> str:
    """The decoded HTML of a file or of standard input ("-"), any encoding, declared or not."""
    data = read_bytes(path, limits)
    try:
        return decode_html(data)
    except InputError as exc:
        raise InputError(f"{'standard input' if path == STDIN else path}: {exc}") from exc


def read_text_lines(path: str, limits: Limits | None = None) -> list[str]:
    """A plain-text article, one paragraph a line."""
    data = read_bytes(path, limits)
    if looks_binary(data):
        raise InputError(f"{path}: binary data, expected a plain-text article")
    data = data.replace(b"\x00", b"")  # isolated NULs (looks_binary let them pass): never text
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = decode_html(data)
    return text.splitlines()


def _fetch(url: str, limits: Limits) -> tuple[bytes, str | None]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=limits.timeout) as response:  # http(s) only
        length = response.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > limits.max_bytes:
            raise _too_big(url, limits)  # said so up front: not one byte of the body read
        data = _read_capped(response.read1, url, limits)
        return data, response.headers.get_content_charset()


def fetch_html(url: str, limits: Limits | None = None) -> str:
    """Fetch one page (the `extract URL` form): at most limits.max_bytes, all of it within limits.timeout
    (a server sending a byte a second never trips a per-read timeout). Failures are one-line errors."""
    limits = limits or Limits()
    try:
        data, charset = within(limits.timeout, url, lambda: _fetch(url, limits))
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot reach {url}: {reason} (offline? `make demo` runs against a local replay "
                         "site)") from exc
    return decode_html(data, charset)


def page_address(html: str) -> str | None:
    """The http(s) address a saved page declares for itself (canonical link, else og:url), if any."""
    head = html[:300_000]
    match = _CANONICAL.search(head) or _OG_URL.search(head)
    return match.group(1) if match else None
