-- The schema newswatch 0.1.0 (hand-rolled migrations 0001-0006, before Alembic) made on PostgreSQL
-- (pg_dump --schema-only). tests/storage/release_db.py builds a database from it to test the upgrade.
CREATE TABLE public.article_topics (
    article_pk integer NOT NULL,
    topic text NOT NULL
);
CREATE TABLE public.article_versions (
    id integer NOT NULL,
    article_pk integer NOT NULL,
    version_no integer NOT NULL,
    title text,
    lead text,
    body text NOT NULL,
    body_hash text NOT NULL,
    modified_at text,
    fetched_at text NOT NULL,
    material boolean NOT NULL,
    diff text
);
CREATE SEQUENCE public.article_versions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.article_versions_id_seq OWNED BY public.article_versions.id;
CREATE TABLE public.articles (
    id integer NOT NULL,
    source text NOT NULL,
    article_id text NOT NULL,
    url text NOT NULL,
    title text,
    lead text,
    body text NOT NULL,
    body_hash text NOT NULL,
    version_no integer NOT NULL,
    published_at text,
    published_utc text,
    modified_at text,
    authors text NOT NULL,
    section text,
    tags text NOT NULL,
    language text,
    kind text NOT NULL,
    images text NOT NULL,
    matches text NOT NULL,
    score double precision NOT NULL,
    listing_date text,
    first_seen_at text NOT NULL,
    last_seen_at text NOT NULL,
    last_changed_at text NOT NULL,
    deleted_at text
);
CREATE SEQUENCE public.articles_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.articles_id_seq OWNED BY public.articles.id;
CREATE TABLE public.crawl_runs (
    id integer NOT NULL,
    spider text NOT NULL,
    args text NOT NULL,
    started_at text NOT NULL,
    finished_at text,
    outcome text,
    stats text,
    last_event_id integer
);
CREATE SEQUENCE public.crawl_runs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.crawl_runs_id_seq OWNED BY public.crawl_runs.id;
CREATE TABLE public.deliveries (
    id integer NOT NULL,
    event_id integer NOT NULL,
    recipient text NOT NULL,
    mode text NOT NULL,
    group_key text NOT NULL,
    label text NOT NULL,
    timezone text NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    scheduled_at text NOT NULL,
    due_at text NOT NULL,
    attempts integer NOT NULL,
    last_error text,
    sent_at text,
    message_id text
);
CREATE SEQUENCE public.deliveries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.deliveries_id_seq OWNED BY public.deliveries.id;
CREATE TABLE public.events (
    id integer NOT NULL,
    source text NOT NULL,
    article_id text NOT NULL,
    kind text NOT NULL,
    version_no integer NOT NULL,
    created_at text NOT NULL,
    payload text NOT NULL,
    dispatched_at text
);
CREATE SEQUENCE public.events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;
CREATE TABLE public.fetch_state (
    url text NOT NULL,
    etag text,
    last_modified text,
    last_status integer,
    last_fetched_at text
);
CREATE TABLE public.health_notices (
    id integer NOT NULL,
    source text NOT NULL,
    kind text NOT NULL,
    recipient text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    scheduled_at text NOT NULL,
    due_at text NOT NULL,
    attempts integer NOT NULL,
    last_error text,
    sent_at text,
    message_id text
);
CREATE SEQUENCE public.health_notices_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.health_notices_id_seq OWNED BY public.health_notices.id;
CREATE TABLE public.seen (
    source text NOT NULL,
    article_id text NOT NULL,
    url text NOT NULL,
    status text NOT NULL,
    topics_fingerprint text,
    listing_date text,
    detail text,
    first_seen_at text NOT NULL,
    last_fetched_at text NOT NULL
);
CREATE TABLE public.source_health (
    source text NOT NULL,
    last_run_id integer NOT NULL,
    consecutive_failures integer NOT NULL,
    streak_start_run_id integer,
    failing_since text,
    alerted boolean NOT NULL,
    reasons text NOT NULL,
    updated_at text NOT NULL
);
ALTER TABLE ONLY public.article_versions ALTER COLUMN id SET DEFAULT nextval('public.article_versions_id_seq'::regclass);
ALTER TABLE ONLY public.articles ALTER COLUMN id SET DEFAULT nextval('public.articles_id_seq'::regclass);
ALTER TABLE ONLY public.crawl_runs ALTER COLUMN id SET DEFAULT nextval('public.crawl_runs_id_seq'::regclass);
ALTER TABLE ONLY public.deliveries ALTER COLUMN id SET DEFAULT nextval('public.deliveries_id_seq'::regclass);
ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);
ALTER TABLE ONLY public.health_notices ALTER COLUMN id SET DEFAULT nextval('public.health_notices_id_seq'::regclass);
ALTER TABLE ONLY public.article_topics
    ADD CONSTRAINT article_topics_pkey PRIMARY KEY (article_pk, topic);
ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT article_versions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.crawl_runs
    ADD CONSTRAINT crawl_runs_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.fetch_state
    ADD CONSTRAINT fetch_state_pkey PRIMARY KEY (url);
ALTER TABLE ONLY public.health_notices
    ADD CONSTRAINT health_notices_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.seen
    ADD CONSTRAINT seen_pkey PRIMARY KEY (source, article_id);
ALTER TABLE ONLY public.source_health
    ADD CONSTRAINT source_health_pkey PRIMARY KEY (source);
ALTER TABLE ONLY public.articles
    ADD CONSTRAINT uq_articles_source_article UNIQUE (source, article_id);
ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT uq_deliveries_event_recipient UNIQUE (event_id, recipient);
ALTER TABLE ONLY public.events
    ADD CONSTRAINT uq_events_change UNIQUE (source, article_id, kind, version_no);
ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT uq_versions_article_no UNIQUE (article_pk, version_no);
CREATE INDEX ix_article_topics_topic ON public.article_topics USING btree (topic);
CREATE INDEX ix_articles_source_published ON public.articles USING btree (source, published_utc);
CREATE INDEX ix_articles_timeline ON public.articles USING btree (published_utc, first_seen_at, source, article_id);
CREATE INDEX ix_crawl_runs_spider_started ON public.crawl_runs USING btree (spider, started_at);
CREATE INDEX ix_deliveries_status_due ON public.deliveries USING btree (status, due_at);
CREATE INDEX ix_events_dispatched ON public.events USING btree (dispatched_at, id);
CREATE INDEX ix_health_notices_status_due ON public.health_notices USING btree (status, due_at);
CREATE INDEX ix_versions_timeline ON public.article_versions USING btree (material, version_no, article_pk, modified_at, fetched_at);
ALTER TABLE ONLY public.article_topics
    ADD CONSTRAINT article_topics_article_pk_fkey FOREIGN KEY (article_pk) REFERENCES public.articles(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT article_versions_article_pk_fkey FOREIGN KEY (article_pk) REFERENCES public.articles(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;
CREATE TABLE public.schema_migrations (
    name text NOT NULL PRIMARY KEY,
    applied_at text NOT NULL
);
