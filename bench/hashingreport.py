"""Report of ``bench/run --hashing``: the table, each userpool setting against moto, normal
against the Argon2 bound, the goals of issue 31 item 9 (met or missed, never asserted),
JSON."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.fullreport import _correctness_section, _x, summarize
from bench.report import QUIET_PCT, _num, _range, cpu_model

__all__ = ["cpu_model", "render", "write"]

HASHED = ("SignUp", "InitiateAuth")
NORMAL = ("normal", "normal-cores")
GOAL_SHARE = 0.9  # normal: at least 90 % of the Argon2 bound


def bounds(data: dict[str, Any]) -> dict[str, float]:
    """Argon2 bound per op, req/s: the cores ÷ the median CPU cost of one hash (SignUp)
    or one verify (InitiateAuth) over this run's measurements."""
    costs, cores = data["argon2"], data["meta"]["cpus"]
    if not costs:
        return {}
    hash_ms = statistics.median(c["hash_ms"] for c in costs)
    verify_ms = statistics.median(c["verify_ms"] for c in costs)
    return {"SignUp": cores * 1000 / hash_ms, "InitiateAuth": cores * 1000 / verify_ms}


def against_bound(rows: list[dict[str, Any]], bound: dict[str, float],
                  costs: list[dict[str, float]]) -> list[dict[str, Any]]:  # fmt: skip
    """normal's rows: req/s ÷ the bound, and the share of the server's CPU per request
    that one Argon2 operation is (how close it would come with every core to itself)."""
    out = []
    for r in rows:
        if r["server"] not in NORMAL or r["op"] not in HASHED or r["op"] not in bound:
            continue
        cost = statistics.median(c["hash_ms" if r["op"] == "SignUp" else "verify_ms"]
                                 for c in costs)  # fmt: skip
        out.append({
            "server": r["server"], "op": r["op"], "concurrency": r["concurrency"],
            "rps": r["rps"], "bound": bound[r["op"]], "share": r["rps"] / bound[r["op"]],
            "argon2_share_of_cpu": cost / r["server_cpu_ms"] if r["server_cpu_ms"] else None,
            "foreign_cpu_pct": r["foreign_cpu_pct"],
        })  # fmt: skip
    return out


def goals(rows: list[dict[str, Any]], near: list[dict[str, Any]]) -> list[dict[str, str]]:
    by = {(r["server"], r["op"], r["concurrency"]): r for r in rows}
    out: list[dict[str, str]] = []

    def add(goal: str, value: str, met: bool | None) -> None:
        status = "not measured" if met is None else ("met" if met else "MISSED")
        out.append({"goal": goal, "value": value, "status": status})

    for op in HASHED:
        for c in sorted({r["concurrency"] for r in rows}):
            mine, moto = by.get(("fast", op, c)), by.get(("moto", op, c))
            if mine and moto and moto["rps"]:
                ratio = mine["rps"] / moto["rps"]
                add(f"fast {op} c={c} ≥ moto_server req/s",
                    f"{ratio:.2f}× ({_num(mine['rps'], 0)} vs {_num(moto['rps'], 0)})",
                    ratio >= 1)  # fmt: skip
            else:
                add(f"fast {op} c={c} ≥ moto_server req/s", "–", None)
    for q in near:
        add(f"{q['server']} {q['op']} c={q['concurrency']} ≥ {GOAL_SHARE:.0%} of the Argon2 bound",
            f"{q['share']:.0%} ({_num(q['rps'], 1)} of {_num(q['bound'], 1)}/s)",
            q["share"] >= GOAL_SHARE)  # fmt: skip
    return out


def render(data: dict[str, Any]) -> str:
    meta = data["meta"]
    labels: dict[str, str] = meta["labels"]
    rows = summarize(data["phases"], list(labels))
    bound = bounds(data)
    near = against_bound(rows, bound, data["argon2"])
    data["summary"], data["bound"], data["against_bound"] = rows, bound, near
    data["goals"] = goals(rows, near)
    opts = "; ".join(f"{k}: `{' '.join(v)}`" for k, v in meta["options"].items())
    lines = [
        "# userpool password hashing benchmark: normal, fast and moto_server",
        "",
        f"- {meta['started']} – {meta.get('finished', '?')}; {meta['cpus']} cores "
        f"({meta['cpu_model']}); command: `{meta['command']}`",
        f"- engine: {meta['engine']} — {meta['engine_note']}",
        f"- {meta['users']} users per pool (fresh pool per level and run), "
        f"c={','.join(map(str, meta['levels']))}, {meta['runs']} run(s), medians (range); "
        f"warm-up {meta['warmup']}; userpool {meta['userpool']}, moto {meta['moto']}, all on "
        f"127.0.0.1",
        f"- userpool options besides the bench's usual ones: {opts}",
        "- the machine may be shared: foreign CPU is the share of all cores other processes "
        "used during a phase; req/s is then a lower bound, server CPU ms/req holds up",
        "",
        "## Goals (issue 31, item 9)",
        "",
        "| goal | measured | status |",
        "|---|---|---|",
    ]
    lines += [f"| {g['goal']} | {g['value']} | {g['status']} |" for g in data["goals"]]
    lines += ["", "## Throughput, latency, cost", "",
              "| server | op | c | req/s | p50 ms | p99 ms | server CPU ms/req | foreign CPU | "
              "non-200 / wrong |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        noisy = " (!)" if r["foreign_cpu_pct"] > QUIET_PCT else ""
        lines.append(
            f"| {labels.get(r['server'], r['server'])} | {r['op']} | {r['concurrency']} | "
            f"{r['rps_text']} | {_num(r['p50_ms'], 2)} | {_num(r['p99_ms'], 2)} | "
            f"{_range([r['server_cpu_ms']], 3)} | {r['foreign_cpu_pct']:.0f} %{noisy} | "
            f"{r['errors']} |"
        )
    lines += _ratio_section(rows, labels) + _bound_section(data, near, labels)
    lines += _correctness_section({**data, "sizes": []}, labels)
    lines += ["", "Stored password hashes' parameters (distinct, per server): "
              + "; ".join(f"{labels.get(k, k)}: {', '.join(v) or 'none'}"
                          for k, v in data["stored"].items())]  # fmt: skip
    notes = [f"PROBLEM: {p}" for p in data["problems"]]
    if any(r["foreign_cpu_pct"] > QUIET_PCT for r in rows):
        notes.append(f"(!) other processes used more than {QUIET_PCT:.0f} % of the cores during "
                     "that phase: req/s is a lower bound")  # fmt: skip
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _ratio_section(rows: list[dict[str, Any]], labels: dict[str, str]) -> list[str]:
    by = {(r["server"], r["op"], r["concurrency"]): r for r in rows}
    lines = ["", "## Ratios to moto_server", "",
             "req/s ×: userpool req/s ÷ moto_server req/s. CPU ×: moto's CPU/req ÷ userpool's "
             "(how many times cheaper userpool is).", "",
             "| server | op | c | req/s | req/s × moto | CPU × moto |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        moto = by.get(("moto", r["op"], r["concurrency"]))
        if r["server"] == "moto" or not moto:
            continue
        rps_x = r["rps"] / moto["rps"] if moto["rps"] else None
        cpu_x = moto["server_cpu_ms"] / r["server_cpu_ms"] if r["server_cpu_ms"] else None
        lines.append(f"| {labels.get(r['server'], r['server'])} | {r['op']} | "
                     f"{r['concurrency']} | {_num(r['rps'], 0)} | {_x(rps_x, 2)} | "
                     f"{_x(cpu_x, 1)} |")  # fmt: skip
    return lines


def _bound_section(data: dict[str, Any], near: list[dict[str, Any]],
                   labels: dict[str, str]) -> list[str]:  # fmt: skip
    costs, cores = data["argon2"], data["meta"]["cpus"]
    if not costs:
        return []
    lines = ["", "## normal against the Argon2 bound", "",
             f"Argon2id at normal's parameters (m=19 MiB, t=2, p=1), timed in the driver "
             f"({data['meta']['hash_samples']} of each per measurement, {len(costs)} "
             f"measurements, before each run and after the last): one hash "
             f"{_range([c['hash_ms'] for c in costs], 1)} ms of CPU, one verify "
             f"{_range([c['verify_ms'] for c in costs], 1)} ms; {cores} threads hashing at "
             f"once: {_range([c['parallel_per_s'] for c in costs], 1)} hashes/s (wall clock). "
             f"Bound = {cores} cores ÷ the median cost: SignUp "
             f"{_num(data['bound'].get('SignUp', 0), 1)}/s, InitiateAuth "
             f"{_num(data['bound'].get('InitiateAuth', 0), 1)}/s. Argon2 share of CPU = the "
             "cost of one hash ÷ the server's CPU per request (what is not Argon2: HTTP, "
             "SRP's verifier at SignUp, tokens at InitiateAuth, the store).", "",
             "| server | op | c | req/s | bound | % of bound | Argon2 share of CPU | "
             "foreign CPU |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for q in near:
        share = q["argon2_share_of_cpu"]
        lines.append(f"| {labels.get(q['server'], q['server'])} | {q['op']} | "
                     f"{q['concurrency']} | {_num(q['rps'], 1)} | {_num(q['bound'], 1)} | "
                     f"{q['share']:.0%} | {'–' if share is None else f'{share:.0%}'} | "
                     f"{q['foreign_cpu_pct']:.0f} % |")  # fmt: skip
    return lines


def write(out_dir: Path, markdown: str, data: dict[str, Any]) -> None:
    """hashing-latest.md/.json, plus timestamped copies."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(data, indent=2) + "\n"
    for name in ("hashing-latest", f"hashing-{stamp}"):
        (out_dir / f"{name}.md").write_text(markdown)
        (out_dir / f"{name}.json").write_text(text)
