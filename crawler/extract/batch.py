"""Batch extraction: a manifest of saved pages to one JSON line each, in input order, on N processes.

`newswatch extract --batch MANIFEST.jsonl --jobs N` reads lines `{"path": ..., "url": ...}` (url optional;
relative paths are taken from the manifest's folder, so a manifest travels with its pages) and writes, for
each line, `{"line": n, "path": ..., <the article as newswatch extract prints it>}` or
`{"line": n, "path": ..., "error": ...}`.

Why not `concurrent.futures.ProcessPoolExecutor`: one worker that segfaults or is OOM-killed breaks that pool
for good (BrokenProcessPool, every pending page lost), and a page that hangs its worker cannot be cancelled.
Here each worker process has its own pipe and gets one page at a time; a worker that dies or overruns the
per-page deadline is killed and replaced, its page is reported as an error line, and the batch goes on.
Results are written in input order as soon as every earlier line is done; at most `jobs` pages are in
flight and at most `jobs * 4` finished results wait for an earlier one, so memory stays bounded on any size
of manifest (back-pressure: a worker is not given a new page while the window is full).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from crawler.core.errors import NewswatchError

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Task:
    line: int  # 1-based line of the manifest
    path: str  # as written in the manifest (reported back)
    file: str  # resolved against the manifest's folder
    url: str | None
    error: str | None = None  # a manifest line that could not be read is an error before any work


def read_manifest(manifest: Path) -> Iterator[Task]:
    """The tasks of a manifest, one per non-blank line; a malformed line becomes a task carrying its error."""
    base = manifest.parent
    with manifest.open(encoding="utf-8-sig", errors="replace") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield Task(number, "", "", None, f"line {number} is not JSON: {exc.msg}")
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
                yield Task(number, "", "", None, f'line {number}: expected {{"path": "...", "url": "..."}}')
                continue
            url = entry.get("url")
            if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
                yield Task(number, entry["path"], "", None, f"line {number}: url must be an http(s) address")
                continue
            path = entry["path"]
            yield Task(number, path, str(base / path), url or None)


def extract_one(file: str, url: str | None) -> dict[str, Any]:
    """The article of one saved page, as `newswatch extract` prints it (the workers' job)."""
    from crawler.extract.inputs import page_address, read_html
    from crawler.extract.pages import parse_article

    html = read_html(file)
    page_url = url or page_address(html) or "file://" + file
    return parse_article(page_url, html).to_dict()


def _worker(conn: Connection, job: Callable[[str, str | None], dict[str, Any]]) -> None:
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        file, url = message
        try:
            conn.send(("ok", job(file, url)))
        except NewswatchError as exc:  # no article, unreadable file: the user's one-line message
            conn.send(("error", " ".join(str(exc).split())))
        except Exception as exc:  # a parser bug on one page must not end the batch
            conn.send(("error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"))


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    task: Task | None = None
    started: float = 0.0


@dataclass
class BatchRunner:
    """Runs `job` over tasks on `jobs` worker processes; yields (task, result or error) in input order."""

    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT
    job: Callable[[str, str | None], dict[str, Any]] = extract_one

    def __post_init__(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork starts a worker in milliseconds with the parsers already imported; spawn where fork is missing.
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")

    def _start(self) -> _Slot:
        parent, child = self._context.Pipe()
        process = self._context.Process(  # type: ignore[attr-defined]  # typeshed: BaseContext
            target=_worker, args=(child, self.job), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def _stop(self, slot: _Slot, kill: bool = False) -> None:
        if kill:
            slot.process.kill()
        else:
            try:
                slot.conn.send(None)
            except OSError:
                slot.process.kill()
        slot.process.join(timeout=5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, dict[str, Any] | str]]:
        pending = iter(tasks)
        done: dict[int, tuple[Task, dict[str, Any] | str]] = {}
        order: list[Task] = []  # tasks handed out or finished, in input order, not yet yielded
        slots = [self._start() for _ in range(max(1, self.jobs))]
        window = max(1, self.jobs) * 4
        exhausted = False
        try:
            while True:
                # Hand out work while the in-order window has room (back-pressure on a slow early page).
                for slot in slots:
                    if slot.task is not None or exhausted or len(order) >= window:
                        continue
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                        break
                    order.append(task)
                    if task.error is not None:
                        done[id(task)] = (task, task.error)
                        continue
                    slot.task, slot.started = task, time.monotonic()
                    slot.conn.send((task.file, task.url))
                while order and id(order[0]) in done:
                    yield done.pop(id(order.pop(0)))
                busy = [slot for slot in slots if slot.task is not None]
                if not busy:
                    if exhausted and not order:
                        return
                    continue
                deadline = min(slot.started for slot in busy) + self.timeout
                ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy],
                             timeout=max(0.0, deadline - time.monotonic()))
                for index, slot in enumerate(slots):
                    task = slot.task
                    if task is None:
                        continue
                    outcome: dict[str, Any] | str | None = None
                    if slot.conn in ready:
                        try:
                            _status, outcome = slot.conn.recv()
                        except (EOFError, OSError):
                            outcome = self._died(slot)
                            slots[index] = self._replace(slot)
                    elif slot.process.sentinel in ready:
                        outcome = self._died(slot)
                        slots[index] = self._replace(slot)
                    elif time.monotonic() - slot.started >= self.timeout:
                        outcome = f"timed out after {self.timeout:g} s (worker stopped)"
                        slots[index] = self._replace(slot)
                    if outcome is not None:
                        slot.task = None
                        done[id(task)] = (task, outcome)
        finally:
            for slot in slots:
                self._stop(slot, kill=slot.task is not None)

    def _died(self, slot: _Slot) -> str:
        slot.process.join(timeout=5)
        code = slot.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"worker crashed ({how})"

    def _replace(self, slot: _Slot) -> _Slot:
        """A fresh worker for one that died or overran its deadline (the old one is killed: it is gone or
        stuck, never mid-way through something worth finishing)."""
        self._stop(slot, kill=True)
        return self._start()


def result_line(task: Task, outcome: dict[str, Any] | str) -> str:
    """The JSON line written for one manifest line."""
    if isinstance(outcome, str):
        return json.dumps({"line": task.line, "path": task.path, "error": outcome}, ensure_ascii=False)
    return json.dumps({"line": task.line, "path": task.path, **outcome}, ensure_ascii=False)
