"""The package map holds: each package imports only the packages below it, and no module imports itself back.

The allowed imports are the ones each package's `__init__` docstring states (docs/DEVELOPING.md has the map).
Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP = ("crawler", "spiders", "storage")

# Package -> the packages it may import (besides itself). Lower layers first.
ALLOWED: dict[str, set[str]] = {
    "crawler.core": set(),
    "crawler.config": {"crawler.core"},
    "storage": {"crawler.core"},
    "crawler.extract": {"crawler.core"},
    "crawler.story": {"crawler.core", "crawler.config", "storage"},
    "crawler.notify": {"crawler.core", "crawler.config", "storage"},
    "crawler.crawl": {"crawler.core", "crawler.config", "crawler.extract", "crawler.story", "storage"},
    "spiders": {"crawler.core", "crawler.config", "crawler.extract", "crawler.crawl"},
    "crawler.monitor": {"crawler.core", "crawler.config", "crawler.crawl", "crawler.notify", "crawler.story",
                        "storage"},
    "crawler.web": {"crawler.core", "crawler.config", "crawler.story", "crawler.notify", "storage"},
    "crawler.cli": {"crawler.core", "crawler.config", "crawler.extract", "crawler.crawl", "crawler.story",
                    "crawler.notify", "crawler.monitor", "crawler.web", "storage", "spiders"},
    "crawler.demo": {"crawler.core", "crawler.config", "crawler.extract", "crawler.crawl", "crawler.story",
                     "crawler.notify", "crawler.monitor", "crawler.web", "crawler.cli", "storage", "spiders"},
    # `python -m crawler` and the package root only hand over to the CLI.
    "crawler": {"crawler.cli"},
}


def modules() -> Iterator[tuple[str, Path]]:
    for top in TOP:
        for path in sorted((REPO / top).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "crawler" and len(parts) > 1 and ".".join(parts[:2]) in ALLOWED:
        return ".".join(parts[:2])
    return parts[0]


def imports_of(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level + (1 if path.name == "__init__.py" else 0) or None]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from package import module` names a module too
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in TOP}


ALL = dict(modules())


def resolve(name: str) -> str | None:
    """The module an imported dotted name stands for (the longest prefix that is a module of ours)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in ALL:
            return candidate
    return None


def graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for module, path in ALL.items():
        targets = {resolve(name) for name in imports_of(module, path)}
        out[module] = {t for t in targets if t and t != module}
    return out


def test_every_package_declares_its_place() -> None:
    for package in ALLOWED:
        init = REPO / Path(*package.split(".")) / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"{package}/__init__.py should say what it holds and may import"


def test_packages_import_only_what_they_may() -> None:
    wrong = []
    for module, targets in graph().items():
        here = package_of(module)
        for target in targets:
            there = package_of(target)
            if there != here and there not in ALLOWED[here]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports across the package map:\n" + "\n".join(sorted(wrong))


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def _without_parents(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    # Importing a.b.c runs a/__init__ and a/b/__init__ first; a package's own __init__ importing its
    # submodules is how packages work, not a circle. Only edges between modules count.
    return {m: {t for t in ts if not m.startswith(t + ".") and not t.startswith(m + ".")}
            for m, ts in edges.items()}


def test_no_module_imports_itself_back() -> None:
    assert _cycle(_without_parents(graph())) is None


def test_no_package_imports_itself_back() -> None:
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        here = package_of(module)
        edges.setdefault(here, set()).update(package_of(t) for t in targets if package_of(t) != here)
    assert _cycle(edges) is None


PACKAGES = {module for module, path in ALL.items() if path.name == "__init__.py"}


def innermost_package(module: str) -> str:
    """The deepest package holding `module` (a package stands for itself): crawler.extract.pages for
    crawler.extract.pages.bbc, crawler.extract for crawler.extract.text."""
    if module in PACKAGES:
        return module
    return innermost_package(module.rpartition(".")[0]) if "." in module else module


def test_no_sub_package_imports_itself_back() -> None:
    """Inside a package too: crawler.extract.cleaning imported the paragraph walker from
    crawler.extract.pages, which imports the cleaner (the walker moved up to crawler/extract/text.py). A
    package and the packages inside it are not a circle: importing a.b runs a/__init__ first."""
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        here = innermost_package(module)
        for target in targets:
            there = innermost_package(target)
            if not (here == there or here.startswith(there + ".") or there.startswith(here + ".")):
                edges.setdefault(here, set()).add(there)
    assert {"crawler.extract.pages", "crawler.extract.cleaning", "crawler.crawl.discovery"} <= PACKAGES
    assert _cycle(edges) is None


def test_every_sub_package_says_what_it_may_import() -> None:
    for package in sorted(PACKAGES - set(ALLOWED) - set(TOP)):
        init = REPO / Path(*package.split(".")) / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "may import" in doc.lower(), f"{package}/__init__.py should say what it may import"


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], expected: list[str] | None) -> None:
    assert _cycle(edges) == expected
