"""The upload of a user import job's CSV: an HTTP PUT to the job's pre-signed URL
(``domain/upload_urls.py``), answered as S3 answers one.

The URL is checked as soon as the request's headers are in (its parameters, its signature
over the job and the expiry, the signed ``x-amz-server-side-encryption`` header), before
the body is read; the body then streams to an anonymous temporary file, a bounded chunk at
a time (our HTTP server hands each piece over as it arrives: ``http.py``), never held
whole in memory, and at most ``MAX_UPLOAD`` bytes. Once it is all in, it is copied into the
store in chunks (one short transaction each, yielding to the event loop between them), and
the job is given the new upload in one transaction, only while it is Created; the previous
upload's chunks go. The answer is S3's: 200 with the body's MD5 as ``ETag``, or an XML
``<Error>`` (``AuthorizationQueryParametersError``, ``SignatureDoesNotMatch``,
``AccessDenied``, ``EntityTooLarge``, ``SlowDown``).

DEVIATION: a PUT for a job that is no longer Created, or that does not exist, is
``AccessDenied`` (S3 would store the object; Cognito would not read it again).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Callable
from typing import IO, Protocol
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from userpool.domain import ids, upload_urls
from userpool.domain.ids import new_request_id
from userpool.domain.ports import NotFound
from userpool.domain.services import Call
from userpool.domain.user_import import CREATED, MAX_UPLOAD
from userpool.errors import CognitoError
from userpool.server.response import Response
from userpool.services import Runtime

CHUNK = 512 * 1024  # bytes of the CSV per stored chunk

_MISSING = (
    400,
    "AuthorizationQueryParametersError",
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
)
_MISMATCH = (
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.",
)
_EXPIRED = (403, "AccessDenied", "Request has expired")
_DENIED = (403, "AccessDenied", "Access Denied")
_TOO_LARGE = (400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
_SLOW_DOWN = (503, "SlowDown", "Please reduce your request rate.")
_PROBLEMS = {
    upload_urls.MISSING: _MISSING,
    upload_urls.MISMATCH: _MISMATCH,
    upload_urls.EXPIRED: _EXPIRED,
}


def claims(method: str, path: str) -> bool:
    """Whether the request is an upload of this module's (the one routing rule)."""
    return method == "PUT" and path.startswith(upload_urls.PREFIX)


class Server(Protocol):
    """What ``begin`` needs of the HTTP server: its services."""

    svc: Runtime


def begin(
    server: Server, method: bytes, url: bytes, headers: Callable[[str], str | None]
) -> Upload | None:
    """The upload a request whose headers are in begins (judged now), or None if it is no
    upload: how our HTTP server streams an import job's CSV to a file."""
    path, _, query = url.decode("latin-1").partition("?")
    if not claims(method.decode("latin-1"), path):
        return None
    return Upload(server.svc, path, query, headers)


def _error(request_id: str, status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    )
    headers = [("content-type", "application/xml"), ("x-amz-request-id", request_id)]
    return Response(status, headers, body.encode())


class Upload:
    """One PUT's body on its way to the store: judged at its headers (``refusal`` is then
    the answer), then written to a temporary file as it arrives."""

    def __init__(
        self, svc: Runtime, path: str, query: str, headers: Callable[[str], str | None]
    ) -> None:
        self.request_id = new_request_id()
        self.target = upload_urls.job_of(path)
        self.refusal: Response | None = None
        self.size = 0
        self.lines = 0
        self.ends_line = True  # the body so far ends with a line end (or is empty)
        self.digest = hashlib.md5(usedforsecurity=False)
        self.file: IO[bytes] | None = None
        self.aborted = False  # its declared length is over the limit: answer before the body
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        encryption = headers("x-amz-server-side-encryption")
        found = upload_urls.problem(svc.key, path, params, encryption, svc.clock.now())
        length = headers("content-length") or ""
        if self.target is None:
            self._refuse(_DENIED)
        elif found is not None:
            self._refuse(_PROBLEMS[found])
        elif length.isdigit() and int(length) > MAX_UPLOAD:
            self._refuse(_TOO_LARGE)
            self.aborted = True
        else:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())

    def _refuse(self, problem: tuple[int, str, str]) -> None:
        self.refusal = _error(self.request_id, *problem)
        self.close()

    def write(self, data: bytes) -> bool:
        """Take the next piece of the body; False once the body is over ``MAX_UPLOAD`` (the
        connection then answers ``refusal`` and closes)."""
        self.size += len(data)
        if self.size > MAX_UPLOAD:
            if self.refusal is None:
                self._refuse(_TOO_LARGE)
            return False
        if self.file is not None and data:
            self.file.write(data)
            self.digest.update(data)
            self.lines += data.count(b"\n")
            self.ends_line = data.endswith(b"\n")
        return True

    def close(self) -> None:
        """Drop the temporary file (once answered, or when the connection is lost)."""
        if self.file is not None:
            self.file.close()
            self.file = None


async def receive(
    svc: Runtime,
    call: Call,
    path: str,
    query: str,
    headers: Callable[[str], str | None],
    body: bytes,
    upload: Upload | None,
) -> Response:
    """The answer to an upload: ``upload`` as our HTTP server streamed it, or else one made
    here of the whole ``body`` (another server in front, the in-process harness)."""
    if upload is None:
        upload = Upload(svc, path, query, headers)
        upload.write(body)
    try:
        svc.limiter.admit("ip", call.source_ip)
    except CognitoError:
        upload.close()
        return _error(upload.request_id, *_SLOW_DOWN)
    try:
        return await _store(svc, upload)
    finally:
        upload.close()


async def _store(svc: Runtime, upload: Upload) -> Response:
    if upload.refusal is not None or upload.file is None or upload.target is None:
        return upload.refusal or _error(upload.request_id, *_DENIED)
    pool_id, job_id = upload.target
    if not _open_to_upload(svc, pool_id, job_id):
        return _error(upload.request_id, *_DENIED)
    upload_id = ids.token(12)
    upload.file.seek(0)
    seq = 0
    while data := upload.file.read(CHUNK):
        with svc.store.transaction() as tx:
            tx.put_import_chunk(pool_id, job_id, upload_id, seq, data)
        seq += 1
        await asyncio.sleep(0)  # requests run between the chunks
    lines = upload.lines + (0 if upload.ends_line else 1)
    with svc.store.transaction() as tx:
        try:
            job = tx.get_import_job(job_id, lock=True)
        except NotFound:
            tx.drop_import_chunks(job_id)
            return _error(upload.request_id, *_DENIED)
        if job.pool_id != pool_id or job.status != CREATED:
            tx.drop_import_chunks(job_id, keep=job.upload)
            return _error(upload.request_id, *_DENIED)
        job.upload, job.size, job.lines = upload_id, upload.size, lines
        tx.update_import_job(job, (CREATED,))
        tx.drop_import_chunks(job_id, keep=upload_id)
    headers = [
        ("etag", f'"{upload.digest.hexdigest()}"'),
        ("x-amz-server-side-encryption", upload_urls.ENCRYPTION),
        ("x-amz-request-id", upload.request_id),
    ]
    return Response(200, headers, b"")


def _open_to_upload(svc: Runtime, pool_id: str, job_id: str) -> bool:
    """Whether the job exists in the pool and is Created (checked again at the end)."""
    with svc.store.read() as tx:
        try:
            job = tx.get_import_job(job_id)
        except NotFound:
            return False
    return job.pool_id == pool_id and job.status == CREATED
