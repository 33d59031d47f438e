"""Fixtures for the dashboard: a demo database made by the real demo (crawl, then the monitor through every
step of the replay timeline), and the dashboard served by uvicorn on a loopback port."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli.serve import bind
from crawler.web.app import create_app
from storage.coverage import CoverageReader

TOPIC = "kazakhstan-unrest"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """A SQLite URL of the database `make demo` leaves behind, built once for the whole test session (the
    pytest-xdist workers share it through a lock: the demo takes a minute on a loaded machine). It is a copy
    of what the session's one demo run (the demo_run fixture, tests/conftest.py) left in data/demo/."""
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    # The cache outlives a session: its name says what built it (schema head, demo content, linking
    # lexicon), so a database left by older code (no developments table, say) is never reused.
    base = shared / f"web-demo-{_demo_key()}"
    db = base / "data" / "demo" / "newswatch.db"
    with FileLock(str(shared / "web-demo.lock")):
        if not (base / "done").exists():
            run = request.getfixturevalue("demo_run")
            assert run.returncode == 0, run.stderr[-3000:]
            shutil.rmtree(base / "data", ignore_errors=True)
            base.mkdir(exist_ok=True)
            # The demo process has exited: its data/demo/ (the database, a WAL if one was left) is at rest.
            shutil.copytree(run.base / "data", base / "data")
            (base / "done").touch()
    return f"sqlite:///{db}"


def _demo_key() -> str:
    import hashlib

    from storage.migrations import head

    root = Path(__file__).resolve().parents[2] / "crawler"
    digest = hashlib.sha256(head().encode())
    for path in sorted([*root.glob("demo/content/*.toml"), root / "story" / "lexicon.toml"]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture()
def reader(demo_db: str) -> Iterator[CoverageReader]:
    opened = CoverageReader.open(demo_db)
    yield opened
    opened.close()


class LiveServer:
    def __init__(self, reader: CoverageReader) -> None:
        import uvicorn

        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(reader, {TOPIC: "The January 2022 unrest in Kazakhstan"})
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the dashboard did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture()
def live(reader: CoverageReader) -> Iterator[LiveServer]:
    with LiveServer(reader) as server:
        yield server


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None
