"""Remembered devices through boto3 against a running server: NewDeviceMetadata in pools
with a DeviceConfiguration, ConfirmDevice, UpdateDeviceStatus, GetDevice, ListDevices,
ForgetDevice and their Admin versions, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER in place
of MFA (or after it), refresh tokens bound to their device, sign-out and user deletion.

The device's side of the SRP (its verifier, its proof) is computed by pycognito
(``generate_hash_device``, ``AWSSRP.process_device_challenge``), an implementation
independent of ours; software-token codes come from pyotp."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex

from tests.api.device_helpers import (
    ALWAYS,
    NO_SKIP,
    OPT_IN,
    Kept,
    client_srp,
    confirm,
    device_app,
    prove,
    respond,
    tokens,
)
from tests.api.mfa_helpers import (
    EMAIL_ON,
    PASSWORD,
    MfaApp,
    claims,
    totp_code,
)
from tests.helpers import Server, outcome

GONE = ("ResourceNotFoundException", "Device does not exist.")
BAD_REFRESH = ("NotAuthorizedException", "Invalid Refresh Token")
KEY = re.compile(r"us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def sign_in_with_totp(app: MfaApp, name: str, secret: str, **params: str) -> dict[str, Any]:
    asked = app.sign_in(name, **params)
    assert asked["ChallengeName"] == "SOFTWARE_TOKEN_MFA", asked
    code = totp_code(secret, 1)
    return tokens(
        app.answer(name, "SOFTWARE_TOKEN_MFA", asked["Session"], SOFTWARE_TOKEN_MFA_CODE=code)
    )


def listed(app: MfaApp, access: str) -> list[str]:
    return [d["DeviceKey"] for d in app.idp.list_devices(AccessToken=access)["Devices"]]


def admin_listed(app: MfaApp, name: str) -> dict[str, str]:
    """The user's devices as AdminListDevices shows them: key -> remembered status."""
    found = app.idp.admin_list_devices(UserPoolId=app.pool_id, Username=name)["Devices"]
    return {
        d["DeviceKey"]: {a["Name"]: a["Value"] for a in d["DeviceAttributes"]}[
            "dev:device_remembered_status"
        ]
        for d in found
    }


def test_an_opt_in_device_is_remembered_on_request_and_then_replaces_mfa(
    idp: Any, server: Server
) -> None:
    app = device_app(idp, server, OPT_IN)
    app.user("dev-ann")
    secret = app.set_up_totp("dev-ann")  # that sign-in made a device nobody confirmed
    first = sign_in_with_totp(app, "dev-ann", secret)
    meta = first["NewDeviceMetadata"]
    assert KEY.fullmatch(meta["DeviceKey"]) and re.fullmatch(
        r"-[A-Za-z0-9]{8}", meta["DeviceGroupKey"]
    )
    password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    access = first["AccessToken"]
    answer = idp.confirm_device(
        AccessToken=access, DeviceKey=meta["DeviceKey"], DeviceSecretVerifierConfig=config
    )
    assert answer["UserConfirmationNecessary"] is True
    kept = Kept(meta["DeviceKey"], meta["DeviceGroupKey"], password)
    assert listed(app, access) == []  # the user lists remembered devices only
    assert admin_listed(app, "dev-ann") == {kept.key: "not_remembered"}
    assert outcome(lambda: idp.get_device(AccessToken=access, DeviceKey=kept.key)) == GONE

    idp.update_device_status(
        AccessToken=access, DeviceKey=kept.key, DeviceRememberedStatus="remembered"
    )
    assert listed(app, access) == [kept.key]
    device = idp.get_device(AccessToken=access, DeviceKey=kept.key)["Device"]
    attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert attributes == {"device_status": "valid", "last_ip_used": "127.0.0.1"}

    asked = app.sign_in("dev-ann", DEVICE_KEY=kept.key)  # no MFA: the device stands in
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert asked["ChallengeParameters"] == {} and asked["Session"]
    result = prove(app, "dev-ann", kept, asked["Session"])
    assert "amr" not in claims(result["IdToken"])
    assert claims(result["AccessToken"])["username"] == "dev-ann"


def test_device_srp_without_sessions_as_pycognito_signs_in(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS)
    app.user("dev-ben")
    secret = app.set_up_totp("dev-ben")
    kept = confirm(app, sign_in_with_totp(app, "dev-ben", secret))
    # USER_SRP_AUTH, PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER: no Session
    result = tokens(client_srp(app, "dev-ben", kept).authenticate_user())
    assert "NewDeviceMetadata" not in result and "RefreshToken" in result
    again = app.sign_in("dev-ben", DEVICE_KEY=kept.key)
    assert again["ChallengeName"] == "DEVICE_SRP_AUTH"
    prove(app, "dev-ben", kept, None)
    # an answer without a Session needs a DEVICE_SRP_AUTH asked for: spent, or never asked
    srp = client_srp(app, "dev-ben", kept)
    answers = {
        "USERNAME": "dev-ben",
        "DEVICE_KEY": kept.key,
        "SRP_A": long_to_hex(srp.large_a_value),
    }
    assert outcome(lambda: respond(app, "DEVICE_SRP_AUTH", answers, None)) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )


def test_an_always_remembered_device_is_listed_at_once(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS)
    app.user("dev-cy")
    first = tokens(app.sign_in("dev-cy"))  # no MFA factor yet: tokens at once
    meta = first["NewDeviceMetadata"]
    password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    answer = idp.confirm_device(
        AccessToken=first["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=config,
        DeviceName="Firefox on Linux",
    )
    assert answer["UserConfirmationNecessary"] is False
    device = idp.get_device(AccessToken=first["AccessToken"], DeviceKey=meta["DeviceKey"])
    names = {a["Name"]: a["Value"] for a in device["Device"]["DeviceAttributes"]}
    assert names["device_name"] == "Firefox on Linux"
    assert admin_listed(app, "dev-cy") == {meta["DeviceKey"]: "remembered"}
    # a remembered device proves itself on every sign-in, MFA or none
    kept = Kept(meta["DeviceKey"], meta["DeviceGroupKey"], password)
    asked = app.sign_in("dev-cy", DEVICE_KEY=kept.key)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    prove(app, "dev-cy", kept, asked["Session"])


def test_without_challenge_required_the_device_proves_itself_after_mfa(
    idp: Any, server: Server
) -> None:
    app = device_app(idp, server, NO_SKIP)
    app.user("dev-dee")
    first = tokens(app.sign_in("dev-dee"))
    kept = confirm(app, first)
    access = first["AccessToken"]  # then the user sets up an authenticator app
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=totp_code(secret))
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})
    asked = app.sign_in("dev-dee", DEVICE_KEY=kept.key)
    assert asked["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # the device does not replace MFA
    # the MFA answer need not repeat the key: the sign-in carries it
    code = totp_code(secret, 1)
    then = app.answer(
        "dev-dee", "SOFTWARE_TOKEN_MFA", asked["Session"], SOFTWARE_TOKEN_MFA_CODE=code
    )
    assert then["ChallengeName"] == "DEVICE_SRP_AUTH"
    result = prove(app, "dev-dee", kept, then["Session"])
    assert claims(result["IdToken"])["amr"] == ["pwd", "otp", "mfa"]


def test_the_key_in_an_mfa_answer_or_a_password_verifier_counts(idp: Any, server: Server) -> None:
    """Amplify v6 sends DEVICE_KEY with PASSWORD_VERIFIER and with MFA answers, not with
    InitiateAuth USER_SRP_AUTH."""
    app = device_app(idp, server, NO_SKIP, factors=EMAIL_ON)
    app.user("dev-eve")
    app.prefer("dev-eve", EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    email = app.email_of("dev-eve")
    asked = app.sign_in("dev-eve")
    first = tokens(
        app.answer("dev-eve", "EMAIL_OTP", asked["Session"], EMAIL_OTP_CODE=app.code(email))
    )
    kept = confirm(app, first)

    asked = app.sign_in("dev-eve")
    then = app.answer(
        "dev-eve",
        "EMAIL_OTP",
        asked["Session"],
        EMAIL_OTP_CODE=app.code(email),
        DEVICE_KEY=kept.key,
    )
    assert then["ChallengeName"] == "DEVICE_SRP_AUTH"
    prove(app, "dev-eve", kept, then["Session"])

    srp = AWSSRP("dev-eve", PASSWORD, app.pool_id, app.client_id, client=idp)
    params = srp.get_auth_params()
    verifier = idp.initiate_auth(
        ClientId=app.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    proof = {
        **srp.process_challenge(verifier["ChallengeParameters"], params),
        "DEVICE_KEY": kept.key,
    }
    asked = respond(app, "PASSWORD_VERIFIER", proof, verifier["Session"])
    assert asked["ChallengeName"] == "EMAIL_OTP"
    then = app.answer("dev-eve", "EMAIL_OTP", asked["Session"], EMAIL_OTP_CODE=app.code(email))
    assert then["ChallengeName"] == "DEVICE_SRP_AUTH"


def test_a_forgotten_device_does_not_exist_and_clients_retry_without_it(
    idp: Any, server: Server
) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-fay")
    first = tokens(app.sign_in("dev-fay"))
    kept = confirm(app, first)
    access = first["AccessToken"]
    idp.forget_device(AccessToken=access, DeviceKey=kept.key)
    assert listed(app, access) == [] and admin_listed(app, "dev-fay") == {}
    assert outcome(lambda: idp.get_device(AccessToken=access, DeviceKey=kept.key)) == GONE
    assert outcome(lambda: idp.forget_device(AccessToken=access, DeviceKey=kept.key)) == GONE
    status = {"DeviceKey": kept.key, "DeviceRememberedStatus": "remembered"}
    assert outcome(lambda: idp.update_device_status(AccessToken=access, **status)) == GONE
    assert outcome(lambda: app.sign_in("dev-fay", DEVICE_KEY=kept.key)) == GONE
    # PASSWORD_VERIFIER with the forgotten key is refused before its session is used, so
    # the client's retry without the key (amazon-cognito-identity-js, Amplify) goes through
    srp = AWSSRP("dev-fay", PASSWORD, app.pool_id, app.client_id, client=idp)
    params = srp.get_auth_params()
    verifier = idp.initiate_auth(
        ClientId=app.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    proof = srp.process_challenge(verifier["ChallengeParameters"], params)
    with_key = {**proof, "DEVICE_KEY": kept.key}
    assert outcome(lambda: respond(app, "PASSWORD_VERIFIER", with_key, verifier["Session"])) == GONE
    result = tokens(respond(app, "PASSWORD_VERIFIER", proof, verifier["Session"]))
    assert result["NewDeviceMetadata"]["DeviceKey"] != kept.key


def test_refresh_tokens_need_their_confirmed_device(idp: Any, server: Server) -> None:
    app = device_app(idp, server, OPT_IN, mode="OFF")
    app.user("dev-gus")
    first = tokens(app.sign_in("dev-gus"))
    key = first["NewDeviceMetadata"]["DeviceKey"]
    token = first["RefreshToken"]

    def refresh(**params: str) -> tuple[str, str]:
        auth = {"REFRESH_TOKEN": token, **params}
        return outcome(
            lambda: idp.initiate_auth(
                ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=auth
            )
        )

    def get_tokens(**extra: str) -> tuple[str, str]:
        return outcome(
            lambda: idp.get_tokens_from_refresh_token(
                ClientId=app.client_id, RefreshToken=token, **extra
            )
        )

    assert refresh(DEVICE_KEY=key) == BAD_REFRESH  # not confirmed yet
    kept = confirm(app, first)  # confirmed, not remembered (opt-in): enough to refresh
    assert refresh() == BAD_REFRESH
    assert get_tokens() == BAD_REFRESH
    assert refresh(DEVICE_KEY=key) == ("ok", "")
    assert get_tokens(DeviceKey=key) == ("ok", "")
    other = tokens(app.sign_in("dev-gus"))["NewDeviceMetadata"]["DeviceKey"]
    assert refresh(DEVICE_KEY=other) == BAD_REFRESH  # another device's key
    idp.admin_forget_device(UserPoolId=app.pool_id, Username="dev-gus", DeviceKey=kept.key)
    assert refresh(DEVICE_KEY=key) == BAD_REFRESH
    assert get_tokens(DeviceKey=key) == BAD_REFRESH


def test_pools_tracking_no_devices_ignore_device_keys(idp: Any, server: Server) -> None:
    app = device_app(idp, server, None, mode="OFF")
    app.user("dev-hal")
    first = tokens(
        app.sign_in("dev-hal", DEVICE_KEY="us-east-1_00000000-0000-4000-8000-000000000000")
    )
    assert "NewDeviceMetadata" not in first
    refreshed = idp.initiate_auth(
        ClientId=app.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )
    assert "AccessToken" in refreshed["AuthenticationResult"]
    assert idp.list_devices(AccessToken=first["AccessToken"])["Devices"] == []


def test_admin_sign_in_gets_new_device_metadata_and_answers_device_challenges(
    idp: Any, server: Server
) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-ivy")
    first = tokens(app.sign_in("dev-ivy", flow="ADMIN_USER_PASSWORD_AUTH"))
    kept = confirm(app, first)
    asked = app.sign_in("dev-ivy", flow="ADMIN_USER_PASSWORD_AUTH", DEVICE_KEY=kept.key)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    srp = client_srp(app, "dev-ivy", kept)
    request = {"UserPoolId": app.pool_id, "ClientId": app.client_id}
    answers = {
        "USERNAME": "dev-ivy",
        "DEVICE_KEY": kept.key,
        "SRP_A": long_to_hex(srp.large_a_value),
    }
    verifier = idp.admin_respond_to_auth_challenge(
        **request,
        ChallengeName="DEVICE_SRP_AUTH",
        ChallengeResponses=answers,
        Session=asked["Session"],
    )
    proof = srp.process_device_challenge(verifier["ChallengeParameters"])
    done = idp.admin_respond_to_auth_challenge(
        **request, ChallengeName="DEVICE_PASSWORD_VERIFIER", ChallengeResponses=proof
    )
    assert "AccessToken" in done["AuthenticationResult"]


def test_a_wrong_device_proof_is_refused_and_spends_the_challenge(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-jo")
    kept = confirm(app, tokens(app.sign_in("dev-jo")))
    asked = app.sign_in("dev-jo", DEVICE_KEY=kept.key)
    thief = Kept(kept.key, kept.group, "not-the-device-password")
    srp = client_srp(app, "dev-jo", thief)
    answers = {
        "USERNAME": "dev-jo",
        "DEVICE_KEY": kept.key,
        "SRP_A": long_to_hex(srp.large_a_value),
    }
    verifier = respond(app, "DEVICE_SRP_AUTH", answers, asked["Session"])
    proof = srp.process_device_challenge(verifier["ChallengeParameters"])
    wrong = ("NotAuthorizedException", "Incorrect username or password.")
    assert outcome(lambda: respond(app, "DEVICE_PASSWORD_VERIFIER", proof, None)) == wrong
    spent = ("NotAuthorizedException", "Invalid session for the user.")
    assert outcome(lambda: respond(app, "DEVICE_PASSWORD_VERIFIER", proof, None)) == spent
    assert outcome(lambda: respond(app, "DEVICE_SRP_AUTH", answers, asked["Session"])) == spent
    # a bad SRP_A, and a Session of another sign-in, are refused too
    asked = app.sign_in("dev-jo", DEVICE_KEY=kept.key)
    bad_a = {**answers, "SRP_A": "0"}
    assert outcome(lambda: respond(app, "DEVICE_SRP_AUTH", bad_a, asked["Session"]))[0] == (
        "NotAuthorizedException"
    )
    asked = app.sign_in("dev-jo", DEVICE_KEY=kept.key)
    other = app.sign_in("dev-jo")["AuthenticationResult"]  # a sign-in without the key
    assert "NewDeviceMetadata" in other
    assert outcome(lambda: respond(app, "DEVICE_SRP_AUTH", answers, "x" * 40)) == spent
    prove(app, "dev-jo", kept, asked["Session"])  # the refusal left the right one usable


def test_confirm_device_refusals(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-kim")
    app.user("dev-lou")
    kim = tokens(app.sign_in("dev-kim"))
    lou = tokens(app.sign_in("dev-lou"))
    key = kim["NewDeviceMetadata"]["DeviceKey"]
    _, config = generate_hash_device(kim["NewDeviceMetadata"]["DeviceGroupKey"], key)
    invalid = ("InvalidParameterException", "Invalid device key given.")

    def confirm_as(access: str, device_key: str, verifier: Any = config) -> tuple[str, str]:
        return outcome(
            lambda: idp.confirm_device(
                AccessToken=access, DeviceKey=device_key, DeviceSecretVerifierConfig=verifier
            )
        )

    unknown = "us-east-1_00000000-0000-4000-8000-000000000000"
    assert confirm_as(kim["AccessToken"], unknown) == invalid
    assert confirm_as(lou["AccessToken"], key) == invalid  # another user's device
    assert confirm_as(kim["AccessToken"], "not a key")[0] == "InvalidParameterException"
    bad = {"Salt": "c2FsdA==", "PasswordVerifier": "not base64!"}
    assert confirm_as(kim["AccessToken"], key, bad)[0] == "InvalidParameterException"
    assert confirm_as(kim["AccessToken"], key, {"Salt": "c2FsdA=="})[0] == (
        "InvalidParameterException"
    )
    assert confirm_as(kim["AccessToken"], key) == ("ok", "")
    assert confirm_as(kim["AccessToken"], key)[0] == "DeviceKeyExistsException"


def test_listing_devices_pages(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-max")
    kept = [confirm(app, tokens(app.sign_in("dev-max"))) for _ in range(3)]
    assert len({k.group for k in kept}) == 1  # one group key per user
    made = [k.key for k in kept]
    access = tokens(app.sign_in("dev-max"))["AccessToken"]
    seen: list[str] = []
    page = idp.list_devices(AccessToken=access, Limit=2)
    assert len(page["Devices"]) == 2
    seen += [d["DeviceKey"] for d in page["Devices"]]
    page = idp.list_devices(AccessToken=access, Limit=2, PaginationToken=page["PaginationToken"])
    seen += [d["DeviceKey"] for d in page["Devices"]]
    assert "PaginationToken" not in page
    assert sorted(seen) == sorted(made)
    admin = idp.admin_list_devices(UserPoolId=app.pool_id, Username="dev-max", Limit=1)
    assert len(admin["Devices"]) == 1 and admin["PaginationToken"]
    assert len(idp.admin_list_devices(UserPoolId=app.pool_id, Username="dev-max")["Devices"]) == 3


def test_administrators_see_and_change_any_confirmed_device(idp: Any, server: Server) -> None:
    app = device_app(idp, server, OPT_IN, mode="OFF")
    app.user("dev-ned")
    first = tokens(app.sign_in("dev-ned"))
    kept = confirm(app, first, name=None)
    sub = claims(first["AccessToken"])["sub"]
    named = {"UserPoolId": app.pool_id, "Username": sub}  # by sub, as Admin* allow
    device = idp.admin_get_device(**named, DeviceKey=kept.key)["Device"]
    attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert attributes == {
        "device_status": "valid",
        "dev:device_arn": (
            f"arn:aws:cognito-idp:us-east-1:000000000000:owner/dev-ned.{app.pool_id}"
            f"/device/{kept.key}"
        ),
        "dev:device_owner": f"dev-ned.{app.pool_id}",
        "last_ip_used": "127.0.0.1",
        "dev:device_remembered_status": "not_remembered",
    }
    assert set(device) == {
        "DeviceKey",
        "DeviceAttributes",
        "DeviceCreateDate",
        "DeviceLastModifiedDate",
        "DeviceLastAuthenticatedDate",
    }
    idp.admin_update_device_status(**named, DeviceKey=kept.key, DeviceRememberedStatus="remembered")
    assert listed(app, first["AccessToken"]) == [kept.key]
    idp.admin_update_device_status(
        **named, DeviceKey=kept.key, DeviceRememberedStatus="not_remembered"
    )
    assert listed(app, first["AccessToken"]) == []
    nobody = {"UserPoolId": app.pool_id, "Username": "nobody"}
    unknown = outcome(lambda: idp.admin_update_device_status(**nobody, DeviceKey=kept.key))
    assert unknown == ("UserNotFoundException", "User does not exist.")
    # the others do not declare UserNotFoundException
    assert outcome(lambda: idp.admin_list_devices(**nobody)) == (
        "ResourceNotFoundException",
        "User does not exist.",
    )
    idp.admin_forget_device(**named, DeviceKey=kept.key)
    assert outcome(lambda: idp.admin_get_device(**named, DeviceKey=kept.key)) == GONE
    assert outcome(lambda: idp.admin_forget_device(**named, DeviceKey=kept.key)) == GONE


def test_sign_out_keeps_devices_and_deleting_the_user_drops_them(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-oz")
    first = tokens(app.sign_in("dev-oz"))
    kept = confirm(app, first)
    idp.global_sign_out(AccessToken=first["AccessToken"])
    idp.admin_user_global_sign_out(UserPoolId=app.pool_id, Username="dev-oz")
    assert admin_listed(app, "dev-oz") == {kept.key: "remembered"}
    asked = app.sign_in("dev-oz", DEVICE_KEY=kept.key)
    assert asked["ChallengeName"] == "DEVICE_SRP_AUTH"
    result = prove(app, "dev-oz", kept, asked["Session"])
    sub = claims(result["AccessToken"])["sub"]
    assert server.sql("SELECT count(*) FROM devices WHERE sub=?", sub) == [(1,)]
    idp.delete_user(AccessToken=result["AccessToken"])
    assert server.sql("SELECT count(*) FROM devices WHERE sub=?", sub) == [(0,)]


def test_verifiers_are_stored_as_sent_and_never_shown(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-pat")
    first = tokens(app.sign_in("dev-pat"))
    meta = first["NewDeviceMetadata"]
    _, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    idp.confirm_device(
        AccessToken=first["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=config,
    )
    import base64

    [(salt, verifier)] = server.sql(
        "SELECT salt, verifier FROM devices WHERE device_key=?", meta["DeviceKey"]
    )
    assert bytes.fromhex(salt) == base64.b64decode(config["Salt"])
    assert int(verifier, 16) == int.from_bytes(base64.b64decode(config["PasswordVerifier"]), "big")
    shown = str(
        idp.admin_get_device(
            UserPoolId=app.pool_id, Username="dev-pat", DeviceKey=meta["DeviceKey"]
        )
    )
    assert config["PasswordVerifier"] not in shown and verifier not in shown


def test_unconfirmed_devices_are_capped(idp: Any, server: Server) -> None:
    app = device_app(idp, server, ALWAYS, mode="OFF")
    app.user("dev-quin")
    first = tokens(app.sign_in("dev-quin"))
    sub = claims(first["AccessToken"])["sub"]
    keys = [first["NewDeviceMetadata"]["DeviceKey"]]
    keys += [tokens(app.sign_in("dev-quin"))["NewDeviceMetadata"]["DeviceKey"] for _ in range(20)]
    rows = {r[0] for r in server.sql("SELECT device_key FROM devices WHERE sub=?", sub)}
    assert len(rows) == 20 and keys[0] not in rows and keys[-1] in rows
    invalid = ("InvalidParameterException", "Invalid device key given.")
    _, config = generate_hash_device(first["NewDeviceMetadata"]["DeviceGroupKey"], keys[0])
    assert (
        outcome(
            lambda: idp.confirm_device(
                AccessToken=first["AccessToken"],
                DeviceKey=keys[0],
                DeviceSecretVerifierConfig=config,
            )
        )
        == invalid
    )


@pytest.mark.parametrize("name", ["GetDevice", "ForgetDevice"])
def test_user_operations_need_an_access_token(idp: Any, name: str) -> None:
    key = "us-east-1_00000000-0000-4000-8000-000000000000"
    call = getattr(idp, "get_device" if name == "GetDevice" else "forget_device")
    assert outcome(lambda: call(DeviceKey=key)) == (
        "InvalidParameterException",
        "Missing required parameter AccessToken",
    )
