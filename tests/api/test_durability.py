"""A confirmation the server acknowledged survives the server being killed (SIGKILL)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.helpers import Server

USERS = 30
KILL_AFTER = 10
PASSWORD = "Corr3ct-Horse!"


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (granian serves from worker processes)."""
    found = [pid]
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def crash(srv: Server, pids: list[int]) -> None:
    """Freeze every process of the server at once, then SIGKILL them: a crash, no cleanup."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)


def confirm(port: int, client_id: str, username: str, code: str) -> int:
    body = json.dumps({"ClientId": client_id, "Username": username, "ConfirmationCode": code})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST",
            "/",
            body=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.ConfirmSignUp",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_acknowledged_confirmations_survive_sigkill(tmp: Path) -> None:
    srv = Server(tmp, "--sender", "none").start()
    assert srv.proc is not None
    try:
        idp = srv.client()
        pool_id = idp.create_user_pool(PoolName="durable", AutoVerifiedAttributes=["email"])[
            "UserPool"
        ]["Id"]
        client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")[
            "UserPoolClient"
        ]["ClientId"]
        names = [f"user{i:02d}" for i in range(USERS)]
        for name in names:
            idp.sign_up(
                ClientId=client_id,
                Username=name,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            )
        codes = {name: srv.code(f"{name}@example.com") for name in names}
        pids = process_tree(srv.proc.pid)

        acknowledged: list[str] = []
        lock = threading.Lock()
        killed = threading.Event()

        def attempt(name: str) -> None:
            try:
                status = confirm(srv.port, client_id, name, codes[name])
            except OSError:
                return  # in flight when the server died
            if status != 200:
                return
            with lock:
                # A 200 read even after the crash was sent before it: it counts too.
                acknowledged.append(name)
                if len(acknowledged) == KILL_AFTER:
                    crash(srv, pids)
                    killed.set()

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(attempt, names))
    finally:
        srv.stop(signal.SIGKILL)

    assert killed.is_set(), f"only {len(acknowledged)} confirmations were acknowledged"
    assert len(acknowledged) < USERS, "the crash came after every confirmation was answered"
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)

    restarted = Server(tmp, "--sender", "none").start()
    try:
        idp = restarted.client()
        statuses = {
            name: idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"]
            for name in names
        }
    finally:
        restarted.stop()

    lost = [name for name in acknowledged if statuses[name] != "CONFIRMED"]
    assert not lost, f"acknowledged but not CONFIRMED after the crash: {lost}"
    assert set(statuses.values()) <= {"CONFIRMED", "UNCONFIRMED"}, statuses
