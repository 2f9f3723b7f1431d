"""Markdown and JSON output: per-level medians, userpool/moto ratios, correctness, problems."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

OPS = ("SignUp", "ConfirmSignUp")
QUIET_PCT = 10.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _range(values: list[float], digits: int = 0) -> str:
    """The median, and the range where there is more than one value."""
    text = _num(statistics.median(values), digits)
    if len(values) > 1:
        text += f" ({_num(min(values), digits)}–{_num(max(values), digits)})"
    return text


def _errors(phases: list[dict[str, Any]]) -> str:
    total: dict[str, int] = defaultdict(int)
    for phase in phases:
        for kind, count in {**phase["errors"], **phase["transport_errors"]}.items():
            total[re.sub(r"\S+#", "", kind)] += count
        if not phase["complete"]:
            total["unanswered"] += phase["n"] - phase["answered"]
    return ", ".join(f"{k}: {v}" for k, v in sorted(total.items()) if v) or "0"


def summarize(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (server, op, concurrency): medians over runs."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for phase in data["phases"]:
        groups[(phase["server"], phase["op"], phase["concurrency"])].append(phase)
    rows = []
    for (server, op, concurrency), phases in groups.items():
        rows.append({
            "server": server, "op": op, "concurrency": concurrency, "runs": len(phases),
            "rps": statistics.median(p["rps"] for p in phases),
            "rps_min": min(p["rps"] for p in phases), "rps_max": max(p["rps"] for p in phases),
            "rps_text": _range([p["rps"] for p in phases]),
            "p50_ms": statistics.median(p["p50_ms"] for p in phases),
            "p99_ms": statistics.median(p["p99_ms"] for p in phases),
            "server_cpu_ms": statistics.median(p["server_cpu_ms"] for p in phases),
            "foreign_cpu_pct": statistics.median(p["foreign_cpu_pct"] for p in phases),
            "errors": _errors(phases),
        })  # fmt: skip
    order = {name: i for i, name in enumerate(data["meta"].get("servers", ["userpool", "moto"]))}
    rows.sort(key=lambda r: (order.get(r["server"], 9), r["concurrency"], OPS.index(r["op"])))
    return rows


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """userpool/moto for req/s, and moto/userpool for server CPU per request."""
    by_key = {(r["server"], r["op"], r["concurrency"]): r for r in rows}
    out = []
    for (server, op, concurrency), mine in by_key.items():
        peer = by_key.get(("moto", op, concurrency))
        if server != "userpool" or peer is None:
            continue
        out.append({
            "op": op, "concurrency": concurrency, "userpool_rps": mine["rps"],
            "moto_rps": peer["rps"], "rps_ratio": mine["rps"] / peer["rps"] if peer["rps"] else 0,
            "cpu_ratio": peer["server_cpu_ms"] / mine["server_cpu_ms"]
            if mine["server_cpu_ms"] else 0.0,
        })  # fmt: skip
    out.sort(key=lambda r: (r["concurrency"], OPS.index(r["op"])))
    return out


def render(data: dict[str, Any]) -> str:
    meta = data["meta"]
    rows = summarize(data)
    data["summary"] = rows
    data["ratios"] = ratios(rows)
    runs = meta["runs"]
    lines = [
        "# userpool vs moto_server: SignUp and ConfirmSignUp",
        "",
        f"- {meta['started']}; {meta['cpus']} cores ({meta['cpu_model']})",
        f"- engine: {meta['engine']} — {meta['engine_note']}"
        + (f", {meta['wrk_threads']} thread(s)" if meta["engine"] == "wrk" else ""),
        f"- {meta['users']} users per pool (fresh pool per level and run), {runs} run(s) "
        f"per level{' (median, min–max)' if runs > 1 else ''}, "
        f"warm-up {meta['warmup']} users per server on a throwaway pool",
        f"- userpool {meta['userpool']} (SQLite, --sender {meta['sender']}), "
        f"moto {meta['moto']} (moto_server); both on 127.0.0.1",
        "",
        "## Throughput, latency, cost",
        "",
        "| server | op | c | req/s | p50 ms | p99 ms | server CPU ms/req | foreign CPU | non-200 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        noisy = " (!)" if r["foreign_cpu_pct"] > QUIET_PCT else ""
        lines.append(
            f"| {r['server']} | {r['op']} | {r['concurrency']} | {r['rps_text']} | "
            f"{_num(r['p50_ms'], 2)} | {_num(r['p99_ms'], 2)} | {_num(r['server_cpu_ms'], 3)} | "
            f"{r['foreign_cpu_pct']:.0f} %{noisy} | {r['errors']} |"
        )
    if data["ratios"]:
        lines += [
            "",
            "## userpool / moto",
            "",
            "| op | c | userpool req/s | moto req/s | req/s userpool/moto | CPU/req moto/userpool |",
            "|---|---|---|---|---|---|",
        ]
        for q in data["ratios"]:
            lines.append(
                f"| {q['op']} | {q['concurrency']} | {_num(q['userpool_rps'], 0)} | "
                f"{_num(q['moto_rps'], 0)} | {q['rps_ratio']:.2f}× | {q['cpu_ratio']:.1f}× |"
            )
    lines += [
        "",
        "## Correctness",
        "",
        "| server | c | run | codes found | CONFIRMED in ListUsers | wrong-code probe | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in data["checks"]:
        verdict = "ok" if not c["problems"] else "FAIL: " + "; ".join(c["problems"])
        lines.append(
            f"| {c['server']} | {c['concurrency']} | {c['run']} | {c['codes_found']}/{c['n']} | "
            f"{c['confirmed']}/{c['n']} | {c['probe']} | {verdict} |"
        )
    notes = []
    if "userpool_integrity_check" in meta:
        notes.append(f"userpool SQLite `PRAGMA integrity_check` after the run: "
                     f"{meta['userpool_integrity_check']}")  # fmt: skip
    if any(r["foreign_cpu_pct"] > QUIET_PCT for r in rows):
        notes.append(
            f"(!) other processes used more than {QUIET_PCT:.0f} % of the cores during that "
            "phase: req/s is a lower bound there; server CPU ms/req is the robust figure"
        )
    for name, warm in (meta.get("warmup_results") or {}).items():
        notes.append(f"warm-up {name}: " + ", ".join(
            f"{op} {w['rps']} req/s, errors {w['errors'] or 'none'}" for op, w in warm.items()
        ))  # fmt: skip
    notes += [f"PROBLEM: {p}" for p in data["problems"]]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write(out_dir: Path, markdown: str, data: dict[str, Any]) -> None:
    """latest.md/latest.json, plus a timestamped copy of each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    for name in ("latest", stamp):
        (out_dir / f"{name}.md").write_text(markdown)
        (out_dir / f"{name}.json").write_text(text)
