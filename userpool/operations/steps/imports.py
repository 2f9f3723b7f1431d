"""Steps of user import jobs that operations share: a job as the wire shows it, finding a
job, settling what time decided (a job never started expires; a job whose runner stopped
writing was interrupted), and refusing changes to a pool while a job imports into it."""

from __future__ import annotations

from typing import Any

from userpool.domain import user_import
from userpool.domain.ports import NotFound, Tx
from userpool.domain.store_ports import ImportJob
from userpool.domain.user_import import CREATED, EXPIRED, FAILED
from userpool.errors import (
    IMPORT_IN_PROGRESS,
    IMPORT_INTERRUPTED,
    NO_IMPORT_JOB,
    ResourceNotFoundException,
    UserImportInProgressException,
)


def job_type(job: ImportJob) -> dict[str, Any]:
    """The wire's UserImportJobType: the members Cognito always shows (the AWS CLI
    reference's examples), the dates and message once there are some."""
    out: dict[str, Any] = {
        "JobName": job.name,
        "JobId": job.id,
        "UserPoolId": job.pool_id,
        "PreSignedUrl": job.url,
        "CreationDate": job.created,
        "Status": job.status,
        "CloudWatchLogsRoleArn": job.role_arn,
        "ImportedUsers": job.imported,
        "SkippedUsers": job.skipped,
        "FailedUsers": job.failed,
    }
    if job.started is not None:
        out["StartDate"] = job.started
    if job.completed is not None:
        out["CompletionDate"] = job.completed
    if job.message is not None:
        out["CompletionMessage"] = job.message
    return out


def job_of(tx: Tx, pool_id: str, job_id: str, lock: bool = False) -> ImportJob:
    """The pool's job ``job_id``.

    DEVIATION: an unknown job (or another pool's) is ResourceNotFoundException with a
    text of ours."""
    try:
        job = tx.get_import_job(job_id, lock)
    except NotFound:
        job = None
    if job is None or job.pool_id != pool_id:
        raise ResourceNotFoundException(NO_IMPORT_JOB.format(job_id))
    return job


def unsettled(job: ImportJob, now: float) -> bool:
    """Whether time has decided the job's status: a Created job older than
    ``EXPIRES_AFTER`` has Expired; a running one whose runner wrote nothing for
    ``STALE_AFTER`` was interrupted."""
    if job.status == CREATED:
        return now - job.created > user_import.EXPIRES_AFTER
    if job.status in user_import.ACTIVE:
        return now - (job.heartbeat or 0.0) > user_import.STALE_AFTER
    return False


def settle(tx: Tx, job: ImportJob, now: float) -> ImportJob:
    """The job once time's decision is written: Expired (its upload deleted, as Cognito
    deletes an expired job's data) or Failed as interrupted.

    DEVIATION: a job that was running when its server stopped (or died) is Failed with
    ``IMPORT_INTERRUPTED``, at once when the server stopped cleanly, else once its runner
    has been silent for ``STALE_AFTER`` seconds; it is never resumed (the users it imported
    stay). How Cognito marks an interrupted job is unconfirmed."""
    if not unsettled(job, now):
        return job
    expect = (job.status,)
    if job.status == CREATED:
        job.status = EXPIRED
    else:
        job.status, job.message = FAILED, IMPORT_INTERRUPTED
        job.completed = now
    if tx.update_import_job(job, expect):
        tx.drop_import_chunks(job.id)
    return tx.get_import_job(job.id)


def refuse_while_importing(tx: Tx, pool_id: str, now: float) -> None:
    """UserImportInProgressException while a job imports into the pool (UpdateUserPool,
    DeleteUserPool and AddCustomAttributes declare it).

    DEVIATION: the text is ours."""
    for job in tx.active_import_jobs(pool_id):
        if not unsettled(job, now):
            raise UserImportInProgressException(IMPORT_IN_PROGRESS.format(pool_id))
