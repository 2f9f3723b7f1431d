"""Fixtures for the CLI tests: ``userpool`` as a subprocess in a clean environment.

``cli`` runs ``.venv/bin/userpool`` in a fresh directory with no AWS settings but the
spec's (key ``test``, region us-east-1, no config files, empty HOME); ``fake`` is the
spec's recording endpoint; the root conftest's ``server`` is a live ``userpool serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.fake_endpoint import Endpoint
from tests.cli.harness import Cli, Up


@pytest.fixture(scope="session")
def fake() -> Iterator[Endpoint]:
    with Endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(params=["server", "embedded"])
def up(request: pytest.FixtureRequest, cli: Cli, tmp_path: Path) -> Up:
    """The CLI on a live server (``--endpoint-url``) or on a local file (``--db``)."""
    server = request.getfixturevalue("server") if request.param == "server" else None
    return Up(cli, request.param, server, tmp_path)
