"""The Redis keys of one source's distributed crawl, all under the configured prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str  # the config's key_prefix
    source: str

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.source}"

    @property
    def queue(self) -> str:
        """List of serialized requests: pushed on the left, popped on the right (FIFO)."""
        return f"{self.base}:queue"

    @property
    def workers(self) -> str:
        """Set of the ids of workers that may hold requests."""
        return f"{self.base}:workers"

    def processing(self, worker: str) -> str:
        """List of the requests `worker` popped and has not finished."""
        return f"{self.base}:processing:{worker}"

    def alive(self, worker: str) -> str:
        """Present while `worker` heartbeats (expires after the lease)."""
        return f"{self.base}:alive:{worker}"

    @property
    def seeding(self) -> str:
        """Present while a seeder is still discovering (expires after the lease if it dies)."""
        return f"{self.base}:seeding"

    @property
    def seen(self) -> str:
        """Sorted set: article identity -> expiry time (ms since the epoch)."""
        return f"{self.base}:seen"

    def polite(self, host: str) -> str:
        """Held for the per-site delay after each request to `host` (shared by every source)."""
        return f"{self.prefix}:polite:{host}"
