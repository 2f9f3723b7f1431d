"""docs/compatibility.md's table of operations is what ``scripts/coverage-table`` makes
from REGISTRY and botocore's model: it cannot drift when operations are added, and its
hand-kept notes (``PARTIAL``) name only served operations of the model."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.helpers import ROOT
from userpool.cli import coverage
from userpool.model import service_model
from userpool.operations import REGISTRY

DOC = ROOT / "docs" / "compatibility.md"
REGENERATE = (
    "docs/compatibility.md's table of operations differs from what REGISTRY and the model "
    "make. Run scripts/coverage-table (or `.venv/bin/python -m userpool.cli.coverage`) and "
    "commit docs/compatibility.md; if an operation you added is served only in part, first "
    "say what differs in PARTIAL in userpool/cli/coverage.py (one line)."
)


def test_the_table_in_the_doc_is_the_generated_one() -> None:
    found = coverage.current(DOC.read_text())
    assert found is not None, f"no coverage table in {DOC}: {REGENERATE}"
    assert found == coverage.table(), REGENERATE


def test_partial_notes_name_only_served_operations_of_the_model() -> None:
    problems = coverage.mistakes()
    assert problems == [], (
        "PARTIAL in userpool/cli/coverage.py names what it should not (a note belongs to a "
        f"served operation of the model, one line without '|'): {problems}"
    )
    assert set(coverage.PARTIAL) <= set(REGISTRY) & set(service_model()["operations"])


def test_every_operation_of_the_model_has_one_row_with_its_status() -> None:
    block = coverage.table().splitlines()
    rows = [line.split(" | ") for line in block if line.startswith("| ") and "---" not in line]
    header, *body = rows
    assert header == ["| operation", "status", "what differs |"]
    names = [row[0].removeprefix("| ") for row in body]
    assert names == sorted(service_model()["operations"])
    assert len(names) == len(service_model()["operations"]) == 122  # botocore 1.43.11
    statuses = {row[0].removeprefix("| "): row[1] for row in body}
    for name, status in statuses.items():
        if name not in REGISTRY:
            assert status == "not yet", name
        else:
            assert status == ("partial" if name in coverage.PARTIAL else "served"), name
    served = sum(status != "not yet" for status in statuses.values())
    assert f"{served} of the model's 122 operations are served" in block[1]


def test_the_script_finds_drift_and_mends_it(tmp_path: Path) -> None:
    copy = tmp_path / "compatibility.md"
    good = DOC.read_text()
    assert coverage.main(["--check", "--doc", str(DOC)]) == 0, REGENERATE
    copy.write_text(good.replace("| SignUp | served |", "| SignUp | not yet |"))
    assert coverage.main(["--check", "--doc", str(copy)]) == 1
    assert coverage.main(["--doc", str(copy)]) == 0
    assert copy.read_text() == good
    done = subprocess.run(
        [str(ROOT / "scripts" / "coverage-table"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{done.stderr}\n{REGENERATE}"


def test_a_note_on_a_name_that_is_no_served_operation_is_reported(monkeypatch: Any) -> None:
    unserved = sorted(set(service_model()["operations"]) - set(REGISTRY))[:1]
    notes = {**coverage.PARTIAL, "SignUpp": "a typo", "SignUp": "two | cells"}
    notes.update((name, "not served") for name in unserved)
    monkeypatch.setattr(coverage, "PARTIAL", notes)
    problems = coverage.mistakes()
    assert "SignUpp: not an operation of the model" in problems
    assert "SignUp: a note is one line without '|'" in problems
    for name in unserved:  # none once every operation is served
        assert f"{name}: not served (not in REGISTRY)" in problems
    assert coverage.main(["--check"]) == 1
