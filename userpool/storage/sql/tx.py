"""The backend-independent transaction: every area's statements in one class.

A backend's transaction (``sqlite.transaction``, ``postgres.transaction``) subclasses it
and adds only what differs: its parameter marker, its connection, the probe's joins, and
on PostgreSQL the row and advisory locks that stand in for SQLite's single writer.
"""

from __future__ import annotations

from userpool.storage.sql.codes import CodeQueries
from userpool.storage.sql.counters import CounterQueries
from userpool.storage.sql.devices import DeviceQueries
from userpool.storage.sql.events import EventQueries
from userpool.storage.sql.groups import GroupQueries
from userpool.storage.sql.imports import ImportQueries
from userpool.storage.sql.keys import KeyQueries
from userpool.storage.sql.mfa import MfaQueries
from userpool.storage.sql.oauth import OAuthQueries
from userpool.storage.sql.pools import PoolQueries
from userpool.storage.sql.resources import ResourceQueries
from userpool.storage.sql.tokens import TokenQueries
from userpool.storage.sql.users import UserQueries
from userpool.storage.sql.webauthn import WebAuthnQueries


class SqlTx(
    PoolQueries,
    UserQueries,
    CodeQueries,
    TokenQueries,
    KeyQueries,
    EventQueries,
    GroupQueries,
    CounterQueries,
    MfaQueries,
    ImportQueries,
    DeviceQueries,
    WebAuthnQueries,
    OAuthQueries,
    ResourceQueries,
):
    """One transaction's reads and writes; subclasses set ``db`` and the hooks of
    ``sql.base.SqlBase``."""
