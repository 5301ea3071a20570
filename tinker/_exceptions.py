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
    "CircuitOpenError",
    "ConflictError",
    "ExperimentalWarning",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgressTimeoutError",
    "RateLimitError",
    "RequestFailedError",
    "ResultTimeoutError",
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
    # set when a retry bound ended the call: which operation, which request, after how many tries
    operation: str | None = None
    attempts: int | None = None

    def __init__(self, message: str, request: httpx.Request, *, body: object | None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body

    def annotate(self, operation: str, request_id: str | None, attempts: int) -> None:
        """Name the call this error ended, once its retries are spent."""
        if self.operation is not None:
            return
        self.operation, self.attempts = operation, attempts
        where = f"{operation}, request {request_id}" if request_id else operation
        self.message = f"{self.message} ({where}: gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
        self.args = (self.message,)


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


class SequenceConflictError(ConflictError):
    """A training request's future failed with a 409 "sequence conflict" (its ``seq_id`` was not the one the server
    expected) and this client could not send it again without risking running it out of order. ``seq_id`` is the
    request's number in this client, ``got`` the number it went out with, ``expected`` the one the server wanted;
    ``ran`` is False when the server did not run it, None when it may have (a copy of it that reached the server
    twice, or a resend that got no answer): then its result is unknown, and repeating it may apply it twice. The
    message says which, and why. Calls made after it go on."""

    def __init__(
        self, error: APIStatusError, *, seq_id: int, expected: int, got: int, reason: str, ran: bool | None = False
    ) -> None:
        outcome = "was not run" if ran is False else "may have run (its result is unknown)"
        super().__init__(
            f"{error.message} (the request with seq_id {seq_id}, sent as {got}, {outcome}: {reason})",
            response=error.response,
            body=error.body,
        )
        self.seq_id = seq_id
        self.expected = expected
        self.got = got
        self.ran = ran


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


def connection_error(request: httpx.Request, error: httpx.RequestError) -> APIConnectionError:
    """The typed error for an exchange that got no (complete) answer; raise it ``from error`` so that
    ``__cause__`` tells a connect timeout from a read timeout."""
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(request)
    return APIConnectionError(message=f"Connection error: {type(error).__name__}: {error}", request=request)


class ProgressTimeoutError(APIConnectionError):
    """A wait made no progress within its bound (``progress_timeout``): the server kept answering "not yet", or
    an earlier request of the same client never went out. An APIConnectionError, as 0.38 raises for a stuck
    sampler, so its ``except`` clauses catch it."""

    def __init__(
        self,
        *,
        timeout: float,
        operation: str,
        request_id: str | None,
        last_status: int | str | None,
        request: httpx.Request | None = None,
        reason: str = "Requests appear to be stuck",
    ) -> None:
        where = f"{operation}, request {request_id}" if request_id else operation
        super().__init__(
            message=f"No progress made in {timeout:g}s. {reason} ({where}; last status: {last_status}).",
            request=request if request is not None else httpx.Request("POST", f"tinker:{operation}"),
        )
        self.timeout = timeout
        self.operation = operation
        self.request_id = request_id
        self.last_status = last_status


class ResultTimeoutError(TimeoutError, TinkerError):
    """``result(timeout)`` or ``result_async(timeout)`` waited its time; the work it waited for goes on."""

    def __init__(self, what: str, timeout: float) -> None:
        super().__init__(
            f"{what} did not finish within {timeout:g}s; it goes on: wait again for its result, or cancel() it"
        )
        self.what = what
        self.timeout = timeout


class CircuitOpenError(APIConnectionError):
    """The server has stopped answering (most of the latest tries failed), so the call fails at once instead of
    spending its retry budget; a probe goes through after ``retry_in`` seconds. An APIConnectionError, so existing
    ``except`` clauses catch it."""

    def __init__(self, *, server: str, operation: str, retry_in: float, request: httpx.Request | None = None) -> None:
        super().__init__(
            message=(
                f"{server} is not answering (circuit breaker open); {operation} was not sent. "
                f"The next probe goes in {retry_in:.1f}s."
            ),
            request=request if request is not None else httpx.Request("POST", f"tinker:{operation}"),
        )
        self.server = server
        self.operation = operation
        self.retry_in = retry_in


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


def error_detail(error: APIStatusError) -> str | None:
    """The error's ``detail`` as FastAPI writes it (or the body, when it is text), stripped; None otherwise."""
    body = error.body.get("detail") if isinstance(error.body, dict) else error.body
    return body.strip() if isinstance(body, str) else None


def unrouted(error: APIStatusError) -> bool:
    """A 404/405 from routing (the web framework's bare "Not Found" / "Method Not Allowed", or no detail): the server
    has no such route, so no handler saw the request, as opposed to a handler's answer about what it names. (A
    handler that raises a bare 404 itself answers the same; none of the servers this SDK is tried against does so.)"""
    detail = (error_detail(error) or "").lower()
    return error.status_code in (404, 405) and detail in ("", "not found", "method not allowed")


class ExperimentalWarning(UserWarning):
    """Issued by methods the official SDK marks experimental."""
