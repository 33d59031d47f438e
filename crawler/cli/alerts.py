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

from crawler.config import Config, load_config
from crawler.core.errors import InputError
from crawler.notify.compose import compose_test
from crawler.notify.delivery import deliver, preview, smtp_settings_for
from crawler.notify.smtp import send
from storage import Store

DEFAULT_PREVIEW_DIR = Path("data") / "outbox-preview"


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --db, shared by `alerts` and `status`."""
    func = click.option("--db", "db_url", metavar="URL", default=None,
                        help="SQLAlchemy database URL (default: the config's storage.url, or "
                             "$NEWSWATCH_DB).")(func)
    return click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False),
                        default=None,
                        help="Config file (default: $NEWSWATCH_CONFIG or ./newswatch.toml).")(func)


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
@click.option("--to", "to", required=True, metavar="ADDRESS", help="Where to send the test message.")
def test_command(config_path: str | None, db_url: str | None, to: str) -> None:
    """Send a test e-mail through the configured SMTP server."""
    config = load_config(config_path)
    settings = smtp_settings_for(config)
    message = compose_test(to, settings.from_address)
    result = send(settings, message, [to])
    if not result.accepted:
        rejection = next(iter(result.rejected.values()))
        raise click.ClickException(f"{to} refused by the server: {rejection.code} {rejection.reason}")
    click.echo(f"sent a test message to {to} via {settings.host}:{settings.port} ({result.message_id})")


@alerts.command("preview")
@common_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_PREVIEW_DIR, show_default=True, help="Directory for the .eml files.")
def preview_command(config_path: str | None, db_url: str | None, out_dir: Path) -> None:
    """Write the next pending alert e-mails as .eml files, without sending or changing anything."""
    config = load_config(config_path)
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
    config = load_config(config_path)
    with opened(config, db_url) as store:
        report = deliver(store, config)
    for error in dict.fromkeys(report.errors):
        click.echo(f"newswatch: warning: {error}", err=True)
    click.echo(report.summary())


COMMANDS = [alerts]
