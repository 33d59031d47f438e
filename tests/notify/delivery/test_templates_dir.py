"""`[alerts] templates_dir`: a user's Jinja2 templates restyle the mails delivered to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.core.errors import ConfigError
from crawler.notify.delivery import deliver
from tests.notify.delivery.world import World, article


def _sent_parts(world: World) -> list[tuple[str, str]]:
    out = []
    for got in world.server.received():
        text, html = got.message.get_body(("plain",)), got.message.get_body(("html",))
        assert text is not None and html is not None
        # As received over SMTP: lines end in CR LF on the wire.
        out.append((text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")))
    return out


def test_a_user_template_replaces_the_packaged_one_and_stays_escaped(world: World) -> None:
    styles = world.root / "mail-style"
    styles.mkdir()
    # Only the HTML part of the immediate alert is restyled; its text part stays the packaged one.
    (styles / "immediate.html").write_text(
        '<html><body class="desk"><h1>{{ ev.display_title }}</h1><p>{{ source }}</p></body></html>\n',
        encoding="utf-8")
    world.configure(alerts={"templates_dir": "mail-style"})  # relative to the config file
    assert world.config.alerts.templates_dir == styles
    world.settled(datetime.now(UTC) - timedelta(days=2))
    world.run("liputan6", [article(1, title="Almaty <script>alert(1)</script> & co")],
              datetime.now(UTC) - timedelta(hours=1))
    report = deliver(world.store, world.config)
    assert report.messages == 1
    [(text, html)] = _sent_parts(world)
    assert html == ('<html><body class="desk"><h1>Almaty &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h1>'
                    "<p>Liputan6</p></body></html>\n")
    assert text.startswith("New article: Liputan6\n\nAlmaty <script>alert(1)</script> & co\n")


def test_without_templates_dir_the_packaged_templates_are_used(world: World) -> None:
    world.settled(datetime.now(UTC) - timedelta(days=2))
    world.run("liputan6", [article(1)], datetime.now(UTC) - timedelta(hours=1))
    deliver(world.store, world.config)
    [(_text, html)] = _sent_parts(world)
    assert '<body style="font-family:sans-serif;line-height:1.4;max-width:40em">' in html


def test_a_broken_user_template_is_a_one_line_error_and_the_alert_stays_pending(world: World) -> None:
    styles = world.root / "broken"
    styles.mkdir()
    (styles / "immediate.txt").write_text("{% if ev.lead %}never closed\n", encoding="utf-8")
    world.configure(alerts={"templates_dir": str(styles)})
    world.settled(datetime.now(UTC) - timedelta(days=2))
    world.run("liputan6", [article(1)], datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(ConfigError, match=r"mail template immediate.txt in .*broken") as raised:
        deliver(world.store, world.config)
    assert "\n" not in str(raised.value)
    assert world.server.received() == []


def test_templates_dir_must_be_a_directory(tmp_path: Path) -> None:
    config = tmp_path / "newswatch.toml"
    config.write_text('[alerts]\ntemplates_dir = "no-such-dir"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="templates_dir") as raised:
        load_config(config)
    assert "no-such-dir" in str(raised.value)
