"""The container: the Dockerfile's image, and compose.yaml with PostgreSQL.

Where a Docker daemon answers (``docker info`` succeeds) and the base image can be pulled,
the image is built once per module and run with its port published on 127.0.0.1: it
must become healthy (its ``HEALTHCHECK``), run as a non-root user with ``/data`` as a
volume, take its settings from ``USERPOOL_*`` variables, and serve SignUp and
ConfirmSignUp through boto3 (the code read by ``userpool outbox`` inside it). With the
``docker compose`` plugin too, compose.yaml's PostgreSQL deployment gets the same smoke
test. Without a daemon these tests skip, saying why, under ``CI=true`` as well: whether a
machine runs Docker is a fact about the machine, not a failure of the project. The
files' own promises (non-root, health check, volume, PostgreSQL) are checked everywhere.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, free_port
from tests.packaging.smoke import client, sign_up_and_confirm

pytestmark = pytest.mark.slow

BASE = "python:3.11-slim"
TAG = f"userpool-test:{secrets.token_hex(4)}"


def _docker(*args: str, timeout: float = 60, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, **kw)


def _why(done: subprocess.CompletedProcess[str]) -> str:
    return " ".join((done.stderr or done.stdout).split())[-300:]


def _ok(done: subprocess.CompletedProcess[str], what: str) -> str:
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _require_docker() -> None:
    """Skip without a Docker daemon or without the base image, saying which and why."""
    fact = "a machine fact, not a failure: skipped under CI=true too"
    if shutil.which("docker") is None:
        pytest.skip(f"no docker command on this machine ({fact})")
    info = _docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if info.returncode != 0:
        pytest.skip(f"no Docker daemon: `docker info` failed: {_why(info)} ({fact})")
    if _docker("image", "inspect", BASE).returncode != 0:
        pulled = _docker("pull", BASE, timeout=600)
        if pulled.returncode != 0:
            pytest.skip(f"the base image {BASE} cannot be pulled: {_why(pulled)} ({fact})")


def _wait_health(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                assert json.loads(answer.read()) == {"status": "ok"}
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    _require_docker()
    _ok(_docker("build", "--tag", TAG, str(ROOT), timeout=900), "docker build")
    yield TAG
    _docker("image", "rm", "--force", TAG)


@pytest.fixture(scope="module")
def container(image: str) -> Iterator[tuple[str, str]]:
    """The image running with its port on 127.0.0.1 and a region set by variable:
    (its name, its URL)."""
    name = f"userpool-test-{secrets.token_hex(4)}"
    _ok(
        _docker(
            "run", "--detach", "--name", name, "--publish", "127.0.0.1::9229",
            "--env", "USERPOOL_REGION=eu-west-1", image,
        ),
        "docker run",
    )  # fmt: skip
    try:
        port = _ok(_docker("port", name, "9229/tcp"), "docker port").splitlines()[0]
        url = f"http://127.0.0.1:{port.rsplit(':', 1)[1]}"
        _wait_health(url)
        yield name, url
    finally:
        logs = _docker("logs", name)
        print(logs.stdout, logs.stderr)  # shown when a test failed
        _docker("rm", "--force", "--volumes", name)


def test_the_image_runs_healthy_as_a_user_with_a_data_volume(container: tuple[str, str]) -> None:
    name, _ = container
    user = _ok(_docker("exec", name, "id", "-u"), "docker exec id").strip()
    assert user != "0", "the server runs as root"
    config = json.loads(_ok(_docker("inspect", name), "docker inspect"))[0]
    assert "/data" in {mount["Destination"] for mount in config["Mounts"]}
    assert "USERPOOL_DB=/data/userpool.db" in config["Config"]["Env"]
    assert config["Config"]["Healthcheck"]["Test"], "no HEALTHCHECK"
    deadline = time.monotonic() + 60  # the first check runs one interval (10 s) after start
    while True:
        health = _docker("inspect", "--format", "{{.State.Health.Status}}", name)
        status = _ok(health, "docker inspect").strip()
        if status == "healthy" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == "healthy"
    listing = _ok(_docker("exec", name, "ls", "-ln", "/data"), "ls /data")
    assert "userpool.db" in listing and f" {user} " in listing


def test_the_image_signs_up_and_confirms(container: tuple[str, str]) -> None:
    name, url = container
    made = _docker("exec", name, "userpool", "keys", "create", "--output", "json")
    key = json.loads(_ok(made, "userpool keys create"))

    def outbox() -> str:
        return _ok(_docker("exec", name, "userpool", "outbox", "--limit", "1"), "outbox")

    pool_id = sign_up_and_confirm(client(url, key["AccessKeyId"], key["SecretAccessKey"]), outbox)
    assert pool_id.startswith("eu-west-1_")  # USERPOOL_REGION reached the server


def test_compose_runs_userpool_on_postgresql(image: str) -> None:
    version = _docker("compose", "version")
    if version.returncode != 0:
        pytest.skip(f"no `docker compose` plugin: {_why(version)} (a machine fact)")
    project = f"userpool-test-{secrets.token_hex(4)}"
    port = free_port()
    env = {**os.environ, "POSTGRES_PASSWORD": secrets.token_hex(16), "PUBLISH_PORT": str(port)}
    compose = ["compose", "--project-name", project, "--file", str(ROOT / "compose.yaml")]
    try:
        up = _docker(*compose, "up", "--detach", "--build", "--wait", env=env, timeout=900)
        _ok(up, "docker compose up")
        url = f"http://127.0.0.1:{port}"
        _wait_health(url)
        exec_ = [*compose, "exec", "-T", "userpool", "userpool"]
        key = json.loads(
            _ok(_docker(*exec_, "keys", "create", "--output", "json", env=env), "keys")
        )

        def outbox() -> str:
            return _ok(_docker(*exec_, "outbox", "--limit", "1", env=env), "outbox")

        sign_up_and_confirm(client(url, key["AccessKeyId"], key["SecretAccessKey"]), outbox)
    finally:
        _docker(*compose, "down", "--volumes", "--rmi", "local", env=env, timeout=300)


# The files themselves, checked where no daemon runs too --------------------------------
def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_builds_the_wheel_and_runs_it_as_a_user() -> None:
    steps = _instructions()
    stages = [arg for op, arg in steps if op == "FROM"]
    assert stages == [f"{BASE} AS build", BASE], stages
    runtime = steps[[op for op, _ in steps].index("FROM", 1) :]
    assert any(op == "RUN" and "python -m build --wheel" in arg for op, arg in steps)
    assert any(op == "COPY" and arg.startswith("--from=build") for op, arg in runtime)
    users = [arg for op, arg in runtime if op == "USER"]
    assert users and users[-1] not in ("root", "0"), users
    assert ("VOLUME", "/data") in runtime
    env = " ".join(arg for op, arg in runtime if op == "ENV")
    assert "USERPOOL_DB=/data/userpool.db" in env and "USERPOOL_HOST=0.0.0.0" in env
    assert "USERPOOL_DEV" not in env  # refused off loopback: admin calls are signed
    checks = [arg for op, arg in runtime if op == "HEALTHCHECK"]
    assert len(checks) == 1 and "/health" in checks[0], checks
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") :][:4] == ["*", "!pyproject.toml", "!README.md", "!userpool/"]


def test_compose_puts_userpool_on_postgresql() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    app = services["userpool"]
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["USERPOOL_DB"].startswith("postgresql://")
    assert "@db:5432/" in app["environment"]["USERPOOL_DB"]
    assert app["environment"]["USERPOOL_MASTER_KEY_FILE"].startswith("/keys/")
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])
    assert "USERPOOL_DEV" not in app["environment"]
