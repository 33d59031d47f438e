"""`newswatch serve`: a read-only dashboard over the database, as a Starlette application.

Server-rendered Jinja2 pages (autoescaped), charts as inline SVG, one stylesheet served by the application
itself and a Content-Security-Policy that allows nothing else: no script, no font, no image from anywhere, so
a page can never reach the network. Every page is also JSON with `?format=json`, for scripts. Only GET and
HEAD exist; each page reads one consistent snapshot of the database (storage/coverage.py).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.core.errors import InputError, NewswatchError
from crawler.notify.atom import build_feed, feed_id
from crawler.notify.compose import source_name
from crawler.story.developments import development_dict, explain
from crawler.web import diffview, timeline
from storage.coverage import CoverageReader, TopicCoverage, change_summary
from storage.developments import DevelopmentStore
from storage.records import Development
from storage.search import search_articles

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SEARCH_LIMIT = 50
DEVELOPMENTS_SHOWN = 30  # on a topic page, latest first; the timeline draws those with two or more articles
SPANS_SHOWN = 12
_SNIPPET_MARK = re.compile(r"\[([^\[\]]*)\]")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("crawler.web", "templates"), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["source_name"] = source_name
    env.filters["when"] = lambda iso: (iso or "")[:16].replace("T", " ")
    env.filters["article_path"] = article_path
    env.filters["explain"] = explain
    return env


def article_path(source: str, article_id: str) -> str:
    return f"/articles/{quote(source, safe='')}/{quote(article_id, safe='')}"


def static_text(name: str) -> str:
    return resources.files("crawler.web").joinpath("static", name).read_text(encoding="utf-8")


def stylesheet() -> str:
    return static_text("style.css")


def marked_snippet(snippet: str) -> Markup:
    """A search snippet with its [matched] words in <mark>, everything else escaped."""
    return Markup(_SNIPPET_MARK.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(snippet))))


def topic_developments(reader: CoverageReader, topic: str,
                       limit: int = DEVELOPMENTS_SHOWN) -> list[Development]:
    """The topic's developments with two or more articles (linked coverage), latest report first; [] for a
    database written before developments existed."""
    from sqlalchemy import inspect

    with reader.engine.connect() as conn:
        if not inspect(conn).has_table("developments"):
            return []
    return DevelopmentStore(reader).list_all(topic=topic, min_articles=2, limit=limit)


def development_spans(developments: list[Development], href: str = "#development-{id}",
                      limit: int = SPANS_SHOWN) -> list[timeline.Span]:
    """Developments as timeline spans (first to last report), earliest first, each linking to its entry."""
    shown = sorted(developments[:limit], key=lambda d: d.first_reported_at or "")
    return [timeline.Span(label=f"{d.title or 'development'}: {len(d.members)} articles, "
                                f"{', '.join(source_name(x) for x in d.sources)} ({', '.join(d.languages)})",
                          start=d.first_reported_at or d.members[0].first_seen_at,
                          end=d.last_reported_at or d.members[-1].first_seen_at, href=href.format(id=d.id))
            for d in shown]


def timeline_svg(coverage: TopicCoverage, spans: list[timeline.Span] | None = None) -> Markup:
    labels = {s: source_name(s) for s in coverage.sources}
    return Markup(timeline.render(coverage, spans or [], labels=labels))


class SecurityHeaders:
    """Adds the headers that keep every response self-contained and unframeable (pure ASGI middleware)."""

    HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"no-referrer"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class Dashboard:
    """The pages. Built once per server with a CoverageReader and the names of the configured topics."""

    def __init__(self, reader: CoverageReader, topics: dict[str, str] | None = None,
                 feeds: bool = True) -> None:
        self.reader = reader
        self.topics = topics or {}  # name -> description
        self.feeds = feeds
        self.env = environment()
        self.css = stylesheet()
        self.icon = static_text("favicon.svg")

    def page(self, request: Request, template: str, data: dict[str, Any], status: int = 200) -> Response:
        if request.query_params.get("format") == "json":
            return JSONResponse(_jsonable(data), status_code=status)
        html = self.env.get_template(template).render(request_path=request.url.path, feeds=self.feeds, **data)
        return HTMLResponse(html, status_code=status)

    async def index(self, request: Request) -> Response:
        counts = {t.topic: t for t in self.reader.topics()}
        names = sorted(set(self.topics) | set(counts))
        rows = [{"topic": n, "description": self.topics.get(n, ""),
                 "articles": counts[n].articles if n in counts else 0,
                 "last": counts[n].last if n in counts else None} for n in names]
        return self.page(request, "index.html", {"topics": rows})

    async def topic(self, request: Request) -> Response:
        name = request.path_params["topic"]
        coverage = self.reader.coverage(name)
        if coverage is None:
            raise HTTPException(404, f"No stored coverage of a topic named “{name}”.")
        developments = topic_developments(self.reader, name)
        data: dict[str, Any] = {"coverage": coverage, "topic": name,
                                "description": self.topics.get(name, "")}
        if request.query_params.get("format") == "json":
            data["developments"] = [development_dict(d) for d in developments]
        else:
            data["timeline"] = timeline_svg(coverage, development_spans(developments))
            data["developments"] = developments
        return self.page(request, "topic.html", data)

    async def feed(self, request: Request) -> Response:
        """The topic's Atom feed (crawler/notify/atom.py, the bytes `newswatch feed --topic T` writes);
        `?updates=1` adds the material revisions as entries of their own."""
        name = request.path_params["topic"]
        if self.reader.coverage(name, recent=1, revisions_shown=0) is None:
            raise HTTPException(404, f"No stored coverage of a topic named “{name}”.")
        updates = request.query_params.get("updates", "") in {"1", "true", "yes"}
        articles, revisions = self.reader.feed_items(name, updates=updates)
        data = build_feed(articles, revisions, title=f"newswatch: {name}",
                          feed_id=feed_id(topic=name, source=None, updates=updates), now=datetime.now(UTC),
                          self_url=str(request.url))
        return Response(data, media_type="application/atom+xml; charset=utf-8")

    async def article(self, request: Request) -> Response:
        stored = self._article(request)
        versions = stored.versions
        summaries = [diffview_summary(v.diff, v.version_no) for v in versions]
        return self.page(request, "article.html", {"article": stored, "versions": versions,
                                                   "summaries": summaries})

    async def diff(self, request: Request) -> Response:
        stored = self._article(request)
        numbers = [v.version_no for v in stored.versions]
        last = numbers[-1]
        low = _int_param(request, "from", last - 1 if last > 1 else last)
        high = _int_param(request, "to", last)
        by_no = {v.version_no: v for v in stored.versions}
        if low not in by_no or high not in by_no:
            raise HTTPException(404, f"This article has versions {numbers[0]} to {last}.")
        old, new = by_no[low], by_no[high]
        rows = diffview.side_by_side(diffview.paragraphs(old.title, old.lead, old.body),
                                     diffview.paragraphs(new.title, new.lead, new.body))
        return self.page(request, "diff.html", {"article": stored, "old": old, "new": new, "rows": rows,
                                                "numbers": numbers})

    async def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()[:200]
        hits: list[Any] = []
        problem = None
        if query:
            try:
                hits = search_articles(self.reader, query, SEARCH_LIMIT)
            except InputError as exc:  # a query with nothing to search for: say so on the page
                problem = str(exc)
        return self.page(request, "search.html", {
            "query": query, "hits": hits, "snippets": [marked_snippet(h.snippet) for h in hits],
            "problem": problem}, status=400 if problem else 200)

    async def css_file(self, request: Request) -> Response:
        return Response(self.css, media_type="text/css; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})

    async def icon_file(self, request: Request) -> Response:
        return Response(self.icon, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    def _article(self, request: Request) -> Any:
        source, article_id = request.path_params["source"], request.path_params["article_id"]
        stored = self.reader.article(source, article_id)
        if stored is None or not stored.versions:
            raise HTTPException(404, f"No stored article {source}:{article_id}.")
        return stored

    async def not_found(self, request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, HTTPException) else "Not found."
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return self.page(request, "error.html", {"status": status, "detail": detail}, status=status)

    async def failure(self, request: Request, exc: Exception) -> Response:
        # Never a traceback in a page: the server log has it.
        detail = str(exc) if isinstance(exc, NewswatchError) else "The dashboard could not read the database."
        return self.page(request, "error.html", {"status": 500, "detail": detail}, status=500)


def diffview_summary(diff: dict[str, Any] | None, version_no: int) -> str:
    return "first version" if version_no == 1 else change_summary(diff, "")


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise HTTPException(404, f"“{name}” must be a version number.")
    return int(value)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items() if not isinstance(v, Markup)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def create_app(reader: CoverageReader, topics: dict[str, str] | None = None, *,
               feeds: bool = True) -> Starlette:
    """The dashboard application over `reader`; `topics` are the configured topics (name -> description)."""
    board = Dashboard(reader, topics, feeds=feeds)
    routes = [
        Route("/", board.index, methods=["GET", "HEAD"]),
        Route("/topics/{topic}", board.topic, methods=["GET", "HEAD"]),
        Route("/topics/{topic}/feed.atom", board.feed, methods=["GET", "HEAD"]),
        Route("/articles/{source}/{article_id}", board.article, methods=["GET", "HEAD"]),
        Route("/articles/{source}/{article_id}/diff", board.diff, methods=["GET", "HEAD"]),
        Route("/search", board.search, methods=["GET", "HEAD"]),
        Route("/static/style.css", board.css_file, methods=["GET", "HEAD"]),
        Route("/static/favicon.svg", board.icon_file, methods=["GET", "HEAD"]),
        Route("/favicon.ico", board.icon_file, methods=["GET", "HEAD"]),
        Route("/topics", lambda request: RedirectResponse("/"), methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: board.not_found, 405: board.not_found,
                                        HTTPException: board.not_found, Exception: board.failure})
    app.state.board = board
    return app
