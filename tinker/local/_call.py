"""What a handler receives: one checked request, on behalf of one tenant."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic

from ._service import Service

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass
class Call:
    service: Service
    owner: str
    body: pydantic.BaseModel | None
    raw_body: bytes
    media_type: str | None
    query: dict[str, Any]
    path: dict[str, Any]
    headers: Mapping[str, str]

    def model(self, kind: type[M]) -> M:
        assert isinstance(self.body, kind), f"expected a {kind.__name__} body"
        return self.body

    @property
    def digest(self) -> str:
        """Identifies the payload, so that a resubmission is told apart from a different request."""
        return hashlib.sha256(self.raw_body).hexdigest()

    def accepts_protobuf(self) -> bool:
        return "application/x-protobuf" in self.headers.get("accept", "")


Result = pydantic.BaseModel | dict[str, Any] | None
Handler = Callable[[Call], Awaitable[Any]]
