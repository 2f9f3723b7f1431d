"""Token use through boto3: OTP and SRP as USER_AUTH factors, the user's own operations,
admin sign-out, GetTokensFromRefreshToken, key rotation."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.factories import SignedUp, confirmed_user
from tests.helpers import USERPOOL, Server, error_of

PASSWORD = "Passw0rd!"
FLOWS = [
    "ALLOW_USER_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@pytest.fixture
def otp_pool(make_pool: Callable[..., Any]) -> dict[str, Any]:
    policy = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    return dict(make_pool(Policies=policy))


@pytest.fixture
def app(make_client: Callable[..., Any], otp_pool: dict[str, Any]) -> dict[str, Any]:
    return dict(make_client(otp_pool, ExplicitAuthFlows=FLOWS))


@pytest.fixture
def user(idp: Any, server: Server, app: dict[str, Any]) -> Callable[[str], SignedUp]:
    """A confirmed user of ``app``, named as asked, with the email <name>@example.com."""
    return lambda name: confirmed_user(idp, server, app["ClientId"], name)


def _tokens(idp: Any, app: dict[str, Any], name: str) -> dict[str, Any]:
    out = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )
    return dict(out["AuthenticationResult"])


def test_email_otp_is_a_first_factor(
    idp: Any, server: Server, app: dict[str, Any], user: Any
) -> None:
    user("ola")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "ola", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    assert out["ChallengeName"] == "EMAIL_OTP"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    code = re.findall(r"\d{8}", server.messages("ola@example.com")[-1])[-1]
    done = idp.respond_to_auth_challenge(
        ClientId=app["ClientId"],
        ChallengeName="EMAIL_OTP",
        Session=out["Session"],
        ChallengeResponses={"USERNAME": "ola", "EMAIL_OTP_CODE": code},
    )
    assert "IdToken" in done["AuthenticationResult"]


def test_wrong_email_otp_is_code_mismatch(
    idp: Any, server: Server, app: dict[str, Any], user: Any
) -> None:
    user("pia")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "pia", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    code = re.findall(r"\d{8}", server.messages("pia@example.com")[-1])[-1]
    wrong = "00000000" if code != "00000000" else "11111111"
    with pytest.raises(ClientError) as exc:
        idp.respond_to_auth_challenge(
            ClientId=app["ClientId"],
            ChallengeName="EMAIL_OTP",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": "pia", "EMAIL_OTP_CODE": wrong},
        )
    assert error_of(exc)[0] == "CodeMismatchException"


def test_select_challenge_offers_email_otp_when_the_pool_allows_it(
    idp: Any, app: dict[str, Any], user: Any
) -> None:
    user("quo")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH", ClientId=app["ClientId"], AuthParameters={"USERNAME": "quo"}
    )
    assert set(out["AvailableChallenges"]) == {"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"}


def test_password_srp_as_user_auth_factor(
    idp: Any, server: Server, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("ria")
    aws = AWSSRP(
        username="ria",
        password=PASSWORD,
        pool_id=otp_pool["Id"],
        client_id=app["ClientId"],
        client=server.client(),
    )
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={
            "USERNAME": "ria",
            "PREFERRED_CHALLENGE": "PASSWORD_SRP",
            "SRP_A": format(aws.large_a_value, "x"),
        },
    )
    assert out["ChallengeName"] == "PASSWORD_VERIFIER"
    answers = aws.process_challenge(out["ChallengeParameters"], {"USERNAME": "ria"})
    done = idp.respond_to_auth_challenge(
        ClientId=app["ClientId"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    assert "AccessToken" in done["AuthenticationResult"]


def test_srp_secret_block_is_single_use(
    idp: Any, server: Server, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("rob")
    aws = AWSSRP(
        username="rob",
        password=PASSWORD,
        pool_id=otp_pool["Id"],
        client_id=app["ClientId"],
        client=server.client(),
    )
    out = idp.initiate_auth(
        AuthFlow="USER_SRP_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "rob", "SRP_A": format(aws.large_a_value, "x")},
    )
    answers = aws.process_challenge(out["ChallengeParameters"], {"USERNAME": "rob"})
    idp.respond_to_auth_challenge(
        ClientId=app["ClientId"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
    )
    with pytest.raises(ClientError) as exc:
        idp.respond_to_auth_challenge(
            ClientId=app["ClientId"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
        )
    assert error_of(exc) == ("NotAuthorizedException", "Invalid session for the user.")


def test_update_user_attributes_with_an_access_token(
    idp: Any, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("sam")
    access = _tokens(idp, app, "sam")["AccessToken"]
    idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "name", "Value": "Sam"}]
    )
    got = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}
    assert got["name"] == "Sam"


def test_users_cannot_mark_their_own_email_verified(
    idp: Any, app: dict[str, Any], user: Any
) -> None:
    user("sid")
    access = _tokens(idp, app, "sid")["AccessToken"]
    with pytest.raises(ClientError) as exc:
        idp.update_user_attributes(
            AccessToken=access, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
        )
    assert error_of(exc)[0] == "NotAuthorizedException"


def test_delete_user_with_an_access_token(
    idp: Any, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("tia")
    idp.delete_user(AccessToken=_tokens(idp, app, "tia")["AccessToken"])
    with pytest.raises(ClientError) as exc:
        idp.admin_get_user(UserPoolId=otp_pool["Id"], Username="tia")
    assert error_of(exc)[0] == "UserNotFoundException"


def test_admin_user_global_sign_out_revokes_refresh_tokens(
    idp: Any, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("uma")
    refresh = _tokens(idp, app, "uma")["RefreshToken"]
    idp.admin_user_global_sign_out(UserPoolId=otp_pool["Id"], Username="uma")
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    assert error_of(exc) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_get_tokens_from_refresh_token(idp: Any, app: dict[str, Any], user: Any) -> None:
    user("val")
    refresh = _tokens(idp, app, "val")["RefreshToken"]
    out = idp.get_tokens_from_refresh_token(RefreshToken=refresh, ClientId=app["ClientId"])
    assert "IdToken" in out["AuthenticationResult"]


def test_refresh_token_of_another_client_is_invalid(
    idp: Any,
    make_client: Callable[..., Any],
    otp_pool: dict[str, Any],
    app: dict[str, Any],
    user: Any,
) -> None:
    user("wes")
    other = make_client(otp_pool, ExplicitAuthFlows=FLOWS)
    refresh = _tokens(idp, app, "wes")["RefreshToken"]
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=other["ClientId"],
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    assert error_of(exc) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_rotated_keys_sign_new_tokens_and_old_ones_still_verify(
    idp: Any, server: Server, otp_pool: dict[str, Any], app: dict[str, Any], user: Any
) -> None:
    user("xia")
    before = _tokens(idp, app, "xia")["IdToken"]
    subprocess.run(
        [USERPOOL, "pool-keys", "rotate", "--db", server.db, otp_pool["Id"]],
        check=True,
        capture_output=True,
    )
    after = _tokens(idp, app, "xia")["IdToken"]
    assert jwt.get_unverified_header(before)["kid"] != jwt.get_unverified_header(after)["kid"]
    jwks = jwt.PyJWKClient(f"{server.url}/{otp_pool['Id']}/.well-known/jwks.json", cache_keys=False)
    for token in (before, after):
        key = jwks.get_signing_key_from_jwt(token).key
        jwt.decode(token, key, algorithms=["RS256"], audience=app["ClientId"])
