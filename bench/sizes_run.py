"""The pool-size experiment's entry point, and userpool's part of it run in rounds.

The peers (moto, cognito-local) are measured one size after another (``sizes.py``): their
costs are milliseconds per request, far above this machine's drift. userpool's costs are a
tenth of a millisecond, and a shared VM drifts by a third over minutes (seen: the same 1k
pool measured at 0.15 and 0.24 ms CPU per request two minutes apart). So for userpool every
size is loaded and its server started first; then each level runs ``--size-runs`` rounds,
and each round measures every size in turn, so that drift falls on all sizes alike; the
report takes medians. Every phase of every size has the same number of users: the most the
smallest pool can give (``--size-users`` at most). After each round those users are put
back as they were loaded (``preload.rearm``, in place, untimed), so every round measures
the same users and a 1k pool gives ~900 confirmations to each round, not a third of that.
Before each round an untimed AdminGetUser pass maps those users' pages into the server's
memory again (``touch_all``), as a server that keeps running has them.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import cognito, peers, preload, procs, sizes
from bench.driver import Target, log
from bench.sizes import TEMPLATE, Ctx, SizeResult


@dataclass
class Store:
    """One size for one userpool server kind: its store, its running server, its users."""

    key: str
    result: SizeResult
    folder: Path
    schema: str  # PostgreSQL schema, or "" for SQLite
    workers: int
    venv_bin: Path
    log_dir: Path
    scanned: set[int] = field(default_factory=set)
    server: procs.Server | None = None
    target: Target | None = None
    pool: cognito.Pool | None = None
    loaded: preload.Loaded | None = None
    cpu: Callable[[], float] | None = None
    measured: list[str] = field(default_factory=list)

    @property
    def db(self) -> Path:
        return self.folder / "userpool.db"

    def rows(self, analyze: bool = True) -> preload.RowDb:
        """Direct access to this store's rows (bulk load, rearm)."""
        if self.schema:
            # the server runs in the folder: its master key is in .userpool/ there
            return preload.PgRows(self.schema, self.folder / ".userpool" / "master.key", analyze)
        return preload.SqliteRows(self.db)

    def start(self, stage: str) -> procs.Server:
        pg = bool(self.schema)
        self.server = procs.start_userpool(
            self.venv_bin, None if pg else self.db, self.log_dir, "none",
            name=f"{self.key}-{self.result.size}-{stage}", workers=self.workers,
            db_url=peers.pg_url(self.schema) if pg else None, cwd=self.folder,
        )  # fmt: skip
        return self.server


def _codes(store: Store) -> cognito.CodeSource:
    if store.schema:
        return peers.pg_outbox_codes(store.schema)
    return cognito.outbox_codes(store.db)


def _server_cpu(pid: int, pg: bool) -> Callable[[], float]:
    """The server's CPU seconds so far, with its PostgreSQL backends' if ``pg``."""
    if not pg:
        return lambda: procs.tree_cpu(pid)
    backends = peers.PgBackendCpu(pid)
    return lambda: procs.tree_cpu(pid) + backends()


def prepare(ctx: Ctx, key: str, size: int, workers: int, n: int) -> Store:
    """A fresh store of ``size`` users (``n`` of them to confirm), its server running."""
    pg = key.startswith("pg")
    folder = ctx.work / f"size-{key}-{size}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # userpool refuses an open one
    schema = peers.create_schema(f"size{size}") if pg else ""
    store = Store(key, SizeResult(key, size, 0, 0.0), folder, schema, workers, ctx.venv_bin,
                  ctx.log_dir)  # fmt: skip
    try:
        server = store.start("setup")
        procs.wait_ready(server)
        idp = cognito.client(server.url)
        pool = store.pool = cognito.make_pool(idp, f"size-{size}")
        idp.sign_up(ClientId=pool.client_id, Username=TEMPLATE, Password=cognito.PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": cognito.email_of(TEMPLATE)}])  # fmt: skip
        template_code = _codes(store)([cognito.email_of(TEMPLATE)])[cognito.email_of(TEMPLATE)]
        sizes.finish(server, store.result, store.scanned)
        log(f"{key}: bulk-loading {size:,} users")
        loaded = preload.clone_userpool(store.rows(), pool.pool_id, TEMPLATE, template_code, size,
                                        min(n, size - 1), "p")  # fmt: skip
        store.loaded = loaded
        store.result.users, store.result.load_seconds = loaded.users, loaded.seconds
        log(f"{key}: {loaded.users:,} users loaded in {loaded.seconds:.1f} s")
        server = store.start("run")
        procs.wait_ready(server, timeout=300)
        store.cpu = _server_cpu(server.pid, pg)
        store.target = Target(server, cognito.client(server.url), _codes(store))
        warm, store.measured = sizes.split_warm(loaded.measured, ctx.warm)
        sizes.warm_up(ctx, store.target, pool, loaded, warm, ctx.work / f"wrk-size-{key}",
                      ctx.time_limit)  # fmt: skip
    except Exception as exc:
        _abort(store, exc)
    return store


def _abort(store: Store, exc: Exception) -> None:
    store.result.problems.append(f"aborted: {type(exc).__name__}: {exc}")
    log(f"{store.key} size {store.result.size}: {store.result.problems[-1]}")
    store.target = None  # measured no further


def close(store: Store) -> None:
    """The wrong-code probe, stop, the integrity check (SQLite), and clean up."""
    try:
        if store.target and store.pool:
            sizes.probe(store.target, store.pool, store.result)
        if store.server:
            sizes.finish(store.server, store.result, store.scanned)
        if store.target and not store.schema:
            store.result.integrity = cognito.integrity_check(store.db)
            if store.result.integrity != "ok":
                store.result.problems.append(f"integrity_check: {store.result.integrity}")
    except Exception as exc:
        _abort(store, exc)
    finally:
        if store.server:
            sizes.finish(store.server, store.result, store.scanned)
        if store.schema:
            peers.drop_schema(store.schema)
        shutil.rmtree(store.folder, ignore_errors=True)


def run_interleaved(ctx: Ctx, key: str, size_list: list[int], workers: int) -> list[SizeResult]:
    """Every size of one userpool kind loaded and running, then measured in rounds."""
    stores = [prepare(ctx, key, size, workers, ctx.n + ctx.warm) for size in size_list]
    try:
        live = [s for s in stores if s.target]
        per_phase = min([ctx.n] + [len(s.measured) for s in live])
        rounds = [(c, run) for c in ctx.levels for run in range(ctx.runs)]
        for number, (concurrency, run) in enumerate(rounds):
            if number:
                rearm_all(live, per_phase)
            touch_all(ctx, key, live, per_phase)
            for store in live:
                if store.target is None or store.pool is None or store.cpu is None:
                    continue
                assert store.loaded is not None
                try:
                    sizes.measure_level(
                        ctx, key, store.target, store.cpu, store.pool, store.loaded.codes,
                        store.result, store.measured[:per_phase], concurrency, run + 1,
                        ctx.time_limit,
                    )  # fmt: skip
                except Exception as exc:
                    _abort(store, exc)
    finally:
        for store in stores:
            close(store)
    return [s.result for s in stores]


def rearm_all(stores: list[Store], count: int) -> None:
    """Untimed, between rounds: the first ``count`` measured users of every store still
    measured are UNCONFIRMED again, with the same codes."""
    t0 = time.monotonic()
    for store in stores:
        if store.target is None or store.loaded is None:
            continue
        try:
            preload.rearm(store.rows(analyze=False), store.loaded, store.measured[:count])
        except Exception as exc:
            _abort(store, exc)
    log(f"  rearmed {count} users in each of {len(stores)} pools in {time.monotonic() - t0:.1f} s")


def touch_all(ctx: Ctx, key: str, stores: list[Store], count: int) -> None:
    """Untimed, before each round: AdminGetUser for the users about to be measured, so that
    the server has their pages in its memory map again. SQLite drops a connection's whole
    map when another connection has written the file (the rearm, or the bulk load), and
    then maps each page again at its first visit: at 1M users that was about 3 minor page
    faults per ConfirmSignUp, every round. A server that runs on has each page mapped once;
    the round measures that state."""
    for store in stores:
        if store.target is None or store.pool is None or store.loaded is None:
            continue
        try:
            bodies = sizes.admin_get_bodies(store.pool, store.measured[:count])
            out = ctx.engine.run(store.target.server.port, sizes.ADMIN_GET, bodies, 16,
                                 ctx.work / f"wrk-size-{key}", ctx.time_limit)  # fmt: skip
            if out.ok != len(bodies):
                raise RuntimeError(f"touch AdminGetUser: {out.ok}/{len(bodies)} ok, {out.errors}")
        except Exception as exc:
            _abort(store, exc)


def run_all(ctx: Ctx, servers: list[str], size_list: list[int], skipped: dict[str, str],
            workers: dict[str, int]) -> list[SizeResult]:  # fmt: skip
    """Every size for every server asked for, except those in ``skipped`` (reason given)."""
    results: list[SizeResult] = []
    for key in servers:
        if key in skipped:
            log(f"sizes: {key} skipped: {skipped[key]}")
            continue
        log(f"sizes: {key}, {', '.join(f'{s:,}' for s in size_list)} users")
        if key == "moto":
            results.extend(sizes.moto_sizes(ctx, size_list))
        elif key == peers.COGNITO_LOCAL:
            results.extend(sizes.cognito_local_size(ctx, size) for size in size_list)
        else:
            results.extend(run_interleaved(ctx, key, size_list, workers[key]))
    return results
