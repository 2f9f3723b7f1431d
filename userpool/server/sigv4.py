"""AWS Signature Version 4 verification for the operations the model marks as signed.

The server knows access keys (``userpool keys``); a request must carry a signature made
with one of them, scoped to service ``cognito-idp`` and to the server's region, within 5
minutes of the server's clock.
Errors are AWS's: MissingAuthenticationTokenException, IncompleteSignatureException,
UnrecognizedClientException, InvalidSignatureException.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from userpool.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from userpool.model import SERVICE

ALGORITHM = "AWS4-HMAC-SHA256"
SKEW = timedelta(minutes=5)
REQUIRED = frozenset({"host", "x-amz-date", "x-amz-target"})
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
UNKNOWN_KEY = "The security token included in the request is invalid."


def _parse(authorization: str) -> tuple[list[str], list[str], str]:
    """(credential scope parts, signed header names, signature) of an Authorization header."""
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(f"Unsupported signature algorithm {algorithm!r}.")
    fields = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise IncompleteSignatureException(
            f"Authorization header requires '{missing[0]}' parameter. Authorization={authorization}"
        )
    credential = fields["Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise IncompleteSignatureException("Authorization header has a malformed Credential.")
    return credential, fields["SignedHeaders"].split(";"), fields["Signature"]


def _canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def _key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _check_time(amz_date: str, now: datetime) -> None:
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignatureException("Missing or malformed X-Amz-Date header.") from None
    stamp = "%Y%m%dT%H%M%SZ"
    if when < now - SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {amz_date} is now earlier than {(now - SKEW).strftime(stamp)} "
            f"({now.strftime(stamp)} - 5 min.)"
        )
    if when > now + SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + SKEW).strftime(stamp)} ({now.strftime(stamp)} + 5 min.)"
        )


def _check_scope(region: str, service: str, server_region: str) -> None:
    """A signature for another region or service is refused before any key is looked up.

    DEVIATION: AWS's texts for a wrong scope, as its endpoints answer them; Cognito's own
    wording is unconfirmed."""
    if region != server_region:
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid region, not '{region[:64]}'. "
        )
    if service != SERVICE:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}'. "
        )


def verify(
    method: str,
    path: str,
    query: str,
    headers: Callable[[str], str | None],
    body: bytes,
    secret_of: Callable[[str], str | None],
    now: datetime,
    server_region: str,
) -> str:
    """The access key id of a correctly signed request, or the AWS error."""
    authorization = headers("authorization")
    if not authorization:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    credential, signed, signature = _parse(authorization)
    if not set(signed) >= REQUIRED:
        # DEVIATION: we insist on signing what names the operation and the host, so a captured
        # signature cannot be replayed as another operation.
        raise InvalidSignatureException(
            "The SignedHeaders must include host, x-amz-date and x-amz-target."
        )
    key_id, date, region, service, _ = credential
    _check_scope(region, service, server_region)
    if headers("x-amz-security-token"):
        raise UnrecognizedClientException(UNKNOWN_KEY)  # no temporary credentials here
    amz_date = headers("x-amz-date") or ""
    _check_time(amz_date, now)
    secret = secret_of(key_id)
    if secret is None:
        raise UnrecognizedClientException(UNKNOWN_KEY)
    canonical_headers = "".join(
        f"{name}:{' '.join((headers(name) or '').split())}\n" for name in signed
    )
    canonical = "\n".join(
        [
            method,
            quote(path or "/", safe="/-_.~"),
            _canonical_query(query),
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    expected = hmac.new(
        _key(secret, date, region, service), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    if not amz_date.startswith(date) or not hmac.compare_digest(expected, signature):
        raise InvalidSignatureException(MISMATCH)
    return key_id
