"""The change between two stored versions of an article, for `articles diff` and `articles show`.

The difference is computed by change detection itself (`crawler.story.changes.diff_versions`, the function
that decided the version was new) and shown with the alert's own rendering (`crawler.notify.templates`), so
a revision on demand reads like the "Updated" mail did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.core.errors import InputError
from crawler.notify.events import ArticleDiff, TextChange
from crawler.notify.templates import diff_text
from crawler.story.changes import diff_versions
from storage import StoredArticle, StoredVersion

# On demand nothing is clipped: every added, removed and changed paragraph is listed.
ALL_ITEMS = 1_000_000


@dataclass(frozen=True)
class Revision:
    """The change from version `before` to version `after` (any two versions, in either order)."""

    before: StoredVersion
    after: StoredVersion
    diff: ArticleDiff
    moved: list[str]

    @property
    def material(self) -> bool:
        return not self.diff.is_empty

    def summary(self) -> str:
        """One line: "title changed; 2 added, 1 changed paragraph(s)" or why nothing material changed."""
        return summarize(self.diff, self.moved)

    def text(self) -> str:
        """What changed, as the alert's text part writes it (every item, none clipped)."""
        return diff_text(self.diff, max_items=ALL_ITEMS)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": _version_json(self.before), "to": _version_json(self.after), "material": self.material,
            "summary": self.summary(), "diff": {**self.diff.to_payload(), "moved": list(self.moved)},
        }


def parse_ref(ref: str, article_id: str | None = None) -> tuple[str, str]:
    """(source, article_id) from "SOURCE:ID" (or SOURCE and ID given apart); InputError when malformed."""
    if article_id is not None:
        source = ref
    else:
        source, colon, article_id = ref.partition(":")
        if not colon:
            raise InputError(f"expected SOURCE:ID (e.g. liputan6:4851234), got {ref!r}")
    if not source.strip() or not article_id.strip():
        raise InputError(f"expected SOURCE:ID with both parts (e.g. liputan6:4851234), got {ref!r}")
    return source.strip(), article_id.strip()


def parse_version(value: str | None, option: str) -> int | None:
    """A version number given on the command line (None when not given); InputError unless a number >= 1."""
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{option} must be a version number (1, 2, ...), got {value!r}") from None
    if number < 1:
        raise InputError(f"{option} must be a version number (1, 2, ...), got {value!r}")
    return number


def pick(article: StoredArticle, from_no: int | None,
         to_no: int | None) -> tuple[StoredVersion, StoredVersion]:
    """The two versions to compare: by default the latest and the one before it."""
    numbers = [v.version_no for v in article.versions]
    ref = f"{article.source}:{article.article_id}"
    if not numbers:
        raise InputError(f"{ref} has no stored versions")
    for number, option in ((from_no, "--from"), (to_no, "--to")):
        if number is not None and number not in numbers:
            raise InputError(f"{ref} has no version {number} ({option}): it has versions "
                             f"{numbers[0]} to {numbers[-1]}")
    after = to_no if to_no is not None else numbers[-1]
    if from_no is not None:
        before = from_no
    else:
        earlier = [n for n in numbers if n < after]
        if not earlier:
            raise InputError(f"{ref} has no version before {after} to compare with: give --from")
        before = earlier[-1]
    by_no = {v.version_no: v for v in article.versions}
    return by_no[before], by_no[after]


def compare(before: StoredVersion, after: StoredVersion) -> Revision:
    """The change from `before` to `after`, as change detection sees it."""
    found = diff_versions(before.title, before.body, after.title, after.body)
    title = found["title"]
    diff = ArticleDiff(
        added=list(found["added"]), removed=list(found["removed"]),
        changed=[TextChange(c["before"], c["after"]) for c in found["changed"]],
        title=TextChange(title["before"] or "", title["after"] or "") if title else None,
    )
    return Revision(before, after, diff, list(found["moved"]))


def history(article: StoredArticle) -> list[tuple[StoredVersion, str]]:
    """Every version with a one-line summary of its change from the one before ("first version" for v1)."""
    rows: list[tuple[StoredVersion, str]] = []
    previous: StoredVersion | None = None
    for version in article.versions:
        rows.append((version, "first version" if previous is None else compare(previous, version).summary()))
        previous = version
    return rows


def summarize(diff: ArticleDiff, moved: list[str] | None = None) -> str:
    parts = []
    counts = [f"{len(items)} {word}" for items, word in ((diff.added, "added"), (diff.removed, "removed"),
                                                          (diff.changed, "changed")) if items]
    if diff.title:
        parts.append("title changed")
    if counts:
        parts.append(", ".join(counts) + " paragraph(s)")
    if parts:
        return "; ".join(parts)
    if moved:
        return f"no material change ({len(moved)} paragraph(s) moved)"
    return "no material change (formatting, counters or related links only)"


def _version_json(version: StoredVersion) -> dict[str, Any]:
    return {"version_no": version.version_no, "fetched_at": version.fetched_at,
            "modified_at": version.modified_at, "title": version.title, "body_hash": version.body_hash}
