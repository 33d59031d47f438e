"""The demo site's articles as data: read from content/<site>.toml, resolved for a step of the timeline.

Content is data so that the story can be extended without touching the templates; the timeline (`step`,
`removed_at`, `updates`) is what lets the monitoring demo and tests watch the site change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

SITES = ("liputan6", "bbc", "caspian")
# The demo's third outlet (outlet_pages.py): no code in newswatch, only a [sources.caspian] table.
CASPIAN_HOST = "www.caspian-courier.example"


class CatalogError(ValueError):
    """The demo content is inconsistent (a bad key, an update that replaces text the body does not have)."""


@dataclass(frozen=True)
class Update:
    step: int
    modified: datetime
    title: str | None = None
    lead: str | None = None
    replace: tuple[tuple[str, str], ...] = ()
    append: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoArticle:
    """One article as it reads at some step. `body` holds paragraphs; "## " marks a subheading."""

    site: str
    id: str
    title: str
    lead: str
    published: datetime
    body: tuple[str, ...]
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    relevant: bool = True
    step: int = 0
    removed_at: int | None = None
    updates: tuple[Update, ...] = ()
    modified: datetime | None = None
    # Liputan6
    channel: str = "news"
    slug: str = ""
    editor: str | None = None
    layout: str = "mobile"
    promo: bool = False
    # BBC
    section: str | None = None
    feeds: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The article's path on its real host."""
        if self.site == "liputan6":
            return f"/{self.channel}/read/{self.id}/{self.slug}"
        if self.site == "caspian":
            return f"/region/{self.published.astimezone(UTC):%Y/%m/%d}/{self.slug}-{self.id}/"
        if self.id.startswith(("world-", "uk-", "technology-", "business-", "science-", "health-")):
            return f"/news/{self.id}"
        return f"/news/articles/{self.id}"

    @property
    def url(self) -> str:
        host = {"liputan6": "www.liputan6.com", "caspian": CASPIAN_HOST}.get(self.site, "www.bbc.com")
        return f"https://{host}{self.path}"

    @property
    def last_modified(self) -> datetime:
        return self.modified or self.published

    @property
    def paragraphs(self) -> list[str]:
        """Body paragraphs without subheading markers."""
        return [p.removeprefix("## ") for p in self.body]

    def visible(self, step: int) -> bool:
        """Whether the article is listed and served (not yet published or already removed: no)."""
        return self.step <= step and (self.removed_at is None or step < self.removed_at)

    def removed(self, step: int) -> bool:
        return self.removed_at is not None and step >= self.removed_at

    def at(self, step: int) -> DemoArticle:
        """The article as it reads at `step`: every update up to that step applied in order."""
        current = self
        for update in self.updates:
            if update.step > step:
                continue
            body = list(current.body)
            for old, new in update.replace:
                hits = [i for i, paragraph in enumerate(body) if old in paragraph]
                if not hits:
                    raise CatalogError(f"{self.site} {self.id}: update at step {update.step} replaces "
                                       f"text the body does not have: {old[:60]!r}")
                body[hits[0]] = body[hits[0]].replace(old, new)
            body.extend(update.append)
            current = replace(current, title=update.title or current.title, lead=update.lead or current.lead,
                              body=tuple(body), modified=update.modified)
        return current


def _when(value: Any, where: str) -> datetime:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CatalogError(f"{where}: not an ISO date-time: {value!r}") from exc
    if moment.tzinfo is None:
        raise CatalogError(f"{where}: the date-time must state its offset: {value!r}")
    return moment


_ARTICLE_KEYS = frozenset({
    "id", "title", "lead", "published", "body", "authors", "tags", "relevant", "step", "removed_at",
    "updates", "channel", "slug", "editor", "layout", "promo", "section", "feeds",
})
_UPDATE_KEYS = frozenset({"step", "modified", "title", "lead", "replace", "append"})


def _article(site: str, raw: dict[str, Any]) -> DemoArticle:
    where = f"content/{site}.toml article {raw.get('id', '?')}"
    unknown = set(raw) - _ARTICLE_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    updates = []
    for item in raw.get("updates", []):
        if set(item) - _UPDATE_KEYS:
            raise CatalogError(f"{where}: unknown update keys {sorted(set(item) - _UPDATE_KEYS)}")
        updates.append(Update(
            step=int(item["step"]), modified=_when(item["modified"], where), title=item.get("title"),
            lead=item.get("lead"), replace=tuple((str(a), str(b)) for a, b in item.get("replace", [])),
            append=tuple(item.get("append", []))))
    article = DemoArticle(
        site=site, id=str(raw["id"]), title=raw["title"], lead=raw["lead"],
        published=_when(raw["published"], where), body=tuple(raw["body"]),
        authors=tuple(raw.get("authors", [])), tags=tuple(raw.get("tags", [])),
        relevant=bool(raw.get("relevant", True)), step=int(raw.get("step", 0)),
        removed_at=raw.get("removed_at"), updates=tuple(sorted(updates, key=lambda u: u.step)),
        channel=raw.get("channel", "news"), slug=raw.get("slug", ""), editor=raw.get("editor"),
        layout=raw.get("layout", "mobile"), promo=bool(raw.get("promo", False)), section=raw.get("section"),
        feeds=tuple(raw.get("feeds", [])),
    )
    if article.layout not in ("mobile", "desktop"):
        raise CatalogError(f"{where}: layout must be 'mobile' or 'desktop'")
    article.at(max((u.step for u in article.updates), default=0))  # every update must apply
    return article


@cache
def load_articles(site: str) -> tuple[DemoArticle, ...]:
    """Every demo article of `site` ("liputan6" or "bbc") as written, in file order."""
    if site not in SITES:
        raise CatalogError(f"no demo content for {site!r} (known: {', '.join(SITES)})")
    text = resources.files("crawler.demo").joinpath("content", f"{site}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    articles = tuple(_article(site, raw) for raw in data.get("article", []))
    ids = [a.id for a in articles]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"content/{site}.toml: duplicate article ids")
    return articles


def all_articles() -> tuple[DemoArticle, ...]:
    return tuple(a for site in SITES for a in load_articles(site))


def last_step() -> int:
    """The last step at which anything changes (new, updated or removed articles)."""
    steps = [0]
    for article in all_articles():
        steps.append(article.step)
        steps.extend(u.step for u in article.updates)
        if article.removed_at is not None:
            steps.append(article.removed_at)
    return max(steps)
