"""The current schema as SQLAlchemy Core tables, for building statements.

The database itself is created and changed only by the Alembic revisions (storage/schema_revisions/, run by
storage/migrations.py); a test checks that
the migrated database has exactly these tables and columns. Datetimes are TEXT in UTC ISO 8601
("2022-01-07T03:05:00+00:00"), so they sort and compare as strings on every dialect; the publication time
as the page states it (with its own offset) is kept beside its UTC form. JSON values are
TEXT written by json.dumps.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, MetaData, Table, Text, UniqueConstraint

metadata = MetaData()

# One row per (source, article_id): the latest state of a stored (relevant) article.
articles = Table(
    "articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("article_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text),
    Column("lead", Text),
    Column("body", Text, nullable=False),
    Column("body_hash", Text, nullable=False),
    Column("version_no", Integer, nullable=False),
    Column("published_at", Text),  # as the page states it, with its offset
    Column("published_utc", Text),  # the same instant in UTC, for sorting and date filters
    Column("modified_at", Text),
    Column("authors", Text, nullable=False),  # JSON list
    Column("section", Text),
    Column("tags", Text, nullable=False),  # JSON list
    Column("language", Text),
    Column("kind", Text, nullable=False),
    Column("images", Text, nullable=False),  # JSON list of {"url", "caption"}
    Column("matches", Text, nullable=False),  # JSON list of the relevance matches
    Column("score", Float, nullable=False),
    Column("listing_date", Text),  # pubDate/lastmod the feed, sitemap or index last showed
    Column("first_seen_at", Text, nullable=False),
    Column("last_seen_at", Text, nullable=False),
    Column("last_changed_at", Text, nullable=False),
    Column("deleted_at", Text),  # the page later redirected away (Liputan6 sends removed articles home)
    UniqueConstraint("source", "article_id", name="uq_articles_source_article"),
)

# Topic names an article matched, one row each, so --topic filters in SQL on every dialect.
article_topics = Table(
    "article_topics", metadata,
    Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic", Text, primary_key=True),
)

# Each distinct (title, cleaned body) an article has had, numbered from 1.
article_versions = Table(
    "article_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("version_no", Integer, nullable=False),
    Column("title", Text),
    Column("lead", Text),
    Column("body", Text, nullable=False),
    Column("body_hash", Text, nullable=False),
    Column("modified_at", Text),
    Column("fetched_at", Text, nullable=False),
    Column("material", Boolean, nullable=False),
    Column("diff", Text),  # JSON: the change from the previous version, as change detection described it
    UniqueConstraint("article_pk", "version_no", name="uq_versions_article_no"),
)

# Pages fetched but not stored as articles; keyed like articles so incremental crawling can skip them.
seen = Table(
    "seen", metadata,
    Column("source", Text, primary_key=True),
    Column("article_id", Text, primary_key=True),
    Column("url", Text, nullable=False),
    Column("status", Text, nullable=False),  # irrelevant | deleted | failed
    Column("topics_fingerprint", Text),  # topics an "irrelevant" verdict was made under
    Column("listing_date", Text),
    Column("detail", Text),
    Column("first_seen_at", Text, nullable=False),
    Column("last_fetched_at", Text, nullable=False),
)

# HTTP validators per URL, for conditional requests (feeds, sitemaps, index pages, articles).
fetch_state = Table(
    "fetch_state", metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_status", Integer),
    Column("last_fetched_at", Text),
)

crawl_runs = Table(
    "crawl_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("spider", Text, nullable=False),
    Column("args", Text, nullable=False),  # JSON object
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text),
    Column("outcome", Text),  # e.g. the finish reason; NULL while running (or after a crash)
    Column("stats", Text),  # JSON object
    Column("last_event_id", Integer),  # the newest outbox event when the run finished
)

# Outbox: one row per alert-worthy change, written in the article's transaction. Delivery (per recipient,
# in its own table keyed by event id) reads the rows not yet dispatched.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("article_id", Text, nullable=False),
    Column("kind", Text, nullable=False),  # new | updated
    Column("version_no", Integer, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("dispatched_at", Text),
    UniqueConstraint("source", "article_id", "kind", "version_no", name="uq_events_change"),
)

# Delivery of events: one row per (event, recipient), so an event reaches each recipient once. mode is
# immediate | digest | baseline; rows of one recipient with the same group_key go out as one digest. status:
# pending -> sent | failed (rejected for good, or given up), or skipped (a silent baseline).
deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("group_key", Text, nullable=False),  # "" for immediate; digest:<subscription> or baseline:<source>
    Column("label", Text, nullable=False),  # what a digest is about (its topics)
    Column("timezone", Text, nullable=False),  # the recipient's zone, for times in the mail
    Column("status", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("scheduled_at", Text, nullable=False),  # when it was first due; give-up age counts from here
    Column("due_at", Text, nullable=False),  # next attempt (backoff), or a lease while a send is under way
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("sent_at", Text),
    Column("message_id", Text),
    UniqueConstraint("event_id", "recipient", name="uq_deliveries_event_recipient"),
)

# Crawl health per source: the current streak of failing runs and whether the admin has been told of it.
source_health = Table(
    "source_health", metadata,
    Column("source", Text, primary_key=True),
    Column("last_run_id", Integer, nullable=False),  # the last run evaluated: re-evaluating it is a no-op
    Column("consecutive_failures", Integer, nullable=False),
    Column("streak_start_run_id", Integer),  # first failing run of the streak (history is read before it)
    Column("failing_since", Text),
    Column("alerted", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of the latest failure reasons
    Column("updated_at", Text, nullable=False),
)

# Outbox of admin e-mails about crawl health (failing | recovered), written with the health state.
health_notices = Table(
    "health_notices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),  # failing | recovered
    Column("recipient", Text, nullable=False),
    Column("payload", Text, nullable=False),  # JSON: runs, reasons, since
    Column("status", Text, nullable=False),  # pending | sent | failed
    Column("created_at", Text, nullable=False),
    Column("scheduled_at", Text, nullable=False),
    Column("due_at", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("sent_at", Text),
    Column("message_id", Text),
)

# Developments: articles reporting the same development (crawler/story/developments.py decides, the article's
# save transaction records). A development's dates are its members' earliest and latest publication times.
developments = Table(
    "developments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text),  # the first member's title
    Column("first_reported_at", Text),
    Column("last_reported_at", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)

# One row per stored article: its development, the article it was linked to (NULL: it started the
# development), the link's score and signals (JSON list of {kind, label, weight}), and the article's linking
# features (JSON), compared with every later article.
development_articles = Table(
    "development_articles", metadata,
    Column("article_pk", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("development_id", Integer, ForeignKey("developments.id", ondelete="CASCADE"), nullable=False),
    Column("linked_pk", Integer),
    Column("score", Float, nullable=False),
    Column("signals", Text, nullable=False),
    Column("features", Text, nullable=False),
    Column("joined_at", Text, nullable=False),
)

# What the boilerplate learner (crawler/extract/boilerplate.py) remembers of a configured outlet's pages: per
# host, the last pages' line keys (JSON list of short hashes, never text), so that what a crawl learned
# serves the next one.
boilerplate_pages = Table(
    "boilerplate_pages", metadata,
    Column("host", Text, primary_key=True),
    Column("page_key", Text, primary_key=True),
    Column("line_keys", Text, nullable=False),
    Column("observed_at", Text, nullable=False),
)
