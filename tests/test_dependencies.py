"""Everything the application imports is declared in pyproject.toml, not merely pulled in by another package.

A package that arrives only as somebody else's dependency can vanish in their next release; declaring it (with
a range) keeps a fresh install working. Test and benchmark code may also use the `dev` extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OWN = {"crawler", "spiders", "storage", "tests", "bench"}


def _requirement_names(specs: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs}


def _imported_top_levels(folders: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in OWN and name not in sys.stdlib_module_names}


def _undeclared(folders: tuple[str, ...], declared: set[str]) -> list[str]:
    dists = packages_distributions()
    missing = []
    for module in sorted(_imported_top_levels(folders)):
        names = {d.lower().replace("_", "-") for d in dists.get(module, [])}
        assert names, f"{module} is imported but no installed distribution provides it"
        if not names & declared:
            missing.append(f"{module} (from {', '.join(sorted(names))})")
    return missing


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_application_declares_what_it_imports() -> None:
    project = _project()
    runtime = _requirement_names(project["dependencies"])
    extras = project.get("optional-dependencies", {})
    # The demo's mail sink needs aiosmtpd, which only the demo extra (and dev) install.
    demo = runtime | _requirement_names(extras.get("demo", []))
    assert _undeclared(("crawler/core", "crawler/config", "crawler/extract", "crawler/story", "crawler/crawl",
                        "crawler/notify", "crawler/monitor", "crawler/cli", "spiders", "storage"),
                       runtime) == []
    assert _undeclared(("crawler/demo",), demo) == []


def test_tests_and_benchmarks_declare_what_they_import() -> None:
    project = _project()
    extras = project.get("optional-dependencies", {})
    everything = _requirement_names(project["dependencies"]) | {
        name for specs in extras.values() for name in _requirement_names(specs)}
    assert _undeclared(("tests", "bench"), everything) == []


def test_aiosmtpd_is_not_a_runtime_dependency() -> None:
    assert "aiosmtpd" not in _requirement_names(_project()["dependencies"])
