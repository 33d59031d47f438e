"""Apprise reaches nothing but loopback: importing it, loading a config full of channel URLs (Telegram, Slack,
Discord, Matrix: parsed, never contacted), checking them at start and sending to a loopback receiver open no
other connection and resolve no host name. Run in a fresh interpreter so import-time behaviour counts too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import json, socket, sys
    from pathlib import Path

    attempts = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def loopback(host):
        return str(host) in ("127.0.0.1", "localhost", "::1")

    def connect(self, address):
        if isinstance(address, tuple) and not loopback(address[0]):
            attempts.append(f"connect {address[0]}")
            raise OSError("network disabled in this test")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not loopback(host):
            attempts.append(f"resolve {host}")
            raise socket.gaierror("network disabled in this test")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo

    import apprise  # noqa: F401
    from crawler.config import load_config
    from crawler.notify import channels
    from crawler.notify.chat import chat_probe
    from tests.servers.webhook import WebhookReceiver

    receiver = WebhookReceiver().start()
    config_path = Path(sys.argv[1])
    urls = ["tgram://${NW_TG}/12345", "slack://${NW_SLACK_A}/${NW_SLACK_B}/${NW_SLACK_C}/#desk",
            "discord://${NW_DISCORD_ID}/${NW_DISCORD_TOKEN}", "matrixs://bot:${NW_MATRIX}@matrix.example.org/#news",
            f"json://127.0.0.1:{receiver.port}/hook"]
    config_path.write_text("[[subscriptions]]\\nchannels = " + json.dumps(urls) + "\\n", encoding="utf-8")
    config = load_config(config_path)
    checked = channels.check_channels(config)
    result = channels.send(channels.destination(urls[-1], config), chat_probe("text"))
    receiver.stop()
    print(json.dumps({"attempts": attempts, "checked": checked, "sent": result.ok,
                      "received": len(receiver.received())}))
''')


def test_apprise_touches_nothing_but_loopback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(NW_TG="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", NW_SLACK_A="T1JJ3T3L2",
               NW_SLACK_B="A1BRTD4JD", NW_SLACK_C="TIiajkdnlazkcOXrIdevi7FQ", NW_DISCORD_ID="4174216298",
               NW_DISCORD_TOKEN="JHMHI8qBe7bk2ZwO5U711o3dV_js", NW_MATRIX="matrix-secret",
               PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    env.pop("NEWSWATCH_CONFIG", None)
    env.pop("NEWSWATCH_DB", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "newswatch.toml")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"attempts": [], "checked": 5, "sent": True, "received": 1}
