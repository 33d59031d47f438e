"""The SMTP password (a distinctive value in an environment variable) never appears in logs, status output,
exceptions, CLI output or the database file."""

from __future__ import annotations

import base64
import logging
import traceback
from datetime import timedelta

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.notify.delivery import deliver, smtp_settings_for
from tests.notify.delivery.world import T0, World, article
from tests.notify.mail.smtpserver import TEST_PASSWORD, TEST_USERNAME

FORMS = [TEST_PASSWORD, base64.b64encode(TEST_PASSWORD.encode()).decode(),
         base64.b64encode(f"\0{TEST_USERNAME}\0{TEST_PASSWORD}".encode()).decode()]


def assert_clean(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    for form in FORMS:
        assert form.encode() not in data, f"the password leaked into {where}"


def test_password_never_leaks_on_success_or_failure(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = smtp_settings_for(world.config)
    assert settings.password == TEST_PASSWORD  # read from the environment variable the config names
    assert_clean(repr(settings), "repr(SmtpSettings)")
    assert_clean(repr(world.config), "repr(Config)")

    world.settled()
    world.run("liputan6", [article(1), article(2)], T0)
    world.server.auth_required = True
    world.server.reject_auth = True  # the server answers 535 to our (correct) credentials
    failed = deliver(world.store, world.config, now=T0 + timedelta(minutes=10))
    assert failed.retrying == 2 and "authentication failed" in failed.errors[0]
    world.server.reject_recipients.add("reader@example.org")
    world.server.reject_auth = False
    refused = deliver(world.store, world.config, now=T0 + timedelta(minutes=12))
    assert refused.failed == 2
    assert world.server.auth_attempts[-1].success

    runner = CliRunner()
    status = runner.invoke(cli, ["status", "--config", str(world.config_path)], catch_exceptions=False)
    assert status.exit_code == 0
    assert "550" in status.output
    status_json = runner.invoke(cli, ["status", "--config", str(world.config_path), "--format", "json"])
    world.server.reject_auth = True
    probe = runner.invoke(cli, ["alerts", "test", "--config", str(world.config_path),
                                "--to", "x@example.org"])
    assert probe.exit_code == 2
    assert "authentication failed" in probe.output

    errors = [d.last_error or "" for d in world.store.deliveries.with_status("failed")]
    world.close()
    for text, where in ((status.output, "status"), (status_json.output, "status --format json"),
                        (probe.output, "alerts test"), (caplog.text, "the logs"),
                        ("\n".join(failed.errors + refused.errors), "the report"),
                        ("\n".join(errors), "stored errors")):
        assert_clean(text, where)
    for path in world.root.glob("news.db*"):  # the database, its WAL and shared-memory files
        assert_clean(path.read_bytes(), path.name)


def test_an_auth_failure_exception_carries_no_password(world: World) -> None:
    from crawler.notify.compose import compose_test
    from crawler.notify.smtp import AuthFailure, send

    world.server.auth_required = True
    world.server.reject_auth = True
    settings = smtp_settings_for(world.config)
    with pytest.raises(AuthFailure) as caught:
        send(settings, compose_test("x@example.org", settings.from_address), ["x@example.org"])
    rendered = "".join(traceback.format_exception(caught.value))
    assert_clean(rendered, "the traceback")
