"""Triggers through boto3, with all three invokers: Python callable, HTTP webhook, Lambda Invoke."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ROOT, USERPOOL, Server

PASSWORD = "Passw0rd!"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
PY = "python:tests.trigger_functions:{}"


class FakeFunctions(BaseHTTPRequestHandler):
    """A webhook endpoint and a Lambda-Invoke-compatible endpoint in one small server."""

    events: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        event = json.loads(body)
        FakeFunctions.events.append(
            {"path": self.path, "event": event, "headers": dict(self.headers)}
        )
        name = (
            self.path.rsplit("/", 1)[-1]
            if "/invocations" not in self.path
            else (self.path.split("/functions/")[1].split("/")[0].rsplit("%3A", 1)[-1])
        )
        status, headers, payload = 200, {}, json.dumps(event).encode()
        if name == "notjson":
            payload = b"<html>oops</html>"
        elif name == "gone":  # Lambda's answer for a function that does not exist
            status, payload = 404, json.dumps({"Message": "Function not found"}).encode()
        elif name == "broken":
            headers["X-Amz-Function-Error"] = "Unhandled"
            payload = json.dumps({"errorMessage": "lambda says no", "errorType": "Error"}).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fake() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeFunctions)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def tserver(tmp_path_factory: pytest.TempPathFactory, fake: str) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("triggers")
    routes = {
        name: PY.format(name)
        for name in (
            "record",
            "fail",
            "slow",
            "not_json",
            "auto_confirm",
            "custom_message",
            "message_without_code",
            "pre_token_v1",
            "pre_token_v2",
            "deny",
            "migrate",
        )
    }
    routes |= {"hook": f"{fake}/hook", "hooknotjson": f"{fake}/notjson"}
    args: list[str] = ["--trigger-timeout", "1", "--lambda-endpoint", fake]
    for name, target in routes.items():
        args += ["--trigger", ARN.format(name), target]
    env = {"PYTHONPATH": str(ROOT), "TRIGGER_EVENTS": str(tmp / "events.jsonl")}
    srv = Server(tmp, *args, env=env).start()
    srv.events_file = tmp / "events.jsonl"  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def _events(srv: Server) -> list[dict[str, Any]]:
    path: Path = srv.events_file  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def setup(tserver: Server) -> Callable[..., tuple[Any, dict[str, Any], dict[str, Any]]]:
    def make(**lambdas: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        idp = tserver.client()
        config = {trigger: ARN.format(name) for trigger, name in lambdas.items()}
        pool = idp.create_user_pool(
            PoolName="t", AutoVerifiedAttributes=["email"], LambdaConfig=config
        )["UserPool"]
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        return idp, pool, client["UserPoolClient"]

    return make


def _sign_up(idp: Any, client: dict[str, Any], name: str, **kwargs: Any) -> dict[str, Any]:
    return dict(
        idp.sign_up(
            ClientId=client["ClientId"],
            Username=name,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            **kwargs,
        )
    )


def _confirm(idp: Any, srv: Server, client: dict[str, Any], name: str, **kwargs: Any) -> None:
    idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username=name,
        ConfirmationCode=srv.code(f"{name}@example.com"),
        **kwargs,
    )


def _status(idp: Any, pool: dict[str, Any], name: str) -> str:
    return str(idp.admin_get_user(UserPoolId=pool["Id"], Username=name)["UserStatus"])


def test_post_confirmation_gets_cognitos_event_with_client_metadata(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup(PostConfirmation="record")
    out = _sign_up(idp, client, "pcm")
    metadata = {"plan": "pro", "ref": "a=b&c=d", "empty": ""}
    _confirm(idp, tserver, client, "pcm", ClientMetadata=metadata)
    event = [e for e in _events(tserver) if e["userName"] == "pcm"][-1]
    assert event == {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": pool["Id"],
        "userName": "pcm",
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": client["ClientId"],
        },
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {
            "userAttributes": {
                "sub": out["UserSub"],
                "email": "pcm@example.com",
                "email_verified": "true",
                "cognito:user_status": "CONFIRMED",
            },
            "clientMetadata": metadata,
        },
        "response": {},
    }


def test_post_confirmation_through_a_webhook(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, _, client = setup(PostConfirmation="hook")
    _sign_up(idp, client, "web")
    _confirm(idp, tserver, client, "web", ClientMetadata={"k": "v"})
    got = [e for e in FakeFunctions.events if e["path"] == "/hook"][-1]["event"]
    assert got["userName"] == "web" and got["request"]["clientMetadata"] == {"k": "v"}


def test_post_confirmation_through_the_lambda_invoke_api(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(PostConfirmation="viainvoke")
    _sign_up(idp, client, "lam")
    _confirm(idp, tserver, client, "lam", ClientMetadata={"k": "v"})
    call = [e for e in FakeFunctions.events if "viainvoke" in e["path"]][-1]
    assert call["path"].startswith("/2015-03-31/functions/") and call["path"].endswith(
        "/invocations"
    )
    assert call["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert call["event"]["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert call["event"]["request"]["clientMetadata"] == {"k": "v"}


def test_admin_confirm_sign_up_runs_post_confirmation_without_client(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup(PostConfirmation="record")
    _sign_up(idp, client, "adm")
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="adm", ClientMetadata={"x": "1"})
    event = [e for e in _events(tserver) if e["userName"] == "adm"][-1]
    assert event["callerContext"]["clientId"] is None
    assert event["request"]["clientMetadata"] == {"x": "1"}
    assert event["request"]["userAttributes"].get("email_verified") is None


def test_failing_post_confirmation_is_reported_and_user_stays_confirmed(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup(PostConfirmation="fail")
    _sign_up(idp, client, "bad")
    with pytest.raises(ClientError) as exc:
        _confirm(idp, tserver, client, "bad")
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error boom.",
    )
    assert _status(idp, pool, "bad") == "CONFIRMED"


def test_lambda_function_error_is_user_lambda_validation(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(PostConfirmation="broken")
    _sign_up(idp, client, "lbe")
    with pytest.raises(ClientError) as exc:
        _confirm(idp, tserver, client, "lbe")
    assert (
        exc.value.response["Error"]["Message"]
        == "PostConfirmation failed with error lambda says no."
    )


def test_a_function_that_does_not_exist_is_asked_once(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    """Only failures that may pass are retried (unreachable, 5xx); a missing function not."""
    idp, _, client = setup(PostConfirmation="gone")
    _sign_up(idp, client, "gne")
    before = len(FakeFunctions.events)
    with pytest.raises(ClientError) as exc:
        _confirm(idp, tserver, client, "gne")
    assert exc.value.response["Error"]["Message"] == (
        "PostConfirmation invocation failed due to error ResourceNotFoundException."
    )
    assert len([e for e in FakeFunctions.events[before:] if "gone" in e["path"]]) == 1


def test_timeout_is_unexpected_lambda(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, pool, client = setup(PostConfirmation="slow")
    _sign_up(idp, client, "tmo")
    with pytest.raises(ClientError) as exc:
        _confirm(idp, tserver, client, "tmo")
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "UnexpectedLambdaException",
        "PostConfirmation invocation failed due to error Socket timeout while invoking Lambda function.",
    )
    assert _status(idp, pool, "tmo") == "CONFIRMED"


def test_a_hung_trigger_holds_no_transaction(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, pool, client = setup(PostConfirmation="slow")
    _sign_up(idp, client, "hung")
    _sign_up(idp, client, "free")
    done: list[str] = []

    def confirm_hung() -> None:
        with contextlib.suppress(ClientError):
            _confirm(tserver.client(), tserver, client, "hung")
        done.append("hung")

    worker = threading.Thread(target=confirm_hung)
    worker.start()
    for _ in range(200):  # wait until the trigger is running
        if any(e["userName"] == "hung" for e in _events(tserver)):
            break
        time.sleep(0.01)
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"], Username="free", UserAttributes=[{"Name": "name", "Value": "Free"}]
    )
    done.append("write")
    assert worker.is_alive()
    worker.join()
    assert done == ["write", "hung"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_json", "Invalid lambda function output : Invalid JSON"),
        ("hooknotjson", "Invalid lambda function output : Invalid JSON"),
    ],
)
def test_unreadable_output_is_invalid_lambda_response(
    tserver: Server, setup: Callable[..., Any], name: str, message: str
) -> None:
    idp, _, client = setup(PostConfirmation=name)
    _sign_up(idp, client, f"nj{name}")
    with pytest.raises(ClientError) as exc:
        _confirm(idp, tserver, client, f"nj{name}")
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == ("InvalidLambdaResponseException", message)


def test_unmapped_arn_without_lambda_endpoint_is_unexpected_lambda(
    tmp_path: Path,
) -> None:
    srv = Server(tmp_path).start()
    try:
        idp = srv.client()
        pool = idp.create_user_pool(
            PoolName="u",
            AutoVerifiedAttributes=["email"],
            LambdaConfig={"PostConfirmation": ARN.format("nowhere")},
        )
        client = idp.create_user_pool_client(UserPoolId=pool["UserPool"]["Id"], ClientName="c")
        _sign_up(idp, client["UserPoolClient"], "unm")
        with pytest.raises(ClientError) as exc:
            _confirm(idp, srv, client["UserPoolClient"], "unm")
        assert exc.value.response["Error"]["Message"] == (
            "PostConfirmation invocation failed due to error ResourceNotFoundException."
        )
    finally:
        srv.stop()


def test_pre_sign_up_can_auto_confirm_and_verify(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup(PreSignUp="auto_confirm", PostConfirmation="record")
    out = _sign_up(idp, client, "auto", ValidationData=[{"Name": "invite", "Value": "x1"}])
    assert out["UserConfirmed"] is True and "CodeDeliveryDetails" not in out
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="auto")
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED" and attrs["email_verified"] == "true"
    pre = [
        e
        for e in _events(tserver)
        if e["userName"] == "auto" and e["triggerSource"] == "PreSignUp_SignUp"
    ][-1]
    assert pre["request"]["validationData"] == {"invite": "x1"}
    assert pre["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    assert tserver.messages("auto@example.com") == []


def test_failing_pre_sign_up_creates_no_user(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, pool, client = setup(PreSignUp="fail")
    with pytest.raises(ClientError) as exc:
        _sign_up(idp, client, "nope")
    assert exc.value.response["Error"]["Message"] == "PreSignUp failed with error boom."
    assert tserver.sql("SELECT count(*) FROM users WHERE pool_id=?", pool["Id"])[0][0] == 0


def test_custom_message_text_is_sent_with_the_code(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(CustomMessage="custom_message")
    _sign_up(idp, client, "cus")
    body = tserver.messages("cus@example.com")[-1]
    assert body.startswith("Custom CustomMessage_SignUp: ")
    _confirm(idp, tserver, client, "cus")
    subject = tserver.sql("SELECT subject FROM outbox WHERE destination=?", "cus@example.com")
    assert subject[-1][0] == "Custom subject"


def test_custom_message_for_resend_has_its_source(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(CustomMessage="custom_message")
    _sign_up(idp, client, "res")
    idp.resend_confirmation_code(ClientId=client["ClientId"], Username="res")
    assert tserver.messages("res@example.com")[-1].startswith("Custom CustomMessage_ResendCode: ")
    _confirm(idp, tserver, client, "res")


def test_custom_message_without_code_placeholder_is_refused(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup(CustomMessage="message_without_code")
    with pytest.raises(ClientError) as exc:
        _sign_up(idp, client, "nocode")
    assert exc.value.response["Error"]["Code"] == "InvalidLambdaResponseException"


def test_admin_create_user_runs_its_triggers_and_ignores_auto_confirm(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, _ = setup(PreSignUp="auto_confirm", CustomMessage="custom_message")
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="inv",
        DesiredDeliveryMediums=["EMAIL"],
        UserAttributes=[{"Name": "email", "Value": "inv@example.com"}],
    )
    assert _status(idp, pool, "inv") == "FORCE_CHANGE_PASSWORD"
    sources = [e["triggerSource"] for e in _events(tserver) if e["userName"] == "inv"]
    assert sources == ["PreSignUp_AdminCreateUser", "CustomMessage_AdminCreateUser"]
    assert tserver.messages("inv@example.com")[-1].startswith(
        "Custom CustomMessage_AdminCreateUser: "
    )


def test_triggers_log_shows_each_invocation(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, _, client = setup(PostConfirmation="fail")
    _sign_up(idp, client, "logme")
    with pytest.raises(ClientError):
        _confirm(idp, tserver, client, "logme")
    out = subprocess.run(
        [USERPOOL, "triggers", "log", "--db", tserver.db, "--limit", "50"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = [row for row in out.splitlines() if "user logme" in row][-1]
    assert "PostConfirmation (PostConfirmation_ConfirmSignUp)" in line
    assert "UserLambdaValidationException" in line


def _sign_in(idp: Any, srv: Server, client: dict[str, Any], name: str) -> dict[str, Any]:
    _sign_up(idp, client, name)
    _confirm(idp, srv, client, name)
    out = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=client["ClientId"],
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        ClientMetadata={"via": "test"},
    )
    return dict(out["AuthenticationResult"])


def _payload(token: str) -> dict[str, Any]:
    import jwt

    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_pre_token_generation_v1_adds_suppresses_and_overrides_groups(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(PreTokenGeneration="pre_token_v1")
    result = _sign_in(idp, tserver, client, "ptg")
    id_claims, access = _payload(result["IdToken"]), _payload(result["AccessToken"])
    assert id_claims["tier"] == "gold" and "email" not in id_claims
    assert id_claims["iss"].endswith(client["UserPoolId"])
    assert id_claims["cognito:groups"] == ["admins"] == access["cognito:groups"]
    event = [
        e
        for e in _events(tserver)
        if e["userName"] == "ptg" and e["triggerSource"].startswith("TokenGeneration")
    ][-1]
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["version"] == "1" and event["request"]["clientMetadata"] == {"via": "test"}


def test_pre_token_generation_v2_changes_the_access_token(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, pool, client = setup()
    idp.update_user_pool(
        UserPoolId=pool["Id"],
        AutoVerifiedAttributes=["email"],
        LambdaConfig={
            "PreTokenGenerationConfig": {
                "LambdaVersion": "V2_0",
                "LambdaArn": ARN.format("pre_token_v2"),
            }
        },
    )
    result = _sign_in(idp, tserver, client, "ptv")
    access = _payload(result["AccessToken"])
    assert access["tenant"] == "t1" and "api/read" in access["scope"].split()
    assert _payload(result["IdToken"])["plan"] == "pro"
    event = [e for e in _events(tserver) if e["userName"] == "ptv"][-1]
    assert event["version"] == "2" and "scopes" in event["request"]


def test_refresh_runs_pre_token_generation_with_its_source(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(PreTokenGeneration="pre_token_v1")
    result = _sign_in(idp, tserver, client, "ref")
    again = idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=client["ClientId"],
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )
    assert _payload(again["AuthenticationResult"]["IdToken"])["tier"] == "gold"
    sources = [e["triggerSource"] for e in _events(tserver) if e["userName"] == "ref"]
    assert sources[-1] == "TokenGeneration_RefreshTokens"


def test_failing_pre_authentication_refuses_sign_in(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(PreAuthentication="deny")
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, tserver, client, "den")
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error no entry.",
    )


def test_post_authentication_gets_its_event(tserver: Server, setup: Callable[..., Any]) -> None:
    idp, _, client = setup(PostAuthentication="record")
    _sign_in(idp, tserver, client, "pau")
    event = [e for e in _events(tserver) if e["userName"] == "pau"][-1]
    assert event["triggerSource"] == "PostAuthentication_Authentication"
    assert event["request"]["newDeviceUsed"] is False
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


def test_password_recovery_runs_custom_message_and_post_confirmation(
    tserver: Server, setup: Callable[..., Any]
) -> None:
    idp, _, client = setup(CustomMessage="custom_message", PostConfirmation="record")
    _sign_up(idp, client, "rcv")
    _confirm(idp, tserver, client, "rcv")
    idp.forgot_password(ClientId=client["ClientId"], Username="rcv")
    message = tserver.messages("rcv@example.com")[-1]
    assert message.startswith("Custom CustomMessage_ForgotPassword: ")
    idp.confirm_forgot_password(
        ClientId=client["ClientId"],
        Username="rcv",
        ConfirmationCode=tserver.code("rcv@example.com"),
        Password="N3w-Passw0rd!",
        ClientMetadata={"why": "forgot"},
    )
    event = [e for e in _events(tserver) if e["userName"] == "rcv"][-1]
    assert event["triggerSource"] == "PostConfirmation_ConfirmForgotPassword"
    assert event["request"]["clientMetadata"] == {"why": "forgot"}


LEGACY_PASSWORD = "Legacy-Passw0rd!"


def _migrating_pool(idp: Any, **pool_args: Any) -> tuple[str, str]:
    pool = idp.create_user_pool(
        PoolName="m",
        AutoVerifiedAttributes=["email"],
        LambdaConfig={"UserMigration": ARN.format("migrate")},
        Schema=[{"Name": "origin", "AttributeDataType": "String", "Mutable": True}],
        **pool_args,
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    return pool["Id"], client["ClientId"]


def _password_sign_in(idp: Any, cid: str, name: str, password: str, **extra: Any) -> Any:
    return idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": name, "PASSWORD": password},
        **extra,
    )


def test_user_migration_at_sign_in_creates_the_user_with_the_password(
    tserver: Server,
) -> None:
    idp = tserver.client()
    pool_id, cid = _migrating_pool(idp)
    with pytest.raises(ClientError) as exc:
        _password_sign_in(idp, cid, "legacy-ann", "Wrong-Passw0rd!")
    assert exc.value.response["Error"]["Code"] == "UserNotFoundException"
    assert "Bad password" in exc.value.response["Error"]["Message"]
    out = _password_sign_in(idp, cid, "legacy-ann", LEGACY_PASSWORD, ClientMetadata={"k": "v"})
    assert "AccessToken" in out["AuthenticationResult"]
    event = [e for e in _events(tserver) if e["userName"] == "legacy-ann"][-1]
    assert event["triggerSource"] == "UserMigration_Authentication"
    assert event["callerContext"]["clientId"] == cid
    assert event["request"]["password"] == LEGACY_PASSWORD
    assert event["request"]["validationData"] == {"k": "v"}
    assert event["request"]["clientMetadata"] == {"k": "v"}
    user = idp.admin_get_user(UserPoolId=pool_id, Username="legacy-ann")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes["email"] == "legacy-ann@old.example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["custom:origin"] == "legacy"
    # the second sign-in finds the user: the function is not asked again
    calls = len(_events(tserver))
    _password_sign_in(idp, cid, "legacy-ann", LEGACY_PASSWORD)
    assert len(_events(tserver)) == calls


def test_a_user_migrated_as_reset_required_must_reset_then_can_sign_in(tserver: Server) -> None:
    idp = tserver.client()
    pool_id, cid = _migrating_pool(idp)
    with pytest.raises(ClientError) as exc:
        _password_sign_in(idp, cid, "legacy-ben", LEGACY_PASSWORD)
    assert exc.value.response["Error"] == {
        "Code": "PasswordResetRequiredException",
        "Message": "Password reset required for the user",
    }
    assert idp.admin_get_user(UserPoolId=pool_id, Username="legacy-ben")["UserStatus"] == (
        "RESET_REQUIRED"
    )
    idp.forgot_password(ClientId=cid, Username="legacy-ben")
    idp.confirm_forgot_password(
        ClientId=cid,
        Username="legacy-ben",
        ConfirmationCode=tserver.code("legacy-ben@old.example.com"),
        Password="Brand-N3w-Pass!",
    )
    assert idp.admin_get_user(UserPoolId=pool_id, Username="legacy-ben")["UserStatus"] == (
        "CONFIRMED"
    )
    assert "AuthenticationResult" in _password_sign_in(idp, cid, "legacy-ben", "Brand-N3w-Pass!")


def test_user_migration_in_forgot_password_and_in_an_email_username_pool(
    tserver: Server,
) -> None:
    idp = tserver.client()
    pool_id, cid = _migrating_pool(idp, UsernameAttributes=["email"])
    email = "legacy-cid@old.example.com"
    sent = idp.forgot_password(ClientId=cid, Username=email)["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL"
    event = [e for e in _events(tserver) if e["userName"] == email][-1]
    assert event["triggerSource"] == "UserMigration_ForgotPassword"
    assert "password" not in event["request"]
    user = idp.admin_get_user(UserPoolId=pool_id, Username=email)
    assert user["Username"] != email  # email-username pools name users by their sub
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="nobody@old.example.com")
    assert exc.value.response["Error"]["Code"] == "UserNotFoundException"


def test_a_failed_migration_is_hidden_from_clients_that_hide_existence(
    tserver: Server,
) -> None:
    idp = tserver.client()
    pool_id, _ = _migrating_pool(idp)
    hidden = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="h",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    for name in ("legacy-ann", "not-in-either-directory"):
        with pytest.raises(ClientError) as exc:
            _password_sign_in(idp, hidden, name, "Wrong-Passw0rd!")
        assert exc.value.response["Error"] == {
            "Code": "NotAuthorizedException",
            "Message": "Incorrect username or password.",
        }
