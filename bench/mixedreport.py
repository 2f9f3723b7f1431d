"""The mixed benchmark's result (``bench/run --mixed``): what a run gathers, its Markdown
report (phases A and B, the p99 ratio against the goal, the background load, the server's
busiest threads, the checks) and the files ``mixed-latest.md``/``.json`` with timestamped
copies.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.driver import Phase
from bench.mixedload import BgSummary

GOAL_RATIO = 2.0


@dataclass
class Result:
    """What one mixed run gathers: its settings, phases A and B, the background, the checks."""

    meta: dict[str, Any]
    phases: dict[str, Phase] = field(default_factory=dict)
    cores: dict[str, float] = field(default_factory=dict)  # server CPU / wall, per phase
    threads: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # busiest
    background: BgSummary | None = None
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _ms(value: float) -> str:
    return f"{value:,.2f}"


def render(result: Result) -> str:
    meta = result.meta
    lines = [
        "# Mixed load: ConfirmSignUp while SignUp and InitiateAuth saturate the hashers",
        "",
        f"- {meta['started']}; {meta['cpus']} cores ({meta['cpu_model']}); userpool "
        f"{meta['userpool']} (SQLite, --sender none) on 127.0.0.1",
        f"- foreground: ConfirmSignUp x{meta['users']} per phase at c={meta['concurrency']}, "
        f"{meta['engine']} ({meta['engine_note']}), each body sent once",
        f"- background (phase B only): {meta['bg_concurrency']} Python connections, closed "
        f"loop, alternating InitiateAuth (USER_PASSWORD_AUTH, {meta['signin_users']} "
        f"confirmed users, correct password) and SignUp (fresh usernames); started "
        f"{meta['settle']:.1f} s before the foreground, stopped after it",
        "- goal: p99(B) / p99(A) < 2×",
        "",
        "| phase | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU (cores) "
        "| foreign CPU | non-200 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {"A": "A: ConfirmSignUp alone", "B": "B: ConfirmSignUp + hash load"}
    for key, phase in result.phases.items():
        noisy = " (!)" if phase.foreign_cpu_pct > report.QUIET_PCT else ""
        errors = {**phase.errors, **phase.transport_errors}
        if not phase.complete:
            errors["unanswered"] = phase.n - phase.answered
        lines.append(
            f"| {labels[key]} | {phase.rps:,.0f} | {_ms(phase.p50_ms)} | {_ms(phase.p90_ms)} | "
            f"{_ms(phase.p99_ms)} | {_ms(phase.max_ms)} | {result.cores[key]:.2f} | "
            f"{phase.foreign_cpu_pct:.0f} %{noisy} | "
            f"{', '.join(f'{k}: {v}' for k, v in errors.items()) or '0'} |"
        )
    a, b = result.phases.get("A"), result.phases.get("B")
    if a and b and a.p99_ms > 0:
        ratio = b.p99_ms / a.p99_ms
        verdict = "met" if ratio < GOAL_RATIO else "MISSED"
        lines += [
            "",
            f"**p99(B) / p99(A) = {ratio:.2f}×** (goal < {GOAL_RATIO:.0f}×: {verdict}); "
            f"p50 {b.p50_ms / a.p50_ms if a.p50_ms else 0:.2f}×, "
            f"req/s {b.rps / a.rps if a.rps else 0:.2f}×",
        ]
        meta["p99_ratio"] = ratio
    bg = result.background
    if bg is not None:
        lat = "; ".join(
            f"{op} p50 {_ms(v['p50'])}, p99 {_ms(v['p99'])}, max {_ms(v['max'])}"
            for op, v in bg.latency_ms.items()
        )  # fmt: skip
        lines += [
            "",
            "## Background load (phase B)",
            "",
            "| measure | value |",
            "|---|---|",
            f"| hashes/s during the ConfirmSignUp window | {bg.window_hashes_per_s:.1f} "
            f"({bg.window_answers} answers in {bg.window_seconds:.2f} s) |",
            f"| hashes/s over the whole background run | {bg.hashes_per_s:.1f} "
            f"({bg.answered} answers in {bg.seconds:.2f} s) |",
            f"| hash ceiling (cores ÷ 38 ms) | {meta['cpus'] / 0.038:.0f} |",
            f"| started before / ended after the foreground | {bg.lead_s:.2f} s / "
            f"{bg.tail_s:.2f} s (covers it: {'yes' if bg.covers else 'NO'}) |",
            f"| answers by op and status | "
            f"{', '.join(f'{k}: {v}' for k, v in bg.outcomes.items()) or 'none'} |",
            f"| background latency ms (200s) | {lat or '-'} |",
        ]
    if result.threads:
        lines += [
            "",
            "## Server threads (busiest first)",
            "",
            "Cores over the phase's wall time: running / runnable but waiting for a CPU "
            "(`/proc/<pid>/task/<tid>/schedstat`). `(main)` is the worker's event-loop thread.",
            "",
            "| phase | thread (pid/tid) | running | waiting for a CPU |",
            "|---|---|---|---|",
        ]
        for key, rows in result.threads.items():
            lines += [f"| {key} | {t} | {run:.2f} | {wait:.2f} |" for t, run, wait in rows]
    lines += ["", "## Correctness", ""]
    lines += [f"- {name}: {value}" for name, value in result.checks.items()]
    verdict = "ok" if not result.problems else "FAIL"
    lines.append(f"- verdict: {verdict}")
    notes = list(result.notes)
    if any(p.foreign_cpu_pct > report.QUIET_PCT for p in result.phases.values()):
        notes.append(
            f"(!) other processes used more than {report.QUIET_PCT:.0f} % of the cores during "
            "that phase: its latency is inflated by them, so rerun in a quiet window to quote it"
        )
    notes.append(
        "server CPU (cores) = the server process tree's user+sys over the phase's wall time; "
        "in phase B it includes the hashing. In phase B the two argon2 threads should lead the "
        "thread table"
    )
    notes += [f"PROBLEM: {p}" for p in result.problems]
    lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write(out_dir: Path, markdown: str, result: Result) -> None:
    """mixed-latest.md/.json plus timestamped copies."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "meta": result.meta,
        "phases": {k: asdict(p) for k, p in result.phases.items()},
        "server_cores": result.cores,
        "server_threads": result.threads,
        "background": asdict(result.background) if result.background else None,
        "checks": result.checks,
        "problems": result.problems,
        "notes": result.notes,
    }
    text = json.dumps(data, indent=2) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in ("mixed-latest", f"mixed-{stamp}"):
        (out_dir / f"{name}.md").write_text(markdown)
        (out_dir / f"{name}.json").write_text(text)
