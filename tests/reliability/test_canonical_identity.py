"""A page whose canonical link names another article of the same source (issue 13, D2).

A loopback Liputan6 tag page lists article 4828015 and a second page, /global/read/9000007/x, with its own
title, whose <link rel="canonical"> points to 4828015. The article id used to come from the canonical link,
so the second page was stored as 4828015: three crawls gave 4828015 six versions alternating between the two
titles and five "Updated:" mails; with 4828015 answering 404, it was marked deleted while its row held the
other page. Now a page is stored under the id of the URL fetched, and a canonical link naming another
article is not taken as the page's address. Real `newswatch crawl` runs, real `newswatch alerts deliver` to a
real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.notify.mail.conftest import smtp_server, smtp_server_factory  # noqa: F401
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.reliability.faults_helpers import (
    CrawlSetup,
    FaultServer,
    Liputan6Site,
    articles,
    query,
    run_newswatch,
)

RECIPIENT = "desk@example.org"


def _pages() -> tuple[list, str, str]:
    first, second = articles(2)
    target = replace(first, article_id="4828015", slug="protes-gas-kazakhstan")
    other = replace(second, article_id="9000007", slug="x", canonical=target.url,
                    title="Jam malam diberlakukan di Almaty, uji lain")
    return [target, other], target.title, other.title


def _setup(tmp_path: Path, smtp: LoopbackSmtpServer) -> CrawlSetup:
    setup = CrawlSetup(tmp_path)
    setup.configure(smtp={"host": smtp.host, "port": smtp.port, "security": "none", "username": "",
                          "timeout": 5.0, "from_address": "alerts@newswatch.test"},
                    subscriptions=[{"to": [RECIPIENT], "mode": "immediate"}])
    return setup


def _articles(db: Path) -> dict[str, tuple[str, str, int, str | None]]:
    """article id -> (url, title, version count, deleted_at)."""
    rows = query(db, "SELECT a.article_id, a.url, a.title, COUNT(v.id), a.deleted_at FROM articles a "
                     "LEFT JOIN article_versions v ON v.article_pk = a.id GROUP BY a.id")
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def test_a_canonical_naming_another_article_never_takes_its_identity(
        tmp_path: Path, smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    items, target_title, other_title = _pages()
    setup = _setup(tmp_path, smtp_server)
    with FaultServer() as server:
        site = Liputan6Site(server, items)
        for number in range(2):  # the second crawl, with nothing changed, must change nothing
            run = setup.crawl([site.route()], name=f"crawl{number}")
            assert run.returncode == 0, run.everything[-2000:]
    stored = _articles(setup.db_path)
    assert stored == {
        "4828015": (items[0].url, target_title, 1, None),
        "9000007": (items[1].url, other_title, 1, None),
    }
    events = sorted(query(setup.db_path, "SELECT article_id, kind FROM events"))
    assert events == [("4828015", "new"), ("9000007", "new")]  # the second crawl: nothing

    done = run_newswatch(["alerts", "deliver", "--config", str(setup.config_path)], tmp_path)
    assert done.returncode == 0, done.stderr
    subjects = sorted(str(m.message["Subject"]) for m in smtp_server.received())
    assert subjects == sorted(f"[newswatch] Liputan6: {title}" for title in (target_title, other_title))


def test_a_404_canonical_target_does_not_delete_what_the_other_page_holds(
        tmp_path: Path, smtp_server: LoopbackSmtpServer) -> None:  # noqa: F811
    items, _target_title, other_title = _pages()
    setup = _setup(tmp_path, smtp_server)
    with FaultServer() as server:
        site = Liputan6Site(server, items)
        server.remove(site.path(items[0]))  # the canonical target answers 404
        run = setup.crawl([site.route()])
        assert run.returncode == 0, run.everything[-2000:]
    stored = _articles(setup.db_path)
    # The fetched page is stored under its own id, alive; 4828015 holds nothing of it.
    assert stored["9000007"] == (items[1].url, other_title, 1, None)
    assert "4828015" not in stored
    assert query(setup.db_path, "SELECT status FROM seen WHERE article_id = '4828015'") == [("deleted",)]
    assert query(setup.db_path, "SELECT article_id, kind FROM events") == [("9000007", "new")]
