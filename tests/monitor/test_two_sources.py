"""Two sources due at once in one daemon: both crawls run side by side on the one reactor, their
deliveries never overlap, and each alert goes out exactly once. The site is the demo replay site."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from crawler.demo import DemoServer, DemoSite
from crawler.demo.site import feed_url
from storage import Store
from tests.monitor.helpers import Daemon, db_url, plain_text, wait_until, write_config
from tests.notify.mail.smtpserver import LoopbackSmtpServer


def test_two_sources_due_at_once(smtp_server: LoopbackSmtpServer, tmp_path: Path) -> None:
    with DemoServer(DemoSite(step=0)) as server:
        config = write_config(tmp_path, routes=server.routes(), smtp_port=smtp_server.port, liputan6=True,
                              bbc_feeds=(feed_url("asia"),))
        daemon = Daemon(config).start()
        try:
            daemon.wait_for("watching liputan6: next crawl now")
            daemon.wait_for("watching bbc: next crawl now")
            daemon.wait_for("cycle ", count=2, timeout=90)
            wait_until(lambda: len(smtp_server.received()) >= 2, what="two baseline digests")
            with Store.open(db_url(config)) as store:
                runs = {r.spider: r for r in store.recent_runs(limit=10)}
                stored = {s: [a.title for a in store.list_articles(source=s, topic="kazakhstan-unrest")
                              if a.title] for s in ("liputan6", "bbc")}
            assert set(runs) == {"liputan6", "bbc"}
            assert all(r.outcome == "finished" for r in runs.values())
            first, second = sorted(runs.values(), key=lambda r: r.started_at)
            # Side by side: the second crawl started before the first had finished.
            assert first.finished_at is not None
            assert datetime.fromisoformat(second.started_at) <= datetime.fromisoformat(first.finished_at)
            assert daemon.terminate() == 0
        finally:
            daemon.stop_if_running()
    # The demo's own story: a Liputan6 and a BBC headline of the backlog were stored.
    assert "Pasukan Penjaga Perdamaian CSTO Tiba di Kazakhstan" in stored["liputan6"]
    assert "Kazakhstan: Rare protests erupt over fuel price rise" in stored["bbc"]
    mails = smtp_server.received()
    assert len(mails) == 2  # one baseline digest per source
    texts = [plain_text(m.message) for m in mails]
    items = [line for text in texts for line in text.splitlines() if re.match(r"\d+\. ", line)]
    for title in stored["liputan6"] + stored["bbc"]:
        # Every stored story is an item of one digest, once (the other source's digest may name it again
        # in an "Also reported by ..." line under its own report of the same development: not an item).
        assert sum(line.split(". ", 1)[1] == title for line in items) == 1, title
