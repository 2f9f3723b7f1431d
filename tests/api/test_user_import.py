"""User import jobs through boto3 against a running server: GetCSVHeader, CreateUserImportJob
with its pre-signed URL, the CSV PUT to it (with urllib, requests, botocore's HTTP session
and curl, as clients upload to S3; refused as S3 refuses a bad or late URL), Start, Stop,
Describe and List, rows imported, skipped or failed with the per-row log
(``userpool imports log``), and a job of 20,000 rows that runs while requests are served.
Waits are on the job's state (DescribeUserImportJob), never on the clock."""

from __future__ import annotations

import hashlib
import http.client
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import USERPOOL, Server, outcome
from userpool.errors import IMPORT_INTERRUPTED

ROLE = "arn:aws:iam::123456789012:role/import-logs"
Pools = Callable[..., dict[str, Any]]
SSE = {"x-amz-server-side-encryption": "aws:kms"}


def _job(idp: Any, pool_id: str, name: str = "import") -> dict[str, Any]:
    made = idp.create_user_import_job(UserPoolId=pool_id, JobName=name, CloudWatchLogsRoleArn=ROLE)
    return dict(made["UserImportJob"])


def _csv(idp: Any, pool_id: str, rows: list[dict[str, str]]) -> bytes:
    header = idp.get_csv_header(UserPoolId=pool_id)["CSVHeader"]
    lines = [",".join(header)] + [",".join(row.get(c, "") for c in header) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _user(username: str, /, **more: str) -> dict[str, str]:
    return {
        "cognito:username": username,
        "email": f"{username}@example.com",
        "email_verified": "true",
        **more,
    }


def _put(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, data=body, method="PUT", headers=SSE | (headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _describe(idp: Any, pool_id: str, job_id: str) -> dict[str, Any]:
    return dict(idp.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)["UserImportJob"])


def _done(idp: Any, pool_id: str, job_id: str) -> dict[str, Any]:
    """The job once it has left Pending and InProgress (asked again and again)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = _describe(idp, pool_id, job_id)
        if job["Status"] not in ("Pending", "InProgress"):
            return job
    raise AssertionError(f"job {job_id} still running")


def _import(idp: Any, pool_id: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    job = _job(idp, pool_id)
    assert _put(job["PreSignedUrl"], _csv(idp, pool_id, rows))[0] == 200
    idp.start_user_import_job(UserPoolId=pool_id, JobId=job["JobId"])
    return _done(idp, pool_id, job["JobId"])


def _log(server: Server, job_id: str, *extra: str) -> list[str]:
    done = subprocess.run(
        [USERPOOL, "imports", "log", job_id, "--db", server.db, *extra],
        capture_output=True,
        text=True,
        check=True,
        env=server.env,
    )
    return done.stdout.splitlines()


def test_the_csv_header_lists_the_pools_attributes(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}])
    header = idp.get_csv_header(UserPoolId=pool["Id"])
    assert header["UserPoolId"] == pool["Id"]
    assert header["CSVHeader"][:3] == ["name", "given_name", "family_name"]
    assert header["CSVHeader"][-3:] == ["custom:team", "cognito:mfa_enabled", "cognito:username"]
    assert len(header["CSVHeader"]) == 22
    assert outcome(lambda: idp.get_csv_header(UserPoolId="us-east-1_nothere1")) == (
        "ResourceNotFoundException",
        "User pool us-east-1_nothere1 does not exist.",
    )


def test_a_new_job_is_created_with_an_upload_url_on_this_server(
    server: Server, idp: Any, make_pool: Pools
) -> None:
    pool = make_pool()
    job = _job(idp, pool["Id"], "first import")
    assert job["JobId"].startswith("import-") and len(job["JobId"]) == 17
    assert {k: job[k] for k in ("JobName", "UserPoolId", "Status", "CloudWatchLogsRoleArn")} == {
        "JobName": "first import",
        "UserPoolId": pool["Id"],
        "Status": "Created",
        "CloudWatchLogsRoleArn": ROLE,
    }
    assert (job["ImportedUsers"], job["SkippedUsers"], job["FailedUsers"]) == (0, 0, 0)
    url = urlsplit(job["PreSignedUrl"])
    assert f"{url.scheme}://{url.netloc}" == server.url
    assert url.path == f"/_userpool/imports/{pool['Id']}/{job['JobId']}"
    assert "X-Amz-Expires=900" in url.query and "X-Amz-Signature=" in url.query
    assert _describe(idp, pool["Id"], job["JobId"]) == job

    refused = outcome(lambda: idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"]))
    assert refused == (
        "PreconditionNotMetException",
        f"No CSV file has been uploaded for import job {job['JobId']}.",
    )
    stopped = outcome(lambda: idp.stop_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"]))
    assert stopped == (
        "PreconditionNotMetException",
        f"Import job {job['JobId']} cannot be stopped: its status is Created.",
    )
    missing = outcome(lambda: _describe(idp, pool["Id"], "import-nothere123"))
    assert missing == ("ResourceNotFoundException", "Import job import-nothere123 does not exist.")
    elsewhere = make_pool()
    assert outcome(lambda: _describe(idp, elsewhere["Id"], job["JobId"]))[0] == (
        "ResourceNotFoundException"
    )


def test_a_pool_without_auto_verified_attributes_cannot_start_a_job(
    idp: Any, make_pool: Pools
) -> None:
    pool = make_pool(AutoVerifiedAttributes=[])
    job = _job(idp, pool["Id"])
    assert _put(job["PreSignedUrl"], _csv(idp, pool["Id"], [_user("amy")]))[0] == 200
    code, message = outcome(
        lambda: idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"])
    )
    assert (code, "auto-verified" in message) == ("PreconditionNotMetException", True)


def test_rows_are_imported_skipped_or_failed_and_each_is_in_the_log(
    server: Server, idp: Any, make_pool: Pools
) -> None:
    pool = make_pool()
    pid = pool["Id"]
    rows = [
        _user("alice", name=" Alice ", email_verified="TRUE"),  # 2 imported
        _user("bob", email_verified="false"),  # 3 no auto-verified attribute true
        _user("alice", email="other@example.com"),  # 4 the user exists
        {"cognito:username": "carol", "email_verified": "true"},  # 5 no email
        _user("dave", birthdate="1985-02-01"),  # 6 not mm/dd/yyyy
        _user("erin", name=r"Roe\, Erin", birthdate="02/01/1985"),  # 7 imported
        _user("frank", **{"cognito:mfa_enabled": "true"}),  # 8 the pool's MFA is off
        _user("two words"),  # 9 a space in the username
        _user("gina", updated_at="yesterday"),  # 10 not a number
    ]
    body = _csv(idp, pid, rows).replace(b"\n", b"\nshort,row\n", 1)  # 2: too few values
    job = _job(idp, pid)
    assert _put(job["PreSignedUrl"], body)[0] == 200
    started = idp.start_user_import_job(UserPoolId=pid, JobId=job["JobId"])["UserImportJob"]
    assert (started["Status"], "StartDate" in started) == ("Pending", True)
    done = _done(idp, pid, job["JobId"])

    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (2, 1, 7)
    assert (done["Status"], done["CompletionMessage"]) == (
        "Failed",
        "Too many users have failed or been skipped during the import.",
    )
    assert done["CompletionDate"] >= done["StartDate"]
    alice = idp.admin_get_user(UserPoolId=pid, Username="alice")
    assert alice["UserStatus"] == "RESET_REQUIRED"
    attributes = {a["Name"]: a["Value"] for a in alice["UserAttributes"]}
    assert {k: attributes[k] for k in ("name", "email", "email_verified")} == {
        "name": "Alice",
        "email": "alice@example.com",
        "email_verified": "true",
    }
    erin = idp.admin_get_user(UserPoolId=pid, Username="erin")
    assert {"Name": "name", "Value": "Roe, Erin"} in erin["UserAttributes"]
    assert _log(server, job["JobId"]) == [
        "[FAILED] Line Number 2 - The row has 2 values where the header has 21 columns.",
        "[SUCCEEDED] Line Number 3 - The import succeeded.",
        "[FAILED] Line Number 4 - The User Record does not set any of the auto verified "
        "attributes to true. (Example: email_verified to true).",
        "[SKIPPED] Line Number 5 - The user already exists.",
        "[FAILED] Line Number 6 - email_verified is true but the row has no email.",
        "[FAILED] Line Number 7 - birthdate must be written mm/dd/yyyy.",
        "[SUCCEEDED] Line Number 8 - The import succeeded.",
        "[FAILED] Line Number 9 - cognito:mfa_enabled must be false or blank: the pool's MFA "
        "is off.",
        "[FAILED] Line Number 10 - cognito:username is required: up to 128 characters, no "
        "spaces or tabs.",
        "[FAILED] Line Number 11 - Attributes did not conform to the schema: updated_at: "
        "Number must be a number",
    ]
    problems = _log(server, job["JobId"], "--problems", "--output", "json")
    assert len(problems) == 8 and '"line":5,"outcome":"SKIPPED"' in problems[2]


def test_imported_users_reset_their_password_before_they_sign_in(
    server: Server, idp: Any, make_pool: Pools, make_client: Callable[..., dict[str, Any]]
) -> None:
    pool = make_pool()
    client = make_client(pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    done = _import(idp, pool["Id"], [_user(f"imp{n}") for n in range(3)])
    assert (done["Status"], done["CompletionMessage"]) == (
        "Succeeded",
        "Import Job Completed Successfully.",
    )
    assert (done["ImportedUsers"], done["SkippedUsers"], done["FailedUsers"]) == (3, 0, 0)

    def sign_in(password: str) -> Any:
        return idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "imp1", "PASSWORD": password},
        )

    assert outcome(lambda: sign_in("Any-passw0rd"))[0] == "PasswordResetRequiredException"
    idp.forgot_password(ClientId=client["ClientId"], Username="imp1")
    idp.confirm_forgot_password(
        ClientId=client["ClientId"],
        Username="imp1",
        ConfirmationCode=server.code("imp1@example.com"),
        Password="N3w-passw0rd!",
    )
    assert "AuthenticationResult" in sign_in("N3w-passw0rd!")
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="imp1")["UserStatus"] == "CONFIRMED"
    again = _import(idp, pool["Id"], [_user("imp1"), _user("imp2")])
    assert (again["Status"], again["SkippedUsers"]) == ("Failed", 2)


def _with_urllib(url: str, path: Path) -> tuple[int, str]:
    status, headers, _ = _put(url, path.read_bytes())
    return status, headers["etag"]


def _with_requests(url: str, path: Path) -> tuple[int, str]:
    import requests

    with path.open("rb") as f:
        answer = requests.put(url, data=f, headers=SSE, timeout=60)
    return answer.status_code, answer.headers["etag"]


def _with_requests_chunked(url: str, path: Path) -> tuple[int, str]:
    import requests

    data = path.read_bytes()
    pieces = (data[i : i + 7000] for i in range(0, len(data), 7000))  # no length: chunked
    answer = requests.put(url, data=pieces, headers=SSE, timeout=60)
    return answer.status_code, answer.headers["etag"]


def _with_botocore(url: str, path: Path) -> tuple[int, str]:
    """As an AWS SDK sends a request to a pre-signed URL: botocore's request and session,
    with ``Expect: 100-continue`` as it sends for S3 uploads."""
    from botocore.awsrequest import AWSRequest
    from botocore.httpsession import URLLib3Session

    headers = SSE | {"Expect": "100-continue"}
    request = AWSRequest(method="PUT", url=url, data=path.read_bytes(), headers=headers)
    answer = URLLib3Session().send(request.prepare())
    return answer.status_code, answer.headers["etag"]


def _with_curl(url: str, path: Path) -> tuple[int, str]:
    """The developer guide's command: ``curl -T file -H "x-amz-server-side-encryption:aws:kms"``."""
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    done = subprocess.run(
        ["curl", "-sS", "-D", "-", "-o", "/dev/null", "-T", str(path)]
        + ["-H", "x-amz-server-side-encryption:aws:kms", url],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()  # a 100 Continue, then the answer
    status = [line for line in lines if line.startswith("HTTP/")][-1].split()[1]
    etag = [line.split(": ", 1)[1] for line in lines if line.lower().startswith("etag: ")]
    return int(status), etag[-1]


@pytest.mark.parametrize(
    "upload",
    [_with_urllib, _with_requests, _with_requests_chunked, _with_botocore, _with_curl],
    ids=["urllib", "requests", "requests-chunked", "botocore", "curl"],
)
def test_the_csv_is_put_to_the_url_as_clients_upload_to_s3(
    idp: Any, make_pool: Pools, tmp_path: Path, upload: Callable[[str, Path], tuple[int, str]]
) -> None:
    pool = make_pool()
    job = _job(idp, pool["Id"])
    path = tmp_path / "users.csv"
    path.write_bytes(_csv(idp, pool["Id"], [_user(f"u{n}") for n in range(300)]))
    status, etag = upload(job["PreSignedUrl"], path)
    assert (status, etag) == (200, f'"{hashlib.md5(path.read_bytes()).hexdigest()}"')
    idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"])
    assert _done(idp, pool["Id"], job["JobId"])["ImportedUsers"] == 300


def _s3_error(answer: tuple[int, Any, bytes]) -> tuple[int, str]:
    status, headers, body = answer
    assert headers["content-type"] == "application/xml"
    code = body.split(b"<Code>")[1].split(b"</Code>")[0].decode()
    return status, code


def test_a_put_with_a_wrong_url_or_header_is_refused_as_s3_refuses_it(
    server: Server, idp: Any, make_pool: Pools
) -> None:
    pool = make_pool()
    job, other = _job(idp, pool["Id"]), _job(idp, pool["Id"])
    url = job["PreSignedUrl"]
    body = _csv(idp, pool["Id"], [_user("amy")])
    tampered = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert _s3_error(_put(tampered, body)) == (403, "SignatureDoesNotMatch")
    no_header = urllib.request.Request(url, data=body, method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(no_header, timeout=30)
    assert (refused.value.code, b"<Code>SignatureDoesNotMatch</Code>" in refused.value.read()) == (
        403,
        True,
    )
    crossed = url.replace(job["JobId"], other["JobId"])
    assert _s3_error(_put(crossed, body)) == (403, "SignatureDoesNotMatch")
    bare = url.split("?")[0]
    assert _s3_error(_put(bare, body)) == (400, "AuthorizationQueryParametersError")

    # Too large, as declared: answered at the headers, before any of the body is sent.
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("PUT", f"{parts.path}?{parts.query}")
    conn.putheader("x-amz-server-side-encryption", "aws:kms")
    conn.putheader("content-length", str(100 * 1024 * 1024 + 1))
    conn.endheaders()
    answer = conn.getresponse()
    assert (answer.status, b"<Code>EntityTooLarge</Code>" in answer.read()) == (400, True)
    conn.close()

    assert _describe(idp, pool["Id"], job["JobId"])["Status"] == "Created"
    assert _put(url, body)[0] == 200  # the URL still works for a right PUT
    idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"])
    assert _s3_error(_put(url, body)) == (403, "AccessDenied")  # no upload once started
    assert _done(idp, pool["Id"], job["JobId"])["ImportedUsers"] == 1


def test_a_second_upload_replaces_the_first(idp: Any, make_pool: Pools) -> None:
    pool = make_pool()
    job = _job(idp, pool["Id"])
    assert _put(job["PreSignedUrl"], _csv(idp, pool["Id"], [_user("old")]))[0] == 200
    assert _put(job["PreSignedUrl"], _csv(idp, pool["Id"], [_user("n1"), _user("n2")]))[0] == 200
    idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"])
    assert _done(idp, pool["Id"], job["JobId"])["ImportedUsers"] == 2
    names = [u["Username"] for u in idp.list_users(UserPoolId=pool["Id"])["Users"]]
    assert sorted(names) == ["n1", "n2"]


def test_jobs_are_listed_newest_first_a_page_at_a_time(idp: Any, make_pool: Pools) -> None:
    pool = make_pool()
    made = [_job(idp, pool["Id"], f"job {n}")["JobId"] for n in range(3)]
    first = idp.list_user_import_jobs(UserPoolId=pool["Id"], MaxResults=2)
    assert [j["JobId"] for j in first["UserImportJobs"]] == made[:0:-1]
    rest = idp.list_user_import_jobs(
        UserPoolId=pool["Id"], MaxResults=2, PaginationToken=first["PaginationToken"]
    )
    assert [j["JobId"] for j in rest["UserImportJobs"]] == made[:1]
    assert "PaginationToken" not in rest
    empty = idp.list_user_import_jobs(UserPoolId=make_pool()["Id"], MaxResults=5)
    assert empty["UserImportJobs"] == [] and "PaginationToken" not in empty
    bad = outcome(
        lambda: idp.list_user_import_jobs(
            UserPoolId=pool["Id"], MaxResults=2, PaginationToken="not-a-token"
        )
    )
    assert bad == ("InvalidParameterException", "Invalid pagination token.")


ROWS = 20_000


def _large(idp: Any, pool_id: str, rows: int = ROWS) -> dict[str, Any]:
    """A Created job with ``rows`` good users uploaded."""
    job = _job(idp, pool_id, "large")
    body = _csv(idp, pool_id, [_user(f"bulk{n:06d}") for n in range(rows)])
    assert _put(job["PreSignedUrl"], body)[0] == 200
    return job


def _progressing(idp: Any, pool_id: str, job_id: str) -> dict[str, Any]:
    """The job, once it shows users imported while still InProgress."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = _describe(idp, pool_id, job_id)
        if job["Status"] == "InProgress" and job["ImportedUsers"] > 0:
            return job
        assert job["Status"] in ("Pending", "InProgress"), job
    raise AssertionError("the job never showed progress")


def test_a_large_job_runs_while_requests_are_served(idp: Any, make_pool: Pools) -> None:
    """While 20,000 rows import, other requests are answered between the job's batches:
    a user is read, the pool refuses changes (UserImportInProgressException), a second job
    of the pool may not start; and the job has gone on in between."""
    pool = make_pool()
    pid = pool["Id"]
    idp.admin_create_user(UserPoolId=pid, Username="resident", MessageAction="SUPPRESS")
    job = _large(idp, pid)
    second = _job(idp, pid, "second")
    _put(second["PreSignedUrl"], _csv(idp, pid, [_user("later")]))
    idp.start_user_import_job(UserPoolId=pid, JobId=job["JobId"])

    seen = [_progressing(idp, pid, job["JobId"])["ImportedUsers"]]
    rounds: list[list[tuple[str, str]]] = []  # answers given while the job was InProgress
    while True:
        answers = [
            outcome(lambda: idp.admin_get_user(UserPoolId=pid, Username="resident")),
            outcome(lambda: idp.update_user_pool(UserPoolId=pid, AutoVerifiedAttributes=["email"])),
            outcome(lambda: idp.start_user_import_job(UserPoolId=pid, JobId=second["JobId"])),
        ]
        state = _describe(idp, pid, job["JobId"])
        if state["Status"] != "InProgress":
            break
        rounds.append(answers)
        seen.append(state["ImportedUsers"])
    # Requests were answered while the job ran, and it imported more in between.
    assert rounds and seen[-1] > seen[0], seen
    busy = f"A user import job is in progress for user pool {pid}."
    second_refused = f"Import job {job['JobId']} of this user pool is in progress."
    assert all(
        answers
        == [
            ("ok", ""),
            ("UserImportInProgressException", busy),
            ("PreconditionNotMetException", second_refused),
        ]
        for answers in rounds
    )

    done = _done(idp, pid, job["JobId"])
    assert (done["Status"], done["ImportedUsers"]) == ("Succeeded", ROWS)
    if answers[2] != ("ok", ""):  # (the last round may have come just after the job's end)
        idp.start_user_import_job(UserPoolId=pid, JobId=second["JobId"])
    assert _done(idp, pid, second["JobId"])["ImportedUsers"] == 1
    idp.update_user_pool(UserPoolId=pid, AutoVerifiedAttributes=["email"])  # held no more
    users = idp.describe_user_pool(UserPoolId=pid)["UserPool"]["EstimatedNumberOfUsers"]
    assert users == ROWS + 2


def test_a_job_stopped_midway_imports_no_more(server: Server, idp: Any, make_pool: Pools) -> None:
    pool = make_pool()
    pid = pool["Id"]
    job = _large(idp, pid)
    idp.start_user_import_job(UserPoolId=pid, JobId=job["JobId"])
    _progressing(idp, pid, job["JobId"])

    stopped = idp.stop_user_import_job(UserPoolId=pid, JobId=job["JobId"])["UserImportJob"]
    assert (stopped["Status"], stopped["CompletionMessage"]) == (
        "Stopped",
        "The Import Job was stopped by the developer.",
    )
    imported = stopped["ImportedUsers"]
    assert 0 < imported < ROWS
    assert stopped["CompletionDate"] >= stopped["StartDate"]
    for verb, again in (
        ("stopped", idp.stop_user_import_job),
        ("started", idp.start_user_import_job),
    ):
        assert outcome(lambda again=again: again(UserPoolId=pid, JobId=job["JobId"])) == (
            "PreconditionNotMetException",
            f"Import job {job['JobId']} cannot be {verb}: its status is Stopped.",
        )
    idp.update_user_pool(UserPoolId=pid, AutoVerifiedAttributes=["email"])  # not held
    count = idp.describe_user_pool(UserPoolId=pid)["UserPool"]["EstimatedNumberOfUsers"]
    assert count == imported == _describe(idp, pid, job["JobId"])["ImportedUsers"]
    assert len(_log(server, job["JobId"])) == imported  # a line for each row read


def test_a_job_running_when_its_server_stops_is_failed_as_interrupted(
    tmp: Path, started: list[Server]
) -> None:
    server = Server(tmp)
    started.append(server.start())
    idp = server.client()
    pid = idp.create_user_pool(PoolName="restart", AutoVerifiedAttributes=["email"])["UserPool"][
        "Id"
    ]
    job = _large(idp, pid, 50_000)
    idp.start_user_import_job(UserPoolId=pid, JobId=job["JobId"])
    _progressing(idp, pid, job["JobId"])
    server.stop()
    server.start()
    after = _describe(idp, pid, job["JobId"])
    assert (after["Status"], after["CompletionMessage"]) == ("Failed", IMPORT_INTERRUPTED)
    assert 0 < after["ImportedUsers"] < 50_000
    assert (
        idp.describe_user_pool(UserPoolId=pid)["UserPool"]["EstimatedNumberOfUsers"]
        == (after["ImportedUsers"])
    )
    idp.update_user_pool(UserPoolId=pid, AutoVerifiedAttributes=["email"])  # not held


def _peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM) in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def test_a_large_upload_streams_through_without_being_held(
    tmp: Path, started: list[Server]
) -> None:
    """70 MiB, past what a JSON request may even be read to (64 MiB): stored whole (its
    ETag is the body's MD5) while the server's peak memory grows by a fraction of it."""
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc to read a process's peak memory from")
    server = Server(tmp)
    started.append(server.start())
    assert server.proc is not None
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName="big", AutoVerifiedAttributes=["email"])["UserPool"][
        "Id"
    ]
    job = _job(idp, pool_id)
    path = tmp / "big.csv"
    line = b"x" * 1023 + b"\n"
    with path.open("wb") as f:
        for _ in range(70 * 1024):
            f.write(line)
    before = _peak_memory(server.proc.pid)
    status, etag = _with_requests(job["PreSignedUrl"], path)
    grown = _peak_memory(server.proc.pid) - before
    digest = hashlib.md5()
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            digest.update(piece)
    assert (status, etag) == (200, f'"{digest.hexdigest()}"')
    assert grown < 24 * 1024 * 1024, f"peak memory grew by {grown / 2**20:.0f} MiB"
