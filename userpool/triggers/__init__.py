"""Triggers: the pool's LambdaConfig names a function ARN per trigger; the server maps ARNs
to invokers (Lambda Invoke API, HTTP webhook, Python callable) and turns every failure
into Cognito's error. Invocations run outside any database transaction, each bounded by
the trigger timeout (Cognito's 5 s), and each one is recorded for ``userpool triggers log``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from userpool.domain.entities import Pool
from userpool.domain.ports import Store, TriggerInvocation
from userpool.errors import (
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    UserLambdaValidationException,
)
from userpool.triggers.http import FunctionError, HTTPError, WebhookInvoker
from userpool.triggers.lambda_invoke import LambdaInvoker
from userpool.triggers.python_callable import PythonInvoker

ATTEMPTS = 3


class Invoker(Protocol):
    async def invoke(self, event: dict[str, Any]) -> bytes: ...


@dataclass
class Triggers:
    """Finds and runs the function a pool configured for a trigger."""

    store: Store
    routes: dict[str, str]  # function ARN -> where it runs (see ``invoker``)
    lambda_endpoint: str | None
    region: str
    timeout: float = 5.0

    @staticmethod
    def arn(pool: Pool, trigger: str) -> str | None:
        config = pool.config.get("LambdaConfig") or {}
        if trigger == "PreTokenGeneration" and config.get("PreTokenGenerationConfig"):
            return str(config["PreTokenGenerationConfig"]["LambdaArn"])
        value = config.get(trigger)
        return str(value) if value else None

    def invoker(self, arn: str) -> Invoker | None:
        target = self.routes.get(arn)
        if target is None:
            if self.lambda_endpoint:
                return LambdaInvoker(self.lambda_endpoint, arn, self.region)
            return None
        if target.startswith(("http://", "https://")):
            return WebhookInvoker(target)
        if target.startswith("lambda+"):
            return LambdaInvoker(target.removeprefix("lambda+"), arn, self.region)
        return PythonInvoker(target.removeprefix("python:"))

    async def run(self, pool: Pool, trigger: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """The function's output event, or None when the pool has no such trigger."""
        arn = self.arn(pool, trigger)
        if arn is None:
            return None
        started = time.time()
        try:
            output = await self._call(arn, trigger, event)
        except Exception as exc:
            self._log(pool, trigger, event, started, type(exc).__name__, str(exc))
            raise
        self._log(pool, trigger, event, started, "ok", None)
        return output

    async def _call(self, arn: str, trigger: str, event: dict[str, Any]) -> dict[str, Any]:
        invoker = self.invoker(arn)
        if invoker is None:
            # DEVIATION: a function we cannot reach is reported as Cognito reports a missing one.
            raise UnexpectedLambdaException(
                f"{trigger} invocation failed due to error ResourceNotFoundException."
            )
        for attempt in range(ATTEMPTS):
            try:
                raw = await asyncio.wait_for(invoker.invoke(event), self.timeout)
                return _parse_output(raw)
            except TimeoutError:
                # DEVIATION: a timeout is not retried, so the caller waits one timeout at most.
                raise UnexpectedLambdaException(
                    f"{trigger} invocation failed due to error Socket timeout while invoking "
                    "Lambda function."
                ) from None
            except FunctionError as exc:
                raise UserLambdaValidationException(f"{trigger} failed with error {exc}.") from None
            except HTTPError as exc:
                if not exc.retriable or attempt == ATTEMPTS - 1:
                    raise UnexpectedLambdaException(
                        f"{trigger} invocation failed due to error {exc}."
                    ) from None
        raise AssertionError("unreachable")

    def _log(
        self,
        pool: Pool,
        trigger: str,
        event: dict[str, Any],
        started: float,
        outcome: str,
        error: str | None,
    ) -> None:
        self.store.record_invocation(
            TriggerInvocation(
                pool.id,
                trigger,
                str(event.get("triggerSource")),
                str(event.get("userName")),
                started,
                (time.time() - started) * 1000,
                outcome,
                error,
            )
        )


def _parse_output(raw: bytes) -> dict[str, Any]:
    try:
        output = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidLambdaResponseException(
            "Invalid lambda function output : Invalid JSON"
        ) from None
    if not isinstance(output, dict):
        raise InvalidLambdaResponseException("Unrecognizable lambda output")
    return output
