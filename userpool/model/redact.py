"""Masking for logs: sensitive members (the model's ``"sensitive": true``) become ``***``.

``mask_request(op, body)`` and ``mask_response(op, body)`` return a copy of a wire dict
in which every member whose shape is sensitive keeps its key and shows ``***`` instead
of its value; structures, lists and maps are walked. The walk is compiled once per
operation from botocore's cognito-idp model, like the validator.

Beyond the model's marks:

- ``ConfirmationCodeType`` (``ConfirmationCode``, ``Code``) and the SRP verifier of
  ``DeviceSecretVerifierConfigType`` are masked too: botocore leaves them unmarked, yet a
  live code confirms an account and a verifier allows an offline password guess.
- The values of challenge and auth parameter maps under keys that name a secret
  (``SECRET_BLOCK``, answers, usernames...): their values are plain strings in the model,
  so ``ChallengeParameters`` of a response (``SECRET_BLOCK`` of SRP) would show.
- Members the model does not know, and values of the wrong kind (a list where a string
  belongs), are masked: nothing vouches for them.

``format_failure(exc, values)`` renders a traceback (frames and messages; Python never
prints locals) with those hidden values cut out of it, since an exception's message may
quote the input (``invalid literal for int(): 'hunter2'``).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from userpool.model import service_model
from userpool.model.compiled import ShapeCompiler

MASK = "***"
EXTRA_SENSITIVE = frozenset({"ConfirmationCodeType", "DeviceSecretVerifierConfigType"})
PARAMETER_MAPS = frozenset(
    {"ChallengeParametersType", "ChallengeResponsesType", "AuthParametersType"}
)
# Keys of those maps whose values are secret (or a username, sensitive elsewhere in the model).
SECRET_PARAMETERS = frozenset(
    {
        "SECRET_BLOCK",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE",
        "SECRET_HASH",
        "PASSWORD",
        "NEW_PASSWORD",
        "REFRESH_TOKEN",
        "ANSWER",
        "SMS_MFA_CODE",
        "SOFTWARE_TOKEN_MFA_CODE",
        "EMAIL_OTP_CODE",
        "USERNAME",
        "USER_ID_FOR_SRP",
    }
)

# A walk returns the masked copy of a value and adds every string it hid to ``hidden``.
Walk = Callable[[Any, list[str]], Any]


def _hide(value: Any, hidden: list[str]) -> str:
    """``***`` in place of ``value``; its strings (keys and values, nested) go to ``hidden``."""
    stack = [value]  # walked without recursion: JSON may nest deeper than Python's stack
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            hidden.append(item)
        elif isinstance(item, dict):
            for k, v in item.items():
                stack += (v, k)
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return MASK


def _keep_scalar(value: Any, hidden: list[str]) -> Any:
    return _hide(value, hidden) if isinstance(value, (dict, list)) else value


class _Compiler(ShapeCompiler[Walk]):
    def build(self, name: str) -> Walk:
        shape = self.shapes[name]
        if shape.get("sensitive") or name in EXTRA_SENSITIVE:
            return _hide
        kind = shape["type"]
        if kind == "structure":
            return self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return _parameters if name in PARAMETER_MAPS else self._map(shape)
        return _keep_scalar

    def _member(self, spec: dict[str, Any]) -> Walk:
        return _hide if spec.get("sensitive") else self.get(spec["shape"])

    def _structure(self, shape: dict[str, Any]) -> Walk:
        members: dict[str, Walk] = {
            m: self._member(spec) for m, spec in shape.get("members", {}).items()
        }

        def walk(value: Any, hidden: list[str]) -> Any:
            if not isinstance(value, dict):
                return _hide(value, hidden)
            out: dict[str, Any] = {}
            for key, item in value.items():
                member_walk: Walk = members.get(key, _hide)
                out[key] = None if item is None else member_walk(item, hidden)
            return out

        return walk

    def _list(self, shape: dict[str, Any]) -> Walk:
        item_walk = self._member(shape["member"])

        def walk(value: Any, hidden: list[str]) -> Any:
            if not isinstance(value, list):
                return _hide(value, hidden)
            return [None if item is None else item_walk(item, hidden) for item in value]

        return walk

    def _map(self, shape: dict[str, Any]) -> Walk:
        if self._member(shape["key"]) is _hide:
            return _hide  # keys are the secret: nothing of the map can be shown
        value_walk = self._member(shape["value"])

        def walk(value: Any, hidden: list[str]) -> Any:
            if not isinstance(value, dict):
                return _hide(value, hidden)
            return {k: None if v is None else value_walk(v, hidden) for k, v in value.items()}

        return walk


def _parameters(value: Any, hidden: list[str]) -> Any:
    """A parameters map: names shown, the values of secret ones (and non-strings) hidden."""
    if not isinstance(value, dict):
        return _hide(value, hidden)
    return {
        k: _hide(v, hidden) if k in SECRET_PARAMETERS or not isinstance(v, str) else v
        for k, v in value.items()
    }


@cache
def _compiler() -> _Compiler:
    return _Compiler(service_model()["shapes"])


@cache
def _walks(operation: str) -> tuple[Walk, Walk]:
    """(input walk, output walk) of one operation, compiled on first use."""
    op = service_model()["operations"].get(operation)
    if op is None:
        return _hide_members, _hide_members
    walks = []
    for part in ("input", "output"):
        shape = op.get(part, {}).get("shape")
        walks.append(_compiler().get(shape) if shape else _hide_members)
    return walks[0], walks[1]


def _hide_members(value: Any, hidden: list[str]) -> Any:
    """No shape to go by (an unknown operation): keep the keys, hide every value."""
    if not isinstance(value, dict):
        return _hide(value, hidden)
    return {k: _hide(v, hidden) for k, v in value.items()}


def mask_request(operation: str, body: dict[str, Any], hidden: list[str] | None = None) -> Any:
    """A copy of a request of ``operation`` with sensitive values replaced by ``***``.

    The strings it hid are added to ``hidden`` when given (see ``format_failure``).
    """
    return _walks(operation)[0](body, [] if hidden is None else hidden)


def mask_response(operation: str, body: dict[str, Any]) -> Any:
    """A copy of a response of ``operation`` with sensitive values replaced by ``***``."""
    return _walks(operation)[1](body, [])


def hidden_values(operation: str, body: dict[str, Any]) -> list[str]:
    """The strings of a request that ``mask_request`` hides."""
    hidden: list[str] = []
    mask_request(operation, body, hidden)
    return hidden


def scrub(text: str, values: Iterable[str]) -> str:
    """``text`` with every occurrence of each value replaced by ``***``, longest first.

    Values under 4 characters are replaced only as whole words, so that a short username
    does not eat into the words around it.
    """
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        if len(value) >= 4:
            text = text.replace(value, MASK)
        else:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", MASK, text)
    return text


def format_failure(exc: BaseException, values: Iterable[str]) -> str:
    """The traceback of ``exc`` (chained causes included, no locals), ``values`` cut out."""
    return scrub("".join(traceback.format_exception(exc)).rstrip(), values)
