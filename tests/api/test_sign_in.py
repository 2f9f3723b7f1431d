"""Sign-in through boto3: the ConfirmSignUp Session, USER_AUTH, passwords, SRP, tokens, JWKS.
Session and token lifetimes and the lockout's timing are in tests/inprocess/test_session_times.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.factories import SignedUp, confirmed_user
from tests.helpers import Server, error_of, secret_hash

PASSWORD = "Passw0rd!"
FLOWS = [
    "ALLOW_USER_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@pytest.fixture
def app(make_client: Callable[..., Any], pool: dict[str, Any]) -> dict[str, Any]:
    return dict(make_client(pool, ExplicitAuthFlows=FLOWS))


@pytest.fixture
def confirmed(idp: Any, server: Server, app: dict[str, Any]) -> Callable[[str], SignedUp]:
    """A confirmed user of ``app`` (``.session``: ConfirmSignUp's Session)."""
    return lambda name: confirmed_user(idp, server, app["ClientId"], name)


def _claims(server: Server, pool: dict[str, Any], token: str, **kwargs: Any) -> dict[str, Any]:
    jwks = jwt.PyJWKClient(f"{server.url}/{pool['Id']}/.well-known/jwks.json")
    key = jwks.get_signing_key_from_jwt(token)
    return dict(
        jwt.decode(
            token, key.key, algorithms=["RS256"], issuer=f"{server.url}/{pool['Id']}", **kwargs
        )
    )


def test_confirm_sign_up_session_signs_in_with_user_auth(
    idp: Any, server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    user = confirmed("ann")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "ann"},
        Session=user.session,
    )
    result = out["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    claims = _claims(server, pool, result["IdToken"], audience=app["ClientId"])
    assert claims["sub"] == user.sub and claims["token_use"] == "id"
    assert claims["cognito:username"] == "ann" and claims["email_verified"] is True


def test_sign_up_session_is_single_use(idp: Any, app: dict[str, Any], confirmed: Any) -> None:
    user = confirmed("bea")
    idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "bea"},
        Session=user.session,
    )
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "bea"},
            Session=user.session,
        )
    assert error_of(exc) == ("NotAuthorizedException", "Invalid session for the user.")


def test_sign_up_session_of_another_user_is_refused(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    one = confirmed("cal")
    confirmed("cid")
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "cid"},
            Session=one.session,
        )
    assert error_of(exc) == ("NotAuthorizedException", "Invalid session for the user.")


def test_admin_initiate_auth_with_the_sign_up_session(
    idp: Any, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    user = confirmed("eda")
    out = idp.admin_initiate_auth(
        UserPoolId=pool["Id"],
        ClientId=app["ClientId"],
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "eda"},
        Session=user.session,
    )
    assert "AccessToken" in out["AuthenticationResult"]


def test_user_auth_without_session_lists_available_challenges(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("fay")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH", ClientId=app["ClientId"], AuthParameters={"USERNAME": "fay"}
    )
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert {"PASSWORD", "PASSWORD_SRP"} <= set(out["AvailableChallenges"])
    answer = idp.respond_to_auth_challenge(
        ClientId=app["ClientId"],
        ChallengeName="SELECT_CHALLENGE",
        Session=out["Session"],
        ChallengeResponses={"USERNAME": "fay", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert "IdToken" in answer["AuthenticationResult"]


def test_user_auth_preferring_password(idp: Any, app: dict[str, Any], confirmed: Any) -> None:
    confirmed("gus")
    out = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "gus", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert "AccessToken" in out["AuthenticationResult"]


def test_user_password_auth_and_wrong_password(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("hal")
    out = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "hal", "PASSWORD": PASSWORD},
    )
    assert "RefreshToken" in out["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "hal", "PASSWORD": "Wr0ng!pass"},
        )
    assert error_of(exc) == ("NotAuthorizedException", "Incorrect username or password.")


def test_flow_not_enabled_on_client_is_refused(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any], confirmed: Any
) -> None:
    plain = make_client(pool)
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=plain["ClientId"],
            AuthParameters={"USERNAME": "x", "PASSWORD": PASSWORD},
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_unconfirmed_user_is_told_so_even_with_wrong_password(
    idp: Any, app: dict[str, Any]
) -> None:
    """Cognito's answer for a LEGACY client (``app``); an ENABLED client checks the password
    first (api/test_enumeration.py)."""
    idp.sign_up(ClientId=app["ClientId"], Username="ian", Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "ian", "PASSWORD": "Wr0ng!pass"},
        )
    assert error_of(exc) == ("UserNotConfirmedException", "User is not confirmed.")


def test_unknown_user_is_user_not_found(idp: Any, app: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "ghost", "PASSWORD": PASSWORD},
        )
    assert error_of(exc) == ("UserNotFoundException", "User does not exist.")


def test_lockout_after_repeated_wrong_passwords(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("jon")
    for _ in range(5):
        with pytest.raises(ClientError):
            idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=app["ClientId"],
                AuthParameters={"USERNAME": "jon", "PASSWORD": "Wr0ng!pass"},
            )
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"USERNAME": "jon", "PASSWORD": PASSWORD},
        )
    assert error_of(exc) == ("NotAuthorizedException", "Password attempts exceeded")


def test_secret_client_needs_secret_hash_in_auth_parameters(
    idp: Any, server: Server, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True, ExplicitAuthFlows=FLOWS)
    cid, secret = client["ClientId"], client["ClientSecret"]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="kit",
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
    )
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=cid,
            AuthParameters={"USERNAME": "kit", "PASSWORD": "Temp0rary!"},
        )
    assert error_of(exc) == (
        "NotAuthorizedException",
        f"Client {cid} is configured with secret but SECRET_HASH was not received",
    )
    out = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={
            "USERNAME": "kit",
            "PASSWORD": "Temp0rary!",
            "SECRET_HASH": secret_hash(secret, "kit", cid),
        },
    )
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def _new_password_challenge(
    idp: Any, pool: dict[str, Any], app: dict[str, Any], name: str
) -> dict[str, Any]:
    """An admin-created user signs in with the temporary password: NEW_PASSWORD_REQUIRED."""
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username=name,
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
    )
    return dict(
        idp.admin_initiate_auth(
            UserPoolId=pool["Id"],
            ClientId=app["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": "Temp0rary!"},
        )
    )


def _answer_new_password(
    idp: Any,
    pool: dict[str, Any],
    app: dict[str, Any],
    challenge: dict[str, Any],
    answers: dict[str, str],
) -> dict[str, Any]:
    return dict(
        idp.admin_respond_to_auth_challenge(
            UserPoolId=pool["Id"],
            ClientId=app["ClientId"],
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses=answers,
        )
    )


def test_new_password_required_confirms_an_admin_created_user(
    idp: Any, pool: dict[str, Any], app: dict[str, Any]
) -> None:
    out = _new_password_challenge(idp, pool, app, "lou")
    assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = _answer_new_password(
        idp, pool, app, out, {"USERNAME": "lou", "NEW_PASSWORD": "N3w!passwd"}
    )
    assert "IdToken" in done["AuthenticationResult"]
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="lou")["UserStatus"] == "CONFIRMED"
    idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "lou", "PASSWORD": "N3w!passwd"},
    )


def test_srp_sign_in_with_pycognito(
    server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("mia")
    aws = AWSSRP(
        username="mia",
        password=PASSWORD,
        pool_id=pool["Id"],
        client_id=app["ClientId"],
        client=server.client(),
    )
    tokens = aws.authenticate_user()
    assert "IdToken" in tokens["AuthenticationResult"]


def test_srp_with_wrong_password_is_refused(
    server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("ned")
    aws = AWSSRP(
        username="ned",
        password="Wr0ng!pass",
        pool_id=pool["Id"],
        client_id=app["ClientId"],
        client=server.client(),
    )
    with pytest.raises(ClientError) as exc:
        aws.authenticate_user()
    assert error_of(exc) == ("NotAuthorizedException", "Incorrect username or password.")


def test_access_token_claims_and_get_user(
    idp: Any, server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    user = confirmed("oli")
    result = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "oli", "PASSWORD": PASSWORD},
    )
    access = result["AuthenticationResult"]["AccessToken"]
    claims = _claims(server, pool, access)
    assert claims["token_use"] == "access" and claims["client_id"] == app["ClientId"]
    assert claims["scope"] == "aws.cognito.signin.user.admin" and claims["username"] == "oli"
    assert claims["sub"] == user.sub and "aud" not in claims
    got = idp.get_user(AccessToken=access)
    assert got["Username"] == "oli"


def test_id_and_access_tokens_use_different_keys(
    idp: Any, server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("pam")
    result = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "pam", "PASSWORD": PASSWORD},
    )
    r = result["AuthenticationResult"]
    kids = {
        jwt.get_unverified_header(r["IdToken"])["kid"],
        jwt.get_unverified_header(r["AccessToken"])["kid"],
    }
    assert len(kids) == 2


def test_refresh_token_keeps_auth_time_and_origin(
    idp: Any, server: Server, pool: dict[str, Any], app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("quin")
    first = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "quin", "PASSWORD": PASSWORD},
    )
    r = first["AuthenticationResult"]
    again = idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"REFRESH_TOKEN": r["RefreshToken"]},
    )
    new = _claims(server, pool, again["AuthenticationResult"]["AccessToken"])
    old = _claims(server, pool, r["AccessToken"])
    assert new["origin_jti"] == old["origin_jti"] and new["auth_time"] == old["auth_time"]
    assert "RefreshToken" not in again["AuthenticationResult"]


def test_global_sign_out_revokes_access_and_refresh_tokens(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("rex")
    r = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "rex", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    idp.global_sign_out(AccessToken=r["AccessToken"])
    with pytest.raises(ClientError) as exc:
        idp.get_user(AccessToken=r["AccessToken"])
    assert error_of(exc) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=app["ClientId"],
            AuthParameters={"REFRESH_TOKEN": r["RefreshToken"]},
        )
    assert error_of(exc) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_revoke_token_revokes_the_sign_in(idp: Any, app: dict[str, Any], confirmed: Any) -> None:
    confirmed("sue")
    r = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "sue", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    idp.revoke_token(Token=r["RefreshToken"], ClientId=app["ClientId"])
    with pytest.raises(ClientError) as exc:
        idp.get_user(AccessToken=r["AccessToken"])
    assert error_of(exc) == ("NotAuthorizedException", "Access Token has been revoked")


def test_tampered_access_token_is_invalid(idp: Any, app: dict[str, Any], confirmed: Any) -> None:
    confirmed("ted")
    r = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app["ClientId"],
        AuthParameters={"USERNAME": "ted", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    head, body, sig = r["AccessToken"].split(".")
    forged = f"{head}.{body}.{sig[:-4]}AAAA"
    with pytest.raises(ClientError) as exc:
        idp.get_user(AccessToken=forged)
    assert error_of(exc) == ("NotAuthorizedException", "Invalid Access Token")


def test_openid_configuration_points_at_the_jwks(server: Server, pool: dict[str, Any]) -> None:
    import json
    import urllib.request

    url = f"{server.url}/{pool['Id']}/.well-known/openid-configuration"
    doc = json.loads(urllib.request.urlopen(url).read())
    assert doc["issuer"] == f"{server.url}/{pool['Id']}"
    keys = json.loads(urllib.request.urlopen(doc["jwks_uri"]).read())["keys"]
    assert len(keys) == 2 and {k["alg"] for k in keys} == {"RS256"}


def test_tokens_from_a_sign_in_right_after_global_sign_out_work(
    idp: Any, app: dict[str, Any], confirmed: Any
) -> None:
    confirmed("sol")
    auth = {"USERNAME": "sol", "PASSWORD": PASSWORD}
    first = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=app["ClientId"], AuthParameters=auth
    )["AuthenticationResult"]
    idp.global_sign_out(AccessToken=first["AccessToken"])
    again = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=app["ClientId"], AuthParameters=auth
    )["AuthenticationResult"]
    assert idp.get_user(AccessToken=again["AccessToken"])["Username"] == "sol"


def test_concurrent_wrong_passwords_cannot_outrun_the_lockout(
    server: Server, app: dict[str, Any], confirmed: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    confirmed("vic")

    def guess(_: int) -> str:
        try:
            server.client().initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=app["ClientId"],
                AuthParameters={"USERNAME": "vic", "PASSWORD": "Wr0ng!pass"},
            )
        except ClientError as exc:
            return str(exc.response["Error"]["Message"])
        return "signed in"

    with ThreadPoolExecutor(16) as workers:
        answers = list(workers.map(guess, range(16)))
    assert answers.count("Incorrect username or password.") <= 5
    assert "Password attempts exceeded" in answers


def test_unknown_and_real_users_look_alike_when_existence_is_hidden(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any], confirmed: Any
) -> None:
    hidden = make_client(pool, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")
    confirmed("wyn")
    answers = {}
    for name in ("wyn", "nobody-here"):
        with pytest.raises(ClientError) as exc:
            idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=hidden["ClientId"],
                AuthParameters={"USERNAME": name, "PASSWORD": "Wr0ng!pass"},
            )
        answers[name] = error_of(exc)
        srp = idp.initiate_auth(
            AuthFlow="USER_SRP_AUTH",
            ClientId=hidden["ClientId"],
            AuthParameters={"USERNAME": name, "SRP_A": "0a" * 64},
        )
        assert srp["ChallengeName"] == "PASSWORD_VERIFIER"
        assert set(srp["ChallengeParameters"]) == {
            "SALT",
            "SRP_B",
            "SECRET_BLOCK",
            "USER_ID_FOR_SRP",
            "USERNAME",
        }
    assert (
        answers["wyn"]
        == answers["nobody-here"]
        == ("NotAuthorizedException", "Incorrect username or password.")
    )


def test_unconfirmed_user_cannot_use_an_email_code_instead(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    )
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="xio",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "xio@example.com"}],
    )
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=client["ClientId"],
            AuthParameters={"USERNAME": "xio", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
    assert error_of(exc) == ("UserNotConfirmedException", "User is not confirmed.")


def test_new_password_challenge_cannot_write_protected_attributes(
    idp: Any, pool: dict[str, Any], app: dict[str, Any]
) -> None:
    out = _new_password_challenge(idp, pool, app, "yul")
    with pytest.raises(ClientError) as exc:
        _answer_new_password(
            idp,
            pool,
            app,
            out,
            {
                "USERNAME": "yul",
                "NEW_PASSWORD": "N3w!passwd",
                "userAttributes.email_verified": "true",
            },
        )
    assert error_of(exc)[0] == "NotAuthorizedException"


def test_issuer_base_flag_sets_the_token_issuer(tmp_path: Any) -> None:
    srv = Server(tmp_path, "--issuer-base", "https://idp.example.com").start()
    try:
        idp = srv.client()
        pool = idp.create_user_pool(PoolName="iss")["UserPool"]
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName="c", ExplicitAuthFlows=FLOWS
        )["UserPoolClient"]
        idp.admin_create_user(
            UserPoolId=pool["Id"],
            Username="ivy",
            MessageAction="SUPPRESS",
            TemporaryPassword="Temp0rary!",
        )
        out = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client["ClientId"],
            AuthParameters={"USERNAME": "ivy", "PASSWORD": "Temp0rary!"},
        )
        assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        done = idp.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": "ivy", "NEW_PASSWORD": "N3w!passwd"},
        )
        claims = jwt.decode(
            done["AuthenticationResult"]["IdToken"], options={"verify_signature": False}
        )
        assert claims["iss"] == f"https://idp.example.com/{pool['Id']}"
    finally:
        srv.stop()
