"""`newswatch serve` (the read-only dashboard) and `newswatch report` (one self-contained HTML file)."""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import click

from crawler.cli.alerts import common_options
from crawler.cli.configuring import load
from crawler.config import Config
from crawler.core.errors import InputError
from storage.coverage import CoverageReader


def _reader(config: Config, db_url: str | None) -> CoverageReader:
    return CoverageReader.open(db_url or config.storage.url)


def _topics(config: Config) -> dict[str, str]:
    return {t.name: t.description for t in config.enabled_topics()}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or InputError with one line (a port in use, an address not on this machine)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, stopping on SIGINT/SIGTERM and then returning normally: uvicorn itself raises the
        signal again after its shutdown, which would end `newswatch serve` with -15 instead of 0."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


@click.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The dashboard has no login: keep it on loopback unless a proxy "
                   "in front of it authenticates.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port, printed at start).")
def serve(config_path: str | None, db_url: str | None, host: str, port: int) -> None:
    """Serve the read-only dashboard: coverage timelines, developments, revisions side by side, search."""
    import uvicorn

    from crawler.web.app import create_app

    _Server = _server_class()

    config = load(config_path)
    reader = _reader(config, db_url)
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    where = f"http://{'[' + bound_host + ']' if ':' in bound_host else bound_host}:{bound_port}/"
    if _loopback(host):
        click.echo(f"newswatch: serving the dashboard read-only on {where} (loopback only; Ctrl-C stops)")
    else:
        click.echo(f"newswatch: serving the dashboard read-only on {where} to the network: it has NO login",
                   err=True)
    app = create_app(reader, _topics(config))
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        reader.close()


@click.command("report")
@common_options
@click.option("--topic", required=True, help="The topic to report on.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write ('-' for standard output).")
def report(config_path: str | None, db_url: str | None, topic: str, out_path: Path) -> None:
    """Write one self-contained HTML report of a topic: timeline, first reports, revisions, articles."""
    from crawler.web.report import render_report

    config = load(config_path)
    reader = _reader(config, db_url)
    try:
        html = render_report(reader, topic, description=_topics(config).get(topic, ""))
    finally:
        reader.close()
    if html is None:
        raise InputError(f"no stored articles for topic {topic!r}")
    if str(out_path) == "-":
        click.echo(html, nl=False)
        return
    try:
        out_path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    click.echo(f"newswatch: wrote {out_path} ({len(html.encode('utf-8')) // 1024} KB)")


COMMANDS = [serve, report]
