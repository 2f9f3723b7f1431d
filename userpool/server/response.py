"""The answer to one request, as every transport sends it, and its HTTP/1.1 framing."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

_REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def frame(self, method: str, keep_alive: bool, date: str) -> bytes:
        """The answer as our HTTP server writes it (a HEAD's without its body)."""
        status = self.status
        body = b"" if method == "HEAD" else self.body
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n"
            f"date: {date}\r\ncontent-length: {len(self.body)}\r\n"
        ]
        head += [f"{name}: {value}\r\n" for name, value in self.headers]
        if not keep_alive:
            head.append("connection: close\r\n")
        head.append("\r\n")
        return "".join(head).encode("latin-1") + body
