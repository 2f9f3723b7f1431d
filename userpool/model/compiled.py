"""One function per shape of the service model, built once and cached: the base of the
validator (``validate.py``) and of the log masking (``redact.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


class ShapeCompiler(Generic[F]):
    """``get(name)`` builds the function of shape ``name`` once (``build``); a shape that
    contains itself is given a stand-in that calls the finished function."""

    def __init__(self, shapes: dict[str, Any]) -> None:
        self.shapes = shapes
        self.cache: dict[str, F] = {}

    def get(self, name: str) -> F:
        if name not in self.cache:
            self.cache[name] = cast(F, lambda *args: self.cache[name](*args))
            self.cache[name] = self.build(name)
        return self.cache[name]

    def build(self, name: str) -> F:
        raise NotImplementedError
