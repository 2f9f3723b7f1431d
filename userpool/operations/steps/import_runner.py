"""The runner of a user import job: reads the uploaded CSV, row by row, into users.

StartUserImportJob hands ``run`` to the server's background tasks (``Services.background``).
The runner takes the job from Pending to InProgress, reads the header (a header the pool
cannot take fails the job), then the rows in batches: each batch is prepared outside the
store (``domain.user_import.Rows``), then written in one transaction of bounded size whose
first write is the job's heartbeat, made only while the job is InProgress (so a batch
after StopUserImportJob writes nothing, and on PostgreSQL a Stop waits for the batch in
flight); between batches it yields to the event loop, so requests are served while it
runs, and when requests are waiting it leaves them the loop a while (``_pause``). A batch
is sized to about ``BATCH_SECONDS`` of work (``BATCH_MIN`` to ``BATCH_MAX`` rows): on
SQLite a transaction runs on the event loop, and its length is what a request may wait. Each row is imported, SKIPPED (the user exists) or FAILED (the log keeps its
line number and the reason); at the end the job Succeeds or Fails (``ending``) and its
CSV is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from userpool.domain import mfa, user_import
from userpool.domain.entities import Pool, User
from userpool.domain.ports import ImportLogLine, NotFound, Tx
from userpool.domain.services import Services
from userpool.domain.store_ports import ImportJob
from userpool.domain.user_import import (
    FAILED,
    IN_PROGRESS,
    PENDING,
    ROW_FAILED,
    ROW_SKIPPED,
    HeaderError,
    Row,
    RowFailure,
)
from userpool.errors import (
    IMPORT_INTERNAL,
    IMPORT_INTERRUPTED,
    InvalidParameterException,
    TooManyRequestsException,
)
from userpool.operations.steps.lookups import alias_key
from userpool.operations.steps.newusers import new_user, sign_in_name

log = logging.getLogger("userpool.imports")

BATCH_MIN, BATCH_MAX = 50, 2000  # rows per transaction
BATCH_SECONDS = 0.005  # the work a batch is sized to
# Between batches: if the loop took longer than BUSY_LAG to come back (requests ran), the
# runner waits YIELD_FACTOR times as long as its batch took, so under load it takes at
# most a third of the loop (docs/performance.md, "Import jobs").
BUSY_LAG = 0.0003
YIELD_FACTOR = 2.0
_LONGEST = 4 * user_import.MAX_ROW + 4  # bytes of a row longer than the limit at most


async def run(svc: Services, job_id: str) -> None:
    """Run the job (a Pending one; any other is left alone). Cancelled (its server stops),
    it is marked interrupted; a failure of ours fails it."""
    try:
        await _run(svc, job_id)
    except asyncio.CancelledError:
        _end(svc, job_id, FAILED, IMPORT_INTERRUPTED)
        raise
    except Exception:
        log.exception("import job %s failed", job_id)
        _end(svc, job_id, FAILED, IMPORT_INTERNAL)


def _begin(svc: Services, job_id: str) -> tuple[ImportJob, Pool] | None:
    """Pending to InProgress: the job and its pool, or None if it is not Pending."""
    with svc.store.transaction() as tx:
        try:
            job = tx.get_import_job(job_id, lock=True)
            pool = tx.get_pool(job.pool_id)
        except NotFound:
            return None
        if job.status != PENDING:
            return None
        job.status, job.heartbeat = IN_PROGRESS, svc.clock.now()
        tx.update_import_job(job, (PENDING,))
    return job, pool


async def _run(svc: Services, job_id: str) -> None:
    begun = _begin(svc, job_id)
    if begun is None:
        return
    job, pool = begun
    lines = _lines(svc, job)
    try:
        if job.lines - 1 > user_import.MAX_USERS:
            raise HeaderError(f"The CSV file has more than {user_import.MAX_USERS} users.")
        first = next(lines, None)
        if first is None:
            raise HeaderError("The CSV file is empty.")
        schema = pool.config.get("SchemaAttributes") or []
        columns = user_import.read_header(first[1], user_import.csv_header(schema))
    except HeaderError as exc:
        _end(svc, job_id, FAILED, str(exc), (IN_PROGRESS,))
        return
    rows = user_import.Rows(pool.config, columns)
    totals = [0, 0, 0]  # imported, skipped, failed
    size, batch = 4 * BATCH_MIN, []
    for line in lines:
        batch.append(line)
        if len(batch) < size:
            continue
        began = time.perf_counter()
        if not _write(svc, job, pool, rows, batch, totals):
            return  # stopped
        took = time.perf_counter() - began
        size = max(BATCH_MIN, min(BATCH_MAX, int(size * BATCH_SECONDS / max(took, 1e-4))))
        batch = []
        await _pause(took)
    if batch and not _write(svc, job, pool, rows, batch, totals):
        return
    status, message = user_import.ending(*totals)
    _end(svc, job_id, status, message, (IN_PROGRESS,))


async def _pause(took: float) -> None:
    """Between batches: requests waiting go first; if there were some (the loop took a
    while to come back), the loop is theirs for twice as long as the batch took, so a
    request's few turns of the loop (parse, its transaction, the answer) do not each wait
    for a batch."""
    began = time.perf_counter()
    await asyncio.sleep(0)
    if time.perf_counter() - began > BUSY_LAG:
        await asyncio.sleep(took * YIELD_FACTOR)


def _lines(svc: Services, job: ImportJob) -> Iterator[tuple[int, bytes]]:
    """The CSV's lines (numbered from 1, the header's) without their line ends, read a
    chunk at a time; a line longer than any row may be is cut at ``_LONGEST`` bytes (what
    is kept still tells it is too long), so no line is held whole."""
    assert job.upload is not None
    seq, number, rest = 0, 0, b""
    while True:
        with svc.store.read() as tx:
            chunk = tx.import_chunk(job.id, job.upload, seq)
        if chunk is None:
            break
        seq += 1
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()[:_LONGEST]
        for part in parts:
            number += 1
            yield number, part[:_LONGEST].removesuffix(b"\r")
    if rest:
        yield number + 1, rest.removesuffix(b"\r")


@dataclass
class _New:
    """A row's user, not yet stored: its line, username key and the aliases it claims
    ((attribute, key, whether it names the user: a username attribute))."""

    line: int
    user: User
    key: str
    claims: list[tuple[str, str, bool]]


def _write(
    svc: Services,
    job: ImportJob,
    pool: Pool,
    rows: user_import.Rows,
    batch: list[tuple[int, bytes]],
    totals: list[int],
) -> bool:
    """One batch in one transaction (tried again if PostgreSQL asks); False when the job
    is no longer InProgress (then nothing of the batch is written)."""
    now = svc.clock.now()
    refused: dict[int, tuple[str, str]] = {}  # line -> (SKIPPED or FAILED, why)
    news: list[_New] = []
    seen: set[tuple[str, str]] = set()  # the username keys and claims of the batch so far
    for line, raw in batch:
        try:
            made = _candidate(pool, rows.read(raw), line, now)
        except RowFailure as exc:
            made = (ROW_FAILED, str(exc))
        if isinstance(made, _New):
            made = _duplicate(made, seen) or made
        if isinstance(made, _New):
            news.append(made)
        else:
            refused[line] = made
    for attempt in range(3):
        try:
            counts = _store(svc, job, pool, batch, news, dict(refused), now)
            break
        except TooManyRequestsException:  # a deadlock PostgreSQL broke: the batch again
            if attempt == 2:
                raise
    if counts is None:
        return False
    for i, n in enumerate(counts):
        totals[i] += n
    return True


def _store(
    svc: Services,
    job: ImportJob,
    pool: Pool,
    batch: list[tuple[int, bytes]],
    news: list[_New],
    refused: dict[int, tuple[str, str]],
    now: float,
) -> tuple[int, int, int] | None:
    """The batch's transaction: (imported, skipped, failed), or None if the job stopped."""
    last = batch[-1][0]
    with svc.store.transaction() as tx:
        if not tx.advance_import_job(job.id, now, (0, 0, 0), last):
            return None
        news = _unclaimed(tx, pool, news, refused)
        inserted = tx.insert_new_users([(new.user, new.key) for new in news])
        aliases = []
        for new in news:
            if new.key in inserted:
                aliases += [(attribute, key, new.user.sub) for attribute, key, _ in new.claims]
            else:
                refused[new.line] = (ROW_SKIPPED, user_import.EXISTS_TEXT)
        tx.insert_aliases(pool.id, aliases)
        entries = [ImportLogLine(line, *refused[line]) for line in sorted(refused)]
        skipped = sum(1 for entry in entries if entry.outcome == ROW_SKIPPED)
        counts = (len(batch) - len(entries), skipped, len(entries) - skipped)
        tx.add_import_log(pool.id, job.id, entries)
        tx.advance_import_job(job.id, now, counts, last)
    return counts


def _candidate(pool: Pool, row: Row, line: int, now: float) -> _New | tuple[str, str]:
    """The row's user and the aliases it claims, or why it fails (its username does not
    suit the pool)."""
    attributes = dict(row.attributes)
    try:
        username = sign_in_name(pool, row.username, attributes)
    except InvalidParameterException as exc:
        return ROW_FAILED, exc.message
    user = new_user(pool, username, attributes, row.status, now)
    if row.mfa is not None:
        mfa.store(user, mfa.Factors(True, row.mfa, None))
    claims: list[tuple[str, str, bool]] = []
    for attribute in pool.username_attributes:
        if attributes.get(attribute):
            claims.append((attribute, alias_key(pool, attribute, attributes[attribute]), True))
    for attribute in pool.alias_attributes:
        value = attributes.get(attribute)
        verified = attribute == "preferred_username" or user.verified(attribute)
        if value and verified and attribute not in pool.username_attributes:
            claims.append((attribute, alias_key(pool, attribute, value), False))
    return _New(line, user, pool.key(username), claims)


def _taken(attribute: str, names: bool) -> tuple[str, str]:
    """A claim another user holds. DEVIATION: in pools with sign-in aliases, a verified
    email or phone (or a preferred_username) another user holds as an alias fails the row
    ("An account with the given <attribute> already exists.", as AdminCreateUser refuses
    it); in pools whose usernames are emails or phone numbers a taken one is a user who
    already exists (SKIPPED)."""
    if names:
        return ROW_SKIPPED, user_import.EXISTS_TEXT
    return ROW_FAILED, f"An account with the given {attribute} already exists."


def _duplicate(new: _New, seen: set[tuple[str, str]]) -> tuple[str, str] | None:
    """Why a row repeats an earlier row of its batch (its username, or a claim), or None;
    what the row would hold is then counted as the batch's."""
    if ("", new.key) in seen:
        return ROW_SKIPPED, user_import.EXISTS_TEXT
    for attribute, key, names in new.claims:
        if (attribute, key) in seen:
            return _taken(attribute, names)
    seen.add(("", new.key))
    seen.update((attribute, key) for attribute, key, _ in new.claims)
    return None


def _unclaimed(
    tx: Tx, pool: Pool, news: list[_New], refused: dict[int, tuple[str, str]]
) -> list[_New]:
    """The users whose claims are free (locked until the batch commits); the others'
    rows are refused."""
    wanted: dict[str, list[str]] = {}
    for new in news:
        for attribute, key, _ in new.claims:
            wanted.setdefault(attribute, []).append(key)
    if not wanted:
        return news
    taken = {a: tx.taken_aliases(pool.id, a, keys) for a, keys in sorted(wanted.items())}
    free = []
    for new in news:
        held = [(a, names) for a, key, names in new.claims if key in taken[a]]
        if held:
            refused[new.line] = _taken(*held[0])
        else:
            free.append(new)
    return free


def _end(
    svc: Services,
    job_id: str,
    status: str,
    message: str,
    expect: tuple[str, ...] = (PENDING, IN_PROGRESS),
) -> None:
    """The job ends (if still in one of ``expect``): its status, message and completion
    date; its CSV is deleted (Cognito deletes it once a job completes)."""
    with svc.store.transaction() as tx:
        try:
            job = tx.get_import_job(job_id, lock=True)
        except NotFound:
            return
        job.status, job.message, job.completed = status, message, svc.clock.now()
        if tx.update_import_job(job, expect):
            tx.drop_import_chunks(job_id)
