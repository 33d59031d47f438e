"""newswatch: follow how the news covers a developing story."""

__version__ = "0.1.0"
