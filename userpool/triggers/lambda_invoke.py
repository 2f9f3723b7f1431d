"""The AWS Lambda Invoke API (``POST /2015-03-31/functions/<arn>/invocations``), SigV4 signed.

Works against AWS itself, ``sam local start-lambda`` and LocalStack: the endpoint is a
setting, credentials come from botocore's usual chain (or dummy ones for local targets).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import botocore.session
import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from userpool.triggers.http import FunctionError, HTTPError, _error_message, post


class LambdaInvoker:
    def __init__(self, endpoint: str, arn: str, region: str) -> None:
        self.url = f"{endpoint.rstrip('/')}/2015-03-31/functions/{quote(arn, safe='')}/invocations"
        self.region = _arn_region(arn) or region

    def _headers(self, body: bytes) -> dict[str, str]:
        creds = botocore.session.get_session().get_credentials()
        if creds is None:
            creds = Credentials("local", "local")
        request = AWSRequest(
            "POST",
            self.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Amz-Invocation-Type": "RequestResponse",
            },
        )
        SigV4Auth(creds, "lambda", self.region).add_auth(request)
        return {k: v for k, v in request.headers.items() if k.lower() != "host"}

    async def invoke(self, event: dict[str, Any]) -> bytes:
        body = orjson.dumps(event)
        status, headers, payload = await post(self.url, body, self._headers(body))
        if status == 404:
            raise HTTPError("ResourceNotFoundException", retriable=False)
        if status >= 400:
            message = _error_message(payload) or f"Lambda answered {status}"
            raise HTTPError(message, retriable=status >= 500 or status == 429)
        if "x-amz-function-error" in headers:
            raise FunctionError(_error_message(payload) or "Unhandled")
        return payload


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[3] else None
