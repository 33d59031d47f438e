-- The schema newswatch 0.1.0 (hand-rolled migrations 0001-0006, before Alembic) made on SQLite
-- (sqlite_master, FTS5 shadow tables left to the virtual table). tests/storage/release_db.py builds from it.
CREATE TABLE schema_migrations (
	name TEXT NOT NULL, 
	applied_at TEXT NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE articles (
	id INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	article_id TEXT NOT NULL, 
	url TEXT NOT NULL, 
	title TEXT, 
	lead TEXT, 
	body TEXT NOT NULL, 
	body_hash TEXT NOT NULL, 
	version_no INTEGER NOT NULL, 
	published_at TEXT, 
	published_utc TEXT, 
	modified_at TEXT, 
	authors TEXT NOT NULL, 
	section TEXT, 
	tags TEXT NOT NULL, 
	language TEXT, 
	kind TEXT NOT NULL, 
	images TEXT NOT NULL, 
	matches TEXT NOT NULL, 
	score FLOAT NOT NULL, 
	listing_date TEXT, 
	first_seen_at TEXT NOT NULL, 
	last_seen_at TEXT NOT NULL, 
	last_changed_at TEXT NOT NULL, 
	deleted_at TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_articles_source_article UNIQUE (source, article_id)
);
CREATE INDEX ix_articles_source_published ON articles (source, published_utc);
CREATE TABLE seen (
	source TEXT NOT NULL, 
	article_id TEXT NOT NULL, 
	url TEXT NOT NULL, 
	status TEXT NOT NULL, 
	topics_fingerprint TEXT, 
	listing_date TEXT, 
	detail TEXT, 
	first_seen_at TEXT NOT NULL, 
	last_fetched_at TEXT NOT NULL, 
	PRIMARY KEY (source, article_id)
);
CREATE TABLE fetch_state (
	url TEXT NOT NULL, 
	etag TEXT, 
	last_modified TEXT, 
	last_status INTEGER, 
	last_fetched_at TEXT, 
	PRIMARY KEY (url)
);
CREATE TABLE crawl_runs (
	id INTEGER NOT NULL, 
	spider TEXT NOT NULL, 
	args TEXT NOT NULL, 
	started_at TEXT NOT NULL, 
	finished_at TEXT, 
	outcome TEXT, 
	stats TEXT, last_event_id INTEGER, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_crawl_runs_spider_started ON crawl_runs (spider, started_at);
CREATE TABLE article_topics (
	article_pk INTEGER NOT NULL, 
	topic TEXT NOT NULL, 
	PRIMARY KEY (article_pk, topic), 
	FOREIGN KEY(article_pk) REFERENCES articles (id) ON DELETE CASCADE
);
CREATE INDEX ix_article_topics_topic ON article_topics (topic);
CREATE TABLE article_versions (
	id INTEGER NOT NULL, 
	article_pk INTEGER NOT NULL, 
	version_no INTEGER NOT NULL, 
	title TEXT, 
	lead TEXT, 
	body TEXT NOT NULL, 
	body_hash TEXT NOT NULL, 
	modified_at TEXT, 
	fetched_at TEXT NOT NULL, 
	material BOOLEAN NOT NULL, 
	diff TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_versions_article_no UNIQUE (article_pk, version_no), 
	FOREIGN KEY(article_pk) REFERENCES articles (id) ON DELETE CASCADE
);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	article_id TEXT NOT NULL, 
	kind TEXT NOT NULL, 
	version_no INTEGER NOT NULL, 
	created_at TEXT NOT NULL, 
	payload TEXT NOT NULL, 
	dispatched_at TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_events_change UNIQUE (source, article_id, kind, version_no)
);
CREATE INDEX ix_events_dispatched ON events (dispatched_at, id);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id, new.title, new.lead, new.body); END;
CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) VALUES ('delete', old.id, old.title, old.lead, old.body); END;
CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, lead, body ON articles BEGIN INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) VALUES ('delete', old.id, old.title, old.lead, old.body); INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id, new.title, new.lead, new.body); END;
CREATE TABLE deliveries (
	id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	recipient TEXT NOT NULL, 
	mode TEXT NOT NULL, 
	group_key TEXT NOT NULL, 
	label TEXT NOT NULL, 
	timezone TEXT NOT NULL, 
	status TEXT NOT NULL, 
	created_at TEXT NOT NULL, 
	scheduled_at TEXT NOT NULL, 
	due_at TEXT NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error TEXT, 
	sent_at TEXT, 
	message_id TEXT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_deliveries_event_recipient UNIQUE (event_id, recipient), 
	FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE
);
CREATE INDEX ix_deliveries_status_due ON deliveries (status, due_at);
CREATE TABLE source_health (
	source TEXT NOT NULL, 
	last_run_id INTEGER NOT NULL, 
	consecutive_failures INTEGER NOT NULL, 
	streak_start_run_id INTEGER, 
	failing_since TEXT, 
	alerted BOOLEAN NOT NULL, 
	reasons TEXT NOT NULL, 
	updated_at TEXT NOT NULL, 
	PRIMARY KEY (source)
);
CREATE TABLE health_notices (
	id INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	kind TEXT NOT NULL, 
	recipient TEXT NOT NULL, 
	payload TEXT NOT NULL, 
	status TEXT NOT NULL, 
	created_at TEXT NOT NULL, 
	scheduled_at TEXT NOT NULL, 
	due_at TEXT NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error TEXT, 
	sent_at TEXT, 
	message_id TEXT, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_health_notices_status_due ON health_notices (status, due_at);
CREATE INDEX ix_articles_timeline ON articles (published_utc, first_seen_at, source, article_id);
CREATE INDEX ix_versions_timeline ON article_versions (material, version_no, article_pk, modified_at, fetched_at);
