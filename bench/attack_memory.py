"""Memory under a pipelining attack: ``userpool serve`` and uvicorn serving the same app.

Each of N connections sends a SignUp whose PreSignUp trigger sleeps 3 s, then pipelines
1 MiB bodies behind it for a bounded time, never reading; then every connection closes.
With ``--partial`` each sends instead all of a 1 MiB body but its last byte.
The server's resident memory is sampled throughout: before, at its peak, and after the
attack (once the slow requests have ended). Loopback only; not run by CI.

    pip install --target /tmp/uvi uvicorn          # uvicorn only for this comparison
    PYTHONPATH=/tmp/uvi:. .venv/bin/python -m bench.attack_memory
    PYTHONPATH=. .venv/bin/python -m bench.attack_memory --servers userpool -c 200
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from bench import procs

ROOT = Path(__file__).resolve().parent.parent
ARN = "arn:aws:lambda:us-east-1:123456789012:function:slow"
SLOW = "python:tests.trigger_functions:slow"
TARGET = "AWSCognitoIdentityProviderService."
MiB = 1 << 20


def _start(kind: str, tmp: Path) -> procs.Server:
    port = procs.free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", ""), str(ROOT)]),
        "TRIGGER_EVENTS": str(tmp / f"{kind}-events.jsonl"),
    }
    db = str(tmp / f"{kind}.db")
    if kind == "userpool":
        userpool = str(Path(sys.executable).with_name("userpool"))
        args = [userpool, "serve", "--dev", "--port", str(port), "--db", db]
        args += ["--trigger", ARN, SLOW, "--trigger-timeout", "10"]
    else:
        env.update(
            USERPOOL_DEV="1",
            USERPOOL_DB=db,
            USERPOOL_PORT=str(port),
            USERPOOL_TRIGGERS=json.dumps({ARN: SLOW}),
            USERPOOL_TRIGGER_TIMEOUT="10",
        )
        args = [sys.executable, "-m", "uvicorn", "--factory", "userpool.server.app:create_app"]
        args += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = procs._spawn(kind, args, port, tmp / f"{kind}.log", None, env=env)
    try:
        procs.wait_ready(server, timeout=30)
    except RuntimeError:
        procs.stop(server)
        raise
    return server


def _rss(pid: int) -> int:
    """Resident bytes of ``pid`` (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _client_id(port: int) -> str:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="dev",
        aws_secret_access_key="dev",
    )
    pool = idp.create_user_pool(PoolName="attack", LambdaConfig={"PreSignUp": ARN})["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")
    return str(client["UserPoolClient"]["ClientId"])


def _post(operation: str, body: bytes) -> bytes:
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        f"X-Amz-Target: {TARGET}{operation}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class Attack:
    """N connections, each a slow SignUp then ``bodies`` pipelined 1 MiB requests."""

    def __init__(
        self,
        port: int,
        client_id: str,
        connections: int,
        bodies: int,
        name: str = "u",
        partial: bool = False,
    ) -> None:
        self.partial = partial
        self.name = name
        self.port = port
        self.client_id = client_id
        self.connections = connections
        self.bodies = bodies
        self.big = _post("ListUserPools", b'{"MaxResults": 1}'.ljust(MiB))
        self.sent = 0
        self.refused = 0
        self.socks: list[socket.socket] = []
        self.lock = threading.Lock()

    def run(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._one, args=(i, until)) for i in range(self.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 30)

    def close(self) -> None:
        for sock in self.socks:
            sock.close()

    def _one(self, i: int, until: float) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        except OSError:
            with self.lock:
                self.refused += 1
            return
        with self.lock:
            self.socks.append(sock)
        sign_up = {
            "ClientId": self.client_id,
            "Username": f"{self.name}{i}",
            "Password": "Passw0rd!x",
        }
        sock.settimeout(0.25)
        payloads = [_post("SignUp", json.dumps(sign_up).encode())] + [self.big] * self.bodies
        if self.partial:  # a large body that never ends
            payloads = [self.big[:-1]]
        for payload in payloads:
            view = memoryview(payload)
            while view:
                if time.monotonic() > until:
                    return
                try:
                    n = sock.send(view)
                except TimeoutError:
                    continue  # the server is not reading: wait, bounded by ``until``
                except OSError:
                    return  # refused or closed
                view = view[n:]
                with self.lock:
                    self.sent += n


def measure(kind: str, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = _start(kind, tmp)
    proc, port = server.proc, server.port
    try:
        client_id = _client_id(port)
        warm = Attack(port, client_id, 4, 2, name="warm")  # first-use allocations
        warm.run(2.0)
        time.sleep(4.0)  # its slow SignUps end
        warm.close()
        time.sleep(1.0)
        base = _rss(proc.pid)
        attack = Attack(port, client_id, args.connections, args.bodies, partial=args.partial)
        peak = base
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.1):
                peak = max(peak, _rss(proc.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        attack.run(args.seconds)
        peak_during = peak
        attack.close()
        time.sleep(args.settle)  # the slow requests end, connections are swept
        done.set()
        sampler.join()
        final = _rss(proc.pid)
        alive = _health(port)
    finally:
        procs.stop(server, timeout=15)
    return {
        "server": kind,
        "base": base,
        "peak": max(peak, peak_during),
        "final": final,
        "accepted": attack.sent,
        "refused": attack.refused,
        "healthy_after": alive,
    }


def _health(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--connections", type=int, default=100)
    parser.add_argument("--bodies", type=int, default=32, help="1 MiB requests per connection")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the attack pushes")
    parser.add_argument("--settle", type=float, default=6.0, help="wait before the final RSS")
    parser.add_argument("--servers", default="userpool,uvicorn")
    parser.add_argument(
        "--partial", action="store_true", help="instead: each sends all of a 1 MiB body but a byte"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.servers.split(","):
            print(f"attacking {kind} ...", file=sys.stderr, flush=True)
            rows.append(measure(kind, Path(tmp), args))
    shape = "1 MiB body less a byte" if args.partial else f"slow SignUp + {args.bodies} x 1 MiB"
    print(
        f"{args.connections} connections x ({shape}), "
        f"{args.seconds:g} s, final RSS {args.settle:g} s after closing\n"
    )
    print("| server | RSS before | peak | final | bytes the clients got in | healthy |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['server']} | {r['base'] / MiB:.0f} MiB | {r['peak'] / MiB:.0f} MiB | "
            f"{r['final'] / MiB:.0f} MiB | {r['accepted'] / MiB:.0f} MiB | {r['healthy_after']} |"
        )


if __name__ == "__main__":
    main()
