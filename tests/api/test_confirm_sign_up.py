"""ConfirmSignUp through boto3: every rule of docs/compatibility.md's ConfirmSignUp and the
sign-up Session. The rules about time (a code's 24 hours, the rolling hour of wrong codes,
the session's minutes) are tested on a fake clock in tests/inprocess/test_code_times.py
and test_session_times.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import App, confirm, sign_up
from tests.helpers import Server, error_of, secret_hash

PASSWORD = "Passw0rd!"


def _attrs(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


@pytest.fixture
def signed_up(idp: Any, client: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Sign a user up (email <name>@example.com unless given) through ``client`` unless a
    ``ClientId`` is given; SignUp's answer."""

    def make(username: str, email: str | None = None, **kwargs: Any) -> dict[str, Any]:
        client_id = kwargs.pop("ClientId", client["ClientId"])
        return sign_up(idp, client_id, username, email, **kwargs).answer

    return make


def test_confirm_with_the_code_confirms_and_verifies_email(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("amy")
    idp.confirm_sign_up(
        ClientId=client["ClientId"], Username="amy", ConfirmationCode=server.code("amy@example.com")
    )
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="amy")
    assert user["UserStatus"] == "CONFIRMED"
    assert _attrs(user)["email_verified"] == "true"


def test_confirm_verifies_only_the_attribute_the_code_went_to(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=["email", "phone_number"])
    client = make_client(pool)
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="ben",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "ben@example.com"},
            {"Name": "phone_number", "Value": "+15555550100"},
        ],
    )
    idp.confirm_sign_up(
        ClientId=client["ClientId"], Username="ben", ConfirmationCode=server.code("+15555550100")
    )
    attrs = _attrs(idp.admin_get_user(UserPoolId=pool["Id"], Username="ben"))
    assert attrs["phone_number_verified"] == "true"
    assert attrs.get("email_verified") != "true"


def test_wrong_code_is_code_mismatch_and_user_stays_unconfirmed(
    idp: Any, pool: dict[str, Any], client: dict[str, Any], signed_up: Any, server: Server
) -> None:
    signed_up("cat")
    wrong = "000000" if server.code("cat@example.com") != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="cat", ConfirmationCode=wrong)
    assert error_of(exc) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="cat")["UserStatus"] == "UNCONFIRMED"


def test_code_superseded_by_a_resend_is_expired_and_the_new_one_works(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("eli")
    first = server.code("eli@example.com")
    for _ in range(5):  # resend until the new code differs from the first
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="eli")
        if server.code("eli@example.com") != first:
            break
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="eli", ConfirmationCode=first)
    assert error_of(exc)[0] == "ExpiredCodeException"
    idp.confirm_sign_up(
        ClientId=client["ClientId"], Username="eli", ConfirmationCode=server.code("eli@example.com")
    )


def test_user_without_outstanding_code_gets_expired_code(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=[])
    client = make_client(pool)
    out = idp.sign_up(ClientId=client["ClientId"], Username="fin", Password=PASSWORD)
    assert "CodeDeliveryDetails" not in out
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="fin", ConfirmationCode="123456")
    assert error_of(exc)[0] == "ExpiredCodeException"


def test_too_many_wrong_codes_is_limit_exceeded_even_for_the_right_code(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("gil")
    code = server.code("gil@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ClientError) as exc:
            idp.confirm_sign_up(ClientId=client["ClientId"], Username="gil", ConfirmationCode=wrong)
        assert error_of(exc)[0] == "CodeMismatchException"
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="gil", ConfirmationCode=code)
    assert error_of(exc) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )


def test_requests_refused_by_the_limit_do_not_count(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    out = signed_up("hap")
    wrong = "000000" if server.code("hap@example.com") != "000000" else "111111"
    for _ in range(8):
        with pytest.raises(ClientError):
            idp.confirm_sign_up(ClientId=client["ClientId"], Username="hap", ConfirmationCode=wrong)
    (failures,) = server.sql("SELECT failures FROM codes WHERE sub=?", out["UserSub"])[0]
    assert len(json.loads(failures)) == 5


def test_a_resend_does_not_forgive_wrong_codes(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("iza")
    wrong = "000000" if server.code("iza@example.com") != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ClientError):
            idp.confirm_sign_up(ClientId=client["ClientId"], Username="iza", ConfirmationCode=wrong)
    idp.resend_confirmation_code(ClientId=client["ClientId"], Username="iza")
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=client["ClientId"],
            Username="iza",
            ConfirmationCode=server.code("iza@example.com"),
        )
    assert error_of(exc)[0] == "LimitExceededException"


def test_confirmed_user_cannot_be_confirmed_again(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("jay")
    code = server.code("jay@example.com")
    idp.confirm_sign_up(ClientId=client["ClientId"], Username="jay", ConfirmationCode=code)
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="jay", ConfirmationCode=code)
    assert error_of(exc) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_unknown_user_is_user_not_found(idp: Any, client: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=client["ClientId"], Username="nobody", ConfirmationCode="123456"
        )
    assert error_of(exc) == ("UserNotFoundException", "Username/client id combination not found.")


def test_unknown_user_is_masked_when_client_prevents_existence_errors(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, PreventUserExistenceErrors="ENABLED")
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=client["ClientId"], Username="nobody", ConfirmationCode="123456"
        )
    assert error_of(exc) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )


def test_unknown_client_is_resource_not_found(idp: Any) -> None:
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId="x" * 26, Username="a", ConfirmationCode="123456")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"User pool client {'x' * 26} does not exist.",
    )


def test_confirm_by_sub(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any], signed_up: Any
) -> None:
    out = signed_up("kai")
    idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username=out["UserSub"],
        ConfirmationCode=server.code("kai@example.com"),
    )
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="kai")["UserStatus"] == "CONFIRMED"


def test_email_username_pool_confirms_by_email(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameAttributes=["email"])
    client = make_client(pool)
    idp.sign_up(ClientId=client["ClientId"], Username="lou@example.com", Password=PASSWORD)
    idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username="lou@example.com",
        ConfirmationCode=server.code("lou@example.com"),
    )
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="lou@example.com")
    assert user["UserStatus"] == "CONFIRMED"


def test_secret_client_requires_a_good_secret_hash(
    idp: Any, server: Server, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    app = App(pool, make_client(pool, GenerateSecret=True))
    cid = app.client_id
    user = sign_up(idp, app, "mia")  # with the SecretHash the factory computes
    code = server.code(user.email)
    for bad in (None, secret_hash("wrong" * 5, "mia", cid)):
        kwargs = {} if bad is None else {"SecretHash": bad}
        with pytest.raises(ClientError) as exc:
            idp.confirm_sign_up(ClientId=cid, Username="mia", ConfirmationCode=code, **kwargs)
        assert error_of(exc) == (
            "NotAuthorizedException",
            f"Unable to verify secret hash for client {cid}",
        )
    confirm(idp, server, app, user)
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="mia")["UserStatus"] == "CONFIRMED"


def test_secret_hash_to_client_without_secret_is_invalid_parameter(
    idp: Any, client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("ned")
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=client["ClientId"],
            Username="ned",
            ConfirmationCode="123456",
            SecretHash="c2VjcmV0",
        )
    assert error_of(exc)[0] == "InvalidParameterException"


def test_context_and_analytics_are_accepted_and_recorded(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    out = signed_up("ola")
    idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username="ola",
        ConfirmationCode=server.code("ola@example.com"),
        UserContextData={"IpAddress": "192.0.2.1", "EncodedData": "eyJ4Ijoi"},
        AnalyticsMetadata={"AnalyticsEndpointId": "endpoint-1"},
        ClientMetadata={"source": "test"},
    )
    rows = server.sql(
        "SELECT data FROM events WHERE sub=? AND kind='ConfirmSignUp'", out["UserSub"]
    )
    assert '"ContextIpAddress":"192.0.2.1"' in rows[0][0] and "endpoint-1" in rows[0][0]


# --- the sign-up Session -------------------------------------------------------------


def test_confirm_returns_a_new_session_for_user_auth_clients(
    idp: Any, server: Server, client: dict[str, Any], signed_up: Any
) -> None:
    out = signed_up("pam")
    confirmed = idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username="pam",
        ConfirmationCode=server.code("pam@example.com"),
        Session=out["Session"],
    )
    assert len(confirmed["Session"]) >= 20 and confirmed["Session"] != out["Session"]
    rows = server.sql("SELECT purpose, expires FROM sessions WHERE sub=?", out["UserSub"])
    assert [r[0] for r in rows] == ["signin"]
    assert rows[0][1] <= time.time() + 3 * 60 + 1


def test_confirm_without_user_auth_returns_no_session(
    idp: Any, server: Server, make_client: Callable[..., Any], pool: dict[str, Any], signed_up: Any
) -> None:
    plain = make_client(pool)
    signed_up("quin", ClientId=plain["ClientId"])
    out = idp.confirm_sign_up(
        ClientId=plain["ClientId"],
        Username="quin",
        ConfirmationCode=server.code("quin@example.com"),
    )
    assert "Session" not in out


def test_another_users_session_does_not_block_a_good_code(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any], signed_up: Any
) -> None:
    other = signed_up("rex")
    signed_up("roy")
    out = idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username="roy",
        ConfirmationCode=server.code("roy@example.com"),
        Session=other["Session"],
    )
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="roy")["UserStatus"] == "CONFIRMED"
    signed_in = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=client["ClientId"],
        AuthParameters={"USERNAME": "roy"},
        Session=out["Session"],
    )
    assert "IdToken" in signed_in["AuthenticationResult"]


def test_unknown_users_guesses_are_limited_like_real_ones_when_existence_is_hidden(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, PreventUserExistenceErrors="ENABLED")
    answers = []
    for _ in range(6):
        with pytest.raises(ClientError) as exc:
            idp.confirm_sign_up(
                ClientId=client["ClientId"], Username="nobody-at-all", ConfirmationCode="123456"
            )
        answers.append(error_of(exc)[0])
    assert answers == ["CodeMismatchException"] * 5 + ["LimitExceededException"]


def test_code_sent_to_an_old_address_cannot_verify_a_new_one(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any], signed_up: Any
) -> None:
    signed_up("uli")
    old_code = server.code("uli@example.com")
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="uli",
        UserAttributes=[{"Name": "email", "Value": "uli-new@example.com"}],
    )
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(ClientId=client["ClientId"], Username="uli", ConfirmationCode=old_code)
    assert error_of(exc)[0] == "ExpiredCodeException"
