"""Channel URLs in the configuration: one line naming the subscription for a malformed URL, an unknown scheme,
a bad placeholder or a secret written into the URL; secrets filled in from the environment or a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.config.channels import literal_secret, resolve
from crawler.core.errors import ConfigError


def config_with(tmp_path: Path, channels: str, to: str = "") -> Path:
    path = tmp_path / "newswatch.toml"
    path.write_text(f"[[subscriptions]]\n{to}channels = {channels}\n", encoding="utf-8")
    return path


def test_a_subscription_may_have_channels_only_or_beside_addresses(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, '["json://127.0.0.1:9/hook", "tgram://${TG_TOKEN}/12345"]'))
    assert config.subscriptions[0].channels == ("json://127.0.0.1:9/hook", "tgram://${TG_TOKEN}/12345")
    assert config.subscriptions[0].to == ()
    both = load_config(config_with(tmp_path, '["json://127.0.0.1:9/hook"]', to='to = ["a@example.org"]\n'))
    assert both.subscriptions[0].to == ("a@example.org",)


@pytest.mark.parametrize(("channels", "expected"), [
    ('["json//127.0.0.1/hook"]', "malformed channel URL 'json//127.0.0.1/hook'"),
    ('["nosuchservice://x/y"]', "unknown channel scheme 'nosuchservice'"),
    ('["tgram://not-a-token"]', "its tgram:// plugin does not accept it"),
    ('["json://127.0.0.1/a b"]', "contains whitespace"),
    ('["tgram://${TG-TOKEN}/1"]', "not an environment variable name"),
    ('["tgram://${TG_TOKEN/1"]', "malformed secret placeholder"),
    ('["json://127.0.0.1/a", "json://127.0.0.1/a"]', "lists a channel twice"),
])
def test_bad_channel_urls_are_one_line_naming_the_subscription(tmp_path: Path, channels: str,
                                                                expected: str) -> None:
    path = config_with(tmp_path, channels)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: subscriptions[0].channels: ")
    assert expected in message and "\n" not in message


def test_a_secret_written_into_the_url_is_refused_without_repeating_it(tmp_path: Path) -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    path = config_with(tmp_path, f'["tgram://{token}/12345"]')
    refused = r"subscriptions\[0\]\.channels: a secret is written into"
    with pytest.raises(ConfigError, match=refused) as caught:
        load_config(path)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in str(caught.value)
    password = config_with(tmp_path, '["json://user:hunter2hunter2@127.0.0.1/hook"]')
    with pytest.raises(ConfigError, match="a secret is written into") as caught:
        load_config(password)
    assert "hunter2hunter2" not in str(caught.value)


def test_admin_channels_are_checked_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "newswatch.toml"
    path.write_text('[alerts]\nadmin_channels = ["nosuchservice://x"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts\.admin_channels: unknown channel scheme 'nosuchservice'"):
        load_config(path)


def test_secrets_come_from_the_environment_or_a_file_and_only_when_resolved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hook.secret").write_text("file-secret-42\n", encoding="utf-8")
    monkeypatch.setenv("NW_TEST_TG", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    tg = resolve("tgram://${NW_TEST_TG}/12345", tmp_path)
    assert tg.url == "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12345"
    assert not literal_secret(tg)
    assert tg.scrub(f"GET /bot{tg.secrets[0]}/sendMessage") == "GET /bot***/sendMessage"
    hook = resolve("json://user:${file:hook.secret}@127.0.0.1/hook", tmp_path)
    assert hook.url == "json://user:file-secret-42@127.0.0.1/hook"
    monkeypatch.delenv("NW_TEST_TG")
    with pytest.raises(ConfigError, match=r"^secret missing: environment variable NW_TEST_TG is not set$"):
        resolve("tgram://${NW_TEST_TG}/12345", tmp_path)
    with pytest.raises(ConfigError, match="secret missing: cannot read secret file"):
        resolve("json://user:${file:absent.secret}@127.0.0.1/hook", tmp_path)


@pytest.mark.parametrize(("channel", "expected"), [
    ("json//127.0.0.1/hook", "malformed channel URL 'json//127.0.0.1/hook'"),
    ("slak://${NW_TEST_SLACK}/#desk", "unknown channel scheme 'slak'"),
    ("json://127.0.0.1/${NW_TEST_UNSET}", "secret missing: environment variable NW_TEST_UNSET is not set"),
    ("json://desk:hunter2hunter2@127.0.0.1/hook", "a secret is written into channel URL"),
])
def test_config_check_names_the_subscription_of_a_bad_channel_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channel: str, expected: str) -> None:
    from click.testing import CliRunner

    from crawler.cli import cli

    monkeypatch.delenv("NW_TEST_UNSET", raising=False)
    path = tmp_path / "newswatch.toml"
    urls = json.dumps(["json://127.0.0.1:9/ok", channel])
    path.write_text(f'[[subscriptions]]\nto = ["desk@example.org"]\n\n[[subscriptions]]\nchannels = {urls}\n',
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"newswatch: error: {path}: subscriptions[1].channels: ")
    assert expected in result.stderr and result.stderr.count("\n") == 1
    assert "hunter2hunter2" not in result.stderr
