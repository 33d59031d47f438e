"""Run one delivery job in its own process, so a test can SIGKILL it mid-batch.

Usage: python -m tests.notify.delivery.deliver_process CONFIG_PATH NOW_ISO
"""

from __future__ import annotations

import sys
from datetime import datetime

from crawler.config import load_config
from crawler.notify.delivery import deliver
from storage import Store


def main(config_path: str, now_text: str) -> None:
    config = load_config(config_path)
    with Store.open(config.storage.url) as store:
        report = deliver(store, config, now=datetime.fromisoformat(now_text))
    print(report.summary())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
