"""The pre-signed URL a user import job's CSV is PUT to, pure: shaped as the S3 URL Cognito
answers with (``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires``,
``X-Amz-SignedHeaders``, ``X-Amz-Signature``), but served by this server and signed with
its own key: an HMAC over the method, the path (which names the pool and the job), the
date and the validity, so a URL opens one job's upload, for 15 minutes, and nothing else.

DEVIATION: the signature is ours, not SigV4 (no AWS credentials are involved), and the
URL's host is not part of it, so any name of this server takes the upload. As in S3, the
signed ``x-amz-server-side-encryption`` header must come with the PUT (Cognito's
documented ``curl`` sends ``aws:kms``).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from urllib.parse import quote

PREFIX = "/_userpool/imports/"  # then <pool id>/<job id>
VALIDITY = 900  # seconds (Cognito: "valid for 15 minutes")
ALGORITHM = "AWS4-HMAC-SHA256"
SIGNED_HEADERS = "host;x-amz-server-side-encryption"
ENCRYPTION = "aws:kms"
_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)
# What is wrong with an upload's URL or headers (None: nothing).
MISSING = "missing"  # a query parameter is missing or malformed
MISMATCH = "mismatch"  # the signature, or the signed header, does not match
EXPIRED = "expired"


def path_of(pool_id: str, job_id: str) -> str:
    return f"{PREFIX}{pool_id}/{job_id}"


def job_of(path: str) -> tuple[str, str] | None:
    """(pool id, job id) of an upload path, or None."""
    if not path.startswith(PREFIX):
        return None
    parts = path[len(PREFIX) :].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def _date(moment: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(moment))


def _signature(key: bytes, path: str, date: str, expires: str) -> str:
    derived = hmac.new(key, b"userpool import upload", hashlib.sha256).digest()
    text = f"PUT\n{path}\n{date}\n{expires}".encode()
    return hmac.new(derived, text, hashlib.sha256).hexdigest()


def presigned(base: str, key: bytes, pool_id: str, job_id: str, now: float, region: str) -> str:
    """The URL of the job's upload, valid ``VALIDITY`` seconds from ``now``."""
    path = path_of(pool_id, job_id)
    date = _date(now)
    expires = str(VALIDITY)
    params = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"userpool/{date[:8]}/{region}/s3/aws4_request",
        "X-Amz-Date": date,
        "X-Amz-Expires": expires,
        "X-Amz-SignedHeaders": SIGNED_HEADERS,
        "X-Amz-Signature": _signature(key, path, date, expires),
    }
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())
    return f"{base.rstrip('/')}{path}?{query}"


def problem(
    key: bytes, path: str, params: dict[str, str], encryption: str | None, now: float
) -> str | None:
    """What keeps a PUT to ``path`` with the query ``params`` and the header
    ``x-amz-server-side-encryption`` (``encryption``) from being this server's signed
    upload, checked as S3 checks a pre-signed URL: the parameters, the signature (over the
    signed header too), then the expiry. None when it is one."""
    if any(not params.get(name) for name in _PARAMS) or params["X-Amz-Algorithm"] != ALGORITHM:
        return MISSING
    date, expires = params["X-Amz-Date"], params["X-Amz-Expires"]
    try:
        issued = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return MISSING
    if not expires.isdigit() or not 1 <= int(expires) <= 604800:
        return MISSING
    wanted = _signature(key, path, date, expires)
    given = params["X-Amz-Signature"].encode("utf-8", "replace")
    if not hmac.compare_digest(wanted.encode(), given) or encryption != ENCRYPTION:
        return MISMATCH
    if now > issued + int(expires):
        return EXPIRED
    return None
