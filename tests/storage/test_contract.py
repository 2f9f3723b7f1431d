"""The storage contract: every test runs on SQLite and on PostgreSQL and must pass on both.

What an operation may rely on, whatever the backend: uniqueness surfaces as
``AlreadyExists(what)`` and leaves the transaction usable, a failed transaction leaves
nothing behind, sessions are single-use, the outbox hands a message to one claimer, and
two writers of one user (or one alias) run one after the other, the second seeing what
the first committed. PostgreSQL tests run in a schema of their own; without PostgreSQL
they are skipped, saying why (in CI, where it must be there, they fail).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import pg_schema
from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User
from userpool.domain.ports import (
    AccessKeyEntry,
    AlreadyExists,
    AuthEvent,
    Device,
    NotFound,
    PoolDomain,
    ResourceServer,
    SealedValue,
    SoftwareToken,
    Store,
    StoredKey,
    TriggerInvocation,
)
from userpool.domain.store_ports import StoredPasskey
from userpool.errors import InvalidParameterException, TooManyRequestsException
from userpool.storage import open_store

_schemas = itertools.count()
OpenStore = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """Opens stores on one fresh database of the backend under test (several may share it)."""
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
    else:
        url = pg_schema(f"contract_{next(_schemas)}")
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(open_store(url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: OpenStore) -> Store:
    return opener()


def pool(pool_id: str = "us-east-1_pool", **config: Any) -> Pool:
    return Pool(pool_id, f"name-{pool_id}", {"Policies": {}, **config}, 1.0, 1.0)


def client(client_id: str, pool_id: str = "us-east-1_pool") -> AppClient:
    return AppClient(client_id, pool_id, "app", "secret", {"ExplicitAuthFlows": []}, 1.0, 1.0)


def user(name: str, sub: str | None = None, pool_id: str = "us-east-1_pool") -> User:
    return User(
        pool_id=pool_id,
        username=name,
        sub=sub or f"sub-{name}",
        status="UNCONFIRMED",
        enabled=True,
        password_hash="hash",
        attributes={"email": f"{name}@example.com"},
        created=2.0,
        modified=2.0,
        extra={"failed": []},
    )


def code(sub: str, expires: float = 100.0) -> Code:
    return Code("us-east-1_pool", sub, "signup", "h" * 64, expires, "email", "EMAIL")


def session(token: str, expires: float = 100.0) -> Session:
    return Session(token, "us-east-1_pool", "c1", "sub-amy", "signin", expires, {"n": 1})


def refresh(token: str, origin: str, sub: str = "sub-amy", expires: float = 100.0) -> RefreshToken:
    return RefreshToken(token, "us-east-1_pool", "c1", sub, origin, 5, expires)


def message(destination: str, body: str = "code 123456") -> Message:
    return Message(0, "us-east-1_pool", "amy", "EMAIL", destination, "subj", body, 1.0, "pending")


def with_user(store: Store, *names: str) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool())
        for name in names:
            tx.insert_user(user(name), name)


# pools and clients -----------------------------------------------------------------------
def test_a_pool_is_stored_read_updated_listed_and_deleted(store: Store) -> None:
    with store.transaction() as tx:
        for pool_id in ("p3", "p1", "p2", "P0"):
            tx.insert_pool(pool(pool_id))
    with store.transaction() as tx:
        changed = tx.get_pool("p1")
        changed.config = {"MfaConfiguration": "OFF"}
        changed.name, changed.modified = "renamed", 9.5
        tx.update_pool(changed)
    with store.read() as tx:
        assert tx.get_pool("p1") == Pool("p1", "renamed", {"MfaConfiguration": "OFF"}, 1.0, 9.5)
        assert [p.id for p in tx.list_pools(None, 10)] == ["P0", "p1", "p2", "p3"]  # binary
        assert [p.id for p in tx.list_pools("p1", 1)] == ["p2"]
    with store.transaction() as tx:
        tx.delete_pool("p1")
    with store.read() as tx, pytest.raises(NotFound):
        tx.get_pool("p1")


def test_a_second_pool_with_one_id_already_exists(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool("p1"))
    with pytest.raises(AlreadyExists) as exc, store.transaction() as tx:
        tx.insert_pool(pool("p1"))
    assert exc.value.what == "pool"


def test_a_client_is_stored_with_its_pool_listed_by_pool_and_deleted(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool())
        tx.insert_pool(pool("other"))
        for client_id in ("c2", "c1", "c3"):
            tx.insert_client(client(client_id))
        tx.insert_client(client("c0", "other"))
        with pytest.raises(AlreadyExists) as exc:
            tx.insert_client(client("c1"))
        assert exc.value.what == "client"
        updated = client("c2")
        updated.name, updated.config, updated.modified = "web", {"AuthSessionValidity": 5}, 3.0
        tx.update_client(updated)
    with store.read() as tx:
        found, its_pool = tx.client_and_pool("c2")
        assert found == client("c2").__class__(
            "c2", "us-east-1_pool", "web", "secret", {"AuthSessionValidity": 5}, 1.0, 3.0
        )
        assert its_pool == pool()
        assert tx.get_client("c1") == client("c1")
        assert [c.id for c in tx.list_clients("us-east-1_pool", None, 10)] == ["c1", "c2", "c3"]
        assert [c.id for c in tx.list_clients("us-east-1_pool", "c1", 1)] == ["c2"]
    with store.transaction() as tx:
        tx.delete_client("c1")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.get_client("c1")
        with pytest.raises(NotFound):
            tx.client_and_pool("c1")


# users and aliases -----------------------------------------------------------------------
def test_a_user_is_found_by_key_and_sub_updated_and_listed_in_key_order(store: Store) -> None:
    with_user(store, "bob", "amy", "Cat")
    with store.transaction() as tx:
        amy = tx.user_by_key("us-east-1_pool", "amy")
        amy.status, amy.enabled, amy.modified = "CONFIRMED", False, 7.25
        amy.attributes["email_verified"] = "true"
        amy.extra = {"failed": [1.5]}
        tx.update_user(amy)
    with store.read() as tx:
        stored = tx.user_by_sub("us-east-1_pool", "sub-amy")
        assert stored == amy and stored.enabled is False
        assert [u.username for u in tx.list_users("us-east-1_pool", None, 10)] == [
            "Cat",
            "amy",
            "bob",
        ]
        assert [u.username for u in tx.list_users("us-east-1_pool", "amy", 5)] == ["bob"]
        with pytest.raises(NotFound):
            tx.user_by_key("us-east-1_pool", "nobody")
        with pytest.raises(NotFound):
            tx.user_by_sub("other-pool", "sub-amy")


def test_users_are_counted_per_pool(store: Store) -> None:
    with_user(store, "amy", "bob", "cat")
    with store.transaction() as tx:
        tx.insert_pool(pool("us-east-1_other"))
        tx.insert_user(user("dan", pool_id="us-east-1_other"), "dan")
        tx.delete_user("us-east-1_pool", "sub-bob")
    with store.read() as tx:
        assert tx.count_users("us-east-1_pool") == 2
        assert tx.count_users("us-east-1_other") == 1
        assert tx.count_users("us-east-1_none") == 0


def test_a_client_its_pool_and_a_user_by_key_come_in_one_probe(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.insert_client(client("c1"))
    with store.read() as tx:
        found, its_pool, amy = tx.client_pool_user("c1", "amy")
        assert found == tx.get_client("c1") and its_pool == tx.get_pool("us-east-1_pool")
        assert amy == tx.user_by_key("us-east-1_pool", "amy")
        assert tx.client_pool_user("c1", "nobody")[2] is None
        with pytest.raises(NotFound):
            tx.client_pool_user("no-such-client", "amy")


def test_the_one_probe_lookup_brings_the_code_the_next_get_code_asks_for(store: Store) -> None:
    """``client_pool_user(..., code=purpose)``: PostgreSQL reads the code in the same probe;
    get_code answers the same on both backends, also after the code changed."""
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.insert_client(client("c1"))
        tx.put_code(code("sub-amy"))
    with store.transaction() as tx:
        _, _, amy = tx.client_pool_user("c1", "amy", "signup")
        assert amy is not None and tx.get_code("us-east-1_pool", "sub-amy", "signup") == code(
            "sub-amy"
        )
        _, _, bob = tx.client_pool_user("c1", "bob", "signup")
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-bob", "signup")
        assert tx.client_pool_user("c1", "nobody", "signup")[2] is None
    with store.transaction() as tx:
        tx.client_pool_user("c1", "amy", "signup")
        tx.put_code(code("sub-amy", expires=500.0))
        assert tx.get_code("us-east-1_pool", "sub-amy", "signup").expires == 500.0
        tx.client_pool_user("c1", "amy", "signup")
        tx.delete_code("us-east-1_pool", "sub-amy", "signup")
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "signup")


def test_a_prefetched_code_goes_with_its_user_or_pool(store: Store) -> None:
    """A code the probe brought must not outlive the user or pool deleted after it in the
    same transaction."""
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.insert_client(client("c1"))
        tx.put_code(code("sub-amy"))
    with store.transaction() as tx:
        tx.client_pool_user("c1", "amy", "signup")
        tx.delete_user("us-east-1_pool", "sub-amy")
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "signup")
    with store.transaction() as tx:
        tx.insert_user(user("amy"), "amy")
        tx.put_code(code("sub-amy"))
    with store.transaction() as tx:
        tx.client_pool_user("c1", "amy", "signup")
        tx.delete_pool("us-east-1_pool")
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "signup")


# devices ------------------------------------------------------------------------------------
def device(key: str, sub: str = "sub-amy", **changes: Any) -> Device:
    made = Device("us-east-1_pool", sub, key, "-group", 3.0, 3.0)
    return dataclasses.replace(made, **changes)


def test_devices_are_stored_replaced_and_listed_by_key(store: Store) -> None:
    with_user(store, "amy", "bob")
    full = device(
        "k2",
        confirmed=True,
        remembered=True,
        name="laptop",
        salt="00ab",
        verifier="7f01",
        last_authenticated=4.5,
        last_ip="192.0.2.1",
        pending={"session": "h", "amr": ["pwd"]},
    )
    with store.transaction() as tx:
        tx.put_device(device("k3", confirmed=True))  # confirmed, not remembered
        tx.put_device(device("k1"))  # unconfirmed
        tx.put_device(device("k2"))
        tx.put_device(full)  # replaces k2
        tx.put_device(device("k0", sub="sub-bob", confirmed=True, remembered=True))
    with store.read() as tx:
        assert tx.get_device("k2") == full
        assert tx.get_device("k1") == device("k1")
        with pytest.raises(NotFound):
            tx.get_device("nope")
        assert [d.key for d in tx.user_devices("us-east-1_pool", "sub-amy")] == ["k1", "k2", "k3"]
        listed = tx.list_devices("us-east-1_pool", "sub-amy", False, None, 10)
        assert [d.key for d in listed] == ["k2", "k3"]  # confirmed ones only
        assert [d.key for d in tx.list_devices("us-east-1_pool", "sub-amy", True, None, 10)] == [
            "k2"
        ]
        assert [d.key for d in tx.list_devices("us-east-1_pool", "sub-amy", False, "k2", 1)] == [
            "k3"
        ]
        assert [d.key for d in tx.list_devices("us-east-1_pool", "sub-amy", False, None, 1)] == [
            "k2"
        ]
    with store.transaction() as tx:
        locked = tx.get_device("k2", lock=True)
        locked.pending = None
        tx.put_device(locked)
        tx.delete_device("k3")
    with store.read() as tx:
        assert tx.get_device("k2").pending is None
        assert [d.key for d in tx.user_devices("us-east-1_pool", "sub-amy")] == ["k1", "k2"]


def test_devices_go_with_their_user_and_pool(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.put_device(device("ka"))
        tx.put_device(device("kb", sub="sub-bob"))
        tx.delete_user("us-east-1_pool", "sub-amy")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.get_device("ka")
        assert tx.get_device("kb").sub == "sub-bob"
    with store.transaction() as tx:
        tx.delete_pool("us-east-1_pool")
    with store.read() as tx, pytest.raises(NotFound):
        tx.get_device("kb")


def test_a_refresh_token_keeps_its_device(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_refresh(dataclasses.replace(refresh("rd", "od"), device_key="us-east-1_k"))
        tx.put_refresh(refresh("rn", "on"))
    with store.read() as tx:
        assert tx.get_refresh("rd").device_key == "us-east-1_k"
        assert tx.get_refresh("rn").device_key is None


# software tokens ---------------------------------------------------------------------------
def software_token(sub: str, state: str, sealed: str, token_id: str) -> SoftwareToken:
    return SoftwareToken("us-east-1_pool", sub, state, sealed, 3.0, id=token_id)


def test_a_user_has_one_software_token_per_state(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.put_software_token(software_token("sub-amy", "pending", "s1", "t1"))
        tx.put_software_token(software_token("sub-amy", "pending", "s2", "t2"))  # replaces
        tx.put_software_token(
            SoftwareToken("us-east-1_pool", "sub-amy", "verified", "s0", 2.0, "phone", 7, "t0")
        )
    with store.read() as tx:
        assert tx.software_token("us-east-1_pool", "sub-amy", "pending") == SoftwareToken(
            "us-east-1_pool", "sub-amy", "pending", "s2", 3.0, None, None, "t2"
        )
        assert tx.software_token("us-east-1_pool", "sub-amy", "verified") == SoftwareToken(
            "us-east-1_pool", "sub-amy", "verified", "s0", 2.0, "phone", 7, "t0"
        )
        with pytest.raises(NotFound):
            tx.software_token("us-east-1_pool", "sub-bob", "pending")
    with store.transaction() as tx:
        tx.delete_software_token("us-east-1_pool", "sub-amy", "pending")
    with store.read() as tx, pytest.raises(NotFound):
        tx.software_token("us-east-1_pool", "sub-amy", "pending")


def test_a_software_tokens_step_only_advances(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        assert not tx.advance_software_token("us-east-1_pool", "sub-amy", 5)  # no token
        tx.put_software_token(software_token("sub-amy", "verified", "s", "t"))
        tx.put_software_token(software_token("sub-amy", "pending", "p", "u"))
    with store.transaction() as tx:
        assert tx.advance_software_token("us-east-1_pool", "sub-amy", 10)
        assert not tx.advance_software_token("us-east-1_pool", "sub-amy", 10)
        assert not tx.advance_software_token("us-east-1_pool", "sub-amy", 9)
        assert tx.advance_software_token("us-east-1_pool", "sub-amy", 11)
    with store.read() as tx:
        assert tx.software_token("us-east-1_pool", "sub-amy", "verified").last_step == 11
        assert tx.software_token("us-east-1_pool", "sub-amy", "pending").last_step is None


def test_software_tokens_go_with_their_user_and_pool(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        for name in ("amy", "bob"):
            tx.put_software_token(software_token(f"sub-{name}", "verified", "s", f"t-{name}"))
        tx.delete_user("us-east-1_pool", "sub-amy")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.software_token("us-east-1_pool", "sub-amy", "verified")
        assert tx.software_token("us-east-1_pool", "sub-bob", "verified").id == "t-bob"
    with store.transaction() as tx:
        tx.delete_pool("us-east-1_pool")
    with store.read() as tx, pytest.raises(NotFound):
        tx.software_token("us-east-1_pool", "sub-bob", "verified")


def test_a_failed_write_undoes_its_transaction_when_it_fails_at_once_or_at_commit(
    store: Store,
) -> None:
    """PostgreSQL sends writes whose answer nobody reads with the next statement or the
    commit: a failure then shows later, and still leaves nothing behind."""
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.put_session(session("s1"))
    with pytest.raises(Exception), store.transaction() as tx:  # noqa: B017
        amy = tx.user_by_key("us-east-1_pool", "amy")
        amy.status = "CONFIRMED"
        tx.update_user(amy)
        tx.delete_code("us-east-1_pool", "sub-amy", "signup")
        tx.put_session(session("s1"))  # taken: fails now (SQLite) or at commit (PostgreSQL)
    with store.transaction() as tx:
        assert tx.user_by_key("us-east-1_pool", "amy").status == "UNCONFIRMED"
        tx.update_user(amy)  # the store is usable, and a held write is sent with COMMIT
    with store.read() as tx:
        assert tx.user_by_sub("us-east-1_pool", "sub-amy").status == "CONFIRMED"


def _confirm_work(name: str, fail: bool = False) -> Callable[[Any], str]:
    """Batched work that confirms ``name``, then gives up if ``fail``."""

    def work(tx: Any) -> str:
        found = tx.user_by_key("us-east-1_pool", name)
        found.status = "CONFIRMED"
        tx.update_user(found)
        if fail:
            raise RuntimeError("the operation gave up")
        return name

    return work


def test_batched_work_commits_together_and_fails_alone(opener: OpenStore) -> None:
    """The batched work of an event-loop turn shares one COMMIT; each request gets its
    result only once that is done, and work that raises leaves nothing behind."""
    store, other = opener(), opener()
    with_user(store, "amy", "bob", "cat")

    async def confirm(name: str, fail: bool) -> str:
        assert await store.batched(_confirm_work(name, fail)) == name
        with other.read() as tx:  # another process sees it once batched() returned
            return tx.user_by_key("us-east-1_pool", name).status

    async def three() -> list[Any]:
        return list(
            await asyncio.gather(
                confirm("amy", False), confirm("bob", True), confirm("cat", False),
                return_exceptions=True,
            )
        )  # fmt: skip

    amy, bob, cat = asyncio.run(three())
    assert (amy, cat) == ("CONFIRMED", "CONFIRMED") and isinstance(bob, RuntimeError)
    with store.read() as tx:
        assert tx.user_by_key("us-east-1_pool", "bob").status == "UNCONFIRMED"


def test_batched_work_that_gives_up_after_writing_undoes_only_its_own(store: Store) -> None:
    """One gives up before any statement, one after a write that was sent at once (a
    session taken), one after held writes; the others of the batch commit."""
    with_user(store, "amy", "bob", "cat", "dan")
    with store.transaction() as tx:
        tx.put_session(session("s1"))

    def work(name: str, give_up: str) -> Callable[[Any], str]:
        def confirm(tx: Any) -> str:
            if give_up == "at once":
                raise RuntimeError("gave up")
            found = tx.user_by_key("us-east-1_pool", name)
            if give_up == "after a sent write":
                tx.take_session(session("s1").token_hash)
            found.status = "CONFIRMED"
            tx.update_user(found)
            if give_up != "no":
                raise RuntimeError("gave up")
            return "ok"

        return confirm

    async def batch() -> list[Any]:
        return list(
            await asyncio.gather(
                store.batched(work("amy", "no")), store.batched(work("bob", "at once")),
                store.batched(work("cat", "after a sent write")),
                store.batched(work("dan", "after held writes")),
                return_exceptions=True,
            )
        )  # fmt: skip

    results = asyncio.run(batch())
    assert results[0] == "ok" and all(isinstance(r, RuntimeError) for r in results[1:])
    with store.read() as tx:
        statuses = [u.status for u in tx.list_users("us-east-1_pool", None, 10)]
        assert statuses == ["CONFIRMED", "UNCONFIRMED", "UNCONFIRMED", "UNCONFIRMED"]
    with store.transaction() as tx:  # cat's taking of the session was undone
        assert tx.take_session(session("s1").token_hash).token_hash == session("s1").token_hash


def test_batched_work_may_not_open_a_transaction_and_what_follows_it_sees_its_writes(
    store: Store,
) -> None:
    with_user(store, "amy", "bob")

    def nested(tx: Any) -> None:
        _confirm_work("bob")(tx)
        with store.read():
            pass

    async def confirm_then_read() -> str:
        with pytest.raises(RuntimeError):
            await store.batched(nested)
        await store.batched(_confirm_work("amy"))
        with store.read() as tx:
            return tx.user_by_key("us-east-1_pool", "amy").status

    assert asyncio.run(confirm_then_read()) == "CONFIRMED"
    with store.read() as tx:  # the work that tried to nest was undone
        assert tx.user_by_key("us-east-1_pool", "bob").status == "UNCONFIRMED"


def test_work_left_by_a_finished_event_loop_does_not_block_the_next(store: Store) -> None:
    """An embedded run may end its loop while a request still waits for its batch."""
    with_user(store, "amy", "bob")

    async def abandon() -> None:  # asyncio.run cancels the task when this returns
        asyncio.ensure_future(store.batched(_confirm_work("amy")))

    asyncio.run(abandon())
    assert asyncio.run(store.batched(_confirm_work("bob"))) == "bob"
    with store.read() as tx:
        assert tx.user_by_key("us-east-1_pool", "bob").status == "CONFIRMED"


def test_a_taken_username_or_sub_already_exists_as_username(store: Store) -> None:
    with_user(store, "amy")
    for clash in (user("amy", sub="another-sub"), user("zed", sub="sub-amy")):
        with pytest.raises(AlreadyExists) as exc, store.transaction() as tx:
            tx.insert_user(clash, clash.username)
        assert exc.value.what == "username"


def test_an_alias_has_one_owner_and_names_its_attribute_when_taken(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.set_alias("us-east-1_pool", "email", "a@example.com", "sub-amy")
        tx.set_alias("us-east-1_pool", "phone_number", "+15550100", "sub-amy")
        for attribute, key in (("email", "a@example.com"), ("phone_number", "+15550100")):
            with pytest.raises(AlreadyExists) as exc:
                tx.set_alias("us-east-1_pool", attribute, key, "sub-bob")
            assert exc.value.what == attribute
    with store.read() as tx:
        assert tx.alias_owner("us-east-1_pool", "email", "a@example.com") == "sub-amy"
        assert tx.alias_owner("us-east-1_pool", "email", "b@example.com") is None
        assert tx.user_by_alias("us-east-1_pool", "email", "a@example.com").username == "amy"
        with pytest.raises(NotFound):
            tx.user_by_alias("us-east-1_pool", "email", "b@example.com")


def test_aliases_are_dropped_one_by_attribute_or_all(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.set_alias("us-east-1_pool", "email", "a@example.com", "sub-amy")
        tx.set_alias("us-east-1_pool", "phone_number", "+15550100", "sub-amy")
        tx.set_alias("us-east-1_pool", "preferred_username", "ames", "sub-amy")
        tx.drop_alias("us-east-1_pool", "preferred_username", "ames")
        tx.drop_aliases_of("us-east-1_pool", "sub-amy", "phone_number")
    with store.read() as tx:
        assert tx.alias_owner("us-east-1_pool", "preferred_username", "ames") is None
        assert tx.alias_owner("us-east-1_pool", "phone_number", "+15550100") is None
        assert tx.alias_owner("us-east-1_pool", "email", "a@example.com") == "sub-amy"
    with store.transaction() as tx:
        tx.drop_aliases_of("us-east-1_pool", "sub-amy")
        tx.set_alias("us-east-1_pool", "email", "a@example.com", "sub-bob")  # free again
    with store.read() as tx:
        assert tx.alias_owner("us-east-1_pool", "email", "a@example.com") == "sub-bob"


def test_already_exists_leaves_the_transaction_usable(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        with pytest.raises(AlreadyExists):
            tx.insert_user(user("amy", sub="second"), "amy")
        tx.insert_user(user("bob"), "bob")
    with store.read() as tx:
        assert tx.user_by_key("us-east-1_pool", "bob").sub == "sub-bob"


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with_user(store, "amy")
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.insert_user(user("bob"), "bob")
        tx.set_alias("us-east-1_pool", "email", "a@example.com", "sub-amy")
        tx.put_code(code("sub-amy"))
        raise RuntimeError("the operation gave up")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.user_by_key("us-east-1_pool", "bob")
        assert tx.alias_owner("us-east-1_pool", "email", "a@example.com") is None
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "signup")


def test_deleting_a_user_takes_its_aliases_codes_sessions_tokens_events_and_messages(
    store: Store,
) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        for sub in ("sub-amy", "sub-bob"):
            tx.set_alias("us-east-1_pool", "email", f"{sub}@example.com", sub)
            tx.put_code(code(sub))
            tx.add_attempt("us-east-1_pool", sub, "resend", 5.0)
            tx.record_event("us-east-1_pool", sub, "SignUp", 5.0, "{}", True)
        tx.put_session(session("s1"))
        tx.put_refresh(refresh("r1", "o1"))
        tx.enqueue_message(message("amy@example.com"))
    with store.transaction() as tx:
        tx.delete_user("us-east-1_pool", "sub-amy")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.user_by_sub("us-east-1_pool", "sub-amy")
        assert tx.alias_owner("us-east-1_pool", "email", "sub-amy@example.com") is None
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "signup")
        with pytest.raises(NotFound):
            tx.get_refresh("r1")
        assert tx.count_attempts("us-east-1_pool", "sub-amy", "resend", 0.0) == 0
        assert tx.list_events("us-east-1_pool", "sub-amy", None, 10) == []
        # bob keeps everything
        assert tx.alias_owner("us-east-1_pool", "email", "sub-bob@example.com") == "sub-bob"
        assert tx.count_attempts("us-east-1_pool", "sub-bob", "resend", 0.0) == 1
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.take_session("s1")
    assert store.recent_messages(10) == []


def test_deleting_a_pool_takes_everything_in_it(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.insert_pool(pool("other"))
        tx.insert_user(user("amy", pool_id="other"), "amy")
        tx.insert_client(client("c1"))
        tx.set_alias("us-east-1_pool", "email", "a@example.com", "sub-amy")
        tx.insert_key("k1", "us-east-1_pool", "id", "pem", 1.0)
        tx.enqueue_message(message("amy@example.com"))
    with store.transaction() as tx:
        tx.delete_pool("us-east-1_pool")
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.user_by_key("us-east-1_pool", "amy")
        with pytest.raises(NotFound):
            tx.get_client("c1")
        assert tx.alias_owner("us-east-1_pool", "email", "a@example.com") is None
        assert tx.pool_keys("us-east-1_pool") == []
        assert tx.user_by_key("other", "amy").pool_id == "other"
    assert store.recent_messages(10) == []


# codes, attempts, sessions ---------------------------------------------------------------
def test_a_code_is_stored_replaced_and_deleted(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_code(code("sub-amy", expires=50.0))
        replaced = code("sub-amy", expires=80.0)
        replaced.superseded, replaced.failures = ["old"], [1.0, 2.5]
        tx.put_code(replaced)
    with store.read() as tx:
        assert tx.get_code("us-east-1_pool", "sub-amy", "signup") == replaced
        with pytest.raises(NotFound):
            tx.get_code("us-east-1_pool", "sub-amy", "forgot")
    with store.transaction() as tx:
        tx.delete_code("us-east-1_pool", "sub-amy", "signup")
    with store.read() as tx, pytest.raises(NotFound):
        tx.get_code("us-east-1_pool", "sub-amy", "signup")


def test_attempts_are_counted_since_a_moment_and_cleared_per_action(store: Store) -> None:
    with store.transaction() as tx:
        for at in (10.0, 20.0, 30.0):
            tx.add_attempt("us-east-1_pool", "sub-amy", "confirm", at)
        tx.add_attempt("us-east-1_pool", "sub-amy", "resend", 30.0)
        assert tx.count_attempts("us-east-1_pool", "sub-amy", "confirm", 20.0) == 2
        tx.clear_attempts("us-east-1_pool", "sub-amy", "confirm")
    with store.read() as tx:
        assert tx.count_attempts("us-east-1_pool", "sub-amy", "confirm", 0.0) == 0
        assert tx.count_attempts("us-east-1_pool", "sub-amy", "resend", 0.0) == 1


def test_a_session_is_taken_once(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_session(session("s1"))
    with store.transaction() as tx:
        assert tx.take_session("s1") == session("s1")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.take_session("s1")


def test_a_session_taken_in_a_rolled_back_transaction_is_still_there(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_session(session("s1"))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.take_session("s1")
        raise RuntimeError("rolled back")
    with store.transaction() as tx:
        assert tx.take_session("s1").token_hash == "s1"


# tokens and keys ---------------------------------------------------------------------------
def test_refresh_tokens_are_revoked_by_origin_and_by_user(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_refresh(refresh("r1", "o1"))
        tx.put_refresh(refresh("r2", "o2"))
        tx.put_refresh(refresh("r3", "o2", expires=200.0))
        tx.put_refresh(refresh("r4", "o4", sub="sub-bob"))
        tx.revoke_origin("o1", 100.0)
    with store.read() as tx:
        assert tx.get_refresh("r1").revoked and tx.origin_revoked("o1")
        assert tx.get_refresh("r2") == refresh("r2", "o2")
        assert not tx.origin_revoked("o2")
        with pytest.raises(NotFound):
            tx.get_refresh("nope")
    with store.transaction() as tx:
        tx.revoke_user_tokens("us-east-1_pool", "sub-amy")
        tx.revoke_origin("o1", 150.0)  # again: no harm
    with store.read() as tx:
        assert all(tx.get_refresh(t).revoked for t in ("r1", "r2", "r3"))
        assert tx.origin_revoked("o2") and not tx.origin_revoked("o4")
        assert not tx.get_refresh("r4").revoked


def test_signing_keys_have_one_active_key_per_use_and_a_version(store: Store) -> None:
    with store.transaction() as tx:
        empty = tx.keys_version("us-east-1_pool")
        tx.insert_key("k1", "us-east-1_pool", "id", "pem1", 1.0)
        tx.insert_key("k2", "us-east-1_pool", "access", "pem2", 2.0)
        with pytest.raises(AlreadyExists) as exc:
            tx.insert_key("k3", "us-east-1_pool", "id", "pem3", 3.0)
        assert exc.value.what == "key"
        with pytest.raises(AlreadyExists):
            tx.insert_key("k1", "other", "id", "pem1", 1.0)
        two = tx.keys_version("us-east-1_pool")
    assert two != empty
    with store.transaction() as tx:
        tx.retire_keys("us-east-1_pool", "id")
        retired = tx.keys_version("us-east-1_pool")
        tx.insert_key("k3", "us-east-1_pool", "id", "pem3", 3.0)
    with store.read() as tx:
        assert tx.pool_keys("us-east-1_pool") == [
            StoredKey("k3", "id", "pem3", True),
            StoredKey("k2", "access", "pem2", True),
            StoredKey("k1", "id", "pem1", False),
        ]
        assert len({empty, two, retired, tx.keys_version("us-east-1_pool")}) == 4


def test_access_keys_are_stored_listed_and_revoked_once(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_access_key("AKIA1", "sealed1", 1.0)
        tx.insert_access_key("AKIA2", "sealed2", 2.0)
        with pytest.raises(AlreadyExists) as exc:
            tx.insert_access_key("AKIA1", "again", 3.0)
        assert exc.value.what == "key"
    with store.transaction() as tx:
        assert tx.access_key("AKIA1") == "sealed1"
        assert tx.revoke_access_key("AKIA1") is True
        assert tx.revoke_access_key("AKIA1") is False
        assert tx.revoke_access_key("AKIA9") is False
    with store.read() as tx:
        assert tx.access_key("AKIA1") is None and tx.access_key("AKIA9") is None
        assert tx.access_keys() == [
            AccessKeyEntry("AKIA1", 1.0, True),
            AccessKeyEntry("AKIA2", 2.0, False),
        ]


def test_meta_values_are_set_once_replaced_and_deleted_by_any_store(opener: OpenStore) -> None:
    first, second = opener(), opener()
    with first.transaction() as tx:
        assert tx.meta_value("k") is None
        tx.set_meta("k", b"\x00one")
    with second.transaction() as tx:
        tx.set_meta("k", b"two")  # there already: the first value stays
        assert tx.meta_value("k", lock=True) == b"\x00one"
        tx.replace_meta("k", b"three")
    with first.read() as tx:
        assert tx.meta_value("k") == b"three"
    with first.transaction() as tx:
        tx.delete_meta("k")
    first.scrub()
    with second.read() as tx:
        assert tx.meta_value("k") is None


def test_every_sealed_value_is_listed_and_resealed(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool())
        tx.insert_client(client("c1"))
        tx.insert_client(AppClient("c2", "us-east-1_pool", "app", None, {}, 1.0, 1.0))
        tx.insert_access_key("AKIA1", "sealed-key", 1.0)
        tx.insert_key("kid1", "us-east-1_pool", "id", "sealed-pem", 1.0)
        tx.put_software_token(software_token("sub-amy", "pending", "sealed-totp", "t1"))
    with store.transaction() as tx:
        assert sorted(tx.sealed_values(), key=lambda v: v.table) == [
            SealedValue("access_keys", "AKIA1", "sealed-key"),
            SealedValue("clients", "c1", "secret"),
            SealedValue("signing_keys", "kid1", "sealed-pem"),
            SealedValue("software_tokens", "t1", "sealed-totp"),
        ]
        for value in tx.sealed_values():
            tx.reseal(value.table, value.row_id, value.sealed + "!")
    with store.read() as tx:
        assert tx.access_key("AKIA1") == "sealed-key!"
        assert tx.get_client("c1").secret == "secret!"
        assert tx.get_client("c2").secret is None
        assert tx.pool_keys("us-east-1_pool")[0].sealed_pem == "sealed-pem!"
        assert tx.software_token("us-east-1_pool", "sub-amy", "pending").sealed == "sealed-totp!"


def test_closing_a_store_twice_closes_nothing_opened_since(
    opener: OpenStore, tmp_path: Path
) -> None:
    store = opener()
    with store.read() as tx:
        tx.meta_value("k")
    store.close()
    # The numbers the store's files had are free now; these take them all.
    files = [os.open(tmp_path / f"other{i}", os.O_CREAT | os.O_RDWR) for i in range(32)]
    try:
        store.close()
        for fd in files:
            os.fstat(fd)  # EBADF if the second close closed a number reused since
    finally:
        for fd in files:
            with contextlib.suppress(OSError):
                os.close(fd)


# outbox, events, trigger log, purge -------------------------------------------------------
def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.enqueue_message(message("a@example.com"))
        second = tx.enqueue_message(message("b@example.com"))
    assert second > first > 0
    now = time.time()
    claimed = store.claim_messages(10, now)
    assert [(m.id, m.destination, m.status) for m in claimed] == [
        (first, "a@example.com", "sending"),
        (second, "b@example.com", "sending"),
    ]
    assert store.claim_messages(10, now + 1) == []
    assert [m.id for m in store.claim_messages(1, now + 3600)] == [first]


def test_a_sent_message_keeps_its_text_only_when_asked(store: Store) -> None:
    with store.transaction() as tx:
        kept = tx.enqueue_message(message("a@example.com"))
        dropped = tx.enqueue_message(message("b@example.com"))
    store.claim_messages(10, time.time())
    store.finish_message(kept, True, None, keep_text=True)
    store.finish_message(dropped, True, None, keep_text=False)
    found = {m.id: m for m in store.recent_messages(10)}
    assert (found[kept].status, found[kept].body) == ("sent", "code 123456")
    assert (found[dropped].status, found[dropped].body) == ("sent", None)
    assert [m.id for m in store.recent_messages(1)] == [dropped]
    assert store.claim_messages(10, time.time() + 3600) == []


def test_recent_messages_are_filtered_by_destination_pool_and_user(store: Store) -> None:
    def made(pool_id: str, username: str, destination: str) -> Message:
        return dataclasses.replace(message(destination), pool_id=pool_id, username=username)

    with store.transaction() as tx:
        ids = [
            tx.enqueue_message(made(*row))
            for row in (
                ("p1", "amy", "a@example.com"),
                ("p2", "amy", "a@example.com"),
                ("p2", "bob", "a@example.com"),
                ("p2", "bob", "b@example.com"),
            )
        ]

    def found(limit: int = 10, **filters: str) -> list[int]:
        return [m.id for m in store.recent_messages(limit, **filters)]

    assert found() == ids[::-1]
    assert found(destination="a@example.com") == ids[2::-1]
    assert found(pool_id="p1") == ids[:1]
    assert found(pool_id="p2", username="amy") == [ids[1]]
    assert found(pool_id="p1", destination="b@example.com") == []
    assert found(username="bob", destination="a@example.com") == [ids[2]]
    assert found(1, pool_id="p2") == [ids[3]]
    assert found(destination="A@example.com") == []  # equal, not alike
    assert found(destination="%") == []


def test_a_failed_message_is_retried_later_then_given_up(store: Store) -> None:
    with store.transaction() as tx:
        made = tx.enqueue_message(message("a@example.com"))
    now = time.time()
    for attempt in range(1, 6):
        claimed = store.claim_messages(10, now + 10_000 * attempt)
        assert [m.id for m in claimed] == [made]
        store.finish_message(made, False, f"refused {attempt}", keep_text=True)
        (stored,) = store.recent_messages(1)
        assert stored.error == f"refused {attempt}"
        assert stored.status == ("failed" if attempt == 5 else "pending")
        if attempt == 1:
            assert store.claim_messages(10, time.time()) == []  # backoff: not yet
    assert store.claim_messages(10, now + 10**9) == []


def test_concurrent_claimers_never_get_one_message_twice(opener: OpenStore) -> None:
    stores = [opener(), opener()]
    with stores[0].transaction() as tx:
        made = {tx.enqueue_message(message(f"u{i}@example.com")) for i in range(60)}
    now = time.time()

    def drain(store: Store) -> list[int]:
        got: list[int] = []
        while batch := store.claim_messages(4, now):
            got += [m.id for m in batch]
        return got

    with ThreadPoolExecutor(2) as workers:
        claimed = list(workers.map(drain, stores))
    assert sorted(claimed[0] + claimed[1]) == sorted(made)


def test_events_are_listed_newest_first_per_user_and_exported_oldest_first(
    store: Store,
) -> None:
    with store.transaction() as tx:
        for i in range(5):
            tx.record_event("us-east-1_pool", "sub-amy", f"kind{i}", float(i), f'{{"i":{i}}}', True)
        tx.record_event("us-east-1_pool", "sub-bob", "SignUp", 9.0, "{}", True)
    with store.read() as tx:
        newest = tx.list_events("us-east-1_pool", "sub-amy", None, 2)
        assert [e.kind for e in newest] == ["kind4", "kind3"]
        older = tx.list_events("us-east-1_pool", "sub-amy", newest[-1].id, 10)
        assert [(e.pool_id, e.sub, e.kind, e.at, e.data) for e in older] == [
            ("us-east-1_pool", "sub-amy", "kind2", 2.0, '{"i":2}'),
            ("us-east-1_pool", "sub-amy", "kind1", 1.0, '{"i":1}'),
            ("us-east-1_pool", "sub-amy", "kind0", 0.0, '{"i":0}'),
        ]
    exported = store.events_after(0, 4)
    assert [(e.sub, e.kind) for e in exported] == [("sub-amy", f"kind{i}") for i in range(4)]
    rest = store.events_after(exported[-1].id, 10)
    assert rest == [
        AuthEvent(exported[-1].id + 1, "us-east-1_pool", "sub-amy", "kind4", 4.0, '{"i":4}'),
        AuthEvent(exported[-1].id + 2, "us-east-1_pool", "sub-bob", "SignUp", 9.0, "{}"),
    ]


def test_unlisted_events_are_kept_and_exported_but_not_listed(store: Store) -> None:
    with store.transaction() as tx:
        tx.record_event("us-east-1_pool", "sub-amy", "SignUp", 1.0, "{}", False)
        listed = tx.add_event("us-east-1_pool", "sub-amy", "SignIn", 2.0, "{}", True)
        hidden = tx.add_event("us-east-1_pool", "sub-amy", "SignIn", 3.0, "{}", False)
    with store.read() as tx:
        assert [e.id for e in tx.list_events("us-east-1_pool", "sub-amy", None, 10)] == [listed]
        kept = tx.get_event("us-east-1_pool", "sub-amy", hidden)  # by id: kept
        assert kept == AuthEvent(hidden, "us-east-1_pool", "sub-amy", "SignIn", 3.0, "{}")
    assert [e.kind for e in store.events_after(0, 10)] == ["SignUp", "SignIn", "SignIn"]


def test_trigger_invocations_are_recorded_newest_first(store: Store) -> None:
    store.record_invocation(
        TriggerInvocation("p", "PreSignUp", "PreSignUp_SignUp", "amy", 1.0, 2.5, "ok", None)
    )
    store.record_invocation(
        TriggerInvocation("p", "CustomMessage", "src", "bob", 2.0, 3.5, "error", "boom")
    )
    assert store.recent_invocations(10) == [
        TriggerInvocation("p", "CustomMessage", "src", "bob", 2.0, 3.5, "error", "boom"),
        TriggerInvocation("p", "PreSignUp", "PreSignUp_SignUp", "amy", 1.0, 2.5, "ok", None),
    ]


def test_purge_drops_what_expired_and_keeps_the_rest(store: Store) -> None:
    now = 1_000_000.0
    with store.transaction() as tx:
        tx.put_session(session("old", expires=now - 1))
        tx.put_session(session("live", expires=now + 60))
        tx.add_attempt("us-east-1_pool", "sub-amy", "confirm", now - 86_401)
        tx.add_attempt("us-east-1_pool", "sub-amy", "confirm", now - 3_600)
        tx.put_refresh(refresh("r-old", "o-old", expires=now - 1))
        tx.put_refresh(refresh("r-live", "o-live", expires=now + 60))
        tx.revoke_origin("o-old", now - 1)
        tx.revoke_origin("o-live", now + 60)
    assert store.purge(now) is False  # nothing more to drop
    with store.transaction() as tx:
        with pytest.raises(NotFound):
            tx.take_session("old")
        assert tx.take_session("live").token_hash == "live"
        assert tx.count_attempts("us-east-1_pool", "sub-amy", "confirm", 0.0) == 1
        with pytest.raises(NotFound):
            tx.get_refresh("r-old")
        assert tx.get_refresh("r-live").token_hash == "r-live"
        assert not tx.origin_revoked("o-old") and tx.origin_revoked("o-live")


def test_purges_go_in_bounded_batches(store: Store) -> None:
    """A purge deletes at most ``limit`` rows per table and transaction, saying whether more
    are left: a flood of expired rows never becomes one long transaction."""
    now = 1_000_000.0
    with store.transaction() as tx:
        for i in range(25):
            tx.put_session(session(f"old{i}", expires=now - 1))
        tx.put_session(session("live", expires=now + 60))
        tx.add_counts({(f"ip:10.0.0.{i}", 100): 1 for i in range(25)} | {("ip:x", 200): 1})
    rounds = 0
    while store.purge(now, limit=10):
        rounds += 1
    assert rounds == 2  # 10 + 10, then 5 (< 10: done)
    deleted = []
    with store.transaction() as tx:
        while (n := tx.purge_counts(150, 10)) > 0:
            deleted.append(n)
        assert tx.take_session("live").token_hash == "live"
        assert tx.add_counts({("ip:x", 200): 1}) == {("ip:x", 200): 2}
    assert deleted == [10, 10, 5]


# two writers ------------------------------------------------------------------------------
def _in_turn(first: Callable[[], Any], second: Callable[[], Any]) -> Any:
    """Run ``first`` (which calls ``started.set()`` once it holds its locks, then lingers)
    and, once it has started, ``second`` in another thread; the result of ``second``."""
    with ThreadPoolExecutor(2) as workers:
        running = workers.submit(first)
        assert started.wait(10)
        result = workers.submit(second).result(30)
        running.result(30)
    return result


started = threading.Event()


@pytest.fixture(autouse=True)
def _reset_started() -> None:
    started.clear()


def _confirm_slowly(store: Store) -> Callable[[], None]:
    """A writer that confirms amy, holding her row for 0.3 s after ``started``."""

    def confirm() -> None:
        with store.transaction() as tx:
            amy = tx.user_by_key("us-east-1_pool", "amy")
            started.set()
            time.sleep(0.3)
            amy.status = "CONFIRMED"
            tx.update_user(amy)

    return confirm


def test_a_writer_of_a_user_sees_what_the_other_writer_of_that_user_committed(
    opener: OpenStore,
) -> None:
    one, two = opener(), opener()
    with_user(one, "amy")

    def read_for_writing() -> str:
        with two.transaction() as tx:
            return tx.user_by_sub("us-east-1_pool", "sub-amy").status

    assert _in_turn(_confirm_slowly(one), read_for_writing) == "CONFIRMED"


def test_the_one_probe_lookup_waits_for_the_other_writer_of_that_user(
    opener: OpenStore,
) -> None:
    one, two = opener(), opener()
    with_user(one, "amy")
    with one.transaction() as tx:
        tx.insert_client(client("c1"))

    def look_up_for_writing() -> str:
        with two.transaction() as tx:
            found = tx.client_pool_user("c1", "amy")[2]
            assert found is not None
            return found.status

    assert _in_turn(_confirm_slowly(one), look_up_for_writing) == "CONFIRMED"


@pytest.mark.parametrize("change", ["fail", "spend"])
def test_the_code_read_with_the_probe_is_the_one_the_other_writer_left(
    opener: OpenStore, change: str
) -> None:
    """A failed attempt or a spent code of one writer is seen by the next writer of the
    user, whose probe waited for the user's lock with the code in the same statement."""
    one, two = opener(), opener()
    with_user(one, "amy")
    with one.transaction() as tx:
        tx.insert_client(client("c1"))
        tx.put_code(code("sub-amy"))

    def attempt_slowly() -> None:
        with one.transaction() as tx:
            tx.client_pool_user("c1", "amy", "signup")
            stored = tx.get_code("us-east-1_pool", "sub-amy", "signup")
            started.set()
            time.sleep(0.3)
            if change == "fail":
                stored.failures = [1.0]
                tx.put_code(stored)
            else:
                tx.delete_code("us-east-1_pool", "sub-amy", "signup")

    def read_code() -> list[float] | None:
        with two.transaction() as tx:
            tx.client_pool_user("c1", "amy", "signup")
            try:
                return tx.get_code("us-east-1_pool", "sub-amy", "signup").failures
            except NotFound:
                return None

    assert _in_turn(attempt_slowly, read_code) == ([1.0] if change == "fail" else None)


def test_a_second_claim_of_an_alias_sees_the_first_owner(opener: OpenStore) -> None:
    one, two = opener(), opener()
    with_user(one, "amy", "bob")

    def claim(store: Store, sub: str, signal: bool) -> str | None:
        with store.transaction() as tx:
            owner = tx.alias_owner("us-east-1_pool", "email", "x@example.com")
            if signal:
                started.set()
                time.sleep(0.3)
            if owner is None:
                tx.set_alias("us-east-1_pool", "email", "x@example.com", sub)
            return owner

    seen = _in_turn(lambda: claim(one, "sub-amy", True), lambda: claim(two, "sub-bob", False))
    assert seen == "sub-amy"
    with one.read() as tx:
        assert tx.alias_owner("us-east-1_pool", "email", "x@example.com") == "sub-amy"


def test_a_session_taken_by_two_writers_at_once_is_taken_once(opener: OpenStore) -> None:
    stores = [opener() for _ in range(4)]
    with stores[0].transaction() as tx:
        tx.put_session(session("s1"))

    def take(store: Store) -> bool:
        try:
            with store.transaction() as tx:
                tx.take_session("s1")
                time.sleep(0.05)
            return True
        except NotFound:
            return False

    with ThreadPoolExecutor(4) as workers:
        assert sorted(workers.map(take, stores)) == [False, False, False, True]


def test_a_nul_character_is_stored_on_sqlite_and_refused_as_a_parameter_on_postgresql(
    store: Store,
) -> None:
    """The one value the backends cannot agree on: PostgreSQL text cannot hold U+0000."""
    on_postgresql = store.__class__.__name__ == "PostgresStore"
    try:
        with store.transaction() as tx:
            tx.enqueue_message(message("a\x00@example.com"))
    except InvalidParameterException:
        assert on_postgresql and store.recent_messages(1) == []
    else:
        assert not on_postgresql
        assert store.recent_messages(1)[0].destination == "a\x00@example.com"


def test_writers_crossing_two_users_both_succeed_or_one_is_told_to_retry(
    opener: OpenStore,
) -> None:
    """Locks taken in opposite orders may deadlock on PostgreSQL: the loser is answered
    with TooManyRequestsException (which the AWS SDKs retry), never an internal error."""
    one, two = opener(), opener()
    with_user(one, "amy", "bob")
    both = threading.Barrier(2)

    def cross(store: Store, first: str, second: str) -> str:
        try:
            with store.transaction() as tx:
                tx.user_by_key("us-east-1_pool", first)
                with contextlib.suppress(threading.BrokenBarrierError):
                    both.wait(timeout=0.5)  # on SQLite the other writer is still waiting
                tx.user_by_key("us-east-1_pool", second)
            return "ok"
        except TooManyRequestsException:
            return "retry"

    with ThreadPoolExecutor(2) as workers:
        outcomes = sorted(
            workers.map(lambda args: cross(*args), [(one, "amy", "bob"), (two, "bob", "amy")])
        )
    assert outcomes in (["ok", "ok"], ["ok", "retry"])


def test_a_postgresql_store_reconnects_after_losing_its_connection() -> None:
    import psycopg

    from userpool.storage.postgres import PostgresStore

    store = PostgresStore(pg_schema("reconnect"))
    try:
        with store.transaction() as tx:
            tx.insert_pool(pool())
            row = tx.db.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        with psycopg.connect(store.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
        time.sleep(0.1)
        with store.read() as tx:
            assert tx.get_pool("us-east-1_pool").id == "us-east-1_pool"
    finally:
        store.close()


def test_rate_counts_add_up_across_stores_and_old_slots_are_purged(opener: OpenStore) -> None:
    """Two processes (stores) adding to one counter see each other's counts in the total."""
    first, second = opener(), opener()
    with first.transaction() as tx:
        assert tx.add_counts({("ip:10.0.0.1", 100): 3, ("client:a", 100): 1}) == {
            ("ip:10.0.0.1", 100): 3,
            ("client:a", 100): 1,
        }
    with second.transaction() as tx:
        assert tx.add_counts({("ip:10.0.0.1", 100): 2, ("ip:10.0.0.1", 101): 5}) == {
            ("ip:10.0.0.1", 100): 5,
            ("ip:10.0.0.1", 101): 5,
        }
    with first.transaction() as tx:
        assert tx.purge_counts(101, 100) == 2
        assert tx.add_counts({("ip:10.0.0.1", 100): 1, ("ip:10.0.0.1", 101): 1}) == {
            ("ip:10.0.0.1", 100): 1,
            ("ip:10.0.0.1", 101): 6,
        }


def test_groups_and_members_are_kept_ordered_and_go_with_their_user_and_pool(
    store: Store,
) -> None:
    from userpool.domain.entities import Group

    with_user(store, "amy", "bob")
    p = "us-east-1_pool"
    with store.transaction() as tx:
        tx.insert_group(Group(p, "late", None, None, None, 1.0, 1.0))
        tx.insert_group(Group(p, "first", "d", "arn:role/f", 1, 1.0, 1.0))
        tx.insert_group(Group(p, "second", None, None, 2, 1.0, 1.0))
        with pytest.raises(AlreadyExists):
            tx.insert_group(Group(p, "first", None, None, None, 1.0, 1.0))
    with store.transaction() as tx:
        for name in ("late", "second", "first"):
            tx.add_member(p, name, "sub-amy")
        tx.add_member(p, "first", "sub-amy")  # twice is once
        tx.add_member(p, "first", "sub-bob")
    with store.read() as tx:
        assert [g.name for g in tx.groups_of(p, "sub-amy")] == ["first", "second", "late"]
        assert [g.name for g in tx.list_groups(p, "first", 10)] == ["late", "second"]
        assert [u.username for u in tx.members_of(p, "first", None, 10)] == ["amy", "bob"]
        assert tx.get_group(p, "first").role_arn == "arn:role/f"
    with store.transaction() as tx:
        tx.delete_user(p, "sub-bob")
        tx.remove_member(p, "second", "sub-amy")
        tx.delete_group(p, "late")
    with store.read() as tx:
        assert [u.username for u in tx.members_of(p, "first", None, 10)] == ["amy"]
        assert [g.name for g in tx.groups_of(p, "sub-amy")] == ["first"]
        with pytest.raises(NotFound):
            tx.get_group(p, "late")
    with store.transaction() as tx:
        tx.delete_pool(p)
    with store.read() as tx:
        assert tx.list_groups(p, None, 10) == []


def test_locked_reads_of_a_client_and_a_pool_serialize_their_writers(opener: OpenStore) -> None:
    """Adding a client secret and tagging a pool read, then write the row: with ``lock``,
    two such writers run one after the other, the second seeing the first's write (no
    secret or tag is lost). ``set_client_secret`` changes only the secret."""
    stores = [opener(), opener()]
    with stores[0].transaction() as tx:
        tx.insert_pool(pool())
        tx.insert_client(client("c1"))

    def append(store: Store) -> None:
        with store.transaction() as tx:
            found = tx.get_client("c1", lock=True)
            time.sleep(0.2)  # the other writer reads meanwhile, unless it waits
            tx.set_client_secret("c1", f"{found.secret}+")
            held = tx.get_pool("us-east-1_pool", lock=True)
            time.sleep(0.2)
            held.config = {**held.config, "n": held.config.get("n", 0) + 1}
            tx.update_pool(held)

    with ThreadPoolExecutor(2) as workers:
        list(workers.map(append, stores))
    with stores[0].read() as tx:
        stored = tx.get_client("c1")
        assert (stored.secret, stored.name, stored.config) == (
            "secret++",
            "app",
            client("c1").config,
        )
        assert tx.get_pool("us-east-1_pool").config["n"] == 2
    with stores[0].transaction() as tx:
        tx.set_client_secret("c1", None)
    with stores[0].read() as tx:
        assert tx.get_client("c1").secret is None


# domains and resource servers ------------------------------------------------------------
def _domain(name: str, pool_id: str, custom: bool = False) -> PoolDomain:
    cert = "arn:aws:acm:us-east-1:1:certificate/c" if custom else None
    return PoolDomain(name, pool_id, custom, cert, 1, "d1.cloudfront.net", "20260101000000", 1.0)


def test_a_domain_name_is_one_pools_and_a_pool_has_one_of_each_kind(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool("us-east-1_pool"))
        tx.insert_pool(pool("us-east-1_other"))
        tx.insert_domain(_domain("mine", "us-east-1_pool"))
        tx.insert_domain(_domain("auth.example.com", "us-east-1_pool", custom=True))
        for taken in (
            _domain("mine", "us-east-1_other"),  # the name
            _domain("second", "us-east-1_pool"),  # a second prefix of the pool
            _domain("b.example.com", "us-east-1_pool", custom=True),
        ):
            with pytest.raises(AlreadyExists):
                tx.insert_domain(taken)
        tx.insert_domain(_domain("theirs", "us-east-1_other"))  # still usable
    with store.transaction() as tx:
        found = tx.get_domain("auth.example.com")
        found.managed_login_version, found.certificate_arn = 2, "arn:new"
        tx.update_domain(found)
    with store.read() as tx:
        assert [d.domain for d in tx.pool_domains("us-east-1_pool")] == [
            "mine",
            "auth.example.com",
        ]
        again = tx.get_domain("auth.example.com")
        assert (again.custom, again.managed_login_version, again.certificate_arn) == (
            True,
            2,
            "arn:new",
        )
    with store.transaction() as tx:
        tx.delete_domain("mine")
        tx.delete_pool("us-east-1_other")
    with store.read() as tx:
        for name in ("mine", "theirs"):
            with pytest.raises(NotFound):
                tx.get_domain(name)


def test_resource_servers_are_kept_in_identifier_order_per_pool(store: Store) -> None:
    p = "us-east-1_pool"
    read = [{"ScopeName": "read", "ScopeDescription": "Read"}]
    with store.transaction() as tx:
        tx.insert_pool(pool(p))
        for identifier in ("https://b.example.com", "a", "https://a.example.com"):
            tx.insert_resource_server(ResourceServer(p, identifier, "api", read, 1.0, 1.0))
        with pytest.raises(AlreadyExists):
            tx.insert_resource_server(ResourceServer(p, "a", "again", [], 1.0, 1.0))
        assert tx.count_resource_servers(p) == 3
    with store.transaction() as tx:
        server = tx.get_resource_server(p, "a")
        server.name, server.scopes = "renamed", []
        tx.update_resource_server(server)
        tx.delete_resource_server(p, "https://b.example.com")
    with store.read() as tx:
        listed = tx.list_resource_servers(p, None, 10)
        assert [s.identifier for s in listed] == ["a", "https://a.example.com"]
        assert (listed[0].name, listed[0].scopes, listed[1].scopes) == ("renamed", [], read)
        assert [s.identifier for s in tx.list_resource_servers(p, "a", 10)] == [
            "https://a.example.com"
        ]
    with store.transaction() as tx:
        tx.delete_pool(p)
    with store.read() as tx:
        assert tx.list_resource_servers(p, None, 10) == []


# passkeys ----------------------------------------------------------------------------------
def passkey(sub: str, credential_id: str, created: float) -> StoredPasskey:
    return StoredPasskey(
        f"id-{credential_id}",
        "us-east-1_pool",
        sub,
        credential_id,
        f"sealed-{credential_id}",
        0,
        "localhost",
        "platform",
        ["internal", "hybrid"],
        "name",
        created,
    )


def test_passkeys_are_listed_oldest_first_and_unique_in_a_pool(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.insert_passkey(passkey("sub-amy", "c2", 5.0))
        tx.insert_passkey(passkey("sub-amy", "c1", 4.0))
        tx.insert_passkey(passkey("sub-bob", "c3", 1.0))
        with pytest.raises(AlreadyExists):
            tx.insert_passkey(passkey("sub-bob", "c1", 6.0))  # another user, same id
    with store.read() as tx:
        assert tx.passkeys("us-east-1_pool", "sub-amy") == [
            passkey("sub-amy", "c1", 4.0),
            passkey("sub-amy", "c2", 5.0),
        ]
    with store.transaction() as tx:
        assert not tx.delete_passkey("us-east-1_pool", "sub-bob", "c1")  # not bob's
        assert tx.delete_passkey("us-east-1_pool", "sub-amy", "c1")
    with store.read() as tx:
        assert [p.credential_id for p in tx.passkeys("us-east-1_pool", "sub-amy")] == ["c2"]


def test_a_passkeys_count_moves_only_from_the_value_seen(store: Store) -> None:
    with_user(store, "amy")
    with store.transaction() as tx:
        tx.insert_passkey(passkey("sub-amy", "c1", 1.0))
    with store.transaction() as tx:
        assert tx.advance_passkey("us-east-1_pool", "c1", 0, 3)
        assert not tx.advance_passkey("us-east-1_pool", "c1", 0, 4)  # another saw 0 too
        assert not tx.advance_passkey("us-east-1_pool", "nope", 3, 4)
    with store.read() as tx:
        assert tx.passkeys("us-east-1_pool", "sub-amy")[0].sign_count == 3


def test_passkeys_go_with_their_user_and_pool_and_are_sealed_values(store: Store) -> None:
    with_user(store, "amy", "bob")
    with store.transaction() as tx:
        tx.insert_passkey(passkey("sub-amy", "c1", 1.0))
        tx.insert_passkey(passkey("sub-bob", "c2", 1.0))
    with store.transaction() as tx:
        assert SealedValue("webauthn_credentials", "id-c1", "sealed-c1") in tx.sealed_values()
        tx.reseal("webauthn_credentials", "id-c1", "resealed")
    with store.read() as tx:
        assert tx.passkeys("us-east-1_pool", "sub-amy")[0].sealed == "resealed"
    with store.transaction() as tx:
        tx.delete_user("us-east-1_pool", "sub-amy")
    with store.read() as tx:
        assert tx.passkeys("us-east-1_pool", "sub-amy") == []
        assert len(tx.passkeys("us-east-1_pool", "sub-bob")) == 1
    with store.transaction() as tx:
        tx.delete_pool("us-east-1_pool")
    with store.read() as tx:
        assert tx.passkeys("us-east-1_pool", "sub-bob") == []
