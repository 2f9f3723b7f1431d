"""Threat protection's risk score through boto3: new devices from signed EncodedData, the
user's and the address's failure velocity, AccountTakeoverRiskConfiguration actions,
notice emails with one-click feedback links, and the two feedback operations.

Each test has a server of its own: every request here comes from 127.0.0.1, and the
address's failure count (one of the signals) must not carry over from other tests.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, away_from_minute_end
from userpool.domain.context_data import encode

PASSWORD = "Passw0rd!"
NOTICE = {
    "Subject": "Sign-in from {device-name}",
    "TextBody": "Hello {username}, a sign-in from {ip-address} on {device-name}. "
    "Yes: {one-click-link-valid} No: {one-click-link-invalid}",
}


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path).start()
    yield server
    server.stop()


def _setup(server: Server, high: str = "BLOCK") -> tuple[Any, str, str, str]:
    """An ENFORCED pool whose Medium risk notifies and High risk does ``high``; a
    confirmed user "ann"; (boto3 client, pool id, app client id, ann's email)."""
    idp = server.client()
    pool = idp.create_user_pool(
        PoolName="risky",
        AutoVerifiedAttributes=["email"],
        UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"},
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    idp.set_risk_configuration(
        UserPoolId=pool["Id"],
        AccountTakeoverRiskConfiguration={
            "NotifyConfiguration": {
                "From": "security@example.com",
                "SourceArn": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
                "NoActionEmail": NOTICE,
                "BlockEmail": {**NOTICE, "Subject": "Blocked sign-in"},
            },
            "Actions": {
                "LowAction": {"Notify": False, "EventAction": "NO_ACTION"},
                "MediumAction": {"Notify": True, "EventAction": "NO_ACTION"},
                "HighAction": {"Notify": True, "EventAction": high},
            },
        },
    )
    email = f"ann-{pool['Id'].split('_')[1].lower()}@example.com"
    cid = client["ClientId"]
    attributes = [{"Name": "email", "Value": email}]
    idp.sign_up(ClientId=cid, Username="ann", Password=PASSWORD, UserAttributes=attributes)
    idp.confirm_sign_up(ClientId=cid, Username="ann", ConfirmationCode=server.code(email))
    return idp, pool["Id"], cid, email


def _sign_in(
    idp: Any, client_id: str, pool_id: str, device: str | None, password: str = PASSWORD
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if device:
        context = {"DeviceId": device, "DeviceName": f"{device} phone", "ClientTimezone": "+01:00"}
        extra["UserContextData"] = {"EncodedData": encode(context, "ann", pool_id, client_id)}
    return dict(
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": "ann", "PASSWORD": password},
            **extra,
        )
    )


def _events(idp: Any, pool_id: str) -> list[dict[str, Any]]:
    return list(idp.admin_list_user_auth_events(UserPoolId=pool_id, Username="ann")["AuthEvents"])


def _notices(server: Server, email: str) -> list[str]:
    return [m for m in server.messages(email) if "one-click" not in m and "sign-in from" in m]


def _wait_for(check: Any, timeout: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return check()


def test_a_new_device_raises_the_risk_and_sends_a_notice(own: Server) -> None:
    idp, pool_id, cid, email = _setup(own)
    assert "AuthenticationResult" in _sign_in(idp, cid, pool_id, "device-a")
    first = _events(idp, pool_id)[0]
    assert first["EventRisk"] == {
        "RiskDecision": "NoRisk",
        "RiskLevel": "Low",
        "CompromisedCredentialsDetected": False,
    }
    assert first["EventContextData"]["DeviceName"] == "device-a phone"
    assert first["EventContextData"]["Timezone"] == "+01:00"
    assert not _notices(own, email)

    assert "AuthenticationResult" in _sign_in(idp, cid, pool_id, "device-b")
    second = _events(idp, pool_id)[0]
    assert second["EventRisk"]["RiskLevel"] == "Medium"
    assert second["EventRisk"]["RiskDecision"] == "AccountTakeover"
    notice = _wait_for(lambda: _notices(own, email))[-1]
    assert "Hello ann, a sign-in from 127.0.0.1 on device-b phone." in notice
    # device-b is known now: the same device again is Low
    _sign_in(idp, cid, pool_id, "device-b")
    assert _events(idp, pool_id)[0]["EventRisk"]["RiskLevel"] == "Low"


def test_unsigned_encoded_data_names_no_device(own: Server) -> None:
    idp, pool_id, cid, _ = _setup(own)
    _sign_in(idp, cid, pool_id, "device-a")
    forged = encode({"DeviceId": "device-z"}, "ann", pool_id, "another-client-id")
    idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
        UserContextData={"EncodedData": forged},
    )
    latest = _events(idp, pool_id)[0]
    assert latest["EventRisk"]["RiskLevel"] == "Low"
    assert "DeviceName" not in latest["EventContextData"]


def test_failures_and_a_new_device_make_high_risk_which_is_blocked(own: Server) -> None:
    idp, pool_id, cid, email = _setup(own)
    _sign_in(idp, cid, pool_id, "device-a")
    for _ in range(3):
        with pytest.raises(ClientError):
            _sign_in(idp, cid, pool_id, "device-a", password="Wrong0ne!")
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, cid, pool_id, "device-c")
    assert exc.value.response["Error"] == {
        "Code": "NotAuthorizedException",
        "Message": "Request not allowed due to security reasons.",
    }
    blocked = _events(idp, pool_id)[0]
    assert blocked["EventResponse"] == "Fail"
    assert blocked["EventRisk"]["RiskLevel"] == "High"
    assert blocked["EventRisk"]["RiskDecision"] == "Block"
    subject_line = _wait_for(lambda: [m for m in own.messages(email) if "device-c" in m])
    assert subject_line, "no block notice was sent"


def test_failures_from_one_address_raise_the_risk_of_the_next_sign_in(own: Server) -> None:
    idp, pool_id, cid, _ = _setup(own, high="NO_ACTION")
    _sign_in(idp, cid, pool_id, None)
    assert _events(idp, pool_id)[0]["EventRisk"]["RiskLevel"] == "Low"
    away_from_minute_end()
    for n in range(10):  # wrong codes for users that do not exist, all from 127.0.0.1
        with pytest.raises(ClientError):
            idp.confirm_sign_up(ClientId=cid, Username=f"ghost{n}", ConfirmationCode="000000")
    time.sleep(0.6)  # the failures reach the shared counters
    _sign_in(idp, cid, pool_id, None)
    assert _events(idp, pool_id)[0]["EventRisk"]["RiskLevel"] == "Medium"


def _links(notice: str) -> dict[str, str]:
    return dict(re.findall(r"(Yes|No): (http\S+)", notice))


def test_feedback_through_the_notice_link_and_the_operations(own: Server) -> None:
    idp, pool_id, cid, email = _setup(own)
    _sign_in(idp, cid, pool_id, "device-a")
    _sign_in(idp, cid, pool_id, "device-b")
    event_id = _events(idp, pool_id)[0]["EventId"]
    links = _links(_wait_for(lambda: _notices(own, email))[-1])
    # A HEAD (a mail scanner checking the link) records nothing.
    with urllib.request.urlopen(urllib.request.Request(links["No"], method="HEAD")) as page:
        assert page.status == 200
    assert "EventFeedback" not in _events(idp, pool_id)[0]
    with urllib.request.urlopen(links["No"]) as page:
        assert page.status == 200
    feedback = _events(idp, pool_id)[0]["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Invalid", "User")

    token = re.search(r"token=([^&\s]+)", links["Yes"])
    assert token is not None
    idp.update_auth_event_feedback(
        UserPoolId=pool_id,
        Username="ann",
        EventId=event_id,
        FeedbackToken=token.group(1),
        FeedbackValue="Valid",
    )
    assert _events(idp, pool_id)[0]["EventFeedback"]["FeedbackValue"] == "Valid"
    with pytest.raises(ClientError) as exc:
        idp.update_auth_event_feedback(
            UserPoolId=pool_id,
            Username="ann",
            EventId=event_id,
            # One character changed (a fixed "A" left a token that began with "A" intact).
            FeedbackToken=("B" if token.group(1)[0] == "A" else "A") + token.group(1)[1:],
            FeedbackValue="Invalid",
        )
    assert exc.value.response["Error"]["Code"] == "NotAuthorizedException"

    idp.admin_update_auth_event_feedback(
        UserPoolId=pool_id, Username="ann", EventId=event_id, FeedbackValue="Invalid"
    )
    feedback = _events(idp, pool_id)[0]["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Invalid", "Admin")
    with pytest.raises(ClientError) as exc:
        idp.admin_update_auth_event_feedback(
            UserPoolId=pool_id, Username="ann", EventId="999999", FeedbackValue="Valid"
        )
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_failures_seen_by_one_process_raise_the_risk_on_another(tmp_path: Path) -> None:
    """The address's failure count is shared: guesses sent to one server raise the risk of
    a sign-in on another server of the same database."""
    (tmp_path / "one").mkdir(mode=0o700)
    one = Server(tmp_path / "one").start()
    two = one.twin(tmp_path / "two").start()
    try:
        idp, pool_id, cid, _ = _setup(one, high="NO_ACTION")
        other = two.client()
        _sign_in(other, cid, pool_id, None)  # the second server starts watching the address
        away_from_minute_end()
        for n in range(10):
            with pytest.raises(ClientError):
                idp.confirm_sign_up(ClientId=cid, Username=f"ghost{n}", ConfirmationCode="000000")
        levels = []
        for _ in range(4):  # the counts reach the second server within a few syncs
            time.sleep(0.5)
            _sign_in(other, cid, pool_id, None)
            levels.append(_events(idp, pool_id)[0]["EventRisk"]["RiskLevel"])
            if levels[-1] == "Medium":
                break
        assert levels[-1] == "Medium", levels
    finally:
        two.stop()
        one.stop()
