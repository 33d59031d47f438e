"""Hostile links, feeds and sitemaps in a real crawl: only the configured source's hosts are fetched, nothing
reaches local files, and hostile XML costs neither memory nor a file read.

One `scrapy crawl liputan6` against the loopback server reads a tag page, a feed and a sitemap index that
link to `javascript:`, `data:`, `file:` and `ftp:` URLs, other hosts, localhost and private addresses (some
of them this very server, so a request would show in its log), and absurdly long URLs. The feed declares an
external entity naming a secret file in tmp_path; a child sitemap is a gzip bomb.
"""

from __future__ import annotations

from pathlib import Path

from tests.crawl.pages import liputan6_article_handler, liputan6_listing
from tests.reliability.samples import L6, gzip_bomb, rss, sitemap, xxe
from tests.servers import LoopbackServer
from tests.servers.crawl import run_crawl, site_routes

MARKER = "NEWSWATCH-SECRET-MARKER-c41d"
WHEN = "2022-01-07T10:00:00+07:00"
FEED = "/liputan6/feed/kazakhstan.xml"
INDEX = "/liputan6/sitemap/index.xml"
CHILD = "/liputan6/sitemap/2022-01.xml"
BOMB = "/liputan6/sitemap/2022-02.xml.gz"
TAG = "/liputan6/tag/kazakhstan?page=1"


def hostile_urls(server: LoopbackServer, secret: Path, article_id: int) -> list[str]:
    """Links that must never be fetched; the ones on loopback point at this server, so a fetch would show."""
    port = server.port
    path = f"/liputan6/global/read/{article_id}/jangan"
    return [
        f"javascript:location='{L6}/global/read/{article_id}/js'",
        "JavaScript:alert(document.cookie)",
        f"data:text/html,<a href='{L6}/global/read/{article_id}/data'>x</a>",
        secret.as_uri(),
        f"file://localhost{secret}",
        f"ftp://www.liputan6.com/global/read/{article_id + 1}/ftp",
        f"https://www.bola.com/dunia/read/{article_id + 2}/lain",  # another host (routed: it would show)
        f"http://localhost:{port}{path}",
        f"http://127.0.0.1:{port}{path}",
        f"http://[::1]:{port}{path}",
        f"https://www.liputan6.com@127.0.0.1:{port}{path}",  # userinfo trick: the host is 127.0.0.1
        f"http://10.1.2.3{path}",
        f"http://192.168.0.1{path}",
        f"http://169.254.169.254/latest/meta-data/{article_id}",
        f"{L6}/global/read/{article_id + 3}/" + "panjang-" * 1000,  # 8 kB: absurdly long
    ]


def test_only_allowed_hosts_are_fetched_and_no_local_file_is_read(loopback_server: LoopbackServer,
                                                                  tmp_path: Path) -> None:
    server = loopback_server
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER, encoding="utf-8")
    server.handle("/liputan6/", liputan6_article_handler("/liputan6"))

    # The tag page: hostile links as list items and as page chrome, a protocol-relative link, a plain one.
    listed = [(url, "Kazakhstan berbahaya", "x", WHEN) for url in hostile_urls(server, secret, 4871900)]
    listed += [("//www.liputan6.com/global/read/4871001/protokol-relatif", "Kazakhstan relatif", "x", WHEN),
               (f"{L6}/global/read/4871002/biasa", "Kazakhstan biasa", "x", WHEN)]
    chrome = "".join(f'<a href="{url}">tautan</a>' for url in hostile_urls(server, secret, 4871910))
    server.add(TAG, liputan6_listing(listed, extra=chrome))

    # The feed: the same links, an external entity naming the secret file, and one good item.
    items = [{"title": "Kazakhstan &xxe;", "link": url.replace("&", "&amp;"), "description": "&xxe;"}
             for url in hostile_urls(server, secret, 4871920)]
    items.append({"title": "Kazakhstan &xxe; baik", "link": f"{L6}/global/read/4871003/feed",
                  "description": "&xxe;"})
    server.add(FEED, rss(items, doctype=xxe("rss", secret.as_uri())), content_type="application/rss+xml")

    # The sitemap index: a local file, this server by address, a good child and a gzip bomb.
    server.add(INDEX, sitemap([secret.as_uri(), f"http://127.0.0.1:{server.port}{CHILD}",
                               f"{L6}/sitemap/2022-01.xml", f"{L6}/sitemap/2022-02.xml.gz"], index=True))
    server.add(CHILD, sitemap([secret.as_uri(), f"{L6}/global/read/4871004/peta-situs",
                               *hostile_urls(server, secret, 4871930)]))
    server.add(BOMB, gzip_bomb(32 * 1024 * 1024), content_type="application/gzip")

    result = run_crawl("liputan6", tmp_path, routes=site_routes(server), args={
        "tags": "kazakhstan", "feeds": f"{L6}/feed/kazakhstan.xml", "sitemaps": f"{L6}/sitemap/index.xml",
        "since": "2022-01-01", "until": "2022-01-31", "max_pages": "1"},
        settings={"DOWNLOAD_MAXSIZE": 4 * 1024 * 1024})

    assert result.returncode == 0, result.log[-3000:]
    assert sorted(item["article_id"] for item in result.articles) == [
        "4871001", "4871002", "4871003", "4871004"]
    assert {item["url"] for item in result.articles} >= {f"{L6}/global/read/4871001/protokol-relatif"}
    # Nothing but the entry points and the four articles reached the server: no other host, no loopback
    # address taken from a link, no private address.
    assert sorted(set(server.paths())) == sorted({
        "/liputan6/robots.txt", TAG, FEED, INDEX, CHILD, BOMB,
        "/liputan6/global/read/4871001/protokol-relatif", "/liputan6/global/read/4871002/biasa",
        "/liputan6/global/read/4871003/feed", "/liputan6/global/read/4871004/peta-situs"})
    # Every request Scrapy made went to this server: no file: or ftp: request was handled anywhere else.
    assert result.stat("downloader/request_count") == len(server.log)
    # Scrapy was never handed a request the allowed-host filter had to refuse.
    assert result.stat("newswatch/offsite/filtered") == 0
    assert "file://" not in "\n".join(line for line in result.log.splitlines() if "<GET " in line)
    # The secret never came out: not in an item, not in the log.
    assert MARKER not in result.log and MARKER not in repr(result.items)
    # The bomb was refused as a sitemap, and the links were counted as skipped.
    assert result.stat("newswatch/discovery/bad_sitemap") == 1
    assert "sitemap larger than 4194304 bytes" in result.log  # capped at DOWNLOAD_MAXSIZE, not 32 MiB
    assert result.stat("newswatch/skipped/sitemap_not_allowed") == 1
    assert result.stat("newswatch/skipped/other_site") > 0
    assert "Traceback" not in result.log
