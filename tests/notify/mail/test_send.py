"""Sending through a real SMTP server on 127.0.0.1: delivery, threading, AUTH, TLS and every failure class."""

from __future__ import annotations

import base64
import logging
import time
import traceback
from email.message import EmailMessage
from typing import Any

import pytest

from crawler.core.errors import ConfigError
from crawler.notify.compose import compose_immediate, compose_test
from crawler.notify.smtp import (
    AuthFailure,
    PermanentFailure,
    SmtpConnection,
    SmtpSettings,
    TemporaryFailure,
    TlsFailure,
    send,
)
from tests.notify.mail.conftest import ServerFactory, settings_for
from tests.notify.mail.events import new_event, update_event
from tests.notify.mail.htmlcheck import html_text, parts
from tests.notify.mail.smtpserver import (
    TEST_PASSWORD,
    TEST_USERNAME,
    LoopbackSmtpServer,
    TlsFiles,
    refused_port,
)

SENDER = "newswatch <alerts@newswatch.test>"
READER = "reader@example.org"


def alert(payload: dict[str, Any] | None = None, to: str | list[str] = READER) -> EmailMessage:
    return compose_immediate(payload or new_event(), to=to, from_address=SENDER, timezone="Asia/Almaty")


def test_alert_arrives_intact(smtp_server: LoopbackSmtpServer) -> None:
    message = alert()
    result = send(settings_for(smtp_server), message, [READER])
    assert result.ok and result.accepted == [READER]
    assert result.message_id == "<article.liputan6.4851234@newswatch.invalid>"
    got = smtp_server.only_message()
    assert got.mail_from == "alerts@newswatch.test"
    assert got.rcpt_tos == [READER]
    assert got.authenticated_as == TEST_USERNAME
    assert got.message["Subject"] == "[newswatch] Liputan6: Pasukan Rusia tiba di Kazakhstan"
    assert got.message["Message-ID"] == result.message_id
    assert got.message["Date"] == message["Date"]
    text, html = parts(got.message)
    assert "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty." in text
    assert "Pasukan penjaga perdamaian CSTO mulai tiba di Almaty." in html_text(html)


def test_update_threads_under_the_first_alert_end_to_end(smtp_server: LoopbackSmtpServer) -> None:
    settings = settings_for(smtp_server)
    send(settings, alert(new_event()), [READER])
    send(settings, alert(update_event()), [READER])
    first, update = (m.message for m in smtp_server.received())
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    assert update["Subject"].startswith("[newswatch] Updated: ")


def test_injected_headers_add_no_recipients(smtp_server: LoopbackSmtpServer) -> None:
    encoded = base64.b64encode(b"x\r\nBcc: spy@evil.test").decode()
    title = f"Kerusuhan\r\nBcc: spy@evil.test\r\nCc: spy2@evil.test =?utf-8?b?{encoded}?="
    send(settings_for(smtp_server), alert(new_event(title=title)), [READER])
    got = smtp_server.only_message()
    assert got.rcpt_tos == [READER]
    assert got.message["Bcc"] is None and got.message["Cc"] is None
    assert b"\nBcc:" not in got.data and b"\nCc:" not in got.data
    assert [a.addr_spec for a in got.message["To"].addresses] == [READER]


def test_envelope_is_exactly_the_given_recipients(smtp_server: LoopbackSmtpServer) -> None:
    # The To header names one reader; the envelope decides who receives it, and Bcc headers are dropped.
    message = alert(to=READER)
    message["Bcc"] = "hidden@example.org"
    send(settings_for(smtp_server), message, ["other@example.org"])
    got = smtp_server.only_message()
    assert got.rcpt_tos == ["other@example.org"]
    assert got.message["Bcc"] is None


def test_bad_recipient_in_envelope_is_refused_before_connecting(smtp_server: LoopbackSmtpServer) -> None:
    with pytest.raises(ConfigError):
        send(settings_for(smtp_server), alert(), ["reader@example.org>\r\nRCPT TO:<spy@evil.test"])
    assert smtp_server.auth_attempts == []


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_mechanisms(smtp_server_factory: ServerFactory, mechanism: str) -> None:
    server = smtp_server_factory(auth_mechanisms=(mechanism,), auth_required=True)
    send(settings_for(server), alert(), [READER])
    assert [(a.mechanism, a.username, a.success) for a in server.auth_attempts] == [
        (mechanism, TEST_USERNAME, True)]
    assert server.only_message().authenticated_as == TEST_USERNAME


def test_wrong_password_is_an_auth_failure_that_never_shows_the_password(
        smtp_server: LoopbackSmtpServer, caplog: pytest.LogCaptureFixture) -> None:
    wrong = "Wr0ng-Distinctive-Pa55phrase"
    settings = settings_for(smtp_server, password=wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthFailure) as info:
        send(settings, alert(), [READER])
    error = info.value
    assert error.code == 535 and error.retryable and error.needs_attention
    assert smtp_server.received() == []
    assert any(not a.success for a in smtp_server.auth_attempts)
    secrets = [wrong, base64.b64encode(wrong.encode()).decode(),
               base64.b64encode(f"\0{TEST_USERNAME}\0{wrong}".encode()).decode()]
    exposed = [str(error), repr(error), "".join(traceback.format_exception(error)), repr(settings),
               *(r.getMessage() for r in caplog.records)]
    assert any("authentication failed" in text for text in exposed)
    for secret in secrets:
        assert not any(secret in text for text in exposed), secret


def test_successful_send_logs_no_password(smtp_server: LoopbackSmtpServer,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(smtp_server)
    send(settings, alert(), [READER])
    assert "***" in repr(settings) and TEST_PASSWORD not in repr(settings)
    assert any("sent <article.liputan6.4851234@newswatch.invalid>" in r.getMessage() for r in caplog.records)
    assert not any(TEST_PASSWORD in r.getMessage() for r in caplog.records)


def test_a_server_echoing_the_password_does_not_leak_it(smtp_server: LoopbackSmtpServer,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="crawler")
    plain_b64 = base64.b64encode(f"\0{TEST_USERNAME}\0{TEST_PASSWORD}".encode()).decode()
    smtp_server.data_reply = f"554 5.7.1 Rejected: you said {TEST_PASSWORD} ({plain_b64})"
    with pytest.raises(PermanentFailure) as info:
        send(settings_for(smtp_server), alert(), [READER])
    assert "Rejected: you said ***" in str(info.value)
    texts = [str(info.value), *(r.getMessage() for r in caplog.records)]
    assert not any(TEST_PASSWORD in t or plain_b64 in t for t in texts)


def test_rejected_auth_switch(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.reject_auth = True
    with pytest.raises(AuthFailure):
        send(settings_for(smtp_server), alert(), [READER])


def test_missing_credentials_on_a_server_that_requires_auth(smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(auth_required=True)
    with pytest.raises(AuthFailure) as info:
        send(settings_for(server, username=None, password=None), alert(), [READER])
    assert info.value.code == 530
    assert server.received() == []


def test_refused_connection_is_temporary() -> None:
    holder, port = refused_port()
    try:
        started = time.monotonic()
        with pytest.raises(TemporaryFailure, match="connection refused") as info:
            send(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5), alert(), [READER])
        assert time.monotonic() - started < 2
        assert info.value.retryable and not info.value.needs_attention
    finally:
        holder.close()


def test_server_switched_to_refuse_then_back(smtp_server: LoopbackSmtpServer) -> None:
    port = smtp_server.port
    smtp_server.refuse_connections()
    with pytest.raises(TemporaryFailure, match="connection refused"):
        send(settings_for(smtp_server), alert(), [READER])
    smtp_server.accept_connections()
    assert smtp_server.port == port
    send(settings_for(smtp_server), alert(), [READER])
    assert len(smtp_server.received()) == 1


def test_one_rejected_recipient_does_not_stop_the_others(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.reject_recipients = {"gone@example.org"}
    smtp_server.defer_recipients = {"busy@example.org"}
    rcpts = ["a@example.org", "gone@example.org", "busy@example.org", "b@example.org"]
    result = send(settings_for(smtp_server), alert(), rcpts)
    assert result.accepted == ["a@example.org", "b@example.org"]
    assert set(result.rejected) == {"gone@example.org", "busy@example.org"}
    assert result.permanent_failures["gone@example.org"].code == 550
    assert result.temporary_failures["busy@example.org"].code == 450
    assert "No such user" in result.rejected["gone@example.org"].reason
    assert smtp_server.only_message().rcpt_tos == ["a@example.org", "b@example.org"]


def test_all_recipients_rejected_is_a_result_not_a_crash(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.reject_recipients = {READER}
    result = send(settings_for(smtp_server), alert(), [READER])
    assert result.accepted == [] and list(result.permanent_failures) == [READER]
    assert smtp_server.received() == []


def test_4xx_after_data_is_temporary(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.data_reply = "451 4.3.0 Local problem, try again later"
    with pytest.raises(TemporaryFailure) as info:
        send(settings_for(smtp_server), alert(), [READER])
    assert info.value.code == 451 and "try again later" in str(info.value)


def test_5xx_after_data_is_permanent(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.data_reply = "554 5.7.1 Message rejected as spam"
    with pytest.raises(PermanentFailure) as info:
        send(settings_for(smtp_server), alert(), [READER])
    assert info.value.code == 554 and not info.value.retryable


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_stalled_server_times_out_within_the_configured_timeout(smtp_server: LoopbackSmtpServer,
                                                                where: str) -> None:
    smtp_server.stall = where  # type: ignore[assignment]
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="timed out after 1s"):
        send(settings_for(smtp_server, timeout=1.0), alert(), [READER])
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0, elapsed
    assert smtp_server.received() == []


def test_one_connection_for_a_batch(smtp_server: LoopbackSmtpServer) -> None:
    with SmtpConnection(settings_for(smtp_server)) as connection:
        for n in range(3):
            connection.send(alert(new_event(event_id=str(n), article_id=str(300000 + n))), [READER])
    assert len(smtp_server.received()) == 3
    assert len(smtp_server.auth_attempts) == 1  # one login, so one session


def test_connection_survives_a_rejected_message(smtp_server: LoopbackSmtpServer) -> None:
    with SmtpConnection(settings_for(smtp_server)) as connection:
        smtp_server.data_reply = "554 5.7.1 Rejected"
        with pytest.raises(PermanentFailure):
            connection.send(alert(), [READER])
        smtp_server.data_reply = None
        connection.send(alert(), [READER])
        assert connection.connected
    assert len(smtp_server.received()) == 1
    assert len(smtp_server.auth_attempts) == 1


def test_connection_reconnects_after_a_timeout(smtp_server: LoopbackSmtpServer) -> None:
    with SmtpConnection(settings_for(smtp_server, timeout=1.0)) as connection:
        smtp_server.stall = "data"
        with pytest.raises(TemporaryFailure):
            connection.send(alert(), [READER])
        assert not connection.connected
        smtp_server.stall = None
        connection.send(alert(), [READER])
    assert len(smtp_server.received()) == 1
    assert len(smtp_server.auth_attempts) == 2


def test_starttls_with_a_trusted_certificate(smtp_server_factory: ServerFactory, tls_files: TlsFiles) -> None:
    server = smtp_server_factory(tls="starttls", tls_files=tls_files, auth_required=True)
    send(settings_for(server), compose_test(READER, SENDER), [READER])
    got = server.only_message()
    assert got.tls and got.authenticated_as == TEST_USERNAME


def test_starttls_with_an_untrusted_certificate_is_a_tls_failure(smtp_server_factory: ServerFactory,
                                                                  tls_files: TlsFiles) -> None:
    server = smtp_server_factory(tls="starttls", tls_files=tls_files)
    with pytest.raises(TlsFailure, match="CERTIFICATE_VERIFY_FAILED") as info:
        send(settings_for(server, ca_file=None), compose_test(READER, SENDER), [READER])
    assert info.value.needs_attention and TEST_PASSWORD not in str(info.value)
    assert server.received() == [] and server.auth_attempts == []  # no credentials over an unverified link


def test_starttls_against_a_server_without_it(smtp_server: LoopbackSmtpServer) -> None:
    with pytest.raises(TlsFailure, match="does not offer STARTTLS"):
        send(settings_for(smtp_server, security="starttls"), alert(), [READER])
    assert smtp_server.auth_attempts == []


def test_implicit_tls(smtp_server_factory: ServerFactory, tls_files: TlsFiles) -> None:
    server = smtp_server_factory(tls="ssl", tls_files=tls_files)
    send(settings_for(server), alert(), [READER])
    assert server.only_message().tls


def test_implicit_tls_against_a_plain_server(smtp_server: LoopbackSmtpServer) -> None:
    with pytest.raises(TlsFailure):
        send(settings_for(smtp_server, security="ssl"), alert(), [READER])


def test_plain_client_against_an_implicit_tls_server_times_out(smtp_server_factory: ServerFactory,
                                                               tls_files: TlsFiles) -> None:
    server = smtp_server_factory(tls="ssl", tls_files=tls_files)
    with pytest.raises(TemporaryFailure, match="timed out"):
        send(settings_for(server, security="none", timeout=1.0), alert(), [READER])


def test_missing_ca_file_is_a_tls_failure(smtp_server_factory: ServerFactory, tls_files: TlsFiles) -> None:
    server = smtp_server_factory(tls="starttls", tls_files=tls_files)
    with pytest.raises(TlsFailure, match="CA file"):
        send(settings_for(server, ca_file=str(tls_files.cert) + ".missing"), alert(), [READER])


def test_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="security"):
        SmtpSettings(host="127.0.0.1", security="tls")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="port"):
        SmtpSettings(host="127.0.0.1", port=0)
    with pytest.raises(ConfigError, match="timeout"):
        SmtpSettings(host="127.0.0.1", timeout=0)
    with pytest.raises(ConfigError, match="without a username"):
        SmtpSettings(host="127.0.0.1", password=TEST_PASSWORD)
