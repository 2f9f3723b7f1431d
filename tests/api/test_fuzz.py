"""Property: whatever body reaches a served operation, the answer is a modelled outcome.

For every operation in ``REGISTRY``, random JSON objects (the operation's real member names,
values that sometimes fit the model's shape and sometimes are any JSON at all, huge strings,
unicode, lone surrogates, nulls, nested junk) and random malformed bytes are POSTed to the live
server. The answer must never be a 5xx, must parse as JSON, and must be a 200 or carry a
``__type`` the operation declares (or a protocol-level SerializationException /
UnknownOperationException), with a matching ``x-amzn-ErrorType`` header.
"""

from __future__ import annotations

import http.client
import json
import string
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import Server, sign
from userpool.model import TARGET_PREFIX, operations, service_model
from userpool.operations import REGISTRY

PROTOCOL_ERRORS = frozenset({"SerializationException", "UnknownOperationException"})
EXAMPLES_PER_OPERATION = 100
SHAPES: dict[str, Any] = service_model()["shapes"]

FUZZ_USER = "fuzzer"
FUZZ_PASSWORD = "Fuzz-Passw0rd!"

# Bodies the fuzzer once found a wrong answer to: always tried first.
REGRESSIONS: dict[str, list[bytes]] = {
    "CreateUserPool": [b'{"PoolName": "0", "Schema": [{}]}'],  # schema attribute with no Name
    "RevokeToken": [b'{"Token": "x", "ClientId": "4vpo0ncm4k4n7mhq2gjfg4dq5b"}'],  # unknown client
}

# Real ids, so that some requests get past "pool not found" into the operations themselves.
KNOWN: dict[str, list[str]] = {}


def _input_shape(operation: str) -> str | None:
    shape: str | None = service_model()["operations"][operation].get("input", {}).get("shape")
    return shape


# --- strategies ---------------------------------------------------------------------------

_text = st.text(max_size=40)
_odd_text = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=10),  # lone surrogates as \udXXX
    st.sampled_from(["", " ", "\x00", "\u202e", "\U0001f600" * 3, "\ud800", "%s%n", "../"]),
)
_huge = st.builds(lambda ch, n: ch * n, st.characters(codec=None), st.integers(1_000, 300_000))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
    _text,
    _odd_text,
    _huge,
)
ANY_JSON = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_text, inner, max_size=5),
    max_leaves=12,
)
_WORD = string.ascii_letters + string.digits


def _string(shape_name: str, shape: dict[str, Any]) -> st.SearchStrategy[str]:
    if "enum" in shape:
        return st.sampled_from(shape["enum"])
    lo = max(shape.get("min", 0), 1 if "pattern" in shape else 0)
    hi = min(shape.get("max", 20), max(lo, 20))
    alphabet = _WORD if "pattern" in shape else st.characters()
    generic = st.text(alphabet=alphabet, min_size=lo, max_size=hi)
    samples = KNOWN.get(shape_name, []) + SAMPLES.get(shape_name, [])
    return st.sampled_from(samples) | st.sampled_from(samples) | generic if samples else generic


SAMPLES: dict[str, list[str]] = {
    "UsernameType": ["alice", "bob@example.com", "+15555550123", "Ünïcode"],
    "PasswordType": ["Passw0rd!", "short", ""],
    "ConfirmationCodeType": ["123456", "000000", "12345"],
    "AttributeNameType": ["email", "phone_number", "name", "custom:tier", "sub", "nope"],
    "AttributeValueType": ["bob@example.com", "+15555550123", "true", "x"],
    "UserPoolIdType": ["us-east-1_Nope123", "eu-west-1_x"],
    "ClientIdType": ["4vpo0ncm4k4n7mhq2gjfg4dq5b"],
    "UserFilterType": ['email = "bob@example.com"', 'username ^= "a"', 'status = "x', "="],
    "PaginationKey": ["", "abc", "eyJ4Ijoie30="],
    "PaginationKeyType": ["", "abc", "eyJ4Ijoie30="],
    "SearchPaginationTokenType": ["", "abc", "eyJ4Ijoie30="],
}


# Keys the operations look for in their free-form maps.
_AUTH_KEYS = [
    "USERNAME",
    "PASSWORD",
    "SECRET_HASH",
    "REFRESH_TOKEN",
    "REFRESH",
    "DEVICE_KEY",
    "PREFERRED_CHALLENGE",
    "SRP_A",
    "CHALLENGE_NAME",
]
MAP_KEYS: dict[str, list[str]] = {
    "AuthParametersType": _AUTH_KEYS,
    "ChallengeResponsesType": _AUTH_KEYS
    + [
        "NEW_PASSWORD",
        "EMAIL_OTP_CODE",
        "SMS_OTP_CODE",
        "SMS_MFA_CODE",
        "SOFTWARE_TOKEN_MFA_CODE",
        "ANSWER",
        "ANSWER",
        "userAttributes.email",
    ],
}


def _fitting(shape_name: str, depth: int) -> st.SearchStrategy[Any]:
    """A value of the model's shape (roughly: patterns are only approximated)."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "string":
        return _string(shape_name, shape)
    if kind in ("integer", "long"):
        return st.integers(min_value=shape.get("min"), max_value=shape.get("max"))
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.integers(0, 2**33)
    if kind == "blob":
        return st.binary(max_size=20).map(lambda b: b.hex())
    if depth > 3:
        return st.nothing()
    if kind == "list":
        lo, hi = shape.get("min", 0), min(shape.get("max", 4), 4)
        return st.lists(_fitting(shape["member"]["shape"], depth + 1), min_size=lo, max_size=hi)
    if kind == "map":
        key = _fitting(shape["key"]["shape"], depth + 1)
        value = _fitting(shape["value"]["shape"], depth + 1)
        if shape_name in MAP_KEYS:
            key = st.sampled_from(MAP_KEYS[shape_name]) | key
            value = st.sampled_from(KNOWN.get("credential", []) + ["x"]) | value
        return st.dictionaries(key, value, max_size=4)
    return _structure(shape_name, depth + 1, junk=False)


def _value(shape_name: str, depth: int, junk: bool) -> st.SearchStrategy[Any]:
    fitting = _fitting(shape_name, depth)
    return st.one_of(fitting, fitting, ANY_JSON) if junk else fitting


def _structure(shape_name: str, depth: int, junk: bool) -> st.SearchStrategy[dict[str, Any]]:
    """An object with the shape's members; with ``junk``, any member may hold any JSON."""
    shape = SHAPES[shape_name]
    members = shape.get("members", {})
    fields = {name: _value(spec["shape"], depth, junk) for name, spec in members.items()}
    required = {name: fields[name] for name in shape.get("required", [])}
    optional = {name: s for name, s in fields.items() if name not in required}
    return st.fixed_dictionaries(required, optional=optional)


def json_bodies(operation: str) -> st.SearchStrategy[bytes]:
    shape = _input_shape(operation)
    if shape is None:
        objects: st.SearchStrategy[Any] = st.dictionaries(_text, ANY_JSON, max_size=4)
    else:
        names = sorted(SHAPES[shape].get("members", {}))
        objects = st.one_of(
            _structure(shape, 0, junk=False),
            _structure(shape, 0, junk=False),
            _structure(shape, 0, junk=True),
            st.dictionaries(st.sampled_from(names) | _text, ANY_JSON, max_size=6),
        )
    return objects.map(lambda obj: json.dumps(obj).encode("utf-8"))


def malformed_bodies(operation: str) -> st.SearchStrategy[bytes]:
    valid = json_bodies(operation)
    return st.one_of(
        st.binary(max_size=200),
        st.binary(max_size=50).map(lambda b: b"{" + b),
        st.tuples(valid, st.integers(0, 200)).map(lambda t: t[0][: t[1]]),  # truncated
        valid.map(lambda b: b"\xff\xfe" + b),  # not UTF-8
        valid.map(lambda b: b.replace(b'"', b"'")),
        ANY_JSON.map(lambda v: json.dumps(v).encode()),  # arrays, scalars, nulls
        st.sampled_from([b"null", b"NaN", b'{"a": NaN}', b'{"a": Infinity}', b"{}{}"]),
        st.just(b"{" * 10_000 + b"}" * 10_000),  # deep nesting
    )


def bodies(operation: str) -> st.SearchStrategy[bytes]:
    json_body = json_bodies(operation)
    return st.one_of(json_body, json_body, json_body, malformed_bodies(operation))


# --- the property -------------------------------------------------------------------------


@pytest.fixture
def known_ids(server: Server) -> Iterator[None]:
    """A fresh pool, client and signed-in user for each operation's fuzzer to pick from."""
    idp = server.client()
    pool = idp.create_user_pool(PoolName="fuzz", AutoVerifiedAttributes=["email"])["UserPool"]
    flows = [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="fuzz", ExplicitAuthFlows=flows
    )["UserPoolClient"]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username=FUZZ_USER,
        TemporaryPassword=FUZZ_PASSWORD,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "fuzzer@example.com"}],
    )
    KNOWN["UserPoolIdType"] = [pool["Id"]]
    KNOWN["ClientIdType"] = [app["ClientId"]]
    KNOWN["UsernameType"] = [FUZZ_USER]
    KNOWN["PasswordType"] = [FUZZ_PASSWORD]
    KNOWN["credential"] = [FUZZ_USER, FUZZ_PASSWORD, "EMAIL_OTP", "PASSWORD"]
    try:  # seeding only: the fuzz runs without tokens if signing in is not served
        first = idp.initiate_auth(
            ClientId=app["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": FUZZ_USER, "PASSWORD": FUZZ_PASSWORD},
        )
        KNOWN["SessionType"] = [first["Session"]]
        done = idp.respond_to_auth_challenge(
            ClientId=app["ClientId"],
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": FUZZ_USER, "NEW_PASSWORD": FUZZ_PASSWORD + "2"},
        )["AuthenticationResult"]
        tokens = [done["AccessToken"], done["RefreshToken"], done["IdToken"]]
        KNOWN["TokenModelType"] = tokens
        KNOWN["credential"] += [*tokens, FUZZ_PASSWORD + "2"]
    except (ClientError, KeyError):
        pass
    yield
    KNOWN.clear()


def post(server: Server, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(
            "POST",
            "/",
            body=body,
            headers=sign(
                server,
                {
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": TARGET_PREFIX + operation,
                },
                body,
            ),
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def check_answer(
    operation: str, body: bytes, status: int, headers: dict[str, str], raw: bytes
) -> None:
    sent = body[:300]
    assert status < 500, f"{operation} answered {status} {raw[:300]!r} to {sent!r}"
    try:
        answer = json.loads(raw)
    except ValueError:
        pytest.fail(f"{operation} answered non-JSON {raw[:300]!r} to {sent!r}")
    assert isinstance(answer, dict), raw[:300]
    if status == 200:
        assert "__type" not in answer, raw[:300]
        return
    assert status == 400, f"{operation} answered {status} {raw[:300]!r} to {sent!r}"
    allowed = operations()[operation].errors | PROTOCOL_ERRORS
    assert answer.get("__type") in allowed, (
        f"{operation} answered undeclared {answer.get('__type')!r} "
        f"({answer.get('message')!r}) to {sent!r}"
    )
    assert isinstance(answer.get("message"), str), raw[:300]
    assert headers.get("x-amzn-errortype") == f"{answer['__type']}:", headers


@pytest.mark.usefixtures("known_ids")
@pytest.mark.parametrize("operation", sorted(REGISTRY))
def test_any_body_gets_a_modelled_answer(server: Server, operation: str) -> None:
    def check(body: bytes) -> None:
        check_answer(operation, body, *post(server, operation, body))

    prop = given(body=bodies(operation))(check)
    for body in REGRESSIONS.get(operation, []):
        prop = example(body=body)(prop)
    settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(prop)()
