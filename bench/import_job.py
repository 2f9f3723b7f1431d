"""A user import job of many rows against request latency (issue 31, item 5).

``python -m bench.import_job [--rows 100000] [--users 400] [--concurrency 4] [--db URL]``
starts ``userpool serve`` (SQLite in a temp folder, or ``--db postgresql://...``), signs up
``2 × users`` users (codes from the outbox), then measures ConfirmSignUp latency for half
of them with no import running, uploads a CSV of ``rows`` users, starts the import job and
measures ConfirmSignUp for the other half while it runs, and reports the import's time
(StartDate to CompletionDate) and both latency distributions. Nothing is asserted: the
numbers go to stdout (docs/performance.md keeps the last ones).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from bench import cognito, procs
from bench.mixedload import JsonConn, parallel_calls

ROLE = "arn:aws:iam::123456789012:role/import-logs"


def _csv(header: list[str], rows: int) -> bytes:
    at = {name: i for i, name in enumerate(header)}
    lines = [",".join(header)]
    for n in range(rows):
        values = [""] * len(header)
        values[at["cognito:username"]] = f"imported{n:06d}"
        values[at["email"]] = f"imported{n:06d}@example.com"
        values[at["email_verified"]] = "true"
        values[at["given_name"]] = f"Given{n}"
        lines.append(",".join(values))
    return ("\n".join(lines) + "\n").encode()


def _latencies(port: int, bodies: list[bytes], concurrency: int) -> tuple[list[float], int]:
    """Each body sent once as ConfirmSignUp through ``concurrency`` keep-alive connections;
    the latencies (ms) and the number of answers other than 200."""
    local = threading.local()
    took: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def one(body: bytes) -> None:
        conn = getattr(local, "conn", None) or JsonConn(port, timeout=60.0)
        local.conn = conn
        began = time.perf_counter()
        status, _ = conn.call("ConfirmSignUp", body)
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            took.append(elapsed)
            failed[0] += status != 200

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, bodies))
    return took, failed[0]


def _summary(name: str, took: list[float], failed: int) -> str:
    ordered = sorted(took)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<28} n={len(took):<5} p50 {statistics.median(ordered):7.2f} ms   "
        f"p99 {p99:7.2f} ms   max {ordered[-1]:7.2f} ms   non-200 {failed}"
    )


def _wait_finished(idp: Any, pool_id: str, job_id: str) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = idp.describe_user_import_job(UserPoolId=pool_id, JobId=job_id)[
            "UserImportJob"
        ]
        if job["Status"] not in ("Pending", "InProgress"):
            return job
        time.sleep(0.25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=400, help="ConfirmSignUps per phase")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--db", help="a postgresql:// URL (default: SQLite in a temp folder)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    venv_bin = Path(sys.executable).parent
    server = procs.start_userpool(venv_bin, work / "userpool.db", work, "none", db_url=args.db)
    try:
        procs.wait_ready(server)
        idp = cognito.client(server.url)
        pool = cognito.make_pool(idp, "import-bench")
        names = cognito.usernames("b", 2 * args.users)
        signed = parallel_calls(server.port, "SignUp", cognito.signup_bodies(pool, names), 4, 600.0)
        print(f"signed up: {dict(signed)}", file=sys.stderr)
        if args.db:
            import psycopg

            def rows() -> list[tuple[str, str | None]]:
                with psycopg.connect(args.db) as db:
                    found = db.execute("SELECT destination, body FROM outbox ORDER BY id")
                    return [(str(r[0]), r[1]) for r in found.fetchall()]

            source = cognito.outbox_rows_codes(rows)
        else:
            source = cognito.outbox_codes(work / "userpool.db")
        codes = source([cognito.email_of(n) for n in names])
        bodies = cognito.confirm_bodies(pool, names, codes)
        before, during = bodies[: args.users], bodies[args.users :]

        quiet = _latencies(server.port, before, args.concurrency)

        header = idp.get_csv_header(UserPoolId=pool.pool_id)["CSVHeader"]
        job = idp.create_user_import_job(
            UserPoolId=pool.pool_id, JobName="bench", CloudWatchLogsRoleArn=ROLE
        )["UserImportJob"]
        data = _csv(header, args.rows)
        put = urllib.request.Request(
            job["PreSignedUrl"],
            data=data,
            method="PUT",
            headers={"x-amz-server-side-encryption": "aws:kms"},
        )
        began = time.perf_counter()
        urllib.request.urlopen(put, timeout=120).read()
        uploaded = time.perf_counter() - began
        idp.start_user_import_job(UserPoolId=pool.pool_id, JobId=job["JobId"])
        busy = _latencies(server.port, during, args.concurrency)
        state = idp.describe_user_import_job(UserPoolId=pool.pool_id, JobId=job["JobId"])
        still = state["UserImportJob"]["Status"]
        done = _wait_finished(idp, pool.pool_id, job["JobId"])
        seconds = (done["CompletionDate"] - done["StartDate"]).total_seconds()
        print(f"store: {'PostgreSQL' if args.db else 'SQLite'}; rows {args.rows}")
        print(f"upload: {len(data) / 1e6:.1f} MB in {uploaded:.2f} s")
        print(
            f"import: {done['Status']} in {seconds:.2f} s ({args.rows / seconds:.0f} rows/s); "
            f"imported {done['ImportedUsers']}, skipped {done['SkippedUsers']}, "
            f"failed {done['FailedUsers']}"
        )
        print(_summary("ConfirmSignUp, no import", *quiet))
        print(_summary("ConfirmSignUp, during import", *busy))
        print(f"(the job was {still} when the second phase ended)")
        print(orjson.dumps({"concurrency": args.concurrency}).decode(), file=sys.stderr)
    finally:
        procs.stop(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
