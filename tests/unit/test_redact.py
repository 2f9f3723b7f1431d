"""``model.redact``: sensitive members masked from the model's marks, nested shapes walked."""

from __future__ import annotations

import copy

import pytest

from userpool.model import service_model
from userpool.model.redact import (
    MASK,
    format_failure,
    hidden_values,
    mask_request,
    mask_response,
    scrub,
)


def test_nested_list_of_structures_masks_only_sensitive_members() -> None:
    request = {
        "UserPoolId": "us-east-1_abc",
        "Username": "alice",
        "TemporaryPassword": "Temp-Passw0rd!",
        "UserAttributes": [
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "given_name", "Value": "Alice"},
        ],
        "ClientMetadata": {"source": "import"},
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    original = copy.deepcopy(request)

    masked = mask_request("AdminCreateUser", request)

    assert masked == {
        "UserPoolId": "us-east-1_abc",
        "Username": MASK,
        "TemporaryPassword": MASK,
        "UserAttributes": [{"Name": "email", "Value": MASK}, {"Name": "given_name", "Value": MASK}],
        "ClientMetadata": {"source": "import"},
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    assert request == original  # a copy: the request itself is untouched


def test_sensitive_map_and_structure_are_masked_whole() -> None:
    masked = mask_request(
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": "client",
            "AuthParameters": {"USERNAME": "bob", "PASSWORD": "pw-123456"},
            "UserContextData": {"IpAddress": "192.0.2.1", "EncodedData": "fingerprint"},
            "AnalyticsMetadata": {"AnalyticsEndpointId": "endpoint-1"},
        },
    )
    assert masked == {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": MASK,
        "AuthParameters": MASK,
        "UserContextData": MASK,
        "AnalyticsMetadata": {"AnalyticsEndpointId": "endpoint-1"},
    }


def test_response_tokens_in_a_nested_structure_are_masked() -> None:
    response = {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "AccessToken": "a.b.c",
            "IdToken": "d.e.f",
            "RefreshToken": "refresh",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
            "NewDeviceMetadata": {"DeviceKey": "us-east-1_dev", "DeviceGroupKey": "group"},
        },
    }
    assert mask_response("RespondToAuthChallenge", response)["AuthenticationResult"] == {
        "AccessToken": MASK,
        "IdToken": MASK,
        "RefreshToken": MASK,
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
        "NewDeviceMetadata": {"DeviceKey": "us-east-1_dev", "DeviceGroupKey": "group"},
    }


def test_codes_and_verifiers_the_model_leaves_unmarked_are_masked() -> None:
    assert mask_request("ConfirmSignUp", {"ConfirmationCode": "123456"}) == {
        "ConfirmationCode": MASK
    }
    assert mask_request("VerifyUserAttribute", {"Code": "654321"}) == {"Code": MASK}
    verifier = {"PasswordVerifier": "v", "Salt": "s"}
    assert mask_request("ConfirmDevice", {"DeviceSecretVerifierConfig": verifier}) == {
        "DeviceSecretVerifierConfig": MASK
    }


def test_unknown_members_wrong_types_and_unknown_operations_are_masked() -> None:
    masked = mask_request(
        "AdminCreateUser",
        {"UserPoolId": "us-east-1_abc", "password": "lower-case-key", "UserAttributes": "x"},
    )
    assert masked == {"UserPoolId": "us-east-1_abc", "password": MASK, "UserAttributes": MASK}
    assert mask_request("NoSuchOperation", {"A": "1", "B": {"C": 2}}) == {"A": MASK, "B": MASK}
    assert mask_request("ListUsers", {"UserPoolId": {"nested": "secret"}}) == {"UserPoolId": MASK}


def _sensitive_top_level_members() -> list[tuple[str, str, str]]:
    model = service_model()
    shapes = model["shapes"]
    found = []
    for name, op in model["operations"].items():
        for part in ("input", "output"):
            shape = op.get(part, {}).get("shape")
            for member, spec in shapes[shape]["members"].items() if shape else []:
                target = shapes[spec["shape"]]
                if target.get("sensitive") and target["type"] == "string":
                    found.append((name, part, member))
    return found


def test_every_sensitive_string_member_of_every_operation_is_masked() -> None:
    members = _sensitive_top_level_members()
    assert len(members) > 100  # the model marks many; a loader change would show here
    for operation, part, member in members:
        mask = mask_request if part == "input" else mask_response
        assert mask(operation, {member: "s3cret-value"}) == {member: MASK}, (operation, member)


def test_hidden_values_are_the_strings_the_mask_hid() -> None:
    request = {
        "ClientId": "client-1",
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "bob", "PASSWORD": "pw-123456"},
    }
    hidden = hidden_values("InitiateAuth", request)
    assert sorted(hidden) == sorted(["client-1", "USERNAME", "bob", "PASSWORD", "pw-123456"])


def test_scrub_replaces_long_values_anywhere_and_short_ones_as_words() -> None:
    text = "user bob (bobcat) sent pw-123456x and pw-123456"
    assert scrub(text, ["bob", "pw-123456"]) == "user *** (bobcat) sent ***x and ***"


def _fail_with(password: str) -> None:
    try:
        int(password)
    except ValueError as exc:
        raise RuntimeError(f"sign-up of {password!r} failed") from exc


def test_format_failure_keeps_frames_and_types_but_cuts_out_values() -> None:
    password = "Hunter2-Passw0rd!"
    with pytest.raises(RuntimeError) as caught:
        _fail_with(password)

    text = format_failure(caught.value, hidden_values("SignUp", {"Password": password}))

    assert password not in text
    assert "ValueError: invalid literal for int() with base 10: '***'" in text
    assert "RuntimeError: sign-up of '***' failed" in text
    assert "in _fail_with" in text and "int(password)" in text  # frames and source lines


def test_null_members_stay_null() -> None:
    body = {"UserPoolId": "p", "Filter": None, "AttributesToGet": [None]}
    assert mask_request("ListUsers", body) == body


def test_secret_block_and_usernames_of_challenge_parameters_are_masked() -> None:
    from userpool.cli.transport import mask, service

    answer = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SECRET_BLOCK": "sealed-state",
            "USER_ID_FOR_SRP": "alice",
            "USERNAME": "alice",
            "SRP_B": "beef",
            "SALT": "c0ffee",
        },
    }
    for operation in ("InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge"):
        server_side = mask_response(operation, answer)["ChallengeParameters"]
        cli_side = mask(answer, service().operation_model(operation).output_shape)
        for shown in (server_side, cli_side["ChallengeParameters"]):
            assert "sealed-state" not in str(shown) and "alice" not in str(shown), operation
            assert shown["SRP_B"] == "beef" and shown["SALT"] == "c0ffee"
