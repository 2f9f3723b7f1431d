"""The plot of ``bench/run --full`` (matplotlib; ``bench/run --full`` installs it into the
venv when it is missing). Row 1: req/s by operation and concurrency for every server; row 2:
server CPU per request; row 3: the pool-size experiment, CPU per request and req/s against
the number of users in the pool (medians over userpool's rounds). Log scales throughout: the
servers differ by 100-1000x."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

OPS = ("SignUp", "ConfirmSignUp", "InitiateAuth")
SIZE_PANELS = (
    ("ConfirmSignUp", "server_cpu_ms", "server CPU ms/req"),
    ("AdminGetUser", "server_cpu_ms", "server CPU ms/req"),
    ("ConfirmSignUp", "rps", "req/s"),
)


def _color(labels: dict[str, str], server: str) -> str:
    """One colour per server in every panel."""
    return f"C{list(labels).index(server) % 10}"


def _bars(ax: Any, rows: list[dict[str, Any]], labels: dict[str, str], op: str, field: str,
          title: str) -> None:  # fmt: skip
    servers = [s for s in labels if any(r["server"] == s for r in rows)]
    levels = sorted({r["concurrency"] for r in rows})
    width = 0.8 / max(1, len(servers))
    for i, server in enumerate(servers):
        got = {r["concurrency"]: r[field] for r in rows if r["server"] == server and r["op"] == op}
        xs = [j + i * width for j, c in enumerate(levels) if c in got]
        ys = [max(got[c], 1e-3) for c in levels if c in got]
        ax.bar(xs, ys, width, label=labels[server], color=_color(labels, server))
    ax.set_yscale("log")
    ax.set_xticks([j + width * (len(servers) - 1) / 2 for j in range(len(levels))])
    ax.set_xticklabels([f"c={c}" for c in levels])
    ax.set_title(f"{op}: {title}")
    ax.grid(axis="y", which="both", alpha=0.3)


def _sizes(ax: Any, sizes: list[dict[str, Any]], labels: dict[str, str], op: str, field: str,
           title: str) -> None:  # fmt: skip
    for server in labels:
        rounds: dict[tuple[int, int], list[float]] = defaultdict(list)
        for r in sizes:
            for p in r["phases"] if r["server"] == server else ():
                if p["op"] == op and p["complete"]:
                    rounds[(p["concurrency"], r["users"])].append(p[field])
        for level in sorted({c for c, _ in rounds}):
            xy = sorted((u, max(statistics.median(v), 1e-3)) for (c, u), v in rounds.items()
                        if c == level)  # fmt: skip
            ax.plot([u for u, _ in xy], [v for _, v in xy], marker="o",
                    color=_color(labels, server), label=f"{labels[server]} c={level}")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("users in the pool")
    ax.set_title(f"pool size: {op} {title}")
    ax.grid(which="both", alpha=0.3)


def plot(data: dict[str, Any], path: Path) -> str:
    """Write the PNG; returns a one-line note of what happened."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed, so no plot (bench/run --full installs it)"
    labels: dict[str, str] = data["meta"]["labels"]
    rows: list[dict[str, Any]] = data.get("summary", [])
    sizes: list[dict[str, Any]] = data.get("sizes", [])
    fig, axes = plt.subplots(3, 3, figsize=(18, 15))
    for col, op in enumerate(OPS):
        _bars(axes[0][col], rows, labels, op, "rps", "req/s")
        _bars(axes[1][col], rows, labels, op, "server_cpu_ms", "server CPU ms/req")
    for col, (op, field, title) in enumerate(SIZE_PANELS):
        _sizes(axes[2][col], sizes, labels, op, field, title)
    if rows:
        axes[0][0].legend(fontsize=8)
    if sizes:
        axes[2][0].legend(fontsize=8)
    fig.suptitle(f"userpool full benchmark, {data['meta']['started']} "
                 f"({data['meta']['cpus']} cores; foreign load: see the table)")  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return f"plot written to {path}"
