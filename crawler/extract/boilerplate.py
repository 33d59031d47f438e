"""Boilerplate an outlet repeats under its articles, learned from several of its pages.

Why: the generic extractor sees one page at a time, so a line an outlet prints under every story ("Follow
us on Google News", "Ikuti kami di ...", a newsletter prompt, "© 2022 The Courier") looks like text when it
sits inside the article's container. Seen across several articles of the same host it stands out: real text
is not repeated word for word under most of a site's articles. The learner remembers, per host, the lines of
the last WINDOW pages (as short hashes, not text) and calls a line boilerplate when at least MIN_PAGES of
those pages, and at least MIN_SHARE of them, carried it.

What keeps real text safe:
- a page is judged only on the *other* pages: its own lines are remembered after it is cleaned;
- lines longer than MAX_CHARS are never boilerplate: a background paragraph a running story repeats
  ("The protests began on 2 January ...") is long, a site's furniture is short;
- the share: a paragraph a desk reuses under a few stories is not on half of everything the host publishes;
- a body is never emptied: when every line would go, nothing is removed.

The per-host memory is bounded (WINDOW pages per host, MAX_HOSTS hosts, least recently seen dropped) and can
be saved and reloaded (`pages`/`load`), so a monitor that crawls every 15 minutes keeps what it learned.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WINDOW = 40
MIN_PAGES = 3
MIN_SHARE = 0.5
MAX_CHARS = 200
MAX_HOSTS = 500

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_EDGE_PUNCTUATION = " \t.,;:!?-–—|•·»«\"'()[]"


def line_key(line: str) -> str | None:
    """A short hash of a line's text with case, spacing, edge punctuation and numbers evened out ("© 2022"
    and "© 2023" are one line); None for a line too long to be boilerplate or with no text."""
    if len(line) > MAX_CHARS:
        return None
    text = _DIGITS.sub("0", _SPACE.sub(" ", line).strip(_EDGE_PUNCTUATION).casefold())
    if not any(c.isalpha() for c in text):
        return None
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Stripped:
    lines: list[str]  # the lines kept
    removed: list[str]  # the lines taken out as the host's boilerplate


class _Host:
    def __init__(self) -> None:
        self.pages: deque[tuple[str, frozenset[str]]] = deque()
        self.keys: set[str] = set()  # page keys in the window
        self.counts: Counter[str] = Counter()  # line key -> pages in the window that carry it

    def add(self, page: str, lines: frozenset[str], window: int) -> None:
        if page in self.keys:
            self._drop(page)
        self.pages.append((page, lines))
        self.keys.add(page)
        self.counts.update(lines)
        while len(self.pages) > window:
            old, old_lines = self.pages.popleft()
            self.keys.discard(old)
            self.counts.subtract(old_lines)
            for key in old_lines:
                if self.counts[key] <= 0:
                    del self.counts[key]

    def _drop(self, page: str) -> None:
        # A page seen again (a re-check of a known article) replaces its earlier lines: it counts once.
        kept: deque[tuple[str, frozenset[str]]] = deque()
        for key, lines in self.pages:
            if key == page:
                self.counts.subtract(lines)
                for line in lines:
                    if self.counts[line] <= 0:
                        del self.counts[line]
            else:
                kept.append((key, lines))
        self.pages = kept
        self.keys.discard(page)


class HostBoilerplate:
    """The boilerplate of each host, learned from the lines of its pages (see the module docstring)."""

    def __init__(self, window: int = WINDOW, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE,
                 max_hosts: int = MAX_HOSTS) -> None:
        self.window = window
        self.min_pages = min_pages
        self.min_share = min_share
        self.max_hosts = max_hosts
        self._hosts: OrderedDict[str, _Host] = OrderedDict()

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host()
            while len(self._hosts) > self.max_hosts:
                self._hosts.popitem(last=False)
        else:
            self._hosts.move_to_end(host)
        return state

    def knows(self, host: str) -> bool:
        return host in self._hosts

    def load(self, host: str, pages: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Pages remembered earlier (oldest first): (page key, line keys)."""
        state = self._host(host)
        for page, keys in pages:
            state.add(page, frozenset(keys), self.window)

    def pages(self, host: str) -> list[tuple[str, list[str]]]:
        """What is remembered of a host, oldest first, to be saved and loaded later."""
        state = self._hosts.get(host)
        return [(page, sorted(lines)) for page, lines in state.pages] if state else []

    def is_boilerplate(self, host: str, line: str) -> bool:
        state = self._hosts.get(host)
        key = line_key(line)
        if state is None or key is None or not state.pages:
            return False
        carried = state.counts.get(key, 0)
        return carried >= self.min_pages and carried >= self.min_share * len(state.pages)

    def strip(self, host: str, lines: Sequence[str]) -> Stripped:
        """`lines` without the host's boilerplate, judged on the pages seen so far (not this one)."""
        kept = [line for line in lines if not self.is_boilerplate(host, line)]
        if not kept:  # every line matched: the page is not an article of this host's kind, leave it
            return Stripped(list(lines), [])
        if len(kept) == len(lines):
            return Stripped(kept, [])
        return Stripped(kept, [line for line in lines if self.is_boilerplate(host, line)])

    def observe(self, host: str, page: str, lines: Iterable[str]) -> list[str]:
        """Remember a page's lines (call after `strip`); returns the line keys remembered."""
        keys = sorted({key for key in map(line_key, lines) if key is not None})
        self._host(host).add(page, frozenset(keys), self.window)
        return keys
