"""Python callables (``python:module:function``) run in-process, in a thread, for tests and
simple setups; ``function(event)`` returns the (modified) event, or raises to fail."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import orjson

from userpool.triggers.http import FunctionError, HTTPError


class PythonInvoker:
    def __init__(self, target: str) -> None:
        module, _, name = target.partition(":")
        self.module, self.name = module, name

    def _function(self) -> Callable[[dict[str, Any]], Any]:
        try:
            fn = getattr(importlib.import_module(self.module), self.name)
        except (ImportError, AttributeError) as exc:
            raise HTTPError("ResourceNotFoundException", retriable=False) from exc
        return fn  # type: ignore[no-any-return]

    async def invoke(self, event: dict[str, Any]) -> bytes:
        fn = self._function()
        try:
            result = await asyncio.to_thread(fn, event)
        except Exception as exc:
            raise FunctionError(str(exc)) from exc
        try:
            return orjson.dumps(result)
        except TypeError:
            return b"<not JSON>"
