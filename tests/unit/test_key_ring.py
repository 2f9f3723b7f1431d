"""The key ring (``userpool.keys``) in process: a pool's signing keys are made and loaded
once, however many requests meet the pool's first sign-in at once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.harness import InProcess
from userpool import keys
from userpool.domain.tokens import PoolKeys


def test_concurrent_first_uses_of_a_pool_make_and_load_its_keys_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = keys._new_pem

    def counted() -> tuple[str, str]:
        made.append("key")
        return real()

    loaded: list[str] = []
    load = serialization.load_pem_private_key

    def counted_load(*args: Any, **kwargs: Any) -> Any:
        loaded.append("key")
        return load(*args, **kwargs)

    monkeypatch.setattr(keys, "_new_pem", counted)
    monkeypatch.setattr(serialization, "load_pem_private_key", counted_load)
    inproc = InProcess(tmp_path / "data")
    try:
        pool_id = inproc.idp.create_user_pool(PoolName="p")["UserPool"]["Id"]

        async def at_once() -> list[PoolKeys]:
            return list(await asyncio.gather(*(inproc.svc.keys.keys(pool_id) for _ in range(8))))

        got = inproc.loop.run_until_complete(at_once())
    finally:
        inproc.close()
    assert len(made) == len(loaded) == len(keys.USES)
    assert len({(k.signing["id"].kid, k.signing["access"].kid) for k in got}) == 1
