"""`python -m crawler.demo`: the demo (`make demo`); `python -m crawler.demo serve`: only the replay site."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from crawler.demo import outlet_pages
from crawler.demo.driver import DemoError, run_demo
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--step", type=click.IntRange(min=0), default=0, show_default=True,
              help="Serve the site as it stands at this step of the demo timeline.")
@click.pass_context
def main(ctx: click.Context, step: int) -> None:
    """Serve the bundled replay site, crawl it into data/demo/newswatch.db and list what was found."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        sys.exit(run_demo(Path.cwd(), step=step))
    except DemoError as exc:
        click.echo(f"newswatch demo: error: {exc}", err=True)
        sys.exit(exc.exit_code)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--step", type=click.IntRange(min=0), default=0, show_default=True,
              help="Serve the site as it stands at this step of the demo timeline.")
def serve(host: str, port: int, step: int) -> None:
    """Serve the replay site until interrupted, and print the --route options that point at it."""
    with DemoServer(DemoSite(step), host=host, port=port) as server:
        click.echo(f"replay site on {server.base_url} (step {step}); crawl it with:")
        click.echo("  newswatch crawl " + " ".join(f"--route {arg}" for arg in server.route_args()))
        click.echo("and, to follow the third outlet (no code, only config), add to your config:")
        click.echo("\n".join("  " + line for line in outlet_pages.CONFIG.splitlines()))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")


main()
