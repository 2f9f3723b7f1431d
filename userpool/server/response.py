"""The answer to one request, as every transport sends it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
