"""``userpool cognito-idp`` for user import jobs, on both transports: get-csv-header,
create-user-import-job and describe-user-import-job print Cognito's answers, and a job
started without an upload is PreconditionNotMetException with exit status 254."""

from __future__ import annotations

from tests.cli.harness import Up

ROLE = "arn:aws:iam::123456789012:role/import-logs"


def test_create_and_describe_an_import_job(up: Up) -> None:
    pool = up.pool("--auto-verified-attributes", "email")
    header = up.ok("get-csv-header", "--user-pool-id", pool)
    assert header["CSVHeader"][-2:] == ["cognito:mfa_enabled", "cognito:username"]

    made = up.ok(
        *["create-user-import-job", "--user-pool-id", pool, "--job-name", "from the CLI"],
        *["--cloud-watch-logs-role-arn", ROLE],
    )["UserImportJob"]
    assert (made["JobName"], made["Status"], made["ImportedUsers"]) == (
        "from the CLI",
        "Created",
        0,
    )
    assert f"/_userpool/imports/{pool}/{made['JobId']}?" in made["PreSignedUrl"]

    described = up.ok("describe-user-import-job", "--user-pool-id", pool, "--job-id", made["JobId"])
    assert described == {"UserImportJob": made}
    listed = up.ok("list-user-import-jobs", "--user-pool-id", pool, "--max-results", "5")
    assert [j["JobId"] for j in listed["UserImportJobs"]] == [made["JobId"]]

    refused = up("start-user-import-job", "--user-pool-id", pool, "--job-id", made["JobId"])
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        254,
        "",
        "\nAn error occurred (PreconditionNotMetException) when calling the StartUserImportJob "
        f"operation: No CSV file has been uploaded for import job {made['JobId']}.\n",
    )
