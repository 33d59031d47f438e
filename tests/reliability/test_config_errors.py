"""Hostile configuration and database locations through the real CLI (issue 13: D5, D6, routes, `--db ''`):
one line naming what is wrong, exit 2, never "unexpected error" or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Store
from tests.config_env import clean_newswatch_env as clean_newswatch_env  # the fixture
from tests.config_env import run
from tests.servers.offline import LOOPBACK_RESOLVER

# Were a refusal to fail, crawl and watch would start crawling: never beyond the loopback interface.
OFFLINE = ("--set", f"DNS_RESOLVER={LOOPBACK_RESOLVER}")


pytestmark = pytest.mark.usefixtures("clean_newswatch_env")


# --- D5: one parser of database locations for every command ----------------------------------------------


@pytest.mark.parametrize("command", [("articles", "list"), ("articles", "search", "x"), ("status",),
                                     ("feed", "--topic", "kazakhstan-unrest")])
def test_newswatch_db_as_a_plain_path_works_for_every_reading_command(tmp_path: Path,
                                                                      command: tuple[str, ...]) -> None:
    db = tmp_path / "plain.db"
    Store.open(f"sqlite:///{db}").close()
    code, _out, err = run(*command, env={"NEWSWATCH_DB": str(db)})
    assert code == 0, err
    assert "invalid database URL" not in err


def test_db_option_as_a_plain_path_works_too(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    Store.open(f"sqlite:///{db}").close()
    for command in (("articles", "list"), ("status",), ("alerts", "preview", "--out", str(tmp_path / "p"))):
        code, _out, err = run(*command, "--db", str(db))
        assert code == 0, (command, err)


@pytest.mark.parametrize("command", [("articles", "list"), ("status",), ("crawl", *OFFLINE),
                                     ("alerts", "deliver"), ("watch", "--once", *OFFLINE), ("serve",),
                                     ("feed", "--topic", "t")])
def test_an_empty_db_is_refused_with_one_line(command: tuple[str, ...]) -> None:
    code, out, err = run(*command, "--db", "")
    assert code == 2 and out == ""
    assert err == ("newswatch: error: --db: empty database location: give a URL "
                   "(sqlite:///data/newswatch.db) or the path of an SQLite file\n")


def test_an_empty_newswatch_db_means_unset(tmp_path: Path) -> None:
    """An exported but empty NEWSWATCH_DB is the shell's "unset", not a database: the config's url stands."""
    db = tmp_path / "c.db"
    Store.open(f"sqlite:///{db}").close()
    config = tmp_path / "nw.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    code, _out, err = run("articles", "list", "--config", str(config), env={"NEWSWATCH_DB": ""})
    assert code == 0, err


# --- D6: a config file that is not UTF-8 -------------------------------------------------------------------


def test_a_config_file_that_is_not_utf8_is_one_line_with_the_byte_offset(tmp_path: Path) -> None:
    config = tmp_path / "latin1.toml"
    config.write_bytes('[smtp]\nfrom_address = "berita@contoh.id"\nhost = "surat-é.id"\n'.encode("latin-1"))
    offset = config.read_bytes().index(b"\xe9")
    for command in (("config", "check"), ("status",), ("crawl", *OFFLINE)):
        code, out, err = run(*command, "--config", str(config))
        assert code == 2 and out == "", command
        assert err == (f"newswatch: error: {config}: not UTF-8 text: byte 0xe9 at offset {offset} "
                       "(save the file as UTF-8)\n")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "bom.toml"
    config.write_bytes(b"\xef\xbb\xbf" + b"[crawl]\nretry_times = 1\n")
    code, out, err = run("config", "check", "--config", str(config))
    assert code == 0, err
    assert out.startswith(f"ok: {config}")
    code, out, _err = run("config", "show", "--config", str(config))
    assert f"crawl.retry_times = 1  # {config}" in out.splitlines()


# --- routes validated fully at config check ----------------------------------------------------------------


@pytest.mark.parametrize(("base", "problem"), [
    ("http://127.0.0.1:99999", "not a valid URL (bad port): 'http://127.0.0.1:99999'"),
    ("http://127.0.0.1:0/x", "not a valid URL (port 0): 'http://127.0.0.1:0/x'"),
    ("http://127.0.0.1:80x", "not a valid URL (bad port): 'http://127.0.0.1:80x'"),
    ("http://:8080", "not an http(s) URL: 'http://:8080'"),
])
def test_a_route_to_an_impossible_port_is_refused_by_config_check(tmp_path: Path, base: str,
                                                                  problem: str) -> None:
    config = tmp_path / "routes.toml"
    config.write_text(f'[routes]\n"www.bbc.com" = "{base}"\n', encoding="utf-8")
    code, _out, err = run("config", "check", "--config", str(config))
    assert code == 2
    assert err == f'newswatch: error: {config}: routes."www.bbc.com": {problem}\n'


def test_a_route_option_to_an_impossible_port_is_refused(tmp_path: Path) -> None:
    code, _out, err = run("crawl", "--db", str(tmp_path / "r.db"), *OFFLINE,
                          "--route", "www.bbc.com=http://127.0.0.1:99999")
    assert code == 2
    assert err == ("newswatch: error: route base for www.bbc.com must be an http(s) URL with a valid port, "
                   "got 'http://127.0.0.1:99999'\n")
