"""`newswatch config check|show|schema`, and `--config` / `--set` on every command, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest

from crawler.cli import cli
from storage import Store
from tests.config_env import clean_newswatch_env as clean_newswatch_env  # the fixture
from tests.config_env import run
from tests.servers import LoopbackServer
from tests.servers import loopback_server as loopback_server  # the fixture
from tests.servers.offline import LOOPBACK_RESOLVER

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("clean_newswatch_env")


def write(tmp_path: Path, text: str, name: str = "nw.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def show(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    code, out, err = run("config", "show", "--format", "json", *args, env=env)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


# --- config check -----------------------------------------------------------------------------------------


def test_check_says_ok_for_a_valid_config(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\nretry_times = 1\n")
    code, out, err = run("config", "check", "--config", str(path))
    assert (code, err) == (0, "")
    assert out.startswith(f"ok: {path}; sources liputan6, bbc; topics kazakhstan-unrest")


def test_check_also_checks_what_watch_checks_at_start(tmp_path: Path) -> None:
    """A channel's secret missing, an unreadable SMTP password file: one line, exit 2, as `watch` would."""
    path = write(tmp_path, '[[subscriptions]]\nchannels = ["tgram://${NW_TEST_TG}/12345"]\n')
    code, _out, err = run("config", "check", "--config", str(path))
    assert code == 2
    assert err == (f"newswatch: error: {path}: subscriptions[0].channels: secret missing: environment "
                   "variable NW_TEST_TG is not set\n")
    code, out, err = run("config", "check", "--config", str(path),
                         env={"NW_TEST_TG": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"})
    assert code == 0, err
    assert out.rstrip().endswith("1 subscription(s), 1 channel(s)")
    secret = write(tmp_path, '[smtp]\nusername = "alerts"\npassword_env = ""\npassword_file = "nope"\n',
                   "secret.toml")
    code, _out, err = run("config", "check", "--config", str(secret))
    assert code == 2
    assert err.startswith(f"newswatch: error: {secret}: smtp.password_file: cannot read {tmp_path / 'nope'}")


def test_check_fails_with_one_line_naming_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[crawl]\ndelay = 3\n")
    code, out, err = run("config", "check", "--config", str(path))
    assert code == 2 and out == ""
    assert err == f"newswatch: error: {path}: crawl.delay: unknown key\n"


# --- precedence, through the CLI ---------------------------------------------------------------------------


def test_precedence_defaults_settings_file_environment_command_line(tmp_path: Path) -> None:
    """Five layers, each over the one below it, each named as the origin of the values it set."""
    path = write(tmp_path, '[crawl]\nuser_agent = "file-ua (+mailto:f@example.org)"\ndownload_delay = 3\n'
                           'retry_times = 4\n[smtp]\nhost = "file.example.org"\n')
    env = {"NEWSWATCH_USER_AGENT": "settings-ua (+mailto:s@example.org)",  # read by settings.py
           "NEWSWATCH_CRAWL__DOWNLOAD_DELAY": "5", "NEWSWATCH_CRAWL__RETRY_TIMES": "6"}

    data = show("--config", str(path), "--set", "crawl.retry_times=7", env=env)

    crawl, origins = data["values"]["crawl"], data["origins"]
    assert (crawl["recheck_window_hours"], origins["crawl.recheck_window_hours"]) == (72.0, "defaults.toml")
    assert (crawl["obey_robots"], origins["crawl.obey_robots"]) == (True, "settings.py")
    assert crawl["user_agent"] == "file-ua (+mailto:f@example.org)"
    assert origins["crawl.user_agent"] == str(path)
    assert crawl["download_delay"] == 5.0
    assert origins["crawl.download_delay"] == "$NEWSWATCH_CRAWL__DOWNLOAD_DELAY"
    assert (crawl["retry_times"], origins["crawl.retry_times"]) == (7, "--set")
    assert origins["smtp.host"] == str(path) and origins["smtp.port"] == "defaults.toml"

    # without the file, settings.py (and the variable it reads) is over the packaged defaults
    data = show(env={"NEWSWATCH_USER_AGENT": "settings-ua (+mailto:s@example.org)"})
    assert data["values"]["crawl"]["user_agent"] == "settings-ua (+mailto:s@example.org)"
    assert data["origins"]["crawl.user_agent"] == "settings.py"
    assert data["origins"]["crawl.download_delay"] == "settings.py"


def test_show_text_is_one_key_value_origin_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedule]\ninterval_minutes = 30\n")
    code, out, _err = run("config", "show", "--config", str(path), "-s", "smtp.port=2525")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"# config file: {path}"
    assert f"schedule.interval_minutes = 30  # {path}" in lines
    assert "smtp.port = 2525  # --set" in lines
    assert 'smtp.security = "starttls"  # defaults.toml' in lines
    assert any(line.startswith("topics.kazakhstan-unrest.keywords.en.any = [") for line in lines)


def test_show_masks_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "postgresql://newswatch:hunter2@127.0.0.1:5432/nw"\n'
                           '[smtp]\nusername = "alerts"\npassword_env = "NW_TEST_PW"\n'
                           '[routes]\n"www.bbc.com" = "http://mirror:s3cr3t@127.0.0.1:8080"\n')
    code, out, _err = run("config", "show", "--config", str(path), env={"NW_TEST_PW": "smtp-secret-value"})
    assert code == 0
    assert "hunter2" not in out and "s3cr3t" not in out and "smtp-secret-value" not in out
    assert 'storage.url = "postgresql://newswatch:***@127.0.0.1:5432/nw"' in out
    assert 'smtp.password_env = "NW_TEST_PW"' in out  # the variable's name, never its value


def test_a_bad_set_is_one_line(tmp_path: Path) -> None:
    code, _out, err = run("config", "check", "--set", "crawl.nope=1")
    assert (code, err) == (2, "newswatch: error: --set: crawl.nope: unknown key\n")
    code, _out, err = run("config", "check", "--set", "crawl.download_delay=slow")
    assert code == 2
    assert err == ("newswatch: error: --set: crawl.download_delay: expected a number, got the string "
                   "'slow'\n")


# --- config schema -----------------------------------------------------------------------------------------


def test_schema_describes_the_file_for_editors(tmp_path: Path) -> None:
    out_file = tmp_path / "newswatch.schema.json"
    code, _out, err = run("config", "schema", "--out", str(out_file))
    assert code == 0, err
    schema = json.loads(out_file.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    assert {"storage", "crawl", "sources", "topics", "smtp", "alerts", "subscriptions"} <= set(
        schema["properties"])
    crawl = schema["$defs"]["CrawlConfig"]
    assert crawl["additionalProperties"] is False
    assert crawl["properties"]["concurrent_requests_per_domain"]["maximum"] == 2
    # each key's description is the comment above it in defaults.toml
    assert crawl["properties"]["user_agent"]["description"].startswith("Sent with every request")
    assert "Outlets" not in schema["$defs"]["SourceConfig"]["properties"]["feeds"]["description"]
    assert "name" not in schema["$defs"]["SourceConfig"]["properties"]
    keywords = schema["$defs"]["TopicConfig"]["properties"]["keywords"]
    assert keywords["additionalProperties"] == {"$ref": "#/$defs/LanguageKeywords"}
    subscription = schema["$defs"]["Subscription"]["properties"]
    assert {"type": "string"} in subscription["to"]["anyOf"]  # to = "desk@example.org" is fine too
    smtp = schema["$defs"]["SmtpConfig"]["properties"]
    assert "password" not in smtp and smtp["security"]["enum"] == ["starttls", "ssl", "none"]
    # every key of the packaged defaults is a property of the schema
    defaults = tomllib.loads((REPO / "crawler" / "config" / "defaults.toml").read_text(encoding="utf-8"))
    for section, table in defaults.items():
        if section in ("sources", "topics", "routes"):
            continue
        props = schema["$defs"][schema["properties"][section]["$ref"].rsplit("/", 1)[-1]]["properties"]
        assert set(table) <= set(props), section


# --- every command takes --config and --set, and honours storage.url ---------------------------------------


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append((f"{prefix}{name}", command))
    return found


def test_every_command_accepts_config_and_set() -> None:
    commands = _commands(cli)
    assert len(commands) > 15
    missing = [name for name, command in commands
               if not {"--config", "--set", "-s"} <= {o for p in command.params
                                                      for o in getattr(p, "opts", [])}]
    assert missing == []


def test_articles_honours_the_configs_storage_url(tmp_path: Path) -> None:
    db = tmp_path / "from-config.db"
    Store.open(f"sqlite:///{db}").close()
    path = write(tmp_path, f'[storage]\nurl = "sqlite:///{db}"\n')
    code, out, err = run("articles", "list", "--config", str(path))
    assert (code, out) == (0, ""), err
    assert "0 article(s)" in err
    missing = write(tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path / "absent.db"}"\n', "missing.toml")
    code, _out, err = run("articles", "list", "--config", str(missing))
    assert code == 2
    absent = tmp_path / "absent.db"
    assert err == f"newswatch: error: no database at {absent}: run a crawl first, or pass --db\n"
    # --set storage.url, and --db over everything
    code, _out, err = run("articles", "list", "--config", str(missing), "--set", f"storage.url=sqlite:///{db}")
    assert code == 0, err
    code, _out, err = run("articles", "list", "--config", str(missing), "--db", str(db))
    assert code == 0, err


# --- a real `newswatch crawl`: the command line is the top layer -------------------------------------------


def test_newswatch_crawl_sends_the_user_agent_of_the_command_line(
        loopback_server: LoopbackServer, tmp_path: Path) -> None:
    config = write(tmp_path, '[sources.bbc]\nfeeds = ["https://feeds.bbci.co.uk/news/rss.xml"]\n'
                             'sitemaps = []\n[sources.liputan6]\nenabled = false\n'
                             '[crawl]\nuser_agent = "file-ua/1.0 (+mailto:file@example.org)"\n')
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config),
               "--db", str(tmp_path / "c.db"),
               "--route", f"feeds.bbci.co.uk={loopback_server.base('feeds')}",
               "--set", f"DNS_RESOLVER={LOOPBACK_RESOLVER}", "--set", "DOWNLOAD_DELAY=0",
               "--set", "crawl.retry_times=0", "-s", "crawl.user_agent=cli-ua/1.0 (+mailto:cli@example.org)"]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NEWSWATCH_CRAWL__USER_AGENT"] = "env-ua/1.0 (+mailto:env@example.org)"
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    sent = {r.header("user-agent") for r in loopback_server.requests("/feeds/")}
    assert sent == {"cli-ua/1.0 (+mailto:cli@example.org)"}
