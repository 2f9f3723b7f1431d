"""User import jobs: GetCSVHeader, CreateUserImportJob, StartUserImportJob, StopUserImportJob,
DescribeUserImportJob, ListUserImportJobs.

A job is Created with a pre-signed URL on this server (``domain/upload_urls.py``) to which
the CSV is PUT as to S3 (``server/uploads.py``); StartUserImportJob makes it Pending and
hands it to the server's background tasks (``steps/import_runner.py``), which take it
InProgress and on to Succeeded or Failed; StopUserImportJob stops it at once (Stopped: the
batch in flight, if any, writes nothing). Statuses that time decides (Expired, and Failed
for a job its server stopped running) are written when a job is next read
(``steps/imports.settle``).
"""

from __future__ import annotations

from typing import Any

from userpool.config import Settings
from userpool.domain import upload_urls, user_import
from userpool.domain.services import Call, Services
from userpool.domain.store_ports import ImportJob
from userpool.domain.user_import import CREATED, IN_PROGRESS, PENDING, STOPPED
from userpool.errors import (
    IMPORT_BUSY,
    IMPORT_NO_AUTO_VERIFIED,
    IMPORT_NOT_CREATED,
    IMPORT_NOT_RUNNING,
    IMPORT_NOT_UPLOADED,
    IMPORT_STOPPED,
    INVALID_PAGINATION,
    TOO_MANY_IMPORT_JOBS,
    InvalidParameterException,
    LimitExceededException,
    PreconditionNotMetException,
)
from userpool.operations.steps import import_runner
from userpool.operations.steps.imports import job_of, job_type, settle, unsettled
from userpool.operations.steps.lookups import pool_of
from userpool.operations.steps.paging import decode_token, encode_token

# DEVIATION: a page holds at most 50 jobs (the model's bound on the list), whatever
# MaxResults (1..60) asks.
PAGE_MAX = 50


async def get_csv_header(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
    schema = pool.config.get("SchemaAttributes") or []
    return {"UserPoolId": pool.id, "CSVHeader": user_import.csv_header(schema)}


def base_url(settings: Settings) -> str:
    """Where clients reach this server: ``--issuer-base``, else the address it listens on.

    DEVIATION: the pre-signed URL names this server, not S3."""
    if settings.issuer_base:
        return settings.issuer_base.rstrip("/")
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


async def create_user_import_job(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"], lock=True)  # its jobs are counted
        if tx.count_import_jobs(pool.id) >= user_import.MAX_JOBS:
            # DEVIATION: the text is ours.
            raise LimitExceededException(TOO_MANY_IMPORT_JOBS.format(user_import.MAX_JOBS))
        job_id = user_import.new_job_id()
        url = upload_urls.presigned(
            base_url(svc.settings), svc.key, pool.id, job_id, now, svc.settings.region
        )
        job = ImportJob(
            job_id, pool.id, req["JobName"], req["CloudWatchLogsRoleArn"], CREATED, now, url
        )
        tx.insert_import_job(job)
    return {"UserImportJob": job_type(job)}


async def start_user_import_job(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Created (with an upload) to Pending; the job then runs in the background.

    DEVIATION: the refusals are PreconditionNotMetException with texts of ours: a job not
    Created, one without an upload, a pool without auto-verified attributes (the guide:
    "the import job will not start"), and a second running job in the pool (Cognito allows
    one per account; here one per pool, so test suites sharing a server do not collide).
    Without a running server (the CLI on local data) the job runs before the answer, which
    still shows it Pending."""
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"], lock=True)  # one job starts at a time
        job = settle(tx, job_of(tx, pool.id, req["JobId"], lock=True), now)
        if job.status != CREATED:
            raise PreconditionNotMetException(IMPORT_NOT_CREATED.format(job.id, job.status))
        if job.upload is None:
            raise PreconditionNotMetException(IMPORT_NOT_UPLOADED.format(job.id))
        if not pool.auto_verified:
            raise PreconditionNotMetException(IMPORT_NO_AUTO_VERIFIED)
        for other in tx.active_import_jobs(pool.id):
            if not unsettled(other, now):
                raise PreconditionNotMetException(IMPORT_BUSY.format(other.id))
        job.status, job.started, job.heartbeat = PENDING, now, now
        tx.update_import_job(job, (CREATED,))
    job_id = job.id

    async def work() -> None:
        await import_runner.run(svc, job_id)

    await svc.background.run(work)
    return {"UserImportJob": job_type(job)}


async def stop_user_import_job(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """A Pending or InProgress job is Stopped at once, as the AWS CLI reference's example
    answers (Stopping is never shown: the runner's next batch writes nothing); its CSV is
    deleted. Another status is PreconditionNotMetException (DEVIATION: text ours)."""
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        job = settle(tx, job_of(tx, pool.id, req["JobId"], lock=True), now)
        if job.status not in (PENDING, IN_PROGRESS):
            raise PreconditionNotMetException(IMPORT_NOT_RUNNING.format(job.id, job.status))
        running = (job.status,)
        job.status, job.completed, job.message = STOPPED, now, IMPORT_STOPPED
        tx.update_import_job(job, running)
        tx.drop_import_chunks(job.id)
    return {"UserImportJob": job_type(job)}


async def describe_user_import_job(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    now = svc.clock.now()
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        job = job_of(tx, pool.id, req["JobId"])
    if unsettled(job, now):
        with svc.store.transaction() as tx:
            job = settle(tx, job_of(tx, pool.id, job.id, lock=True), now)
    return {"UserImportJob": job_type(job)}


def _after(token: str | None) -> tuple[float, str] | None:
    """The (creation date, id) a pagination token resumes after."""
    key = decode_token(token)
    if key is None:
        return None
    created, _, job_id = key.partition("|")
    try:
        return float(created), job_id
    except ValueError:
        raise InvalidParameterException(INVALID_PAGINATION) from None


async def list_user_import_jobs(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """The pool's jobs, newest first (as the developer guide lists them)."""
    now = svc.clock.now()
    limit = min(req["MaxResults"], PAGE_MAX)
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        jobs = tx.list_import_jobs(pool.id, _after(req.get("PaginationToken")), limit + 1)
    if any(unsettled(job, now) for job in jobs):
        with svc.store.transaction() as tx:
            jobs = [settle(tx, job, now) for job in jobs]
    out: dict[str, Any] = {"UserImportJobs": [job_type(job) for job in jobs[:limit]]}
    if len(jobs) > limit:
        last = jobs[limit - 1]
        out["PaginationToken"] = encode_token(f"{last.created!r}|{last.id}")
    return out
