"""A fast matcher for the simple CSS selectors the HTML rules use, with soupsieve for the rest.

soupsieve tests every selector against every element, in pure Python: on a real article page with sixty
noise selectors that costs most of the cleaning time. Nearly all rule selectors are one compound selector
(`tag.class#id[attr op "value"]`, no combinators or pseudo-classes), so they are compiled here into checks
on an element's name, class set and attributes, indexed by class token and id so an element is only tested
against the few selectors that can match it. Anything else (`:has()`, descendant combinators) goes to
soupsieve, which is still exact. tests/extract/cleaning checks both agree on the recorded pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import Tag

_IDENT = r"-?[_a-zA-Z][-_a-zA-Z0-9]*"
_ATTR = re.compile(
    r"""\[\s*([-_a-zA-Z0-9:]+)\s*(?:([~^$*|]?=)\s*(?:"([^"]*)"|'([^']*)'|([-_a-zA-Z0-9]+)))?\s*\]"""
)
_COMPOUND = re.compile(rf"""^({_IDENT}|\*)?((?:\.{_IDENT}|#{_IDENT}|\[[^\]]*\])*)$""")
_PART = re.compile(rf"""\.({_IDENT})|#({_IDENT})|(\[[^\]]*\])""")


@dataclass(frozen=True)
class Simple:
    """One compound selector: every part must hold."""

    tag: str | None
    classes: frozenset[str]
    id: str | None
    attrs: tuple[tuple[str, str | None, str], ...]  # (name, operator or None for presence, value)

    def matches(self, el: Tag) -> bool:
        if self.tag is not None and el.name != self.tag:
            return False
        if self.classes and not self.classes <= _classes(el):
            return False
        if self.id is not None and el.get("id") != self.id:
            return False
        for name, op, value in self.attrs:
            raw = el.get(name)
            if raw is None:
                return False
            actual = " ".join(raw) if isinstance(raw, list) else str(raw)
            if op is None:
                continue
            if op == "=":
                ok = actual == value
            elif op == "^=":
                ok = bool(value) and actual.startswith(value)
            elif op == "$=":
                ok = bool(value) and actual.endswith(value)
            elif op == "*=":
                ok = bool(value) and value in actual
            elif op == "~=":
                ok = value in actual.split()
            else:  # "|="
                ok = actual == value or actual.startswith(value + "-")
            if not ok:
                return False
        return True


def _classes(el: Tag) -> frozenset[str]:
    raw = el.get("class")
    if not raw:
        return frozenset()
    return frozenset(raw if isinstance(raw, list) else str(raw).split())


def parse_simple(selector: str) -> Simple | None:
    """The compiled form of a compound selector, or None when it needs soupsieve."""
    selector = selector.strip()
    match = _COMPOUND.match(selector)
    if not match or not selector:
        return None
    tag = match.group(1)
    classes: set[str] = set()
    id_: str | None = None
    attrs: list[tuple[str, str | None, str]] = []
    for part in _PART.finditer(match.group(2) or ""):
        cls, ident, attr = part.groups()
        if cls:
            classes.add(cls)
        elif ident:
            if id_ is not None:
                return None
            id_ = ident
        else:
            parsed = _ATTR.fullmatch(attr)
            if not parsed:
                return None
            name, op, v1, v2, v3 = parsed.groups()
            value = next((v for v in (v1, v2, v3) if v is not None), "")
            if name == "class" and op == "~=":
                classes.add(value)
            else:
                attrs.append((name.lower(), op, value))
    return Simple(None if tag in (None, "*") else tag.lower(), frozenset(classes), id_, tuple(attrs))


class Matcher:
    """Finds the elements under a node that match any of a list of selectors, in document order."""

    def __init__(self, selectors: list[str]) -> None:
        self.by_class: dict[str, list[Simple]] = {}
        self.by_id: dict[str, list[Simple]] = {}
        self.by_attr: dict[str, list[Simple]] = {}
        self.by_tag: dict[str, list[Simple]] = {}
        self.other: list[Simple] = []
        complex_: list[str] = []
        for selector in selectors:
            simple = parse_simple(selector)
            if simple is None:
                complex_.append(selector)
            elif simple.classes:
                # Index on one class: an element without it cannot match.
                self.by_class.setdefault(min(simple.classes), []).append(simple)
            elif simple.id is not None:
                self.by_id.setdefault(simple.id, []).append(simple)
            elif simple.attrs:
                self.by_attr.setdefault(simple.attrs[0][0], []).append(simple)
            elif simple.tag is not None:
                self.by_tag.setdefault(simple.tag, []).append(simple)
            else:
                self.other.append(simple)
        self.complex = ", ".join(complex_)

    def _matches(self, el: Tag) -> bool:
        for simple in self.other:
            if simple.matches(el):
                return True
        for simple in self.by_tag.get(el.name, ()):
            if simple.matches(el):
                return True
        if self.by_attr:
            for name in el.attrs:
                for simple in self.by_attr.get(name, ()):
                    if simple.matches(el):
                        return True
        ident = el.get("id")
        if isinstance(ident, str) and ident in self.by_id:
            for simple in self.by_id[ident]:
                if simple.matches(el):
                    return True
        if self.by_class:
            for cls in _classes(el):
                for simple in self.by_class.get(cls, ()):
                    if simple.matches(el):
                        return True
        return False

    def select(self, node: Tag) -> list[Tag]:
        """All matching descendants of `node` (not `node` itself), nested ones included, each once."""
        found = [el for el in _elements(node) if self._matches(el)]
        if self.complex:
            seen = {id(el) for el in found}
            found.extend(el for el in node.select(self.complex) if id(el) not in seen and el is not node)
        return found


def _elements(node: Tag) -> Iterator[Tag]:
    for el in node.descendants:
        if isinstance(el, Tag):
            yield el
