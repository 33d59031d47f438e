"""The article record every parser produces and every pipeline consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    url: str
    caption: str | None = None


@dataclass
class Article:
    """One clean article. Every key is always present: None for an unknown scalar, [] for an empty list."""

    source: str
    article_id: str | None
    url: str
    title: str | None = None
    lead: str | None = None
    published_at: str | None = None  # ISO 8601 with the offset the page states
    modified_at: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    body: str = ""  # paragraphs separated by one blank line
    images: list[Image] = field(default_factory=list)
    kind: str = "article"  # "article", "photo" (captions are the text) or "video"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        images = [Image(**img) if isinstance(img, dict) else img for img in data.get("images") or []]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "images"}
        return cls(images=images, **known)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]
