"""Telling people: alert e-mails composed from outbox events and delivered with retries and give-up.

Holds `events` (the payload of an outbox event: article, diff, matched topics), `compose` and `templates`
(immediate, digest, health and test mails), `sanitize` (hostile text made safe for headers and HTML), `smtp`
(one connection, failures classified as temporary, permanent, TLS or auth) and `delivery` (the outbox job:
fan-out per recipient, immediate and digest sends, retries with backoff, give-up). May import `crawler.core`,
`crawler.config` and `storage`; never the crawl or the monitor.
"""
