"""Checkpoints of an SQLite WAL on a thread of their own, off the event loop.

SQLite's automatic checkpoint runs inside the COMMIT that crosses the WAL's size limit:
that request, and with the event loop every request in flight, waits while pages are
copied into the database file and both files are synced. Here the store's connection
checkpoints only as a safety net (at ``SAFETY_PAGES``), and a ``Checkpointer`` thread with
its own connection runs ``PRAGMA wal_checkpoint(PASSIVE)`` shortly after commits: it never
waits for a writer or a reader, and the sqlite3 module releases the GIL while it works.
A crash at any point is recovered by SQLite as after any checkpoint.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("userpool.storage")

# WAL pages (4 KiB) past which the store's own connection checkpoints after all: the
# thread is behind or gone. The thread's lag is about DELAY seconds of commits.
SAFETY_PAGES = 16384
DELAY = 0.05  # seconds between checkpoints under load (commits in between share one)
WAL_LIMIT = 64 << 20  # bytes the WAL file is truncated to after a full checkpoint


class Checkpointer:
    """Runs PASSIVE checkpoints of one database file after ``poke()``, until ``close()``."""

    def __init__(self, path: str, synchronous: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        self._due = threading.Event()
        self._stop = threading.Event()
        self.runs = 0  # checkpoints done (the tests read it)
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """A commit happened: checkpoint soon (cheap; called on the event loop)."""
        if not self._due.is_set():
            self._due.set()

    def _run(self) -> None:
        while True:
            self._due.wait()
            if self._stop.is_set():
                return
            self._due.clear()
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.runs += 1
            except sqlite3.Error as exc:  # busy or I/O: the next commit pokes again
                log.warning("background checkpoint failed: %s", exc)
            if self._stop.wait(DELAY):
                return

    def close(self) -> None:
        self._stop.set()
        self._due.set()
        self._thread.join()
        self._db.close()
