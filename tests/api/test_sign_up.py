"""SignUp through boto3: password policy, attributes, username kinds, codes out, Session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of, secret_hash

PASSWORD = "Passw0rd!"


def test_sign_up_creates_unconfirmed_user_and_sends_code_by_email(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    out = idp.sign_up(
        ClientId=client["ClientId"],
        Username="ann",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "ann@example.com"}],
    )
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="ann")
    assert user["UserStatus"] == "UNCONFIRMED"
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["sub"] == out["UserSub"]
    assert "Your verification code is" in server.messages("ann@example.com")[-1]


def test_sign_up_prefers_sms_when_phone_and_email_are_auto_verified(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=["email", "phone_number"])
    client = make_client(pool)
    out = idp.sign_up(
        ClientId=client["ClientId"],
        Username="bo",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "bo@example.com"},
            {"Name": "phone_number", "Value": "+15555550123"},
        ],
    )
    assert out["CodeDeliveryDetails"] == {
        "Destination": "+*******0123",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }


def test_sign_up_uses_the_pools_message_template(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(
        EmailVerificationMessage="Hi {username}, code {####}", EmailVerificationSubject="Welcome"
    )
    client = make_client(pool)
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="cy",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "cy@example.com"}],
    )
    body = server.messages("cy@example.com")[-1]
    assert body.startswith("Hi cy, code ") and server.code("cy@example.com") in body


def test_codes_are_stored_only_as_keyed_hashes(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    out = idp.sign_up(
        ClientId=client["ClientId"],
        Username="dee",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "dee@example.com"}],
    )
    code = server.code("dee@example.com")
    (stored,) = server.sql("SELECT code_hash FROM codes WHERE sub=?", out["UserSub"])
    assert code not in stored[0] and len(stored[0]) == 64


def test_passwords_are_hashed_with_argon2id(tmp_path: Path, started: list[Server]) -> None:
    """On a server of the default hashing (the suite's run on ``fast``)."""
    server = Server(tmp_path, hashing="normal")
    started.append(server.start())
    idp = server.client()
    pool = idp.create_user_pool(PoolName="hashed")["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="app")
    out = idp.sign_up(
        ClientId=client["UserPoolClient"]["ClientId"], Username="eve", Password=PASSWORD
    )
    (row,) = server.sql("SELECT password_hash FROM users WHERE sub=?", out["UserSub"])
    assert row[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("PASSW0RD!", "Password must have lowercase characters"),
        ("passw0rd!", "Password must have uppercase characters"),
        ("Password!", "Password must have numeric characters"),
        ("Passw0rdX", "Password must have symbol characters"),
    ],
)
def test_sign_up_enforces_the_password_policy(
    idp: Any, client: dict[str, Any], password: str, reason: str
) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="fay", Password=password)
    assert error_of(exc) == (
        "InvalidPasswordException",
        f"Password did not conform with policy: {reason}",
    )


def test_sign_up_twice_is_username_exists(idp: Any, client: dict[str, Any]) -> None:
    idp.sign_up(ClientId=client["ClientId"], Username="gus", Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="gus", Password=PASSWORD)
    assert error_of(exc) == ("UsernameExistsException", "User already exists")


def test_case_insensitive_pool_treats_usernames_alike(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameConfiguration={"CaseSensitive": False})
    client = make_client(pool)
    idp.sign_up(ClientId=client["ClientId"], Username="Hal", Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="hAL", Password=PASSWORD)
    assert error_of(exc)[0] == "UsernameExistsException"
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="HAL")["Username"] == "Hal"


def test_case_sensitive_pool_keeps_usernames_apart(idp: Any, client: dict[str, Any]) -> None:
    idp.sign_up(ClientId=client["ClientId"], Username="Ida", Password=PASSWORD)
    idp.sign_up(ClientId=client["ClientId"], Username="ida", Password=PASSWORD)


def test_usernames_must_be_in_nfkc_form(
    idp: Any, client: dict[str, Any], pool: dict[str, Any]
) -> None:
    """Names that only look alike (fullwidth letters, a decomposed accent, a ligature)
    cannot become second accounts beside ``alice`` or ``café``; other scripts are fine."""
    for name in ("\uff41\uff4c\uff49\uff43\uff45", "cafe\u0301", "\ufb01sh"):
        with pytest.raises(ClientError) as exc:
            idp.sign_up(ClientId=client["ClientId"], Username=name, Password="Passw0rd!")
        assert error_of(exc) == (
            "InvalidParameterException",
            "Username should be in Unicode normalization form NFKC.",
        )
        with pytest.raises(ClientError) as exc:
            idp.admin_create_user(UserPoolId=pool["Id"], Username=name)
        assert error_of(exc)[0] == "InvalidParameterException"
    for name in ("caf\u00e9", "\u674eLee", "\u0430lice"):
        idp.sign_up(ClientId=client["ClientId"], Username=name, Password="Passw0rd!")
        assert idp.admin_get_user(UserPoolId=pool["Id"], Username=name)["Username"] == name


def test_email_username_pool_stores_a_uuid_username(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameAttributes=["email"])
    client = make_client(pool)
    out = idp.sign_up(ClientId=client["ClientId"], Username="jo@example.com", Password=PASSWORD)
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="jo@example.com")
    assert user["Username"] == out["UserSub"]
    assert {"Name": "email", "Value": "jo@example.com"} in user["UserAttributes"]


def test_email_username_pool_refuses_a_taken_email(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameAttributes=["email"])
    client = make_client(pool)
    idp.sign_up(ClientId=client["ClientId"], Username="kim@example.com", Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="KIM@example.com", Password=PASSWORD)
    assert error_of(exc) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )


def test_email_username_pool_refuses_a_plain_username(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameAttributes=["email"])
    client = make_client(pool)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="lee", Password=PASSWORD)
    assert error_of(exc) == ("InvalidParameterException", "Username should be an email.")


def test_alias_pool_refuses_email_shaped_username(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AliasAttributes=["email"])
    client = make_client(pool)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="max@example.com", Password=PASSWORD)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Username cannot be of email format, since user pool is configured for email alias.",
    )


def test_unknown_attribute_is_refused(idp: Any, client: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=client["ClientId"],
            Username="ned",
            Password=PASSWORD,
            UserAttributes=[{"Name": "custom:nope", "Value": "x"}],
        )
    assert error_of(exc)[0] == "InvalidParameterException"


def test_required_attribute_must_be_given(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True}])
    client = make_client(pool)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="oz", Password=PASSWORD)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Attributes did not conform to the schema: email: The attribute is required",
    )


def test_malformed_email_is_refused(idp: Any, client: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=client["ClientId"],
            Username="pat",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "not-an-email"}],
        )
    assert error_of(exc) == ("InvalidParameterException", "Invalid email address format.")


def test_unknown_client_is_resource_not_found(idp: Any) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId="nosuchclient0000000000000a", Username="q", Password=PASSWORD)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "User pool client nosuchclient0000000000000a does not exist.",
    )


def test_sign_up_returns_session_only_when_client_allows_user_auth(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    plain = make_client(pool)
    out = idp.sign_up(ClientId=plain["ClientId"], Username="ray", Password=PASSWORD)
    assert "Session" not in out
    choice = make_client(pool, ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    out = idp.sign_up(ClientId=choice["ClientId"], Username="sue", Password=PASSWORD)
    assert len(out["Session"]) >= 20


def test_sign_up_with_secret_requires_the_secret_hash(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="tom", Password=PASSWORD)
    assert error_of(exc) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client['ClientId']}",
    )
    good = secret_hash(client["ClientSecret"], "tom", client["ClientId"])
    assert (
        idp.sign_up(
            ClientId=client["ClientId"], Username="tom", Password=PASSWORD, SecretHash=good
        )["UserConfirmed"]
        is False
    )


def test_sign_up_with_secret_hash_for_client_without_secret_is_invalid(
    idp: Any, client: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=client["ClientId"], Username="uma", Password=PASSWORD, SecretHash="abc="
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        f"App client {client['ClientId']} is not configured for secret but secret hash was received",
    )


def test_concurrent_sign_ups_with_one_username_create_one_user(
    server: Server, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> str:
        try:
            server.client().sign_up(ClientId=client["ClientId"], Username="vic", Password=PASSWORD)
            return "ok"
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(8) as workers:
        results = list(workers.map(attempt, range(8)))
    assert results.count("ok") == 1
    assert set(results) == {"ok", "UsernameExistsException"}
    assert server.sql("SELECT count(*) FROM users WHERE pool_id=?", pool["Id"])[0][0] == 1


@pytest.mark.parametrize("name", ["email_verified", "phone_number_verified", "dev:flag"])
def test_sign_up_cannot_write_verification_or_developer_attributes(
    idp: Any, client: dict[str, Any], name: str
) -> None:
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=client["ClientId"],
            Username="wil",
            Password=PASSWORD,
            UserAttributes=[
                {"Name": "email", "Value": "wil@example.com"},
                {"Name": name, "Value": "true"},
            ],
        )
    assert error_of(exc) == (
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    )


def test_sign_up_respects_the_clients_write_attributes(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, WriteAttributes=["email"])
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=client["ClientId"],
            Username="xen",
            Password=PASSWORD,
            UserAttributes=[{"Name": "name", "Value": "Xen"}],
        )
    assert error_of(exc)[0] == "NotAuthorizedException"


def test_admin_create_user_only_pool_refuses_sign_up(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    client = make_client(pool)
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="yan", Password=PASSWORD)
    assert error_of(exc) == ("NotAuthorizedException", "SignUp is not permitted for this user pool")


def test_null_attribute_values_are_stored_as_empty(
    idp: Any, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="zed",
        Password=PASSWORD,
        UserAttributes=[{"Name": "given_name"}],
    )
    out = idp.list_users(UserPoolId=pool["Id"], Filter='given_name ^= "a"')
    assert out["Users"] == []
