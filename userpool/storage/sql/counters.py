"""The statements of the request-rate counters shared by every process on the database."""

from __future__ import annotations

from userpool.storage.sql.base import SqlBase


class CounterQueries(SqlBase):
    """One row per (counter name, minute slot); each process adds its counts in batches."""

    def add_counts(self, counts: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
        """Add each (name, slot) delta to the shared counters; the totals after adding."""
        totals = {}
        for (name, slot), delta in sorted(counts.items()):
            row = self._one(
                "INSERT INTO rate_counters (name, slot, count) VALUES (?,?,?) "
                "ON CONFLICT (name, slot) DO UPDATE SET count = rate_counters.count + "
                "excluded.count RETURNING count",
                (name, slot, delta),
            )
            totals[(name, slot)] = int(row[0])
        return totals

    def purge_counts(self, before_slot: int, limit: int) -> int:
        """Delete up to ``limit`` counters of slots before ``before_slot``; how many."""
        return self.purge_rows("rate_counters", "slot", before_slot, limit)
