"""The statements of user import jobs: the job rows, the uploaded CSV in chunks, and the log
of rows that were not imported."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import User
from userpool.domain.store_ports import ImportJob, ImportLogLine
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import USER_COLS, user_values

_COLS = (
    "id, pool_id, name, role_arn, status, created, started, completed, url, imported, "
    "skipped, failed, message, upload, size, lines, heartbeat, last_line"
)
_ACTIVE = "('Pending', 'InProgress', 'Stopping')"
_ROWS = 400  # rows per INSERT or IN list (SQLite allows 32766 parameters)


def _job(row: tuple[Any, ...]) -> ImportJob:
    return ImportJob(
        id=row[0],
        pool_id=row[1],
        name=row[2],
        role_arn=row[3],
        status=row[4],
        created=row[5],
        started=row[6],
        completed=row[7],
        url=row[8],
        imported=int(row[9]),
        skipped=int(row[10]),
        failed=int(row[11]),
        message=row[12],
        upload=row[13],
        size=int(row[14]),
        lines=int(row[15]),
        heartbeat=row[16],
        last_line=int(row[17]),
    )


def _values(job: ImportJob) -> tuple[Any, ...]:
    return (
        job.status,
        job.started,
        job.completed,
        job.imported,
        job.skipped,
        job.failed,
        job.message,
        job.upload,
        job.size,
        job.lines,
        job.heartbeat,
        job.last_line,
    )


class ImportQueries(SqlBase):
    """Import jobs of a pool, their CSV's chunks and their log."""

    def insert_import_job(self, job: ImportJob) -> None:
        self._insert(
            f"INSERT INTO import_jobs ({_COLS}) VALUES ({marks(18)})",
            (job.id, job.pool_id, job.name, job.role_arn, job.status, job.created)
            + (job.started, job.completed, job.url)
            + _values(job)[3:],  # the counts onwards
            "import job",
        )

    def get_import_job(self, job_id: str, lock: bool = False) -> ImportJob:
        sql = f"SELECT {_COLS} FROM import_jobs WHERE id=?" + (self._for_update if lock else "")
        return _job(self._one(sql, (job_id,)))

    def update_import_job(self, job: ImportJob, expect: tuple[str, ...]) -> bool:
        cur = self.run(
            "UPDATE import_jobs SET status=?, started=?, completed=?, imported=?, skipped=?, "
            "failed=?, message=?, upload=?, size=?, lines=?, heartbeat=?, last_line=? "
            f"WHERE id=? AND status IN ({marks(len(expect))})",
            (*_values(job), job.id, *expect),
        )
        return bool(cur.rowcount == 1)

    def list_import_jobs(
        self, pool_id: str, after: tuple[float, str] | None, limit: int
    ) -> list[ImportJob]:
        if after is None:
            rows = self.run(
                f"SELECT {_COLS} FROM import_jobs WHERE pool_id=? "
                "ORDER BY created DESC, id DESC LIMIT ?",
                (pool_id, limit),
            ).fetchall()
        else:
            rows = self.run(
                f"SELECT {_COLS} FROM import_jobs WHERE pool_id=? AND "
                "(created < ? OR (created = ? AND id < ?)) ORDER BY created DESC, id DESC LIMIT ?",
                (pool_id, after[0], after[0], after[1], limit),
            ).fetchall()
        return [_job(tuple(r)) for r in rows]

    def count_import_jobs(self, pool_id: str) -> int:
        return int(self._one("SELECT count(*) FROM import_jobs WHERE pool_id=?", (pool_id,))[0])

    def active_import_jobs(self, pool_id: str) -> list[ImportJob]:
        rows = self.run(
            f"SELECT {_COLS} FROM import_jobs WHERE pool_id=? AND status IN {_ACTIVE}",
            (pool_id,),
        ).fetchall()
        return [_job(tuple(r)) for r in rows]

    def advance_import_job(
        self, job_id: str, heartbeat: float, counts: tuple[int, int, int], last_line: int
    ) -> bool:
        cur = self.run(
            "UPDATE import_jobs SET heartbeat=?, imported=imported+?, skipped=skipped+?, "
            "failed=failed+?, last_line=? WHERE id=? AND status='InProgress'",
            (heartbeat, *counts, last_line, job_id),
        )
        return bool(cur.rowcount == 1)

    # an import's users, a batch at a time -------------------------------
    def insert_new_users(self, users: list[tuple[User, str]]) -> set[str]:
        """Insert each (user, username key) whose key (and sub) is free in its pool; the
        keys inserted."""
        done: set[str] = set()
        for start in range(0, len(users), _ROWS):
            part = users[start : start + _ROWS]
            values = ",".join(f"({marks(11)})" for _ in part)
            args = tuple(v for user, key in part for v in user_values(user, key))
            rows = self.run(
                f"INSERT INTO users ({USER_COLS}) VALUES {values} "
                "ON CONFLICT DO NOTHING RETURNING username_key",
                args,
            ).fetchall()
            done.update(str(r[0]) for r in rows)
        return done

    def taken_aliases(self, pool_id: str, attribute: str, keys: list[str]) -> set[str]:
        """Which of the keys of ``attribute`` a user of the pool holds as an alias; each is
        locked as ``alias_owner`` locks one, until the transaction ends."""
        self._lock_all([("alias", pool_id, attribute, key) for key in sorted(set(keys))])
        taken: set[str] = set()
        for start in range(0, len(keys), _ROWS):
            part = keys[start : start + _ROWS]
            rows = self.run(
                "SELECT value_key FROM aliases WHERE pool_id=? AND attribute=? "
                f"AND value_key IN ({marks(len(part))})",
                (pool_id, attribute, *part),
            ).fetchall()
            taken.update(str(r[0]) for r in rows)
        return taken

    def insert_aliases(self, pool_id: str, aliases: list[tuple[str, str, str]]) -> None:
        """(attribute, key, sub) aliases known to be free (``taken_aliases`` locked them)."""
        for start in range(0, len(aliases), _ROWS):
            part = aliases[start : start + _ROWS]
            values = ",".join(f"({marks(4)})" for _ in part)
            args = tuple(v for attribute, key, sub in part for v in (pool_id, attribute, key, sub))
            self._later(f"INSERT INTO aliases VALUES {values} ON CONFLICT DO NOTHING", args)

    def _lock_all(self, names: list[tuple[str, ...]]) -> None:
        """``_lock`` on each name (in this order: callers sort them, against deadlocks)."""
        for parts in names:
            self._lock(*parts)

    # the uploaded CSV ----------------------------------------------------
    def put_import_chunk(
        self, pool_id: str, job_id: str, upload: str, seq: int, data: bytes
    ) -> None:
        self.run(
            f"INSERT INTO import_chunks VALUES ({marks(5)})", (pool_id, job_id, upload, seq, data)
        )

    def import_chunk(self, job_id: str, upload: str, seq: int) -> bytes | None:
        row = self.run(
            "SELECT data FROM import_chunks WHERE job_id=? AND upload=? AND seq=?",
            (job_id, upload, seq),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def drop_import_chunks(self, job_id: str, keep: str | None = None) -> None:
        if keep is None:
            self.run("DELETE FROM import_chunks WHERE job_id=?", (job_id,))
        else:
            self.run("DELETE FROM import_chunks WHERE job_id=? AND upload<>?", (job_id, keep))

    # the log of rows not imported ---------------------------------------
    def add_import_log(self, pool_id: str, job_id: str, lines: list[ImportLogLine]) -> None:
        for start in range(0, len(lines), _ROWS):
            part = lines[start : start + _ROWS]
            values = ",".join(f"({marks(5)})" for _ in part)
            args: list[Any] = []
            for entry in part:
                args += [pool_id, job_id, entry.line, entry.outcome, entry.message]
            self._later(f"INSERT INTO import_log VALUES {values}", tuple(args))

    def import_log(self, job_id: str, after: int, limit: int) -> list[ImportLogLine]:
        rows = self.run(
            "SELECT line, outcome, message FROM import_log WHERE job_id=? AND line>? "
            "ORDER BY line LIMIT ?",
            (job_id, after, limit),
        ).fetchall()
        return [ImportLogLine(int(r[0]), r[1], r[2]) for r in rows]
