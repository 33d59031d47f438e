"""`newswatch alerts test|preview|deliver`: check the mail set-up, look at pending alerts, send them now.

The SMTP password is never an option: it comes from the environment variable or secret file the config
names (smtp.password_env / smtp.password_file), and no message printed here contains it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from crawler.cli.configuring import CONFIG_HELP, db_option, load
from crawler.config import Config
from crawler.config.channels import problem as channel_problem
from crawler.core.errors import ConfigError, InputError, NewswatchError
from crawler.notify import channels
from crawler.notify.chat import chat_probe
from crawler.notify.compose import compose_test
from crawler.notify.delivery import deliver, preview, smtp_settings_for
from crawler.notify.smtp import send
from crawler.notify.templates import use_templates_dir
from storage import Store

DEFAULT_PREVIEW_DIR = Path("data") / "outbox-preview"


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --db, shared by `alerts` and `status`."""
    func = db_option()(func)
    return click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False),
                        default=None, help=CONFIG_HELP)(func)


@contextmanager
def opened(config: Config, db_url: str | None, *, create: bool = False) -> Iterator[Store]:
    store = Store.open(db_url or config.storage.url, create=create)
    try:
        yield store
    finally:
        store.close()


@click.group()
def alerts() -> None:
    """Alert e-mails: send a test message, preview or deliver pending alerts."""


@alerts.command("test")
@common_options
@click.option("--to", "to", required=True, metavar="ADDRESS|URL",
              help="Where to send the test message: an e-mail address (sent through [smtp]) or a channel "
                   "URL (Apprise: json://, tgram://, slack://, mailto://, ...; secrets as ${ENV} or "
                   "${file:PATH}).")
def test_command(config_path: str | None, db_url: str | None, to: str) -> None:
    """Send a test message: an e-mail through the configured SMTP server, or a chat/webhook message."""
    config = load(config_path)
    if channels.is_channel(to):
        _test_channel(config, to)
        return
    settings = smtp_settings_for(config)
    message = compose_test(to, settings.from_address)
    result = send(settings, message, [to])
    if not result.accepted:
        rejection = next(iter(result.rejected.values()))
        raise click.ClickException(f"{to} refused by the server: {rejection.code} {rejection.reason}")
    click.echo(f"sent a test message to {to} via {settings.host}:{settings.port} ({result.message_id})")


def _test_channel(config: Config, url: str) -> None:
    trouble = channel_problem(url)
    if trouble:
        raise ConfigError(f"--to: {trouble}")
    try:
        resolved = channels.destination(url, config)
    except ConfigError as exc:
        raise ConfigError(f"--to: {exc}") from None
    with use_templates_dir(config.alerts.templates_dir):
        message = chat_probe(channels.flavour(url))
    result = channels.send(resolved, message)
    if not result.ok:
        raise NewswatchError(f"test message not delivered: {result.error}")
    click.echo(f"sent a test message to {url}")


@alerts.command("preview")
@common_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_PREVIEW_DIR, show_default=True, help="Directory for the .eml files.")
def preview_command(config_path: str | None, db_url: str | None, out_dir: Path) -> None:
    """Write the next pending alert e-mails as .eml files, without sending or changing anything."""
    config = load(config_path)
    with opened(config, db_url) as store:
        try:
            written = preview(store, config, out_dir)
        except OSError as exc:
            raise InputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} message(s) written to {out_dir}", err=True)


@alerts.command("deliver")
@common_options
def deliver_command(config_path: str | None, db_url: str | None) -> None:
    """Send the alerts that are due now (what the watch daemon does after each crawl)."""
    config = load(config_path)
    channels.check_channels(config)  # a channel's missing secret: one line now, not a retry per alert
    with opened(config, db_url) as store:
        report = deliver(store, config)
    for error in dict.fromkeys(report.errors):
        click.echo(f"newswatch: warning: {error}", err=True)
    click.echo(report.summary())


COMMANDS = [alerts]
