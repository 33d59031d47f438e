"""The alert event: what the outbox hands to the composer, as plain data.

The outbox stores events as JSON payloads; `AlertEvent.from_payload` is the one place that turns such a
payload back into typed data, so a malformed row fails here with a message naming the field, not deep in a
template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["new", "updated"]
EVENT_KINDS: tuple[str, ...] = ("new", "updated")


@dataclass(frozen=True)
class TextChange:
    """One text that changed between two versions (a paragraph or the title)."""

    before: str
    after: str


@dataclass(frozen=True)
class ArticleDiff:
    """What changed between the previous and the current version of an article."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[TextChange] = field(default_factory=list)
    title: TextChange | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.title)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any] | None) -> ArticleDiff:
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"diff must be an object, got {type(data).__name__}")
        title = data.get("title")
        return cls(
            added=_str_list(data.get("added"), "diff.added"),
            removed=_str_list(data.get("removed"), "diff.removed"),
            changed=[_change(item, f"diff.changed[{i}]") for i, item in enumerate(data.get("changed") or [])],
            title=_change(title, "diff.title") if title else None,
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"before": c.before, "after": c.after} for c in self.changed],
            "title": {"before": self.title.before, "after": self.title.after} if self.title else None,
        }


@dataclass(frozen=True)
class Coverage:
    """Another article reporting the same development (crawler/story/developments.py linked them)."""

    source: str
    article_id: str
    title: str | None = None
    url: str | None = None
    published_at: str | None = None  # ISO 8601 (UTC)

    @classmethod
    def from_payload(cls, data: Any, name: str) -> Coverage:
        if not isinstance(data, Mapping):
            raise ValueError(f"event field {name!r} must be an object")
        return cls(source=_required(data, "source"), article_id=_required(data, "article_id"),
                   title=_optional(data, "title"), url=_optional(data, "url"),
                   published_at=_optional(data, "published_at"))

    def to_payload(self) -> dict[str, Any]:
        return {"source": self.source, "article_id": self.article_id, "title": self.title, "url": self.url,
                "published_at": self.published_at}


@dataclass(frozen=True)
class AlertEvent:
    """One alertable event: an article seen for the first time ("new") or a changed article ("updated")."""

    event_id: str
    kind: EventKind
    source: str
    article_id: str
    url: str
    title: str | None = None
    lead: str | None = None
    published_at: str | None = None  # ISO 8601 with an offset
    topics: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    diff: ArticleDiff = field(default_factory=ArticleDiff)
    coverage: list[Coverage] = field(default_factory=list)  # the development's other articles, earliest first

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AlertEvent:
        """Build an event from an outbox payload (a dict as above). Raises ValueError naming a bad field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"event payload must be an object, got {type(data).__name__}")
        kind = data.get("kind")
        if kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}, got {kind!r}")
        return cls(
            event_id=_required(data, "event_id"),
            kind=kind,
            source=_required(data, "source"),
            article_id=_required(data, "article_id"),
            url=_required(data, "url"),
            title=_optional(data, "title"),
            lead=_optional(data, "lead"),
            published_at=_optional(data, "published_at"),
            topics=_str_list(data.get("topics"), "topics"),
            terms=_str_list(data.get("terms"), "terms"),
            diff=ArticleDiff.from_payload(data.get("diff")),
            coverage=[Coverage.from_payload(item, f"coverage[{i}]")
                      for i, item in enumerate(_list(data.get("coverage"), "coverage"))],
        )

    def to_payload(self) -> dict[str, Any]:
        """The JSON-ready dict `from_payload` reads back."""
        payload: dict[str, Any] = {
            "event_id": self.event_id,
            "kind": self.kind,
            "source": self.source,
            "article_id": self.article_id,
            "url": self.url,
            "title": self.title,
            "lead": self.lead,
            "published_at": self.published_at,
            "topics": list(self.topics),
            "terms": list(self.terms),
            "diff": self.diff.to_payload(),
        }
        if self.coverage:
            payload["coverage"] = [c.to_payload() for c in self.coverage]
        return payload

    @property
    def display_title(self) -> str:
        """The title to show: the new one when the title itself changed."""
        if self.diff.title and self.diff.title.after:
            return self.diff.title.after
        return self.title or "(untitled)"


def _required(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    # Ids may arrive as integers from the database; a missing or empty value is a broken payload.
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise ValueError(f"event field {key!r} is required (got {value!r})")
    return str(value)


def _optional(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"event field {key!r} must be text, got {type(value).__name__}")
    return value


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"event field {name!r} must be a list of text")
    if not all(isinstance(item, str) for item in value):
        raise ValueError(f"event field {name!r} must hold only text")
    return list(value)


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"event field {name!r} must be a list")
    return list(value)


def _change(value: Any, name: str) -> TextChange:
    if not isinstance(value, Mapping):
        raise ValueError(f"event field {name!r} must be an object with before/after")
    before, after = value.get("before"), value.get("after")
    if not isinstance(before, str) or not isinstance(after, str):
        raise ValueError(f"event field {name!r} needs text in before and after")
    return TextChange(before=before, after=after)
