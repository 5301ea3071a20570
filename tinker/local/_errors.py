"""Errors as FastAPI writes them: ``{"detail": ...}``; failed validation is 422 with a list of locations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class HTTPError(Exception):
    """An answer other than success; ``detail`` names what was wrong."""

    def __init__(self, status_code: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers


def bad_request(detail: str) -> HTTPError:
    """A client mistake that no client retries."""
    return HTTPError(400, detail)


def too_many(detail: str, retry_after: int = 1) -> HTTPError:
    """A bound that frees on its own as work finishes: clients wait Retry-After seconds and send it again."""
    return HTTPError(429, detail, {"Retry-After": str(retry_after)})


def not_found(detail: str) -> HTTPError:
    return HTTPError(404, detail)


def gone(detail: str) -> HTTPError:
    return HTTPError(410, detail)


def unauthorized(detail: str) -> HTTPError:
    return HTTPError(401, detail)


def invalid(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> HTTPError:
    """A 422 for one field, shaped like FastAPI's request validation errors."""
    return invalid_many([(loc, msg, kind)])


def invalid_many(errors: Sequence[tuple[Sequence[str | int], str, str]]) -> HTTPError:
    return HTTPError(422, [{"loc": list(loc), "msg": msg, "type": kind} for loc, msg, kind in errors])
