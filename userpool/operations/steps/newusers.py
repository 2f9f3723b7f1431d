"""Steps shared by SignUp and AdminCreateUser: sign-in names, uniqueness, codes and
messages into the outbox, auth events, sign-in sessions."""

from __future__ import annotations

import unicodedata

from userpool.domain import codes, ids, srp
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.passwords import Hasher
from userpool.domain.ports import AlreadyExists, NotFound, Tx
from userpool.domain.services import Services
from userpool.domain.signin import clear_failures
from userpool.errors import NOT_NFKC, InvalidParameterException, UsernameExistsException
from userpool.operations.steps import usercodes
from userpool.operations.steps.hooks import Outgoing
from userpool.operations.steps.lookups import EMAIL_RE, PHONE_RE, alias_key, stored_user

# DEVIATION: Cognito accepts any name its pattern allows; userpool refuses new usernames
# that Unicode's NFKC normalization would change (fullwidth "ａｌｉｃｅ", ligatures,
# decomposed accents), so two accounts cannot differ only by forms that look the same.
# Mixed scripts are allowed (real names mix them); format characters such as U+202E are
# refused by the model's own pattern.


def check_unicode(username: str) -> None:
    if not username.isascii() and not unicodedata.is_normalized("NFKC", username):
        raise InvalidParameterException(NOT_NFKC)


def sign_in_name(pool: Pool, username: str, attributes: dict[str, str]) -> str:
    """The stored username; copies email/phone usernames into their attribute."""
    check_unicode(username)
    allowed = pool.username_attributes
    if allowed:
        if "email" in allowed and EMAIL_RE.fullmatch(username):
            attributes["email"] = username
        elif "phone_number" in allowed and PHONE_RE.fullmatch(username):
            attributes["phone_number"] = username
        elif allowed == ["email"]:
            raise InvalidParameterException("Username should be an email.")
        elif allowed == ["phone_number"]:
            raise InvalidParameterException("Username should be a phone number.")
        else:
            raise InvalidParameterException("Username should be either an email or a phone number.")
        return ids.sub()
    if "email" in pool.alias_attributes and EMAIL_RE.fullmatch(username):
        raise InvalidParameterException(
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    if "phone_number" in pool.alias_attributes and PHONE_RE.fullmatch(username):
        raise InvalidParameterException(
            "Username cannot be of phone number format, since user pool is configured for "
            "phone number alias."
        )
    return username


def new_user(
    pool: Pool, username: str, attributes: dict[str, str], status: str, now: float
) -> User:
    """A user not yet stored; in username-attribute pools the username is the sub."""
    sub = username if pool.username_attributes else ids.sub()
    return User(pool.id, username, sub, status, True, None, {"sub": sub, **attributes}, now, now)


async def set_password(svc: Services, pool: Pool, user: User, password: str) -> None:
    """The Argon2id hash (at the server's ``--password-hashing``) and the SRP verifier (the
    protocol's, the same under any setting), both in one job of the hasher pool, off the
    event loop."""
    hashed, (salt, verifier) = await svc.hasher.run(
        _password_secrets, svc.hasher, pool.id, user.username, password
    )
    user.password_hash = hashed
    user.extra["srp"] = {"salt": salt, "verifier": verifier}


def _password_secrets(
    hasher: Hasher, pool_id: str, username: str, password: str
) -> tuple[str, tuple[str, str]]:
    return hasher.hash_now(password), srp.make_verifier(pool_id, username, password)


def store_password(tx: Tx, user: User, status: str | None, now: float) -> User:
    """Write ``user``'s new password (hashed by ``set_password``) to the user as stored now,
    with the lockout cleared and, if given, a new ``status``; the stored user."""
    fresh = stored_user(tx, user.pool_id, user.sub)
    fresh.password_hash = user.password_hash
    fresh.extra["srp"] = user.extra["srp"]
    clear_failures(fresh)
    if status is not None:
        fresh.status = status
    fresh.modified = now
    tx.update_user(fresh)
    return fresh


def _exists_message(what: str) -> str:
    if what in ("email", "phone_number"):
        return f"An account with the given {what} already exists."
    return "User already exists"


def insert_new_user(tx: Tx, pool: Pool, user: User) -> None:
    """Insert a user and, in username-attribute pools, claim its email/phone (unique)."""
    try:
        tx.insert_user(user, pool.key(user.username))
        for attribute in pool.username_attributes:
            value = user.attributes.get(attribute)
            if value:
                tx.set_alias(pool.id, attribute, alias_key(pool, attribute, value), user.sub)
    except AlreadyExists as exc:
        raise UsernameExistsException(_exists_message(exc.what)) from None


def precheck_new_user(tx: Tx, pool: Pool, username: str, attributes: dict[str, str]) -> None:
    """Refuse a taken name before paying for a password hash (the insert re-checks)."""
    try:
        tx.user_by_key(pool.id, pool.key(username))
        raise UsernameExistsException("User already exists")
    except NotFound:
        pass
    for attribute in pool.username_attributes:
        value = attributes.get(attribute)
        if value and tx.alias_owner(pool.id, attribute, alias_key(pool, attribute, value)):
            raise UsernameExistsException(_exists_message(attribute))


def store_code(
    svc: Services, tx: Tx, user: User, out: Outgoing, now: float, first: bool = False
) -> dict[str, str]:
    """Make ``out``'s code the user's only valid sign-up code, its message queued (``first``:
    the user was just made, so there is no earlier code); where it went."""
    validity = codes.SIGN_UP_VALIDITY
    usercodes.store(svc, tx, user, codes.SIGN_UP, out, now, validity, first)
    return out.delivery.details()


# DEVIATION: a session is issued whenever the client allows ALLOW_USER_AUTH (whether or not
# the request carried one), with no check of the pool's tier.
def new_session(
    svc: Services, tx: Tx, client: AppClient, sub: str, purpose: str, now: float
) -> str | None:
    if "ALLOW_USER_AUTH" not in client.explicit_auth_flows:
        return None
    expires = now + client.auth_session_validity_minutes * 60
    token, session = codes.new_session(svc.key, client.pool_id, client.id, sub, purpose, expires)
    tx.put_session(session)
    return token
