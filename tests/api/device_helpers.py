"""What the device tests share: pools tracking devices, the device a client confirms
(its verifier made by pycognito's ``generate_hash_device``) and the device's SRP answered
with pycognito's client math (``AWSSRP.process_device_challenge``), an implementation
independent of ours. They take a boto3 client or ``tests.harness.InProcess.idp``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex

from tests.api.mfa_helpers import PASSWORD, TOTP_ON, MfaApp, make_mfa_app

OPT_IN = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
NO_SKIP = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}


@dataclass(frozen=True)
class Kept:
    """What a client keeps of a device it confirmed: its key, group key and password."""

    key: str
    group: str
    password: str


def device_app(
    idp: Any,
    server: Any,
    config: dict[str, bool] | None,
    mode: str = "OPTIONAL",
    factors: dict[str, Any] | None = None,
) -> MfaApp:
    """A pool tracking devices as ``config`` says (None: not at all), MFA ``mode`` with
    software tokens (or the ``factors`` given), and a client allowing every flow."""
    pool = {} if config is None else {"DeviceConfiguration": config}
    return make_mfa_app(idp, server, mode, pool=pool, **(factors or TOTP_ON))


def tokens(answer: Any) -> dict[str, Any]:
    assert "AuthenticationResult" in answer, answer
    return dict(answer["AuthenticationResult"])


def confirm(app: MfaApp, result: dict[str, Any], name: str | None = "laptop") -> Kept:
    """ConfirmDevice for the new device a sign-in's tokens name, as a client does."""
    meta = result["NewDeviceMetadata"]
    password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    extra = {} if name is None else {"DeviceName": name}
    app.idp.confirm_device(
        AccessToken=result["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=config,
        **extra,
    )
    return Kept(meta["DeviceKey"], meta["DeviceGroupKey"], password)


def client_srp(app: MfaApp, name: str, kept: Kept) -> AWSSRP:
    return AWSSRP(
        name,
        PASSWORD,
        app.pool_id,
        app.client_id,
        client=app.idp,
        device_key=kept.key,
        device_group_key=kept.group,
        device_password=kept.password,
    )


def respond(app: MfaApp, challenge: str, answers: dict[str, str], session: str | None) -> Any:
    extra = {} if session is None else {"Session": session}
    return app.idp.respond_to_auth_challenge(
        ClientId=app.client_id, ChallengeName=challenge, ChallengeResponses=answers, **extra
    )


def prove(app: MfaApp, name: str, kept: Kept, session: str | None) -> dict[str, Any]:
    """Answer DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER with the device's proof (each
    with the Session the server gave, unless ``session`` is None); the tokens."""
    srp = client_srp(app, name, kept)
    answers = {"USERNAME": name, "DEVICE_KEY": kept.key, "SRP_A": long_to_hex(srp.large_a_value)}
    asked = respond(app, "DEVICE_SRP_AUTH", answers, session)
    assert asked["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER", asked
    params = asked["ChallengeParameters"]
    assert set(params) == {"SRP_B", "SALT", "SECRET_BLOCK", "USERNAME"}
    assert params["USERNAME"] == name
    proof = srp.process_device_challenge(params)
    done = respond(app, "DEVICE_PASSWORD_VERIFIER", proof, asked["Session"] if session else None)
    assert done["ChallengeParameters"] == {}
    result = tokens(done)
    assert "NewDeviceMetadata" not in result
    return result
