"""The time rules of device challenges, on a fake clock: the DEVICE_SRP_AUTH a sign-in asks
for, and the DEVICE_PASSWORD_VERIFIER that follows, each live the client's
``AuthSessionValidity`` (3 minutes), then "Invalid session for the user, session is
expired."; a device's last authentication is dated by the clock."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import long_to_hex

from tests.api.device_helpers import ALWAYS, client_srp, confirm, device_app, prove, respond, tokens
from tests.harness import CallError, InProcess

EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def test_device_challenges_expire_with_the_clients_session_validity(inproc: InProcess) -> None:
    app = device_app(inproc.idp, inproc, ALWAYS, mode="OFF")
    app.user("ann")
    kept = confirm(app, tokens(app.sign_in("ann")))
    srp = client_srp(app, "ann", kept)
    answers = {"USERNAME": "ann", "DEVICE_KEY": kept.key, "SRP_A": long_to_hex(srp.large_a_value)}

    asked = app.sign_in("ann", DEVICE_KEY=kept.key)
    inproc.clock.advance(181)
    with pytest.raises(CallError) as late:
        respond(app, "DEVICE_SRP_AUTH", answers, asked["Session"])
    assert (late.value.code, late.value.message) == EXPIRED

    asked = app.sign_in("ann", DEVICE_KEY=kept.key)
    inproc.clock.advance(170)
    verifier = respond(app, "DEVICE_SRP_AUTH", answers, None)  # in time, without the Session
    proof = srp.process_device_challenge(verifier["ChallengeParameters"])
    inproc.clock.advance(181)
    with pytest.raises(CallError) as late:
        respond(app, "DEVICE_PASSWORD_VERIFIER", proof, verifier["Session"])
    assert (late.value.code, late.value.message) == EXPIRED

    asked = app.sign_in("ann", DEVICE_KEY=kept.key)
    inproc.clock.advance(100)
    prove(app, "ann", kept, asked["Session"])
    device = inproc.idp.admin_get_device(UserPoolId=app.pool_id, Username="ann", DeviceKey=kept.key)
    assert device["Device"]["DeviceLastAuthenticatedDate"] == float(int(inproc.clock.now()))
