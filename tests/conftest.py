"""Fixtures: one live server for the session, a fresh pool and app client per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, drop_schemas

_names = itertools.count()


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
def tmp(tmp_path: Path) -> Path:
    return tmp_path
