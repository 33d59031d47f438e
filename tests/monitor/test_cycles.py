"""End to end over several `newswatch watch --once` cycles against a site that changes between cycles.

Each cycle is a real subprocess with its own reactor; the database and the SMTP server persist between
them, as they do for a user running `watch --once` from cron.
"""

from __future__ import annotations

from pathlib import Path

from tests.monitor.helpers import KAZAKHSTAN_ONLY, RECIPIENT, plain_text, watch_once, write_config
from tests.monitor.site import ScriptedFeedSite, story
from tests.notify.mail.smtpserver import LoopbackSmtpServer
from tests.servers import LoopbackServer


def _new_mail(smtp: LoopbackSmtpServer, before: int) -> list:
    return smtp.received()[before:]


def test_new_updated_quiet_and_irrelevant_cycles(loopback_server: LoopbackServer,
                                                 smtp_server: LoopbackSmtpServer, tmp_path: Path,
                                                 db_url: str) -> None:
    """On SQLite and on PostgreSQL (the db_url fixture)."""
    site = ScriptedFeedSite(loopback_server)
    site.publish(story("c1aaaaaaaaao", "Kazakhstan fuel protests spread to Almaty", day=3))
    site.publish(story("c2bbbbbbbbbo", "Tokayev declares a state of emergency in Kazakhstan", day=4))
    site.publish(story("c3cccccccco", "Village bakery wins a prize", relevant=False, day=4))
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port, topics=KAZAKHSTAN_ONLY,
                          storage_url=db_url)

    # Cycle 1: everything already published is the baseline: one digest, not one mail per article.
    first = watch_once(config, "--source", "bbc")
    assert first.returncode == 0, first.log
    assert "cycle 1: bbc finished" in first.log
    baseline = smtp_server.received()
    assert len(baseline) == 1
    digest = baseline[0]
    assert digest.rcpt_tos == [RECIPIENT]
    text = plain_text(digest.message)
    assert "Kazakhstan fuel protests spread to Almaty" in text
    assert "Village bakery" not in text

    # Cycle 2: a new relevant story in the feed: exactly one "new" alert.
    site.publish(story("c4ddddddddwo", "CSTO troops arrive in Kazakhstan", day=6))
    second = watch_once(config, "--source", "bbc")
    assert second.returncode == 0, second.log
    mails = _new_mail(smtp_server, 1)
    assert len(mails) == 1, [m.message["Subject"] for m in mails]
    new_alert = mails[0].message
    assert "CSTO troops arrive in Kazakhstan" in new_alert["Subject"]
    assert not new_alert["In-Reply-To"]

    # Cycle 3: that story's body changes: exactly one "updated" alert, threaded under the first.
    site.edit("c4ddddddddwo", body=(
        "Protesters gathered again in Almaty as the first CSTO soldiers landed.",
        "The unrest in Kazakhstan began over a rise in the price of liquefied petroleum gas.",
        "Officials now say more than 2,000 peacekeepers will be deployed, double the earlier figure.",
    ))
    third = watch_once(config, "--source", "bbc")
    assert third.returncode == 0, third.log
    mails = _new_mail(smtp_server, 2)
    assert len(mails) == 1, [m.message["Subject"] for m in mails]
    update = mails[0].message
    assert update["In-Reply-To"] == new_alert["Message-ID"]
    assert new_alert["Message-ID"] in update["References"]
    assert "2,000 peacekeepers" in plain_text(update)

    # Cycle 4: nothing changed on the site: no mail.
    fourth = watch_once(config, "--source", "bbc")
    assert fourth.returncode == 0, fourth.log
    assert len(smtp_server.received()) == 3

    # Cycle 5: a new story that is not about the topic (the feed shows it; the listing pre-filter or the
    # relevance check turns it down): no mail.
    feeds_before = len(loopback_server.paths("/bbcfeeds/"))
    site.publish(story("c5eeeeeeeeeo", "Record crowds at the county show", relevant=False, day=7))
    fifth = watch_once(config, "--source", "bbc")
    assert fifth.returncode == 0, fifth.log
    assert len(loopback_server.paths("/bbcfeeds/")) > feeds_before
    assert len(smtp_server.received()) == 3
    assert "cycle 1:" in fifth.log and "sent 0 (0 message(s))" in fifth.log


def test_once_crawls_only_due_sources(loopback_server: LoopbackServer, smtp_server: LoopbackSmtpServer,
                                      tmp_path: Path) -> None:
    """Without --source, --once crawls what is due: right after a run, nothing; a named source always."""
    site = ScriptedFeedSite(loopback_server)
    site.publish(story("c1aaaaaaaaao", "Kazakhstan fuel protests spread to Almaty"))
    config = write_config(tmp_path, routes=site.routes(), smtp_port=smtp_server.port)

    assert watch_once(config).returncode == 0
    feed_requests = len(loopback_server.paths("/bbcfeeds/"))
    assert feed_requests >= 1

    again = watch_once(config)
    assert again.returncode == 0, again.log
    assert "no source due" in again.log
    assert len(loopback_server.paths("/bbcfeeds/")) == feed_requests

    forced = watch_once(config, "--source", "bbc")
    assert forced.returncode == 0, forced.log
    assert len(loopback_server.paths("/bbcfeeds/")) > feed_requests
