"""The loopback test server itself: replies, log, conditional requests, changes, sequences, redirects."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import LoopbackServer, Reply


def _get(server: LoopbackServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_replies_and_log(loopback_server: LoopbackServer) -> None:
    loopback_server.add("/site/a", "halo", content_type="text/plain")
    loopback_server.add("/site/list?page=2", b"two")
    assert _get(loopback_server, "/site/a", {"User-Agent": "t/1"})[2] == b"halo"
    assert _get(loopback_server, "/site/list?page=2")[2] == b"two"
    assert _get(loopback_server, "/site/a?x=1")[2] == b"halo"  # query-less path as fallback
    assert _get(loopback_server, "/site/missing")[0] == 404
    assert loopback_server.paths("/site/") == ["/site/a", "/site/list?page=2", "/site/a?x=1", "/site/missing"]
    assert loopback_server.requests()[0].header("user-agent") == "t/1"
    assert loopback_server.base("site") == f"http://127.0.0.1:{loopback_server.port}/site"


def test_conditional_requests_and_changes(loopback_server: LoopbackServer) -> None:
    loopback_server.add("/p", b"versi satu")
    status, headers, _ = _get(loopback_server, "/p")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200
    assert _get(loopback_server, "/p", {"If-None-Match": etag})[0] == 304
    assert _get(loopback_server, "/p", {"If-Modified-Since": modified})[0] == 304
    loopback_server.add("/p", b"versi dua")  # the page changes
    status, headers, body = _get(loopback_server, "/p", {"If-None-Match": etag})
    assert (status, body) == (200, b"versi dua") and headers["ETag"] != etag


def test_sequences_redirects_and_handlers(loopback_server: LoopbackServer) -> None:
    loopback_server.sequence("/flaky", [Reply(503, b"busy", {"Retry-After": "1"}), Reply(200, b"ok")])
    assert _get(loopback_server, "/flaky")[0] == 503
    assert _get(loopback_server, "/flaky")[2] == b"ok"
    assert _get(loopback_server, "/flaky")[2] == b"ok"  # the last reply repeats
    loopback_server.redirect("/old", "https://www.liputan6.com/", status=302)
    status, headers, _ = _get(loopback_server, "/old")
    assert status == 302 and headers["Location"] == "https://www.liputan6.com/"
    loopback_server.handle("/gen/", lambda path: Reply(200, path.encode()) if "ok" in path else None)
    assert _get(loopback_server, "/gen/ok/1")[2] == b"/gen/ok/1"
    assert _get(loopback_server, "/gen/no")[0] == 404


def test_mounted_directory_never_escapes(loopback_server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "robots.txt").write_text("User-agent: *\nDisallow: /x\n")
    (tmp_path / "secret.txt").write_text("no")
    loopback_server.mount("files", tmp_path / "site")
    assert _get(loopback_server, "/files/robots.txt")[2].startswith(b"User-agent")
    assert _get(loopback_server, "/files/../secret.txt")[0] == 404


def test_stopped_server_refuses() -> None:
    server = LoopbackServer().start()
    port = server.port
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
