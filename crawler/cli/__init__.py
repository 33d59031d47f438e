"""The `newswatch` command: a click group, one module per verb (crawler/cli/<verb>.py).

Errors meant for the user (NewswatchError) print one line on stderr and exit 2; anything unexpected prints one
line too (and a traceback only with --debug), so a user never sees a stack trace by default.
May import every package of newswatch; only `crawler.demo` imports it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from crawler.cli import configuring, logs
from crawler.core.errors import NewswatchError

_COMMAND_MODULES = ("extract", "clean", "articles", "alerts", "status", "crawl", "watch", "feed",
                    "serve", "developments", "db", "config", "worker")


class NewswatchGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewswatchError as exc:
            click.echo(f"newswatch: error: {_one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("newswatch: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"newswatch: unexpected error: {_one_line(repr(exc))} (run with --debug for details)",
                       err=True)
            ctx.exit(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group(cls=NewswatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="newswatch")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """newswatch: follow how the news covers a developing story."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logs.configure(logging.DEBUG if debug else logging.ERROR)  # stderr; --log-level/--log-format win


def _register() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"crawler.cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)
    logs.add_log_options(cli)  # --log-level and --log-format on the group and on every command
    configuring.add_config_options(cli)  # --config and --set/-s on every command


_register()


def main() -> None:
    cli(prog_name="newswatch", obj={})
    sys.exit(0)
