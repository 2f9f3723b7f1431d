"""Custom authentication (``CUSTOM_AUTH``), pure: the three triggers' events, the checks on
their answers, and the rules of the challenge loop.

The loop, as Cognito's developer guide describes it: a flow keeps a list of the challenges
answered so far (the ``session`` the triggers see: name, result, metadata, oldest first).
DefineAuthChallenge reads it and decides: fail, issue tokens, or ask another challenge. A
``CUSTOM_CHALLENGE`` is made by CreateAuthChallenge (public parameters for the app, private
ones for VerifyAuthChallengeResponse, and metadata kept in the list); its answer goes to
VerifyAuthChallengeResponse, whose ``answerCorrect`` becomes the entry's result, and
DefineAuthChallenge decides again. A flow begun with ``CHALLENGE_NAME: SRP_A`` starts with
the entry ``SRP_A`` (true), and Define may then ask for ``PASSWORD_VERIFIER``, Cognito's own
SRP challenge (Create is not called for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from userpool.domain.crypto import SecretBox, keyed_hash
from userpool.domain.trigger_events import Origin, envelope
from userpool.errors import BAD_DEFINE_ANSWER, BAD_LAMBDA_OUTPUT, InvalidLambdaResponseException

DEFINE = "DefineAuthChallenge"
CREATE = "CreateAuthChallenge"
VERIFY = "VerifyAuthChallengeResponse"
SOURCES = {trigger: f"{trigger}_Authentication" for trigger in (DEFINE, CREATE, VERIFY)}
CUSTOM = "CUSTOM_CHALLENGE"
SRP_A = "SRP_A"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
# DEVIATION: Cognito documents no cap on a flow's challenges; a flow whose list holds this
# many entries and whose DefineAuthChallenge asks for yet another fails as a wrong answer.
MAX_ENTRIES = 16
FAIL, TOKENS = "FAIL", "TOKENS"  # what a step leads to, besides a challenge's name


@dataclass(frozen=True)
class Entry:
    """One answered challenge of a flow, as the triggers' ``session`` lists it."""

    name: str
    result: bool
    metadata: str | None = None

    def event(self) -> dict[str, Any]:
        return {
            "challengeName": self.name,
            "challengeResult": self.result,
            "challengeMetadata": self.metadata,
        }


@dataclass
class Flow:
    """What a custom flow carries from one step to the next (kept sealed in its Session):
    the entries so far, the current challenge's private parameters and metadata, and for a
    PASSWORD_VERIFIER the SRP values (the client's A, the server's b)."""

    entries: list[Entry] = field(default_factory=list)
    private: dict[str, str] = field(default_factory=dict)
    metadata: str | None = None
    srp_a: str | None = None
    srp_b: str | None = None

    def dumps(self) -> str:
        return orjson.dumps(
            {
                "entries": [[e.name, e.result, e.metadata] for e in self.entries],
                "private": self.private,
                "metadata": self.metadata,
                "a": self.srp_a,
                "b": self.srp_b,
            }
        ).decode()

    @staticmethod
    def loads(text: str) -> Flow:
        raw = orjson.loads(text)
        entries = [Entry(str(n), bool(r), m) for n, r, m in raw["entries"]]
        return Flow(entries, dict(raw["private"]), raw["metadata"], raw["a"], raw["b"])

    def session(self) -> list[dict[str, Any]]:
        return [e.event() for e in self.entries]


def box(key: bytes, token: str) -> SecretBox:
    """The box a flow's state is sealed in: keyed by the Session token itself (which the
    store keeps only as a keyed hash under another label), so a copy of the database
    alone cannot open a private challenge parameter."""
    return SecretBox(bytes.fromhex(keyed_hash(key, "custom-auth-flow", token)))


@dataclass(frozen=True)
class Who:
    """Whom the events name: the username, the attributes, and ``userNotFound`` (None when
    the app client does not hide existence: then the member is left out)."""

    username: str
    attributes: dict[str, str]
    not_found: bool | None


def _request(who: Who, metadata: dict[str, str] | None) -> dict[str, Any]:
    request: dict[str, Any] = {"userAttributes": dict(who.attributes)}
    # DEVIATION: clientMetadata is left out when the request had none (unconfirmed).
    if metadata:
        request["clientMetadata"] = dict(metadata)
    if who.not_found is not None:
        request["userNotFound"] = who.not_found
    return request


def define_event(origin: Origin, who: Who, flow: Flow) -> dict[str, Any]:
    event = envelope(origin, who.username, SOURCES[DEFINE])
    event["request"] = {**_request(who, origin.metadata), "session": flow.session()}
    # DEVIATION: the documented response members arrive as null (unconfirmed).
    event["response"] = {"challengeName": None, "issueTokens": None, "failAuthentication": None}
    return event


def create_event(origin: Origin, who: Who, flow: Flow, challenge: str) -> dict[str, Any]:
    event = envelope(origin, who.username, SOURCES[CREATE])
    request = _request(who, origin.metadata)
    event["request"] = {**request, "challengeName": challenge, "session": flow.session()}
    event["response"] = {
        "publicChallengeParameters": None,
        "privateChallengeParameters": None,
        "challengeMetadata": None,
    }
    return event


def verify_event(origin: Origin, who: Who, flow: Flow, answer: str) -> dict[str, Any]:
    event = envelope(origin, who.username, SOURCES[VERIFY])
    request = _request(who, origin.metadata)
    event["request"] = {
        **request,
        "privateChallengeParameters": dict(flow.private),
        "challengeAnswer": answer,
    }
    event["response"] = {"answerCorrect": None}
    return event


def _response(output: dict[str, Any] | None) -> dict[str, Any]:
    response = (output or {}).get("response")
    if response is None:
        return {}
    if not isinstance(response, dict):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return response


def _flag(response: dict[str, Any], key: str) -> bool:
    """A boolean member: absent or null is false; any other type is refused."""
    value = response.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return value


def next_step(output: dict[str, Any] | None, flow: Flow) -> str:
    """What DefineAuthChallenge's ``output`` leads to: FAIL, TOKENS, CUSTOM_CHALLENGE or
    PASSWORD_VERIFIER. ``failAuthentication`` wins over ``issueTokens``; ``challengeName``
    counts only when neither is set.

    DEVIATION: an answer that sets neither and names no challenge this loop can ask
    (CUSTOM_CHALLENGE, or PASSWORD_VERIFIER once after SRP_A) is refused with
    InvalidLambdaResponseException. MFA challenges are not among them: Cognito's team said
    MFA is not served inside a custom flow except after a password verified by SRP, where
    Cognito asks it by itself (amplify-js issues 12887 and 3876)."""
    response = _response(output)
    if _flag(response, "failAuthentication"):
        return FAIL
    if _flag(response, "issueTokens"):
        return TOKENS
    name = response.get("challengeName")
    if name == CUSTOM:
        return FAIL if len(flow.entries) >= MAX_ENTRIES else CUSTOM
    names = [e.name for e in flow.entries]
    if name == PASSWORD_VERIFIER and SRP_A in names and PASSWORD_VERIFIER not in names:
        return PASSWORD_VERIFIER
    if name is None or name == "":
        detail = "DefineAuthChallenge set neither issueTokens, failAuthentication nor challengeName"
    elif not isinstance(name, str):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    else:
        detail = f"challengeName {name} cannot be asked at this point of a custom flow"
    raise InvalidLambdaResponseException(BAD_DEFINE_ANSWER.format(detail))


def _strings(value: Any) -> dict[str, str]:
    """A string map from a trigger: null is empty; numbers and booleans become text.

    DEVIATION: Cognito is seen accepting numbers in publicChallengeParameters (functions in
    the wild set them); how it renders them is unconfirmed. Null values are dropped; a
    nested object or list is refused."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, bool):
            out[key] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            out[key] = str(item)
        else:
            raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return out


@dataclass(frozen=True)
class Created:
    """CreateAuthChallenge's answer."""

    public: dict[str, str]
    private: dict[str, str]
    metadata: str | None


def created(output: dict[str, Any] | None) -> Created:
    response = _response(output)
    metadata = response.get("challengeMetadata")
    if metadata is not None and not isinstance(metadata, str):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return Created(
        _strings(response.get("publicChallengeParameters")),
        _strings(response.get("privateChallengeParameters")),
        metadata,
    )


def answer_correct(output: dict[str, Any] | None) -> bool:
    """VerifyAuthChallengeResponse's ``answerCorrect`` (absent or null: false)."""
    return _flag(_response(output), "answerCorrect")


def challenge_parameters(public: dict[str, str], username: str) -> dict[str, str]:
    """A CUSTOM_CHALLENGE's ChallengeParameters: the function's public parameters and the
    user's ``USERNAME`` (the internal one, as observed in amplify-js issue 12887)."""
    return {**public, "USERNAME": username}
