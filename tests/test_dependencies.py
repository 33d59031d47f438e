"""Everything imported is declared in pyproject.toml, and constraints.txt pins what the tests ran with.

A package that arrives only as somebody else's dependency can vanish in their next release; declaring it (with
a range) keeps a fresh install working. Every module of crawler/ (the demo aside), spiders/ and storage/ may
use the runtime dependencies only; the demo also its `demo` extra; tests and benchmarks every extra. The
constraints file pins every package an install with the extras pulls in, each pin inside its declared
range, and the environment the tests run in holds exactly those versions (`make setup` installs with
`-c constraints.txt`; `make constraints` refreshes it, see docs/DEVELOPING.md).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
OWN = {"crawler", "spiders", "storage", "tests", "bench"}


def _requirement_names(specs: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs}


def _files(folders: Iterable[str]) -> list[Path]:
    return [path for folder in folders for path in sorted((REPO / folder).rglob("*.py"))]


def _runtime_files() -> list[Path]:
    """Every module a plain install runs: all of crawler/ but the demo and the distributed crawl (extras),
    spiders/, storage/."""
    extras = (REPO / "crawler" / "demo", REPO / "crawler" / "crawl" / "distributed")
    return [p for p in _files(("crawler", "spiders", "storage"))
            if not any(extra in p.parents for extra in extras)]


def _imported_top_levels(files: Iterable[Path]) -> set[str]:
    found: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in OWN and name not in sys.stdlib_module_names}


# Modules of the `bench` extra (bench/devset.py's extra baselines), which `make test` does not install: the
# distribution each comes from, so an import of one is checked against the declarations without it installed.
NOT_INSTALLED_BY_MAKE_TEST = {"goose3": "goose3", "newspaper": "newspaper4k"}


def _undeclared(files: Iterable[Path], declared: set[str]) -> list[str]:
    dists = packages_distributions()
    missing = []
    for module in sorted(_imported_top_levels(files)):
        names = {d.lower().replace("_", "-") for d in dists.get(module, [])}
        if not names and module in NOT_INSTALLED_BY_MAKE_TEST:
            names = {NOT_INSTALLED_BY_MAKE_TEST[module]}
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
    files = _runtime_files()
    assert REPO / "crawler" / "web" / "app.py" in files and REPO / "crawler" / "__main__.py" in files
    assert _undeclared(files, runtime) == []
    assert _undeclared(_files(("crawler/demo",)), demo) == []
    distributed = runtime | _requirement_names(extras.get("distributed", []))
    assert _undeclared(_files(("crawler/crawl/distributed",)), distributed) == []


def test_tests_and_benchmarks_declare_what_they_import() -> None:
    project = _project()
    extras = project.get("optional-dependencies", {})
    everything = _requirement_names(project["dependencies"]) | {
        name for specs in extras.values() for name in _requirement_names(specs)}
    assert _undeclared(_files(("tests", "bench")), everything) == []


def test_aiosmtpd_is_not_a_runtime_dependency() -> None:
    assert "aiosmtpd" not in _requirement_names(_project()["dependencies"])


# -- constraints.txt --

def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name and version and not set(version) & set("<>=!~*, ;"), f"not an exact pin: {line!r}"
        assert canonicalize_name(name) not in pins, f"pinned twice: {name}"
        pins[canonicalize_name(name)] = version.strip()
    return pins


def _declared() -> list[Requirement]:
    project = _project()
    specs = list(project["dependencies"])
    specs += [spec for extra in project.get("optional-dependencies", {}).values() for spec in extra]
    return [Requirement(spec) for spec in specs]


def _install_closure() -> dict[str, str]:
    """Every distribution an install with every extra pulls in (name -> installed version), following the
    installed packages' own requirements whose markers hold here; an extra not installed here is skipped."""
    seen: dict[str, str] = {}
    todo = [(req, ()) for req in _declared()]
    while todo:
        req, extras = todo.pop()
        if req.marker is not None and not any(
                req.marker.evaluate({"extra": extra}) for extra in (extras or ("",))):
            continue
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            continue  # not needed on this platform, or an optional extra nobody asked for
        seen[name] = dist.version
        todo += [(Requirement(spec), tuple(req.extras)) for spec in dist.requires or ()]
    return seen


def test_every_declared_dependency_is_pinned_inside_its_range() -> None:
    pins = _pins()
    wrong = []
    for req in _declared():
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            wrong.append(f"{req.name}: not pinned")
        elif not req.specifier.contains(pin, prereleases=True):
            wrong.append(f"{req.name}: pinned {pin}, declared {req.specifier}")
    assert wrong == []


def test_the_pins_cover_the_whole_install_and_match_what_the_tests_run_with() -> None:
    pins = _pins()
    closure = _install_closure()
    assert {"scrapy", "twisted", "htmldate", "cssselect", "aiosmtpd"} <= closure.keys()
    assert sorted(name for name in closure if name not in pins) == []  # a fresh install would float these
    assert {name: version for name, version in closure.items() if pins[name] != version} == {}


def test_make_installs_with_the_constraints_and_can_refresh_them() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -c constraints.txt -e '.[dev,demo]'" in makefile  # the $(STAMP) rule
    assert re.search(r"^test: .*\bunit\b", makefile, re.M)
    assert re.search(r"^unit: \$\(STAMP\)", makefile, re.M)
    assert re.search(r"^constraints:", makefile, re.M)
    assert "make constraints" in (REPO / "docs" / "DEVELOPING.md").read_text(encoding="utf-8")
