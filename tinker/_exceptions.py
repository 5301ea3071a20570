"""The error hierarchy, named and shaped as the official SDK's so that ``except`` clauses carry over."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BillingError",
    "ConflictError",
    "ExperimentalWarning",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestFailedError",
    "TinkerError",
    "UnprocessableEntityError",
]


class TinkerError(Exception):
    """Base of every error this SDK raises."""


class APIError(TinkerError):
    """An HTTP exchange with the service went wrong."""

    message: str
    request: httpx.Request
    body: object | None

    def __init__(self, message: str, request: httpx.Request, *, body: object | None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body


class APIResponseValidationError(APIError):
    """The service answered, but not with what the document says it answers."""

    response: httpx.Response
    status_code: int

    def __init__(self, response: httpx.Response, body: object | None, *, message: str | None = None) -> None:
        super().__init__(message or "Data returned by API invalid for expected schema.", response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The service answered with a 4xx or 5xx status."""

    response: httpx.Response
    status_code: int
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or unknown."""


class BillingError(APIStatusError):
    """402: the account cannot be billed."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422: the request does not match its schema."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """5xx."""


class APIConnectionError(APIError):
    """No answer: the connection failed or broke."""

    def __init__(self, *, message: str = "Connection error.", request: httpx.Request) -> None:
        super().__init__(message, request, body=None)


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(message="Request timed out.", request=request)


def connection_error(request: httpx.Request, error: httpx.TransportError) -> APIConnectionError:
    """The typed error for an exchange that got no (complete) answer; raise it ``from error`` so that
    ``__cause__`` tells a connect timeout from a read timeout."""
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(request)
    return APIConnectionError(message=f"Connection error: {type(error).__name__}: {error}", request=request)


class RequestFailedError(TinkerError):
    """A future resolved to a failure (``{"error": …, "category": …}``)."""

    def __init__(self, message: str, *, request_id: str, category: str) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.category = category


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: BillingError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx.Response, body: Any) -> APIStatusError:
    """The typed error for a 4xx/5xx answer; its message carries FastAPI's ``detail`` when there is one."""
    detail = body.get("detail") if isinstance(body, dict) else body
    message = f"Error code: {response.status_code} - {detail if detail is not None else response.reason_phrase}"
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _STATUS_ERRORS.get(response.status_code, APIStatusError)
    return cls(message, response=response, body=body)


class ExperimentalWarning(UserWarning):
    """Issued by methods the official SDK marks experimental."""
