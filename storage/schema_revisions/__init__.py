"""The Alembic environment of newswatch's schema: env.py, and in versions/ one revision per schema change.

Driven by storage/migrations.py (never by an alembic.ini): it hands env.py an open connection inside its own
transaction, so a whole upgrade commits or rolls back as one. Revision ids are the names of the hand-rolled
migrations they replace (0001_core_tables ...), so a database made before Alembic is stamped at the last one
it recorded in schema_migrations and upgraded from there.

May import `storage.schema` (env.py's metadata) and nothing else of newswatch; only storage/migrations.py
drives it.
"""
