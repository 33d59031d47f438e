"""Screenshots of the dashboard's main pages for docs/ (run: `make screenshots`).

Builds the demo database (the real `make demo` run, in a temporary folder), serves the dashboard on
loopback and saves PNGs of the topic page, an article's versions and a side-by-side diff, on a desktop and
on a phone-sized window, to docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.web.browser import chromium
from tests.web.conftest import TOPIC, LiveServer

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def main() -> int:
    from crawler.demo.driver import run_demo
    from storage.coverage import CoverageReader

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        cwd = Path.cwd()
        os.chdir(base)
        try:
            run_demo(base, echo=False)
        finally:
            os.chdir(cwd)
        reader = CoverageReader.open(f"sqlite:///{base / 'data' / 'demo' / 'newswatch.db'}")
        coverage = reader.coverage(TOPIC)
        assert coverage is not None
        toll = next(r for r in coverage.revisions if "225" in (r.title or ""))
        article = f"/articles/{toll.source}/{toll.article_id}"
        shots = {
            "topic.png": (f"/topics/{TOPIC}", 1280, 1600),
            "article.png": (article, 1280, 1100),
            "diff.png": (f"{article}/diff?from={toll.version_no - 1}&to={toll.version_no}", 1280, 900),
            "topic-phone.png": (f"/topics/{TOPIC}", 390, 1400),
        }
        with LiveServer(reader) as live:
            for name, (path, width, height) in shots.items():
                with chromium(base / f"profile-{name}", width=width, height=height) as driver:
                    driver.get(live.url + path)
                    driver.save_screenshot(str(OUT / name))
                    print(f"wrote {OUT / name}")
        reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
