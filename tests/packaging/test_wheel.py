"""The wheel installs and runs in a fresh virtualenv.

Once per module, ``python -m build`` makes the sdist and, from it, the wheel into a
temporary folder (so a file missing from either fails here), ``python -m venv`` makes an
empty virtualenv, and its pip installs the wheel with its dependencies from the configured
package index (pip's own configuration: PyPI, or the mirror pip.conf or ``PIP_INDEX_URL``
names), as a user's ``pip install`` does: nothing comes from the test's virtualenv. Every
command then runs from that virtualenv in a temporary folder with no ``PYTHONPATH``, so
the checkout cannot stand in for the installed package.

The build itself needs the index (its isolated environment installs setuptools), as
scripts/bootstrap does: with no index reachable the module is skipped, saying so, except
under ``CI=true``, where it fails (a CI machine that bootstrapped has one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port
from tests.packaging.smoke import client, sign_up_and_confirm
from userpool import __version__
from userpool.storage.sql.migrations import DIALECTS, migrations

pytestmark = pytest.mark.slow

DATA = {  # package data: the folders whose files the wheel must carry, every one
    "migrations": ROOT / "userpool" / "storage" / "migrations",
    "templates": ROOT / "userpool" / "server" / "templates",
    "awscli_data": ROOT / "userpool" / "cli" / "awscli_data",
}


@dataclass
class Installed:
    wheel: Path
    venv: Path
    home: Path  # the working folder of every command: no checkout, no data around
    env: dict[str, str]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            cwd=self.home,
            env=self.env,
            timeout=timeout,
        )


def _clean_env() -> dict[str, str]:
    """This environment without what would make another Python or another data folder
    win: ``PYTHONPATH`` (the tests run with the checkout on it), a virtualenv's marks, and
    every ``USERPOOL_*`` setting."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("USERPOOL_")}


def _index_problem(folder: Path, env: dict[str, str]) -> str | None:
    """Why the configured package index cannot be used, or None when it can."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir"]
        + ["--timeout", "15", "--retries", "1", "--dest", str(folder), "setuptools>=77"],
        capture_output=True,
        text=True,
        env=env,
    )
    if probe.returncode == 0:
        return None
    return " ".join(probe.stderr.split())[-300:]


def _ok(done: subprocess.CompletedProcess[str], what: str) -> str:
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    env = _clean_env()
    problem = _index_problem(tmp / "probe", env)
    if problem is not None:
        message = f"no package index reachable for the build and the install ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI installs from one (scripts/bootstrap)", pytrace=False)
        pytest.skip(message)
    dist = tmp / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    _ok(built, "python -m build")
    wheels = sorted(dist.glob("userpool-*.whl"))
    assert len(wheels) == 1 and (dist / f"userpool-{__version__}.tar.gz").exists(), wheels
    venv = tmp / "venv"
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, env=env
    )
    _ok(made, "python -m venv")
    home = tmp / "home"
    home.mkdir(mode=0o700)
    ready = Installed(wheels[0], venv, home, {**env, "HOME": str(home)})
    _ok(ready.run(ready.bin("pip"), "install", str(wheels[0]), timeout=600), "pip install")
    return ready


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_wheel_is_named_and_versioned_as_the_package(installed: Installed) -> None:
    assert installed.wheel.name == f"userpool-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"userpool-{__version__}.dist-info/METADATA").decode()
    for name, folder in DATA.items():
        prefix = folder.relative_to(ROOT).as_posix() + "/"
        missing = {prefix + f for f in _files(folder)} - names
        assert not missing, f"{name}: not in the wheel: {sorted(missing)}"
    package = {f"userpool/{f}" for f in _files(ROOT / "userpool")}
    assert not package - names, f"not in the wheel: {sorted(package - names)}"  # new data too
    assert f"Version: {__version__}" in metadata
    assert "Requires-Dist: botocore==" in metadata


def test_the_installed_package_reads_its_data(installed: Installed) -> None:
    """Imported from the fresh virtualenv, the package finds its migrations, the hosted
    pages' templates and the CLI's AWS CLI data through the code that uses them."""
    script = """
import json, sys
import userpool
from userpool.cli.transport import CLI_DATA
from userpool.server.page_kit import _ENV
from userpool.storage.sql.migrations import DIALECTS, migrations

print(json.dumps({
    "file": userpool.__file__,
    "prefix": sys.prefix,
    "migrations": {d: [n for n, sql in migrations(d) if sql.strip()] for d in DIALECTS},
    "templates": sorted(t for t in _ENV.list_templates() if _ENV.get_template(t)),
    "awscli_data": sorted(
        p.relative_to(CLI_DATA).as_posix() for p in CLI_DATA.rglob("*") if p.is_file()
    ),
}))
"""
    found = json.loads(_ok(installed.run(installed.bin("python"), "-c", script), "python -c"))
    assert found["prefix"] == str(installed.venv)
    assert Path(found["file"]).is_relative_to(installed.venv), found["file"]
    assert found["migrations"] == {d: [n for n, _ in migrations(d)] for d in DIALECTS}
    assert set(found["templates"]) == _files(DATA["templates"])
    assert set(found["awscli_data"]) == _files(DATA["awscli_data"])


def test_the_command_line_runs_from_the_wheel(installed: Installed) -> None:
    userpool = installed.bin("userpool")
    assert _ok(installed.run(userpool, "--version"), "--version").strip() == (
        f"userpool {__version__}"
    )
    service = _ok(installed.run(userpool, "cognito-idp", "help"), "cognito-idp help")
    assert "With the Amazon Cognito user pools API" in service
    assert "sign-up" in service and "confirm-sign-up" in service
    page = _ok(installed.run(userpool, "cognito-idp", "sign-up", "help"), "sign-up help")
    assert "--client-id" in page
    assert "This example signs up jane@example.com." in page  # awscli_data/examples


@pytest.fixture(scope="module")
def serving(installed: Installed) -> Iterator[tuple[str, str, str, Path]]:
    """``userpool serve`` from the fresh virtualenv on a free loopback port, with a SQLite
    database in its folder, and an access key: (url, key id, secret, database)."""
    db = installed.home / "data" / "userpool.db"
    made = installed.run(
        installed.bin("userpool"), "keys", "create", "--db", str(db), "--output", "json"
    )
    key = json.loads(_ok(made, "userpool keys create"))
    port = free_port()
    log = installed.home / "server.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [installed.bin("userpool"), "serve", "--port", str(port), "--db", str(db)],
            stdout=out,
            stderr=out,
            cwd=installed.home,
            env=installed.env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start:\n" + log.read_text()) from None
                time.sleep(0.05)
        yield url, key["AccessKeyId"], key["SecretAccessKey"], db
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_from_the_wheel_signs_up_and_confirms(
    installed: Installed, serving: tuple[str, str, str, Path]
) -> None:
    url, key_id, key_secret, db = serving
    with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
        assert json.loads(answer.read()) == {"status": "ok"}

    def outbox() -> str:
        command = [installed.bin("userpool"), "outbox", "--db", str(db), "--limit", "1"]
        return _ok(installed.run(*command), "userpool outbox")

    sign_up_and_confirm(client(url, key_id, key_secret), outbox)
