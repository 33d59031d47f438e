"""The `newswatch` command: a click group, one module per verb (crawler/cli/<verb>.py).

Errors meant for the user (NewswatchError) print one line on stderr and exit 2; anything unexpected prints one
line too (and a traceback only with --debug), so a user never sees a stack trace by default.

A standard output closed by its reader (`newswatch articles list | head -1`) ends the command quietly with
exit status 141 (128 + SIGPIPE, what a shell reports for `yes | head -1`): nothing on stderr, and a script
with `set -o pipefail` can still tell the output was cut short. A file or directory that cannot be written
or read (`--out /proc/x`) is one line naming it and exit status 2.
May import every package of newswatch; only `crawler.demo` imports it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT


def _interrupted_while_loading(_signum: int, _frame: Any) -> None:
    """Ctrl-C while the commands' modules load (Scrapy, SQLAlchemy...: a second or more): nothing has started,
    so end at once with the one line an interrupt gets, not a traceback from deep inside an import."""
    os.write(2, b"newswatch: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


_LOADING_HANDLER: Any = None
if threading.current_thread() is threading.main_thread():
    _LOADING_HANDLER = signal.signal(signal.SIGINT, _interrupted_while_loading)

import logging  # noqa: E402 - after the handler above, like every import that takes time

import click  # noqa: E402

from crawler.cli import configuring, logs  # noqa: E402
from crawler.core.errors import NewswatchError  # noqa: E402

_COMMAND_MODULES = ("extract", "clean", "articles", "alerts", "status", "crawl", "watch", "feed",
                    "serve", "developments", "db", "config", "worker")

EXIT_CLOSED_OUTPUT = 141  # 128 + SIGPIPE


class NewswatchGroup(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:  # `newswatch --help` and `--version` print here, before invoke
            return super().parse_args(ctx, args)
        except BrokenPipeError:
            silence_stdout()
            ctx.exit(EXIT_CLOSED_OUTPUT)
        except KeyboardInterrupt:
            click.echo("newswatch: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe could not be handled
            return result
        except BrokenPipeError:
            silence_stdout()
            ctx.exit(EXIT_CLOSED_OUTPUT)
        except NewswatchError as exc:
            click.echo(f"newswatch: error: {_one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("newswatch: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if exc.filename is None:  # a socket, a pipe: nothing the user named
                _unexpected(ctx, exc)
            # A path the user gave (or a default one) that cannot be written or read: their environment.
            click.echo(f"newswatch: error: cannot use {exc.filename}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _unexpected(ctx, exc)


def _unexpected(ctx: click.Context, exc: BaseException) -> None:
    click.echo(f"newswatch: unexpected error: {_one_line(repr(exc))} (run with --debug for details)",
               err=True)
    ctx.exit(1)


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null once the reader of standard output has gone: what is still
    buffered goes nowhere instead of failing again, with a second error, when the interpreter exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


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
if _LOADING_HANDLER is not None:  # loaded: Ctrl-C is KeyboardInterrupt again, which the group turns into 130
    signal.signal(signal.SIGINT, _LOADING_HANDLER)


def main() -> None:
    code: Any = 0
    try:
        cli(prog_name="newswatch", obj={})
    except SystemExit as exc:
        code = exc.code
    # A command that ended with sys.exit() may leave output in the buffer: flush it while a closed pipe can
    # still end the command quietly (at interpreter exit it would print "Exception ignored ...").
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_CLOSED_OUTPUT
    sys.exit(code)
