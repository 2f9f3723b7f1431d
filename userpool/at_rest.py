"""Secrets at rest: the master key, kept outside the database, and the files' permissions.

The master key seals what must be read back (app client secrets, access-key secrets,
token signing keys, software-token secrets) and the key of the keyed hashes (codes, sessions, refresh tokens),
which the database keeps only sealed (``meta.sealed_code_key``). So a copy of the
database alone opens none of them.

Where the master key comes from: ``USERPOOL_MASTER_KEY`` (32 bytes as base64 or hex), else
the key file (``--master-key-file`` / ``USERPOOL_MASTER_KEY_FILE``; by default ``<db>.key``
beside a SQLite file, ``.userpool/master.key`` for PostgreSQL), made 0600 on a new
database's first start. A database with sealed values and no key is refused, never given
a new key. A database of an older version, whose key of keyed hashes lay in the clear
(``meta.code_key``), has it moved out into the key file at its first start, and the
database's old pages scrubbed (``Store.scrub``). ``rotate`` re-seals everything with a
new key in one transaction; the new key file is written before and renamed after it, and
a start that finds the transaction done but the rename not (``<file>.new`` opens the
database) finishes it.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
import sys
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from userpool.config import Settings
from userpool.domain.crypto import SecretBox
from userpool.domain.ports import Store, Tx
from userpool.storage import is_url, redact, sqlite_path

LEGACY = "code_key"  # the key of keyed hashes, in the clear (before the master key)
SEALED = "sealed_code_key"  # the same key, sealed with the master key
OPEN_BITS = 0o077


class StartRefused(Exception):
    """The store or its key is unsafe or missing; the message names the path and the fix."""


@dataclass(frozen=True)
class Keys:
    master: bytes  # seals secrets (SecretBox)
    hashing: bytes  # keys the keyed hashes (codes, sessions, refresh tokens)


def key_file(settings: Settings) -> str | None:
    """The master key file's path (None for an in-memory SQLite database)."""
    if settings.master_key_file:
        return settings.master_key_file
    if is_url(settings.db):
        return os.path.join(".userpool", "master.key")
    path = sqlite_path(settings.db)
    return None if path == ":memory:" else path + ".key"


def parse_key(text: str, where: str) -> bytes:
    """32 bytes from hex or base64 (standard or URL-safe) text."""
    text = text.strip()
    try:
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text + "==", b"-_")
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise StartRefused(f"{where} must hold 32 bytes as base64 or hex (64 hex digits)")
    return raw


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


# permissions --------------------------------------------------------------------------
def check_private(path: str, settings: Settings) -> None:
    """Refuse an existing file or folder that group or others may use."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if mode & OPEN_BITS and not settings.allow_open_permissions:
        fix = "700" if stat.S_ISDIR(mode) else "600"
        raise StartRefused(
            f"{path} is open to group or others (mode {stat.S_IMODE(mode):04o}): it holds "
            f"secrets at rest; run 'chmod {fix} {path}', or start with "
            "--allow-open-permissions (USERPOOL_ALLOW_OPEN_PERMISSIONS=1)"
        )


def check_store_files(settings: Settings) -> None:
    """A SQLite database's folder, file, WAL and shared memory, and the key file: private."""
    if not is_url(settings.db):
        path = sqlite_path(settings.db)
        if path != ":memory:":
            check_private(os.path.dirname(os.path.abspath(path)), settings)
            for name in (path, f"{path}-wal", f"{path}-shm"):
                check_private(name, settings)
    found = key_file(settings)
    if found is not None:
        check_private(found, settings)


# the key file -------------------------------------------------------------------------
def read_key_file(path: str) -> bytes | None:
    try:
        with open(path) as f:
            return parse_key(f.read(), path)
    except FileNotFoundError:
        return None


def _write_temp(path: str, text: str) -> str:
    """``text`` in a new 0600 file beside ``path`` (its folder made 0700 if new), synced."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    temp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return temp


def _sync_folder(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_key_file(path: str, key: bytes) -> bytes:
    """Write ``key`` to a new 0600 file at ``path``; if another process made it first, its
    key is the key."""
    temp = _write_temp(path, encode_key(key) + "\n")
    try:
        os.link(temp, path)  # atomic, and fails when the file exists
    except FileExistsError:
        found = read_key_file(path)
        assert found is not None
        return found
    finally:
        os.unlink(temp)
    _sync_folder(path)
    return key


def replace_key_file(path: str, temp: str) -> None:
    os.replace(temp, path)
    _sync_folder(path)


def write_private(path: str, text: str) -> str:
    """``text`` in a 0600 file at ``path`` (replacing one there); the path."""
    os.replace(_write_temp(path, text), path)
    return path


def first_key_file(settings: Settings) -> str:
    """Where ``serve`` leaves the first access key when its output is no terminal."""
    found = key_file(settings)
    if found is None:
        return os.path.join(".userpool", "access-key")
    if is_url(settings.db) or settings.master_key_file:
        return os.path.join(os.path.dirname(os.path.abspath(found)), "access-key")
    return sqlite_path(settings.db) + ".access-key"


# loading ------------------------------------------------------------------------------
def _meta(store: Store) -> tuple[bytes | None, bytes | None]:
    with store.read() as tx:
        return tx.meta_value(LEGACY), tx.meta_value(SEALED)


def _open(master: bytes, sealed: bytes) -> bytes | None:
    try:
        return base64.b64decode(SecretBox(master).open(sealed.decode()))
    except (InvalidTag, ValueError):
        return None


def load(settings: Settings, store: Store) -> Keys:
    """The keys of this store: found, made (a new database) or moved out (an old one)."""
    path = key_file(settings)
    if settings.master_key:
        master: bytes | None = parse_key(settings.master_key, "USERPOOL_MASTER_KEY")
    else:
        master = read_key_file(path) if path else None
    legacy, sealed = _meta(store)
    if legacy is not None:
        return _move_out(settings, store, master, path)
    if sealed is None:
        return _new(store, master, path)
    return _opened(settings, master, sealed, path)


def _still_opens(store: Store, master: bytes) -> bool:
    """Whether the database's sealed key opens with ``master`` (False when it cannot be
    read: a failed rotation's new key file is kept then, in case its COMMIT landed)."""
    try:
        sealed = _meta(store)[1]
    except Exception:
        return False
    return sealed is not None and _open(master, sealed) is not None


def _where(settings: Settings, path: str | None) -> str:
    return "USERPOOL_MASTER_KEY" if settings.master_key else f"the key file {path}"


def _opened(settings: Settings, master: bytes | None, sealed: bytes, path: str | None) -> Keys:
    if master is None:
        raise StartRefused(
            f"the database {redact(settings.db)} holds sealed secrets but its master key is "
            f"not at {path}: give the key file (--master-key-file) or USERPOOL_MASTER_KEY; "
            "refusing to start (a new key would not open the stored secrets)"
        )
    hashing = _open(master, sealed)
    if hashing is None and path and not settings.master_key:
        hashing, master = _finish_rotation(path, sealed) or (None, master)
    if hashing is None:
        raise StartRefused(
            f"the master key from {_where(settings, path)} does not open the secrets of "
            f"the database {redact(settings.db)}: refusing to start"
        )
    return Keys(master, hashing)


def _finish_rotation(path: str, sealed: bytes) -> tuple[bytes, bytes] | None:
    """A rotation committed but not renamed: its new key file opens the database."""
    new = read_key_file(path + ".new")
    hashing = None if new is None else _open(new, sealed)
    if new is None or hashing is None:
        return None
    replace_key_file(path, path + ".new")
    print(f"userpool: finished an interrupted master key rotation: {path}", file=sys.stderr)
    return hashing, new


def _new(store: Store, master: bytes | None, path: str | None) -> Keys:
    if master is None:
        master = secrets.token_bytes(32)
        if path is not None:
            master = create_key_file(path, master)
    box = SecretBox(master)
    with store.transaction() as tx:
        tx.set_meta(SEALED, box.seal(encode_key(secrets.token_bytes(32))).encode())
        sealed = tx.meta_value(SEALED)  # another process may have been first
    assert sealed is not None
    hashing = _open(master, sealed)
    if hashing is None:
        raise StartRefused(
            "another server started this database first, with another master key: give "
            "every server the same key (copy its key file, or set USERPOOL_MASTER_KEY)"
        )
    return Keys(master, hashing)


def _move_out(settings: Settings, store: Store, master: bytes | None, path: str | None) -> Keys:
    """An older database: its key in the clear becomes the master key (in the key file)
    unless one is given; sealed values follow it, and the clear key is deleted."""
    with store.transaction() as tx:
        legacy = tx.meta_value(LEGACY, lock=True)
        if legacy is not None:
            if master is None:
                assert path is not None
                master = create_key_file(path, legacy)
            _seal_legacy(tx, legacy, master)
    if legacy is None or master is None:  # another process moved it meanwhile
        return load(settings, store)
    store.scrub()
    print(
        f"userpool: moved the master key out of the database into {_where(settings, path)}; "
        "the database no longer holds it",
        file=sys.stderr,
        flush=True,
    )
    return Keys(master, legacy)


def _seal_legacy(tx: Tx, legacy: bytes, master: bytes) -> None:
    if master != legacy:  # a key given (USERPOOL_MASTER_KEY): the sealed values follow it
        _reseal(tx, SecretBox(legacy), SecretBox(master))
    tx.set_meta(SEALED, SecretBox(master).seal(encode_key(legacy)).encode())
    tx.delete_meta(LEGACY)


def _reseal(tx: Tx, old: SecretBox, new: SecretBox) -> int:
    count = 0
    for value in tx.sealed_values():
        tx.reseal(value.table, value.row_id, new.seal(old.open(value.sealed)))
        count += 1
    return count


def rotate(settings: Settings, store: Store) -> tuple[str, int]:
    """Re-seal every sealed value with a new master key in one transaction, then put the
    new key in place of the key file; (key file, values re-sealed)."""
    keys = load(settings, store)
    path = key_file(settings)
    if path is None:
        raise StartRefused("an in-memory database has no key file to rotate")
    new = secrets.token_bytes(32)
    temp = _write_temp(path, encode_key(new) + "\n")
    os.replace(temp, path + ".new")  # found by a start after a crash below
    old_box, new_box = SecretBox(keys.master), SecretBox(new)
    try:
        with store.transaction() as tx:
            count = _reseal(tx, old_box, new_box)
            tx.replace_meta(SEALED, new_box.seal(encode_key(keys.hashing)).encode())
    except BaseException:
        if _still_opens(store, keys.master):  # rolled back: the old key opens everything
            os.unlink(path + ".new")
        raise  # else the COMMIT may have landed: the next start finishes with the new file
    replace_key_file(path, path + ".new")
    return path, count + 1
