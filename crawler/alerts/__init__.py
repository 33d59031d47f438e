"""Alert e-mails: composing them from outbox events (`compose`) and handing them to SMTP (`smtp`).

Which events go to whom, retries and give-up live in the delivery job on top of these two layers.
"""

from crawler.alerts.compose import (
    compose_digest,
    compose_health,
    compose_immediate,
    compose_test,
    root_message_id,
    update_message_id,
)
from crawler.alerts.events import AlertEvent, ArticleDiff, TextChange
from crawler.alerts.smtp import (
    AuthFailure,
    PermanentFailure,
    SendError,
    SendResult,
    SmtpConnection,
    SmtpSettings,
    TemporaryFailure,
    TlsFailure,
    send,
)

__all__ = [
    "AlertEvent",
    "ArticleDiff",
    "AuthFailure",
    "PermanentFailure",
    "SendError",
    "SendResult",
    "SmtpConnection",
    "SmtpSettings",
    "TemporaryFailure",
    "TextChange",
    "TlsFailure",
    "compose_digest",
    "compose_health",
    "compose_immediate",
    "compose_test",
    "root_message_id",
    "send",
    "update_message_id",
]
