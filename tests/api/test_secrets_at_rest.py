"""Secrets at rest: the master key outside the database, private files, migration, rotation.

A copy of the database alone must open no client secret, access-key secret or signing
key; a server on such a copy refuses to start. Runs on both backends (a PostgreSQL
"copy" is the same database without its key file).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import USERPOOL, Server, pg_sql, secret_hash
from userpool.domain.crypto import SecretBox

SEALED = [
    ("clients", "secret"),
    ("access_keys", "secret"),
    ("signing_keys", "pem"),
    ("software_tokens", "secret"),
]
PASSWORD = "Passw0rd!Long"


def _key_path(srv: Server) -> Path:
    if srv.db.startswith("postgresql://"):
        return Path(srv.env["USERPOOL_MASTER_KEY_FILE"])
    return Path(srv.db + ".key")


def _master(srv: Server) -> bytes:
    return base64.b64decode(_key_path(srv).read_text())


def _tables(srv: Server) -> list[str]:
    if srv.db.startswith("postgresql://"):
        rows = pg_sql(
            srv.db,
            "SELECT table_name FROM information_schema.tables WHERE table_schema=current_schema()",
        )
    else:
        rows = srv.sql("SELECT name FROM sqlite_master WHERE type='table'")
    return [str(r[0]) for r in rows]


def _every_value(srv: Server) -> list[Any]:
    found: list[Any] = []
    for table in _tables(srv):
        for row in srv.sql(f'SELECT * FROM "{table}"'):
            found += [v for v in row if isinstance(v, str | bytes | memoryview)]
    return found


def _as_keys(value: Any) -> set[bytes]:
    """Every 32-byte key a stored value could be: itself, or its hex or base64 decoding."""
    raw = bytes(value) if not isinstance(value, str) else value.encode()
    keys = {raw}
    text = raw.decode("latin-1").strip()
    for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(ValueError, binascii.Error):
            keys.add(decode(text))  # type: ignore[operator]
    return {k for k in keys if len(k) == 32}


def _sealed(srv: Server) -> list[str]:
    found = []
    for table, col in SEALED:
        found += [str(r[0]) for r in srv.sql(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL")]
    return found


def _opens(key: bytes, sealed: str) -> bool:
    try:
        SecretBox(key).open(sealed)
        return True
    except Exception:
        return False


def _with_secrets(srv: Server) -> dict[str, Any]:
    """A pool, a client with a secret, a signed-in user (signing keys, a refresh token)
    with a software token's secret pending."""
    idp = srv.client()
    pool = idp.create_user_pool(PoolName="p")["UserPool"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="c",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="ann", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="ann", Password=PASSWORD, Permanent=True
    )
    signed_in = _sign_in(srv, pool["Id"], client)
    idp.associate_software_token(AccessToken=signed_in["AccessToken"])
    return {"pool": pool["Id"], "client": client, "refresh": signed_in["RefreshToken"]}


def _sign_in(srv: Server, pool_id: str, client: dict[str, Any]) -> dict[str, Any]:
    hashed = secret_hash(client["ClientSecret"], "ann", client["ClientId"])
    return dict(
        srv.client().admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD, "SECRET_HASH": hashed},
        )["AuthenticationResult"]
    )


def _still_works(srv: Server, made: dict[str, Any]) -> None:
    """The access key signs, the client secret and the signing keys are read back, and a
    refresh token issued before still refreshes (the keyed hashes' key is the same)."""
    client = made["client"]
    described = srv.client().describe_user_pool_client(
        UserPoolId=made["pool"], ClientId=client["ClientId"]
    )["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]
    assert _sign_in(srv, made["pool"], client)["AccessToken"]
    refreshed = srv.client().admin_initiate_auth(
        UserPoolId=made["pool"],
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": made["refresh"],
            "SECRET_HASH": secret_hash(client["ClientSecret"], "ann", client["ClientId"]),
        },
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [USERPOOL, *args], capture_output=True, text=True, timeout=60, env=env or dict(os.environ)
    )


def _own_key(tmp_path: Path) -> dict[str, str]:
    """A PostgreSQL server's own key file (these tests change it; the run's is shared)."""
    if os.environ.get("USERPOOL_TEST_BACKEND") != "postgresql":
        return {}
    return {"USERPOOL_MASTER_KEY_FILE": str(tmp_path / "master.key")}


@pytest.fixture
def srv(tmp_path: Path) -> Any:
    server = Server(tmp_path, env=_own_key(tmp_path)).start()
    yield server
    server.stop()


def test_the_database_holds_no_key_that_opens_its_secrets(srv: Server) -> None:
    _with_secrets(srv)
    sealed = _sealed(srv)
    assert len(sealed) >= 5  # client secret, access key, two signing keys, a TOTP secret
    candidates = set().union(*(_as_keys(v) for v in _every_value(srv)))
    assert not [k for k in candidates for s in sealed if _opens(k, s)]
    assert all(_opens(_master(srv), s) for s in sealed)  # the key file's key does


def test_a_server_on_the_database_without_its_key_refuses_to_start(
    srv: Server, tmp_path: Path
) -> None:
    _with_secrets(srv)
    srv.stop()
    copy = tmp_path / "copy"
    copy.mkdir(mode=0o700)
    env = {}
    if srv.db.startswith("postgresql://"):
        db = srv.db
        env["USERPOOL_MASTER_KEY_FILE"] = str(copy / "master.key")
    else:
        db = str(copy / "userpool.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(srv.db + suffix):
                shutil.copy(srv.db + suffix, db + suffix)
    other = Server(copy, db=db, env=env)
    other.key_id = "preset"
    with pytest.raises(RuntimeError) as exc:
        other.start()
    assert "master key is not at" in str(exc.value) and "refusing to start" in str(exc.value)
    assert not list(copy.glob("*.key"))
    done = _run("keys", "list", "--db", db, env={**other.env})
    assert done.returncode == 2 and "refusing to start" in done.stderr


def test_a_wrong_master_key_is_refused(srv: Server) -> None:
    srv.stop()
    env = {**srv.env, "USERPOOL_MASTER_KEY": "ab" * 32}
    done = _run("keys", "list", "--db", srv.db, env=env)
    assert done.returncode == 2
    assert "USERPOOL_MASTER_KEY does not open the secrets" in done.stderr


def test_master_key_from_the_environment_needs_no_file(tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    env = {"USERPOOL_MASTER_KEY": key, "USERPOOL_MASTER_KEY_FILE": str(tmp_path / "none.key")}
    srv = Server(tmp_path, env=env).start()
    try:
        made = _with_secrets(srv)
        assert not (tmp_path / "none.key").exists() and not list(tmp_path.glob("*.key"))
        assert all(_opens(base64.b64decode(key), s) for s in _sealed(srv))
        srv.stop()
        srv.start()
        _still_works(srv, made)
    finally:
        srv.stop()


def test_sqlite_files_and_folder_are_made_private(tmp_path: Path) -> None:
    if os.environ.get("USERPOOL_TEST_BACKEND") == "postgresql":
        pytest.skip("SQLite files")
    db = tmp_path / "data" / "userpool.db"
    srv = Server(tmp_path, db=str(db)).start()
    try:
        _with_secrets(srv)
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
        for name in ("userpool.db", "userpool.db-wal", "userpool.db-shm", "userpool.db.key"):
            assert stat.S_IMODE((tmp_path / "data" / name).stat().st_mode) == 0o600, name
    finally:
        srv.stop()


@pytest.mark.parametrize("what", ["file", "folder", "key"])
def test_open_permissions_are_refused_unless_allowed(tmp_path: Path, what: str) -> None:
    if os.environ.get("USERPOOL_TEST_BACKEND") == "postgresql" and what != "key":
        pytest.skip("SQLite files")
    srv = Server(tmp_path, env=_own_key(tmp_path)).start()
    srv.stop()
    path = {"file": srv.db, "folder": str(tmp_path), "key": str(_key_path(srv))}[what]
    os.chmod(path, 0o755 if what == "folder" else 0o644)
    env = {**srv.env}
    for args in (
        ["keys", "list", "--db", srv.db],
        ["cognito-idp", "list-user-pools", "--max-results", "1", "--db", srv.db],
        ["serve", "--port", "1", "--db", srv.db],
    ):
        done = _run(*args, env=env)
        assert done.returncode != 0, args
        assert f"{path} is open to group or others" in done.stderr, args
        assert f"chmod {'700' if what == 'folder' else '600'} {path}" in done.stderr
    assert _run("keys", "list", "--db", srv.db, "--allow-open-permissions", env=env).returncode == 0
    env["USERPOOL_ALLOW_OPEN_PERMISSIONS"] = "1"
    assert _run("keys", "list", "--db", srv.db, env=env).returncode == 0


def _make_old(srv: Server) -> bytes:
    """Turn the database into one made before the master key: the keyed hashes' key in the
    clear in ``meta.code_key`` and sealing every secret, no key file; that key."""
    master = SecretBox(_master(srv))
    ((sealed,),) = srv.sql("SELECT value FROM meta WHERE key='sealed_code_key'")
    old_key = base64.b64decode(master.open(bytes(sealed).decode()))
    old = SecretBox(old_key)
    for (table, col), id_col in zip(SEALED, ("id", "access_key_id", "kid", "id"), strict=True):
        for row_id, value in srv.sql(f"SELECT {id_col}, {col} FROM {table} WHERE {col} <> ''"):
            resealed = old.seal(master.open(value))
            srv.sql(f"UPDATE {table} SET {col}=? WHERE {id_col}=?", resealed, row_id)
    srv.sql("DELETE FROM meta WHERE key='sealed_code_key'")
    srv.sql("INSERT INTO meta VALUES ('code_key', ?)", old_key)
    _key_path(srv).unlink()
    return old_key


def test_an_old_database_has_its_key_moved_out(srv: Server) -> None:
    made = _with_secrets(srv)
    srv.stop()
    old_key = _make_old(srv)
    srv.start()
    _still_works(srv, made)
    assert "moved the master key out of the database" in srv.log.read_text()
    assert _master(srv) == old_key
    assert stat.S_IMODE(_key_path(srv).stat().st_mode) == 0o600
    assert srv.sql("SELECT key FROM meta") == [("sealed_code_key",)]
    if not srv.db.startswith("postgresql://"):  # nor is the key left in a free page
        for suffix in ("", "-wal"):
            if os.path.exists(srv.db + suffix):
                assert old_key not in Path(srv.db + suffix).read_bytes()


def test_an_old_database_follows_a_master_key_given_by_the_environment(srv: Server) -> None:
    made = _with_secrets(srv)
    srv.stop()
    old_key = _make_old(srv)
    given = os.urandom(32)
    srv.env["USERPOOL_MASTER_KEY"] = given.hex()
    srv.start()
    _still_works(srv, made)
    assert "moved the master key out of the database into USERPOOL_MASTER_KEY" in (
        srv.log.read_text()
    )
    assert not _key_path(srv).exists()
    sealed = _sealed(srv)
    assert all(_opens(given, s) and not _opens(old_key, s) for s in sealed)
    assert srv.sql("SELECT key FROM meta") == [("sealed_code_key",)]


def test_rotating_the_master_key_reseals_everything(srv: Server) -> None:
    made = _with_secrets(srv)
    srv.stop()
    old, before = _master(srv), _sealed(srv)
    done = _run("keys", "rotate-master", "--db", srv.db, env=srv.env)
    assert done.returncode == 0, done.stderr
    assert "re-sealed" in done.stdout and str(_key_path(srv)) in done.stdout
    new = _master(srv)
    assert new != old and stat.S_IMODE(_key_path(srv).stat().st_mode) == 0o600
    after = _sealed(srv)
    assert len(after) == len(before) and not set(after) & set(before)
    assert all(_opens(new, s) and not _opens(old, s) for s in after)
    srv.start()
    _still_works(srv, made)


def test_rotating_a_master_key_given_by_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "new.key"
    env = {"USERPOOL_MASTER_KEY": os.urandom(32).hex(), "USERPOOL_MASTER_KEY_FILE": str(key_file)}
    srv = Server(tmp_path, env=env).start()
    try:
        made = _with_secrets(srv)
        srv.stop()
        done = _run("keys", "rotate-master", "--db", srv.db, env=srv.env)
        assert done.returncode == 0 and "put the new key" in done.stderr
        with pytest.raises(RuntimeError, match="USERPOOL_MASTER_KEY does not open"):
            srv.start()
        srv.env["USERPOOL_MASTER_KEY"] = key_file.read_text().strip()
        key_file.unlink()
        srv.start()
        _still_works(srv, made)
    finally:
        srv.stop()


def test_a_rotation_interrupted_before_the_rename_is_finished_at_start(srv: Server) -> None:
    made = _with_secrets(srv)
    srv.stop()
    old = _key_path(srv).read_text()
    assert _run("keys", "rotate-master", "--db", srv.db, env=srv.env).returncode == 0
    new_file = Path(f"{_key_path(srv)}.new")
    os.rename(_key_path(srv), new_file)  # as if the rename had not happened
    _key_path(srv).write_text(old)
    os.chmod(_key_path(srv), 0o600)
    srv.start()
    assert "finished an interrupted master key rotation" in srv.log.read_text()
    assert not new_file.exists()
    _still_works(srv, made)
