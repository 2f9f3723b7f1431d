"""The time rules of user import jobs, on a fake clock: the pre-signed URL takes the CSV for
15 minutes (then S3's "Request has expired"); a job not started within a day is Expired
and cannot start; a job whose runner went silent (its server died) is Failed as
interrupted 30 s later, and stops holding its pool; without a running server (as here, and
as the CLI on local data) StartUserImportJob runs the job before it answers. And, where
the in-process harness is quicker than a server, the quota of 1,000 jobs a pool."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.harness import CallError, InProcess
from userpool.errors import IMPORT_INTERRUPTED
from userpool.server.response import Response
from userpool.server.wire import dispatch

ROLE = "arn:aws:iam::123456789012:role/import-logs"


def _pool(inproc: InProcess) -> str:
    made = inproc.idp.create_user_pool(PoolName="p", AutoVerifiedAttributes=["email"])
    return str(made["UserPool"]["Id"])


def _job(inproc: InProcess, pool_id: str) -> dict[str, Any]:
    made = inproc.idp.create_user_import_job(
        UserPoolId=pool_id, JobName="times", CloudWatchLogsRoleArn=ROLE
    )
    return dict(made["UserImportJob"])


def _csv(inproc: InProcess, pool_id: str, *names: str) -> bytes:
    header = inproc.idp.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    rows = [",".join(header)]
    for name in names:
        values = {
            "cognito:username": name,
            "email": f"{name}@example.com",
            "email_verified": "true",
        }
        rows.append(",".join(values.get(column, "") for column in header))
    return ("\n".join(rows) + "\n").encode()


def _put(inproc: InProcess, url: str, body: bytes) -> Response:
    parts = urlsplit(url)
    headers = {"x-amz-server-side-encryption": "aws:kms", "content-length": str(len(body))}
    work = dispatch(inproc.svc, "PUT", parts.path, headers.get, body, parts.query)
    return inproc.loop.run_until_complete(work)


def _describe(inproc: InProcess, pool_id: str, job: dict[str, Any]) -> dict[str, Any]:
    found = inproc.idp.describe_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    return dict(found["UserImportJob"])


def test_the_upload_url_takes_the_csv_for_fifteen_minutes(inproc: InProcess) -> None:
    pool_id = _pool(inproc)
    job = _job(inproc, pool_id)
    inproc.clock.advance(899)  # (X-Amz-Date is in whole seconds: 900 from its second)
    assert _put(inproc, job["PreSignedUrl"], _csv(inproc, pool_id, "amy")).status == 200
    inproc.clock.advance(2)
    late = _put(inproc, job["PreSignedUrl"], _csv(inproc, pool_id, "amy"))
    assert late.status == 403
    assert b"<Code>AccessDenied</Code><Message>Request has expired</Message>" in late.body


def test_without_a_running_server_start_runs_the_job_before_it_answers(
    inproc: InProcess,
) -> None:
    pool_id = _pool(inproc)
    job = _job(inproc, pool_id)
    assert _put(inproc, job["PreSignedUrl"], _csv(inproc, pool_id, "amy", "bob")).status == 200
    started = inproc.idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert started["UserImportJob"]["Status"] == "Pending"
    done = _describe(inproc, pool_id, job)
    assert (done["Status"], done["ImportedUsers"]) == ("Succeeded", 2)
    user = inproc.idp.admin_get_user(UserPoolId=pool_id, Username="bob")
    assert user["UserStatus"] == "RESET_REQUIRED"


def test_a_job_not_started_within_a_day_expires_and_cannot_start(inproc: InProcess) -> None:
    pool_id = _pool(inproc)
    job = _job(inproc, pool_id)
    _put(inproc, job["PreSignedUrl"], _csv(inproc, pool_id, "amy"))
    inproc.clock.advance(24 * 3600)
    assert _describe(inproc, pool_id, job)["Status"] == "Created"
    inproc.clock.advance(1)
    listed = inproc.idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=5)
    assert [j["Status"] for j in listed["UserImportJobs"]] == ["Expired"]
    with pytest.raises(CallError) as refused:
        inproc.idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    assert (refused.value.code, refused.value.message) == (
        "PreconditionNotMetException",
        f"Import job {job['JobId']} cannot be started: its status is Expired.",
    )
    with inproc.svc.store.read() as tx:
        stored = tx.get_import_job(job["JobId"])
        assert tx.import_chunk(stored.id, stored.upload or "", 0) is None  # its data went


def test_a_job_whose_runner_went_silent_is_failed_as_interrupted(inproc: InProcess) -> None:
    """As a job left InProgress by a server that died: it holds the pool (UpdateUserPool is
    UserImportInProgressException) until 30 s after its last heartbeat; then it is Failed."""
    pool_id = _pool(inproc)
    job = _job(inproc, pool_id)
    _put(inproc, job["PreSignedUrl"], _csv(inproc, pool_id, "amy"))
    with inproc.svc.store.transaction() as tx:  # what a runner does first, and no more
        running = tx.get_import_job(job["JobId"])
        running.status, running.started = "InProgress", inproc.clock.now()
        running.heartbeat = inproc.clock.now()
        tx.update_import_job(running, ("Created",))
    inproc.clock.advance(30)
    with pytest.raises(CallError) as busy:
        inproc.idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    assert (busy.value.code, busy.value.message) == (
        "UserImportInProgressException",
        f"A user import job is in progress for user pool {pool_id}.",
    )
    for refused in (
        lambda: inproc.idp.delete_user_pool(UserPoolId=pool_id),
        lambda: inproc.idp.add_custom_attributes(
            UserPoolId=pool_id,
            CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}],
        ),
    ):
        with pytest.raises(CallError) as held:
            refused()
        assert held.value.code == "UserImportInProgressException"
    assert _describe(inproc, pool_id, job)["Status"] == "InProgress"
    inproc.clock.advance(1)
    inproc.idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    failed = _describe(inproc, pool_id, job)
    assert (failed["Status"], failed["CompletionMessage"]) == ("Failed", IMPORT_INTERRUPTED)
    assert failed["CompletionDate"] == inproc.clock.now()


def test_a_pool_has_at_most_a_thousand_import_jobs(inproc: InProcess) -> None:
    pool_id = _pool(inproc)
    for _ in range(1000):
        _job(inproc, pool_id)
    with pytest.raises(CallError) as refused:
        _job(inproc, pool_id)
    assert (refused.value.code, refused.value.message) == (
        "LimitExceededException",
        "The user pool has reached its limit of 1000 import jobs.",
    )
