"""Fixtures: one live server for the session, a fresh pool and app client per test, an
in-process userpool with a fake clock per test (``inproc``), and Node.js with tests/js's
packages for the JavaScript client tests."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import InProcess
from tests.helpers import ROOT, Server, drop_schemas

_names = itertools.count()
JS = ROOT / "tests" / "js"
JS_PACKAGES = (
    "amazon-cognito-identity-js",
    "aws-jwt-verify",
    "@aws-sdk/client-cognito-identity-provider",
    "aws-amplify",
)


@pytest.fixture(scope="session", autouse=True)
def _pg_schemas() -> Iterator[None]:
    """PostgreSQL schemas made by this run's tests are dropped when the run ends."""
    yield
    drop_schemas()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server")).start()
    yield srv
    srv.stop()


@pytest.fixture
def started() -> Iterator[list[Server]]:
    """Servers a test starts itself (append each): stopped when the test ends."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def idp(server: Server) -> Any:
    return server.client()


@pytest.fixture
def make_pool(idp: Any) -> Callable[..., dict[str, Any]]:
    def make(**kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("PoolName", f"pool{next(_names)}")
        kwargs.setdefault("AutoVerifiedAttributes", ["email"])
        return dict(idp.create_user_pool(**kwargs)["UserPool"])

    return make


@pytest.fixture
def make_client(idp: Any) -> Callable[..., dict[str, Any]]:
    def make(pool: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("ClientName", "app")
        return dict(idp.create_user_pool_client(UserPoolId=pool["Id"], **kwargs)["UserPoolClient"])

    return make


@pytest.fixture
def pool(make_pool: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_pool()


@pytest.fixture
def client(make_client: Callable[..., dict[str, Any]], pool: dict[str, Any]) -> dict[str, Any]:
    return make_client(pool, ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def inproc(tmp_path: Path) -> Iterator[InProcess]:
    """Services in this process on a private SQLite file, with a fake clock to advance."""
    harness = InProcess(tmp_path / "inproc")
    yield harness
    harness.close()


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` executable, with tests/js's packages installed (``npm ci`` if missing)."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed: the amazon-cognito-identity-js tests need Node.js 20+")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    major = re.match(r"v(\d+)\.", version.stdout.strip())
    if major is None or int(major.group(1)) < 18:
        pytest.skip(f"node {version.stdout.strip()!r} is too old: tests/js needs Node.js 20+")
    if not all((JS / "node_modules" / name / "package.json").is_file() for name in JS_PACKAGES):
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("tests/js/node_modules is missing and npm is not installed to run npm ci")
        try:
            done = subprocess.run(
                [npm, "ci", "--prefix", str(JS), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"npm ci --prefix tests/js took over {exc.timeout}s")
        assert done.returncode == 0, f"npm ci --prefix tests/js failed:\n{done.stdout}{done.stderr}"
    return exe
