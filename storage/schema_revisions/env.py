"""Alembic's entry point: runs the revisions on the connection storage/migrations.py passes in.

The caller has begun the transaction (BEGIN IMMEDIATE on SQLite, a transaction holding the migration advisory
lock on PostgreSQL), so Alembic's begin_transaction() joins it and commits nothing itself. render_as_batch:
SQLite alters tables in batch mode (copy and move) where it has no ALTER for the change.
"""

from __future__ import annotations

from alembic import context

from storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("newswatch's migrations run through `newswatch db upgrade` (storage/migrations.py)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
