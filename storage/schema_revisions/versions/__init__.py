"""Alembic revisions, one per schema change (`mNNNN_<name>.py`), each spelling out its tables in full.

May import SQLAlchemy and Alembic only, nothing of newswatch: a revision must keep meaning what it meant when
it was written, while storage/schema.py moves on.
"""
