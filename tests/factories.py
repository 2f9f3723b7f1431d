"""Factories for the setup most tests repeat: a pool and its app client, a user signed up
(its code waiting in the outbox), a confirmed user.

They take any ``idp`` with boto3's method names (a boto3 client of a live server, or
``tests.harness.InProcess.idp``) and any ``codes`` with ``code(destination)`` (a
``tests.helpers.Server`` or the ``InProcess`` itself), so one setup serves both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.helpers import secret_hash

PASSWORD = "Passw0rd!"
DOMAIN = "example.com"
_names = itertools.count()


class Codes(Protocol):
    def code(self, destination: str) -> str: ...


@dataclass(frozen=True)
class App:
    """A pool and one app client of it, as CreateUserPool and CreateUserPoolClient answered."""

    pool: dict[str, Any]
    client: dict[str, Any]

    @property
    def pool_id(self) -> str:
        return str(self.pool["Id"])

    @property
    def client_id(self) -> str:
        return str(self.client["ClientId"])

    def secret(self, username: str) -> dict[str, str]:
        """``{"SecretHash": ...}`` for ``username`` when the client has a secret, else ``{}``."""
        secret = self.client.get("ClientSecret")
        return {"SecretHash": secret_hash(secret, username, self.client_id)} if secret else {}


@dataclass(frozen=True)
class SignedUp:
    """A user just signed up: what SignUp answered, and where its code went."""

    username: str
    email: str
    answer: dict[str, Any] = field(repr=False)

    @property
    def sub(self) -> str:
        return str(self.answer["UserSub"])

    @property
    def session(self) -> str | None:
        return self.answer.get("Session")


def make_app(
    idp: Any, *, secret: bool = False, client: dict[str, Any] | None = None, **pool: Any
) -> App:
    """A pool (email auto-verified unless ``pool`` says otherwise) and a client of it;
    ``client`` holds CreateUserPoolClient's settings, ``secret`` asks for a client secret."""
    pool.setdefault("PoolName", f"pool{next(_names)}")
    pool.setdefault("AutoVerifiedAttributes", ["email"])
    made = dict(idp.create_user_pool(**pool)["UserPool"])
    settings = {"ClientName": "app", **(client or {})}
    if secret:
        settings["GenerateSecret"] = True
    app_client = idp.create_user_pool_client(UserPoolId=made["Id"], **settings)["UserPoolClient"]
    return App(made, dict(app_client))


def sign_up(
    idp: Any,
    app: App | str,
    username: str,
    email: str | None = None,
    password: str = PASSWORD,
    **request: Any,
) -> SignedUp:
    """Sign ``username`` up with the email ``email`` (default ``<username>@example.com``);
    ``app`` is an ``App`` (its secret hash added when it has one) or a bare client id."""
    email = email or f"{username}@{DOMAIN}"
    client_id = app if isinstance(app, str) else app.client_id
    extra = {} if isinstance(app, str) else app.secret(username)
    answer = idp.sign_up(
        ClientId=client_id,
        Username=username,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}],
        **{**extra, **request},
    )
    return SignedUp(username, email, dict(answer))


def confirm(
    idp: Any, codes: Codes, app: App | str, user: SignedUp, **request: Any
) -> dict[str, Any]:
    """ConfirmSignUp with the code sent to the user's email; its answer."""
    client_id = app if isinstance(app, str) else app.client_id
    extra = {} if isinstance(app, str) else app.secret(user.username)
    answer = idp.confirm_sign_up(
        ClientId=client_id,
        Username=user.username,
        ConfirmationCode=codes.code(user.email),
        **{**extra, **request},
    )
    return dict(answer)


def confirmed_user(
    idp: Any, codes: Codes, app: App | str, username: str, email: str | None = None, **request: Any
) -> SignedUp:
    """A user signed up and confirmed with their code (the sign-up Session passed on)."""
    user = sign_up(idp, app, username, email, **request)
    session = {"Session": user.session} if user.session else {}
    done = confirm(idp, codes, app, user, **session)
    answer = {**user.answer, "Session": done.get("Session")}
    return SignedUp(user.username, user.email, answer)
