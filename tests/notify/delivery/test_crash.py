"""A delivery job killed with SIGKILL in the middle of a batch, then run again: nothing lost, and at most the
one message whose acceptance was not yet recorded (the documented window) arrives twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

from crawler.notify.delivery import deliver
from tests.conftest import REPO
from tests.notify.delivery.world import READER, T0, World, article

COUNT = 8


def test_killed_mid_batch_then_rerun_loses_nothing_and_duplicates_at_most_the_window(world: World) -> None:
    world.settled()
    world.run("liputan6", [article(n) for n in range(1, COUNT + 1)], T0)
    world.close()  # the subprocess owns the database while it runs
    world.server.stall = "data"  # each message takes a while, so the kill lands inside the batch
    world.server.stall_seconds = 0.4
    now = T0 + timedelta(minutes=10)
    module = "tests.notify.delivery.deliver_process"
    child = subprocess.Popen([sys.executable, "-m", module, str(world.config_path),
                              now.isoformat()], cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(world.server.received()) < 3:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the delivery job sent nothing"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    time.sleep(1.0)  # a message the server was still receiving settles
    before = len(world.server.received())
    assert 3 <= before < COUNT

    world.server.stall = None
    # The row the killed job held is leased for a few minutes; a later run sends everything left.
    report = deliver(world.store, world.config, now=now + timedelta(minutes=15))
    assert report.failed == 0 and report.retrying == 0
    counts = world.store.deliveries.status_counts()
    assert (counts["sent"], counts["pending"], counts["failed"]) == (COUNT, 0, 0)

    received = Counter(str(m.message["Message-ID"]) for m in world.server.received())
    assert len(received) == COUNT, "every alert arrived"
    assert all(m.rcpt_tos == [READER] for m in world.server.received())
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= 1, received
    assert report.sent in (COUNT - before, COUNT - before + 1)
