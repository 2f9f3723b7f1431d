"""Pool-size experiment: ConfirmSignUp and AdminGetUser in pools of 1k, 100k and 1M users.

What every server shares, and the peers' sizes; userpool's sizes run in interleaved rounds
(``sizes_run.py``, also the entry point).

userpool and cognito-local get a fresh store per size, filled in bulk while the server is
stopped (see ``preload.py``); moto, in memory, is filled through the API in one pool that
grows from size to size, within a time budget, and the report says where it stopped. Each
size: a warm-up (AdminGetUser on filler users, then ConfirmSignUp for ``--warmup`` users of
their own, spread over the pool like the measured ones and not timed), then per concurrency
level ConfirmSignUp for its own measured users and AdminGetUser for the same users (every
answer must say CONFIRMED), then the wrong-code probe. CPU per request is the cost compared
across sizes. The ConfirmSignUp warm-up is there for the same reason as the main table's:
the first requests of a fresh server pay one-time costs (its size was not measured).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench import cognito, peers, preload, procs
from bench.driver import CONFIRM, SIGN_UP, Phase, Target, log, timed_phase
from bench.engines import Engine

ADMIN_GET = cognito.PREFIX + "AdminGetUser"
TEMPLATE = "tpl"


@dataclass
class Ctx:
    engine: Engine
    work: Path
    log_dir: Path
    venv_bin: Path
    n: int  # measured users per size and level
    levels: list[int]
    time_limit: float
    peer_budget: float  # seconds of preloading per peer, all sizes together
    peer_phase_seconds: float  # target length of one cognito-local phase at large sizes
    cl_script: Path | None
    warm: int = 100  # ConfirmSignUp warm-up users per size (userpool and moto)
    runs: int = 1  # userpool: rounds per level (sizes_run.py)


@dataclass
class SizeResult:
    server: str
    size: int  # the size asked for
    users: int  # users in the pool when measured (0: not measured)
    load_seconds: float
    phases: list[Phase] = field(default_factory=list)
    probe: str = ""
    integrity: str = ""
    problems: list[str] = field(default_factory=list)
    note: str = ""


def phase_problems(phase: Phase) -> list[str]:
    """What is wrong with a phase's answers. A socket read error in a *complete* phase (every
    body answered) is a server closing an idle keep-alive connection (cognito-local does
    after 5 s, while wrk keeps surplus connections parked): reported in the table, not here."""
    problems = []
    if not phase.complete:
        problems.append(f"{phase.op}: incomplete ({phase.answered}/{phase.n} answered)")
    if phase.errors:
        problems.append(f"{phase.op}: non-200 or wrong answers {phase.errors}")
    transport = dict(phase.transport_errors)
    if phase.complete and phase.answered == phase.n:
        transport.pop("socket read errors", None)
    if transport:
        problems.append(f"{phase.op}: transport errors {transport}")
    return problems


def admin_get_bodies(pool: cognito.Pool, names: list[str]) -> list[bytes]:
    return [orjson.dumps({"UserPoolId": pool.pool_id, "Username": name}) for name in names]


def split_warm(names: list[str], warm: int) -> tuple[list[str], list[str]]:
    """(``warm`` of ``names`` spread evenly over them, the others), both in order."""
    chosen = set(preload.spread(len(names), warm)) if warm > 0 else set()
    return ([n for i, n in enumerate(names) if i in chosen],
            [n for i, n in enumerate(names) if i not in chosen])  # fmt: skip


def warm_up(ctx: Ctx, target: Target, pool: cognito.Pool, loaded: preload.Loaded,
            warm: list[str], workdir: Path, limit: float) -> None:  # fmt: skip
    """Untimed: AdminGetUser on the fillers, then ConfirmSignUp for the ``warm`` users."""
    port = target.server.port
    if loaded.fillers:
        ctx.engine.run(port, ADMIN_GET, admin_get_bodies(pool, loaded.fillers), 16, workdir, limit)
    if warm:
        out = ctx.engine.run(port, CONFIRM, cognito.confirm_bodies(pool, warm, loaded.codes), 16,
                             workdir, limit)  # fmt: skip
        if out.ok != len(warm):
            raise RuntimeError(f"warm-up ConfirmSignUp: {out.ok}/{len(warm)} ok, {out.errors}")


def measure_level(ctx: Ctx, key: str, target: Target, cpu: Callable[[], float],
                  pool: cognito.Pool, codes: dict[str, str], result: SizeResult, names: list[str],
                  concurrency: int, run: int, limit: float) -> None:  # fmt: skip
    """ConfirmSignUp for ``names`` at one level, then AdminGetUser for the same users."""
    if not names:
        result.problems.append(f"c={concurrency}: no measured users left")
        return
    workdir = ctx.work / f"wrk-size-{key}"
    for op, bodies, expect in (
        (CONFIRM, cognito.confirm_bodies(pool, names, codes), ""),
        (ADMIN_GET, admin_get_bodies(pool, names), '"CONFIRMED"'),
    ):
        phase = timed_phase(ctx.engine, target, op, bodies, concurrency, run, workdir, limit,
                            expect=expect, cpu=cpu)  # fmt: skip
        phase.server = key
        result.phases.append(phase)
        log(f"  {key} {result.users:,} users {phase.op} c={concurrency} run {run} "
            f"x{len(names)}: {phase.rps:,.0f} req/s, {phase.server_cpu_ms:.3f} ms CPU/req, "
            f"errors {phase.errors or 'none'}")  # fmt: skip
        result.problems += [f"c={concurrency}: {p}" for p in phase_problems(phase)]


def probe(target: Target, pool: cognito.Pool, result: SizeResult) -> None:
    """The wrong-code probe: a wrong code must be refused."""
    result.probe = cognito.wrong_code_probe(target.idp, pool, f"probe{result.size}", target.codes)
    if result.probe != "CodeMismatchException":
        result.problems.append(f"wrong-code probe gave {result.probe}")


def measure(ctx: Ctx, key: str, target: Target, cpu: Callable[[], float], pool: cognito.Pool,
            loaded: preload.Loaded, result: SizeResult, phase_limit: float = 0.0,
            warm: int | None = None) -> None:  # fmt: skip
    """Warm-up, then ConfirmSignUp and AdminGetUser per level, then the wrong-code probe.
    ``warm`` (default ``ctx.warm``) of the measured users are confirmed in the warm-up."""
    limit = phase_limit or ctx.time_limit
    warm_names, measured = split_warm(loaded.measured, ctx.warm if warm is None else warm)
    warm_up(ctx, target, pool, loaded, warm_names, ctx.work / f"wrk-size-{key}", limit)
    per_level = len(measured) // max(1, len(ctx.levels))
    for index, concurrency in enumerate(ctx.levels):
        names = measured[index * per_level : (index + 1) * per_level]
        measure_level(ctx, key, target, cpu, pool, loaded.codes, result, names, concurrency, 1,
                      limit)  # fmt: skip
    probe(target, pool, result)


def finish(server: procs.Server, result: SizeResult, scanned: set[int]) -> None:
    """Stop the server (again is harmless) and scan its log once."""
    procs.stop(server)
    if server.pid not in scanned:
        scanned.add(server.pid)
        result.problems.extend(procs.log_problems(server))


def cognito_local_size(ctx: Ctx, size: int) -> SizeResult:
    """One size in a fresh data folder; the pool file written while cognito-local is down."""
    key = peers.COGNITO_LOCAL
    result = SizeResult(key, size, 0, 0.0)
    assert ctx.cl_script is not None
    folder = ctx.work / f"size-{key}-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    codes = cognito.fixed_codes(peers.CL_CODE)
    scanned: set[int] = set()
    server = peers.start_cognito_local(ctx.cl_script, folder, ctx.log_dir, f"{key}-{size}-setup")
    try:
        procs.wait_ready(server)
        idp = cognito.client(server.url)
        pool = cognito.make_pool(idp, f"size-{size}")
        idp.sign_up(ClientId=pool.client_id, Username=TEMPLATE, Password=cognito.PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": cognito.email_of(TEMPLATE)}])  # fmt: skip
        time.sleep(0.5)  # its saves are asynchronous
        finish(server, result, scanned)
        n = min(ctx.n * len(ctx.levels), size - 1)
        pool_file = peers.cognito_local_pool_file(folder, pool.pool_id)
        loaded = preload.write_cognito_local_pool(pool_file, TEMPLATE, size, n, "p")
        if isinstance(loaded, str):
            result.note = f"not measured: {loaded}"
            return result
        result.users, result.load_seconds = loaded.users, loaded.seconds
        log(f"{key}: pool file with {loaded.users:,} users written in {loaded.seconds:.1f} s")
        server = peers.start_cognito_local(ctx.cl_script, folder, ctx.log_dir, f"{key}-{size}-run")
        procs.wait_ready(server, timeout=600)
        target = Target(server, cognito.client(server.url), codes)
        # Calibrate: a few confirms at c=1 tell how many fit in --peer-phase-seconds.
        probe_names, loaded.measured = loaded.measured[:3], loaded.measured[3:]
        t0 = time.monotonic()
        ctx.engine.run(server.port, CONFIRM, cognito.confirm_bodies(pool, probe_names, loaded.codes),
                       1, ctx.work / "wrk-calibrate", ctx.time_limit)  # fmt: skip
        per_request = (time.monotonic() - t0) / max(1, len(probe_names))
        fit = max(5, int(ctx.peer_phase_seconds / max(per_request, 1e-4)))
        per_level = min(len(loaded.measured) // max(1, len(ctx.levels)), fit)
        if per_level < ctx.n:
            result.note = (f"{per_level} users per phase (a confirm took {per_request:.2f} s at "
                           f"c=1; --peer-phase-seconds {ctx.peer_phase_seconds:.0f})")  # fmt: skip
        chunk = len(loaded.measured) // max(1, len(ctx.levels))
        loaded.measured = [loaded.measured[i * chunk + j] for i in range(len(ctx.levels))
                           for j in range(min(per_level, chunk))]  # fmt: skip
        limit = max(ctx.time_limit, 60 + 4 * per_request * per_level)
        # The calibration's confirms were its warm-up: each one rewrites the whole pool file.
        measure(ctx, key, target, lambda: procs.tree_cpu(server.pid), pool, loaded, result, limit,
                warm=0)  # fmt: skip
        finish(server, result, scanned)
        result.integrity = peers.cognito_local_files_check(folder)
        if result.integrity != "ok":
            result.problems.append(f"pool file: {result.integrity}")
    except Exception as exc:
        result.problems.append(f"aborted: {type(exc).__name__}: {exc}")
        log(f"{key} size {size}: {result.problems[-1]}")
    finally:
        finish(server, result, scanned)
        shutil.rmtree(folder, ignore_errors=True)
    return result


def moto_sizes(ctx: Ctx, sizes: list[int]) -> list[SizeResult]:
    """One moto pool grown through the API (SignUp with wrk at c=16), within the budget."""
    results: list[SizeResult] = []
    server = procs.start_moto(ctx.venv_bin, ctx.log_dir)
    codes = cognito.fixed_codes("000000")
    spent, have, fillers, rate, stopped = 0.0, 0, 0, 0.0, ""
    try:
        procs.wait_ready(server)
        target = Target(server, cognito.client(server.url), codes)
        pool = cognito.make_pool(target.idp, "sizes")
        for size in sizes:
            result = SizeResult("moto", size, 0, 0.0)
            results.append(result)
            if stopped:
                result.note = f"not attempted: {stopped}"
                continue
            n = min(ctx.n * len(ctx.levels) + ctx.warm, size)
            load_t0 = time.monotonic()
            while have < size - n and spent < ctx.peer_budget:
                chunk = min(
                    size - n - have, max(500, int(rate * min(30.0, ctx.peer_budget - spent)))
                )
                names = [f"f{fillers + i:07d}" for i in range(chunk)]
                t0 = time.monotonic()
                out = ctx.engine.run(server.port, SIGN_UP, cognito.signup_bodies(pool, names), 16,
                                     ctx.work / "wrk-moto-load", 120 + chunk / 20)  # fmt: skip
                elapsed = time.monotonic() - t0
                spent += elapsed
                rate = out.ok / elapsed if elapsed else 0.0
                have += out.ok
                fillers += chunk
                if not out.complete or out.ok != chunk:
                    result.problems.append(f"preload chunk: {out.ok}/{chunk} ok, {out.errors}")
                    break
            result.load_seconds = time.monotonic() - load_t0
            if have < size - n:
                stopped = (f"preload stopped at {have + n:,} of {size:,} users after "
                           f"{spent:.0f} s (--peer-preload-seconds {ctx.peer_budget:.0f}; "
                           f"about {rate:.0f} SignUps/s)")  # fmt: skip
                result.note = stopped
            measured = [f"m{size}u{i:06d}" for i in range(n)]
            out = ctx.engine.run(server.port, SIGN_UP, cognito.signup_bodies(pool, measured), 16,
                                 ctx.work / "wrk-moto-load", ctx.time_limit)  # fmt: skip
            have += out.ok
            result.users = have
            loaded = preload.Loaded(have, measured, codes([cognito.email_of(m) for m in measured]),
                                    0.0, fillers=[f"f{i:07d}" for i in range(min(fillers, 200))])  # fmt: skip
            log(f"moto: {have:,} users in the pool")
            measure(ctx, "moto", target, lambda: procs.tree_cpu(server.pid), pool, loaded, result)
            have += 1
    except Exception as exc:
        if results:
            results[-1].problems.append(f"aborted: {type(exc).__name__}: {exc}")
        log(f"moto sizes: aborted: {exc}")
    finally:
        procs.stop(server)
        if results:
            results[-1].problems.extend(procs.log_problems(server))
    return results


def as_dicts(results: list[SizeResult]) -> list[dict[str, Any]]:
    from dataclasses import asdict

    return [asdict(r) for r in results]
