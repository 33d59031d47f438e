"""A crawl-like writer process for the concurrency tests: waits for a start file, then saves N articles.

Run as `python -m tests.storage.concurrent_writer DB_URL GO_FILE N [VARIANT]`; prints the save statuses as
JSON. Without VARIANT every writer saves the same text; with one, each writer's bodies carry its own variant,
so that each of its saves is a new article or a new version.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from storage import Store
from tests.storage.helpers import FETCHED, article, save


def main(db_url: str, go_file: str, count: int, variant: str = "") -> None:
    deadline = time.monotonic() + 60
    while not Path(go_file).exists():  # every process starts writing at the same moment
        if time.monotonic() > deadline:
            raise SystemExit("start file never appeared")
        time.sleep(0.005)
    statuses: list[str] = []
    with Store.open(db_url) as store:  # opening a new database also races the migrations
        for n in range(count):
            item = article(str(1_000_000 + n), body=f"Paragraf {n} tentang Kazakhstan.\n\nAlmaty.{variant}")
            statuses.append(save(store, item).status)
            store.record_fetch(item.url, 200, f'"{n}"', None, FETCHED)
        run = store.start_run("liputan6", {"writer": sys.argv[0]})
        store.finish_run(run, "finished", {"saved": count})
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
