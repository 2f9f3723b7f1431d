"""An app client's secrets: up to two active at once, so a secret can be rotated without
downtime (AddUserPoolClientSecret, DeleteUserPoolClientSecret).

A client's secrets travel together as one text, sealed with the master key in the client's
``secret`` column (``None``: a public client, without any). The text is a JSON list of
``{"id", "value", "created", "original"}``; a text that is not a list is a bare secret, as
stored before rotation existed, and reads as the client's original secret. ``original``
marks the secret the client was created with: DescribeUserPoolClient shows it as
``ClientSecret`` while it is active, and never an added one.

Checks compare the given value with every active secret, each comparison in constant
time and none skipped, so the answer's timing tells neither whether a secret exists
nor which one matched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import orjson

from userpool.domain import crypto

MAX_ACTIVE = 2  # "up to 2 active secrets per app client" (the model's documentation)


@dataclass(frozen=True, slots=True)
class ClientSecret:
    id: str  # <client id>--<creation time in epoch milliseconds>
    value: str
    created: float  # epoch seconds
    original: bool = False


def secret_id(client_id: str, created: float) -> str:
    """``<client-id>--<epoch-create-time>``, the form the model documents.

    DEVIATION: the unit of the time is undocumented; milliseconds, so that secrets made
    within one second (a client and the secret added right after it) differ."""
    return f"{client_id}--{int(created * 1000)}"


def parse(text: str, client_id: str, client_created: float) -> list[ClientSecret]:
    """The secrets in an opened ``secret`` value (a bare secret: the client's original)."""
    if not text.startswith("["):
        return [ClientSecret(secret_id(client_id, client_created), text, client_created, True)]
    return [ClientSecret(**item) for item in orjson.loads(text)]


def dump(secrets: list[ClientSecret]) -> str:
    """The text to seal for ``secrets`` (their order kept: oldest first)."""
    return orjson.dumps([asdict(s) for s in secrets]).decode()


def new_secret(
    client_id: str, value: str, now: float, taken: list[ClientSecret], original: bool = False
) -> ClientSecret:
    """A secret created at ``now``, its id unlike those ``taken`` (a millisecond later if
    one has it: two requests in one millisecond)."""
    ids = {s.id for s in taken}
    created = now
    while secret_id(client_id, created) in ids:
        created += 0.001
    return ClientSecret(secret_id(client_id, created), value, created, original)


def hash_matches(secrets: list[ClientSecret], names: list[str], client_id: str, given: str) -> bool:
    """Whether ``given`` is the SecretHash of one of ``names`` with one of ``secrets``."""
    found = False
    for secret in secrets:
        for name in names:
            if name:
                found |= crypto.equal(crypto.secret_hash(secret.value, name, client_id), given)
    return found


def value_matches(secrets: list[ClientSecret], given: str) -> bool:
    """Whether ``given`` is one of ``secrets`` (a client secret sent as such)."""
    found = False
    for secret in secrets:
        found |= crypto.equal(secret.value, given)
    return found
