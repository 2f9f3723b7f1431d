"""The pinned botocore cognito-idp model: operations, shapes, signing and validation.

Everything the wire needs to know about an operation (its input shape, whether it is
signed, its declared errors) comes from here, so a botocore upgrade shows up as a
failing test instead of a silent drift.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.loaders

from userpool.model.validate import Validator, compile_validator

SERVICE = "cognito-idp"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."


@dataclass(frozen=True)
class OperationModel:
    """What the server needs of one modelled operation."""

    name: str
    signed: bool
    errors: frozenset[str]
    validate: Validator


@cache
def service_model() -> dict[str, Any]:
    """The raw botocore model of cognito-idp (loaded once)."""
    loader = botocore.loaders.Loader()
    data: dict[str, Any] = loader.load_service_model(SERVICE, "service-2")
    return data


@cache
def operations() -> dict[str, OperationModel]:
    """Every modelled operation by wire name.

    Built once per process, on first use (a server's first request). The model, its
    compiled validators and everything loaded before them live as long as the process, so
    they are then moved out of the garbage collector's sight (``gc.freeze``): a full
    collection otherwise walks all of them, pausing every request in flight for 10-40 ms
    (the p99 of ConfirmSignUp at c=64 halved without it). Young collections then run
    every 10,000 allocations instead of 700: a request's objects mostly die with it, by
    reference counting, so each collection frees little and fewer of them cost less
    (ConfirmSignUp: -0.9 % instructions)."""
    model = service_model()
    shapes = _as_cognito_checks(model["shapes"])
    out: dict[str, OperationModel] = {}
    for name, op in model["operations"].items():
        input_shape = op.get("input", {}).get("shape")
        out[name] = OperationModel(
            name=name,
            signed=op.get("authtype") != "none",
            errors=frozenset(e["shape"] for e in op.get("errors", [])),
            validate=compile_validator(shapes, input_shape),
        )
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    return out


def _as_cognito_checks(shapes: dict[str, Any]) -> dict[str, Any]:
    """The shapes as Cognito's front end checks them: ``DomainType`` is modelled as a
    prefix (63 characters at most, no dots) yet carries custom domains (host names) too,
    and a bad prefix is answered with the service's own text, so its pattern and length
    are left to the domain operations (``domain.oauth``)."""
    domain = {k: v for k, v in shapes["DomainType"].items() if k not in ("pattern", "max")}
    return {**shapes, "DomainType": domain}


def operation_named(target: str) -> str:
    """The operation an ``X-Amz-Target`` header names, or "" if it names none we model."""
    name = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
    return name if name in operations() else ""
