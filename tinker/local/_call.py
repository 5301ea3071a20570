"""What a handler receives: one checked request, on behalf of one tenant."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic

from ._service import Service

M = TypeVar("M", bound=pydantic.BaseModel)


def digest_of(raw_body: bytes) -> str:
    """Identifies a payload, so that a resubmission is told apart from a different request."""
    return hashlib.sha256(raw_body).hexdigest()


@dataclass(frozen=True)
class Call:
    """``digest`` is ``digest_of(raw_body)``, computed once by the app (off the event loop for a large body)."""

    service: Service
    owner: str
    body: pydantic.BaseModel | None
    raw_body: bytes
    digest: str
    media_type: str | None
    query: dict[str, Any]
    path: dict[str, Any]
    headers: Mapping[str, str]

    def model(self, kind: type[M]) -> M:
        assert isinstance(self.body, kind), f"expected a {kind.__name__} body"
        return self.body

    def accepts_protobuf(self) -> bool:
        return "application/x-protobuf" in self.headers.get("accept", "")


Result = pydantic.BaseModel | dict[str, Any] | None
Handler = Callable[[Call], Awaitable[Any]]
