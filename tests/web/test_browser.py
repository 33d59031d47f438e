"""The dashboard in a real headless Chromium: pages load with no console error and no request leaving the
server, the timeline shows the demo's sources and revisions, the diff shows the revised death toll, and the
keyboard reaches every link."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.browser import chromium, console_errors, requested_urls
from tests.web.conftest import TOPIC, LiveServer

PAGES = ("/", f"/topics/{TOPIC}", "/search?q=Tokayev", "/topics/no-such-topic")


def _same_origin(urls: list[str], origin: str) -> list[str]:
    """The network requests (http, https, ws, ftp) that went anywhere but the dashboard."""
    network = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    return [u for u in network if not (u.startswith(origin + "/") or u == origin)]


def test_pages_load_without_errors_or_outside_requests(live: LiveServer, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as driver:
        for path in PAGES:
            driver.get(live.url + path)
            assert driver.find_element("css selector", "h1").text
            assert console_errors(driver) == [] or path == "/topics/no-such-topic", path
            assert _same_origin(requested_urls(driver), live.url) == [], path
        # The 404 page's only console line is the 404 itself.
        driver.get(live.url + "/topics/no-such-topic")
        assert all("404" in line for line in console_errors(driver))


def test_timeline_shows_sources_first_reports_and_revisions(live: LiveServer, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as driver:
        driver.get(f"{live.url}/topics/{TOPIC}")
        svg = driver.find_element("css selector", "svg.timeline")
        assert svg.size["width"] > 500 and svg.size["height"] > 150
        bars = driver.find_elements("css selector", "svg.timeline rect.bar")
        titles = [b.find_element("css selector", "title").get_attribute("textContent") for b in bars]
        assert any(t.startswith("Liputan6:") for t in titles)
        assert any(t.startswith("BBC News:") for t in titles)
        # One first report per source of the demo: Liputan6, BBC News and the Caspian Courier (an outlet).
        assert len(driver.find_elements("css selector", "svg.timeline path.first")) == 3
        revisions = driver.find_elements("css selector", "svg.timeline circle.revision")
        assert len(revisions) >= 3
        legend = driver.find_element("css selector", "ul.legend").text
        assert "Liputan6" in legend and "BBC News" in legend


def test_diff_view_shows_the_revised_death_toll(live: LiveServer, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as driver:
        driver.get(f"{live.url}/topics/{TOPIC}")
        # The article's row in the coverage table (the developments list above it links the title too).
        link = driver.find_element("xpath", "//tr//a[contains(normalize-space(.), 'Direvisi Jadi 225')]")
        row = link.find_element("xpath", "ancestor::tr")
        row.find_element("css selector", "td:last-child a").click()
        removed = " ".join(e.text for e in driver.find_elements("css selector", "table.diff del"))
        added = " ".join(e.text for e in driver.find_elements("css selector", "table.diff ins"))
        assert "164" in removed and "225" in added
        assert _same_origin(requested_urls(driver), live.url) == []


@pytest.mark.parametrize("path", ["/", f"/topics/{TOPIC}"])
def test_the_keyboard_reaches_every_link(live: LiveServer, tmp_path: Path, path: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with chromium(tmp_path / "profile") as driver:
        driver.get(live.url + path)
        links = driver.execute_script(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
        reached: set[str] = set()
        for _ in range(len(links) + 10):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            href = driver.execute_script(
                "const e = document.activeElement; return e && e.getAttribute ? e.getAttribute('href') : null"
            )
            if href:
                reached.add(href)
        assert set(links) - reached == set()


def test_readable_on_a_phone(live: LiveServer, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile", width=390, height=844) as driver:
        driver.get(f"{live.url}/topics/{TOPIC}")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        # The timeline scrolls inside its own box; the page itself never scrolls sideways.
        assert overflow <= 1
