"""A fleet command with no Redis to talk to says so in one line, exit status 2, before any request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.crawl.distributed.conftest import REPO, env

CONFIG = """[distributed]
redis_url = "redis://127.0.0.1:1/0"
"""


def test_worker_and_distributed_crawl_refuse_an_unreachable_redis_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "newswatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    for command in (["worker"], ["crawl", "--distributed"]):
        result = subprocess.run([sys.executable, "-m", "crawler", *command, "--config", str(config),
                                 "--db", f"sqlite:///{tmp_path / 'x.db'}", "--source", "bbc"],
                                cwd=REPO, env=env(), capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot reach Redis at redis://127.0.0.1:1/0" in lines[0], lines
        assert "Traceback" not in result.stderr
