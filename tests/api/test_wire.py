"""The wire as clients see it: headers, error rendering, protocol errors, CORS, validation text."""

from __future__ import annotations

import http.client
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, sign
from userpool.model import operations
from userpool.operations import REGISTRY

PREFIX = "AWSCognitoIdentityProviderService."
JSON_11 = "application/x-amz-json-1.1"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    def json(self) -> Any:
        return json.loads(self.raw)


def call(
    server: Server,
    body: bytes | None,
    *,
    target: str | None = "ListUserPools",
    content_type: str | None = JSON_11,
    method: str = "POST",
    extra: dict[str, str] | None = None,
) -> Answer:
    """One raw HTTP request; ``target`` is the operation name (prefix added) or None."""
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if target is not None:
        headers["X-Amz-Target"] = PREFIX + target
    headers.update(extra or {})
    if method == "POST" and not (extra or {}).get("Authorization"):
        headers = sign(server, headers, body or b"")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, "/", body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    finally:
        conn.close()


def assert_error(answer: Answer, code: str, status: int = 400) -> dict[str, Any]:
    """The answer is ``code`` in body and ``x-amzn-ErrorType`` header; returns the body."""
    assert answer.status == status, (answer.status, answer.raw)
    body = answer.json()
    assert set(body) >= {"__type", "message"}, body
    assert body["__type"] == code, body
    assert isinstance(body["message"], str)
    assert answer.headers.get("x-amzn-errortype") == f"{code}:", answer.headers
    return dict(body)


def validation_message(idp: Any, operation: str, **params: Any) -> str:
    """The InvalidParameterException message for a request botocore would have refused."""
    with pytest.raises(ClientError) as info:
        getattr(idp, operation)(**params)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidParameterException", info.value.response
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Message"])


@pytest.fixture
def raw_idp(server: Server) -> Any:
    """A boto3 client that leaves all validation to the server."""
    return server.client(parameter_validation=False)


# --- success answers -----------------------------------------------------------------------


def test_success_carries_a_uuid_request_id(server: Server) -> None:
    answer = call(server, b'{"MaxResults": 1}')
    assert answer.status == 200, answer.raw
    request_id = answer.headers["x-amzn-requestid"]
    assert str(uuid.UUID(request_id)) == request_id.lower()


def test_success_is_typed_as_aws_json_1_1(server: Server) -> None:
    answer = call(server, b'{"MaxResults": 1}')
    assert answer.status == 200, answer.raw
    assert answer.headers["content-type"] == JSON_11
    assert "UserPools" in answer.json()


def test_each_answer_gets_its_own_request_id(server: Server) -> None:
    ids = {call(server, b'{"MaxResults": 1}').headers["x-amzn-requestid"] for _ in range(3)}
    assert len(ids) == 3


def test_empty_body_is_read_as_an_empty_object(server: Server) -> None:
    answer = call(server, b"", target="ListUserPools")
    # ListUserPools requires MaxResults: the empty body reached validation, it was not
    # refused as malformed JSON.
    body = assert_error(answer, "InvalidParameterException")
    assert "'maxResults'" in body["message"]


# --- error rendering ----------------------------------------------------------------------


def test_error_has_type_and_message_in_body_and_type_in_header(server: Server) -> None:
    answer = call(server, b'{"UserPoolId": "us-east-1_doesnotexist"}', target="DescribeUserPool")
    body = assert_error(answer, "ResourceNotFoundException")
    assert body["message"]
    assert answer.headers["content-type"] == JSON_11


def test_error_carries_a_uuid_request_id(server: Server) -> None:
    answer = call(server, b"{not json")
    assert answer.status == 400
    request_id = answer.headers["x-amzn-requestid"]
    assert str(uuid.UUID(request_id)) == request_id.lower()


def test_error_type_header_names_the_same_exception_as_the_body(server: Server) -> None:
    cases: list[tuple[bytes, str | None, str]] = [
        (b"{bad", "ListUserPools", JSON_11),
        (b"{}", "NoSuchOperation", JSON_11),
        (b"{}", "ListUserPools", "text/plain"),
        (b'{"UserPoolId": "us-east-1_doesnotexist"}', "DescribeUserPool", JSON_11),
        (b'{"UserPoolId": "bad id"}', "DescribeUserPool", JSON_11),
    ]
    for body, target, content_type in cases:
        answer = call(server, body, target=target, content_type=content_type)
        assert answer.status == 400, (body, answer.raw)
        assert answer.headers["x-amzn-errortype"] == answer.json()["__type"] + ":"


def test_error_message_header_repeats_the_body_message(server: Server) -> None:
    answer = call(server, b'{"UserPoolId": "us-east-1_doesnotexist"}', target="DescribeUserPool")
    body = assert_error(answer, "ResourceNotFoundException")
    assert answer.headers["x-amzn-errormessage"] == body["message"]


# --- protocol errors ----------------------------------------------------------------------


def test_malformed_json_is_a_serialization_exception(server: Server) -> None:
    assert_error(call(server, b'{"MaxResults": 1'), "SerializationException")


def test_json_array_body_is_a_serialization_exception(server: Server) -> None:
    assert_error(call(server, b"[]"), "SerializationException")


def test_json_scalar_body_is_a_serialization_exception(server: Server) -> None:
    assert_error(call(server, b'"MaxResults"'), "SerializationException")


def test_wrong_content_type_is_unsupported_media_type(server: Server) -> None:
    answer = call(server, b'{"MaxResults": 1}', content_type="text/plain")
    assert_error(answer, "UnsupportedMediaTypeException")


def test_missing_content_type_is_unsupported_media_type(server: Server) -> None:
    answer = call(server, b'{"MaxResults": 1}', content_type=None)
    assert_error(answer, "UnsupportedMediaTypeException")


def test_content_type_with_charset_is_accepted(server: Server) -> None:
    answer = call(server, b'{"MaxResults": 1}', content_type=JSON_11 + "; charset=utf-8")
    assert answer.status == 200, answer.raw


def test_unknown_target_is_unknown_operation(server: Server) -> None:
    assert_error(call(server, b"{}", target="NoSuchOperation"), "UnknownOperationException")


def test_missing_target_is_unknown_operation(server: Server) -> None:
    assert_error(call(server, b"{}", target=None), "UnknownOperationException")


def test_target_of_another_service_is_unknown_operation(server: Server) -> None:
    answer = call(
        server, b"{}", target=None, extra={"X-Amz-Target": "DynamoDB_20120810.ListTables"}
    )
    assert_error(answer, "UnknownOperationException")


def test_modelled_but_unserved_operation_is_unsupported(server: Server) -> None:
    assert "GetIdentityProviderByIdentifier" in operations()
    assert "GetIdentityProviderByIdentifier" not in REGISTRY
    body = b'{"UserPoolId": "us-east-1_abc", "IdpIdentifier": "corp"}'
    answer = call(server, body, target="GetIdentityProviderByIdentifier")
    assert_error(answer, "UnsupportedOperationException")


# --- CORS ---------------------------------------------------------------------------------


def test_cors_preflight_answers_200_for_any_origin(server: Server) -> None:
    answer = call(
        server,
        None,
        method="OPTIONS",
        target=None,
        content_type=None,
        extra={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
    )
    assert answer.status == 200, answer.raw
    assert answer.headers["access-control-allow-origin"] == "*"


def test_cors_preflight_allows_the_sdk_headers(server: Server) -> None:
    answer = call(server, None, method="OPTIONS", target=None, content_type=None)
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"x-amz-target", "content-type", "amz-sdk-invocation-id"} <= allowed
    assert "POST" in answer.headers["access-control-allow-methods"]


def test_cors_headers_are_on_errors_too(server: Server) -> None:
    answer = call(server, b"{bad", target="InitiateAuth")  # signed operations have none
    assert answer.headers["access-control-allow-origin"] == "*"
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert "x-amzn-requestid" in exposed
    assert "x-amzn-errortype" in exposed


# --- through boto3 ------------------------------------------------------------------------


def test_unknown_pool_is_resource_not_found(idp: Any) -> None:
    with pytest.raises(ClientError) as info:
        idp.describe_user_pool(UserPoolId="us-east-1_doesnotexist")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_request_id_reaches_boto3(idp: Any) -> None:
    meta = idp.list_user_pools(MaxResults=1)["ResponseMetadata"]
    assert uuid.UUID(meta["RequestId"])


def test_empty_username_reports_each_violated_constraint(
    raw_idp: Any, client: dict[str, Any]
) -> None:
    message = validation_message(
        raw_idp,
        "confirm_sign_up",
        ClientId=client["ClientId"],
        Username="",
        ConfirmationCode="123456",
    )
    assert message.startswith("2 validation errors detected: "), message
    assert (
        "Value at 'username' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1" in message
    )
    assert (
        "Value at 'username' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        in message
    )


def test_violations_of_several_members_are_reported_together(raw_idp: Any) -> None:
    message = validation_message(
        raw_idp, "confirm_sign_up", ClientId="bad id!", Username="", ConfirmationCode="123456"
    )
    # '' breaks username's length and pattern, 'bad id!' clientId's pattern: one error, three
    # violations, joined with '; '.
    assert message.startswith("3 validation errors detected: "), message
    parts = message.removeprefix("3 validation errors detected: ").split("; ")
    assert len(parts) == 3, parts
    assert (
        "Value at 'username' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1" in parts
    )
    assert (
        "Value at 'clientId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+]+" in parts
    )


def test_one_violation_is_worded_in_the_singular(raw_idp: Any) -> None:
    message = validation_message(raw_idp, "describe_user_pool", UserPoolId="bad id")
    assert message.startswith("1 validation error detected: "), message


def test_pattern_violation_echoes_a_non_sensitive_value(raw_idp: Any) -> None:
    message = validation_message(raw_idp, "describe_user_pool", UserPoolId="bad id")
    assert message == (
        "1 validation error detected: Value 'bad id' at 'userPoolId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    )


def test_max_length_violation_is_worded_as_coral(raw_idp: Any, pool: dict[str, Any]) -> None:
    message = validation_message(
        raw_idp, "admin_get_user", UserPoolId=pool["Id"], Username="u" * 129
    )
    assert message == (
        "1 validation error detected: Value at 'username' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_enum_violation_lists_the_allowed_values(raw_idp: Any) -> None:
    message = validation_message(
        raw_idp, "create_user_pool", PoolName="enum-test", MfaConfiguration="SOMETIMES"
    )
    assert message == (
        "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to "
        "satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
    )


def test_missing_required_member_is_a_null_violation(raw_idp: Any) -> None:
    message = validation_message(raw_idp, "describe_user_pool")
    assert message == (
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_sensitive_username_is_never_echoed(raw_idp: Any, pool: dict[str, Any]) -> None:
    username = "SecretName" + "x" * 130
    message = validation_message(
        raw_idp, "admin_get_user", UserPoolId=pool["Id"], Username=username
    )
    assert "at 'username'" in message
    assert "SecretName" not in message


def test_sensitive_password_is_never_echoed(raw_idp: Any, client: dict[str, Any]) -> None:
    message = validation_message(
        raw_idp,
        "sign_up",
        ClientId=client["ClientId"],
        Username="alice",
        Password="hunter2 with spaces",
    )
    assert (
        "Value at 'password' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\S]+" in message
    ), message
    assert "hunter2" not in message


def test_sensitive_values_stay_out_of_the_error_message_header(server: Server) -> None:
    body = json.dumps({"ClientId": "abc", "Username": "Hidden Name\n", "Password": "pw pw"})
    answer = call(server, body.encode(), target="SignUp")
    assert_error(answer, "InvalidParameterException")
    for text in (answer.raw.decode(), answer.headers.get("x-amzn-errormessage", "")):
        assert "Hidden" not in text
        assert "pw pw" not in text


def test_oversize_body_is_refused_without_a_500(server: Server) -> None:
    body = b'{"PoolName": "' + b"x" * (2 << 20) + b'"}'
    answer = call(server, body, target="CreateUserPool")
    assert_error(answer, "SerializationException")


def test_deeply_nested_json_is_refused_without_a_500(server: Server) -> None:
    body = b"[" * 5000 + b"]" * 5000
    answer = call(server, body, target="SignUp")
    assert_error(answer, "SerializationException")
