"""``userpool imports log JOB_ID``: a user import job's result for each row of its CSV, as
Cognito writes them to the job's CloudWatch Logs stream (``[FAILED] Line Number 5 - ...``;
the rows refer to lines of the file, the header being line 1, and carry no user data), or
as JSON lines (``--output json``). Only the rows skipped or failed are stored; a line up
to the last one the job read that is not among them was imported (SUCCEEDED)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

import orjson

from userpool.domain.ports import NotFound
from userpool.domain.store_ports import ImportJob, ImportLogLine
from userpool.domain.user_import import IMPORTED_TEXT, ROW_SUCCEEDED, log_text
from userpool.services import Runtime

PAGE = 1000


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], with_db: Any
) -> None:
    imports = commands.add_parser("imports", help="user import jobs").add_subparsers(
        dest="sub", required=True
    )
    log = with_db(
        imports.add_parser("log", help="a job's result for each row (Cognito's log lines)")
    )
    log.add_argument("job_id")
    log.add_argument("--output", choices=["text", "json"], default="text")
    log.add_argument("--problems", action="store_true", help="only the rows skipped or failed")


def _results(svc: Runtime, job: ImportJob, problems: bool) -> Iterator[ImportLogLine]:
    """Every row's result in line order (the ones imported unless ``problems``)."""
    after = 1  # the header
    while True:
        with svc.store.read() as tx:
            page = tx.import_log(job.id, after, PAGE)
        for entry in page:
            if not problems:
                for line in range(after + 1, entry.line):
                    yield ImportLogLine(line, ROW_SUCCEEDED, IMPORTED_TEXT)
            yield entry
            after = entry.line
        if len(page) < PAGE:
            break
    if not problems:
        for line in range(after + 1, job.last_line + 1):
            yield ImportLogLine(line, ROW_SUCCEEDED, IMPORTED_TEXT)


def log(svc: Runtime, args: argparse.Namespace) -> int:
    try:
        with svc.store.read() as tx:
            job = tx.get_import_job(args.job_id)
    except NotFound:
        print(f"no import job {args.job_id}", file=sys.stderr)
        return 1
    out = sys.stdout
    for entry in _results(svc, job, args.problems):
        if args.output == "json":
            record = {
                "user_pool_id": job.pool_id,
                "job_id": job.id,
                "line": entry.line,
                "outcome": entry.outcome,
                "message": entry.message,
            }
            out.write(orjson.dumps(record).decode() + "\n")
        else:
            out.write(log_text(entry.line, entry.outcome, entry.message) + "\n")
    return 0
