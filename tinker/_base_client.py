"""The one request pipeline: every call of the SDK goes through ``BaseClient.request``.

The generated endpoint modules (``tinker_api.api.<tag>.<operation>``) say what to send: method,
path, parameters, body. This module decides everything else in one place: base URL and API key,
headers (User-Agent, an idempotency key reused across the retries of one call), timeouts,
retries with backoff that honour the server's Retry-After / retry-after-ms / x-should-retry,
typed errors, and parsing the answer into the pydantic model the caller names.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import platform
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypedDict, TypeVar

import httpx
import orjson
import pydantic

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    TinkerError,
    status_error,
)
from ._version import __version__

__all__ = ["DEFAULT_BASE_URL", "BaseClient", "ClientSettings", "RequestOptions"]

log = logging.getLogger("tinker")

DEFAULT_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 10
# futures long-poll, so many requests wait at once: allow many connections, keep a few alive
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 10.0
MAX_SERVER_RETRY_DELAY = 60.0
USER_AGENT = f"tinker-openapi/{__version__} (Python {platform.python_version()}; {platform.system()})"
_KEY_PREFIXES = ("tml-", "eyJ")

Model = TypeVar("Model", bound=pydantic.BaseModel)


class RequestOptions(TypedDict, total=False):
    """Per-call overrides of the client's settings."""

    timeout: float | httpx.Timeout
    max_retries: int
    headers: dict[str, str]


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to reach the service; explicit arguments win over the environment, which wins over defaults."""

    api_key: str
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    max_retries: int = DEFAULT_MAX_RETRIES
    default_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: dict[str, str] | None = None,
    ) -> ClientSettings:
        key = api_key or os.environ.get("TINKER_API_KEY")
        if not key:
            raise TinkerError("No API key: pass api_key=... or set TINKER_API_KEY")
        if not key.startswith(_KEY_PREFIXES):
            raise TinkerError("The api_key must start with the 'tml-' prefix")
        url = base_url or os.environ.get("TINKER_BASE_URL") or DEFAULT_BASE_URL
        return cls(
            api_key=key,
            base_url=url.rstrip("/") + "/",
            timeout=_as_timeout(timeout) if timeout is not None else DEFAULT_TIMEOUT,
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            default_headers=dict(default_headers or {}),
        )


def _as_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=min(timeout, 5.0))


def should_retry(response: httpx.Response) -> bool:
    """Whether an error answer may pass by itself: the server's x-should-retry, else 408, 409, 429 and 5xx."""
    verdict: str | None = response.headers.get("x-should-retry")
    if verdict in ("true", "false"):
        return verdict == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def retry_delay(retries_taken: int, response: httpx.Response | None) -> float:
    """Seconds to wait before the next try: the server's Retry-After if sane, else backoff with jitter."""
    if response is not None:
        server = _server_retry_after(response.headers)
        if server is not None and 0 < server <= MAX_SERVER_RETRY_DELAY:
            return server
    backoff = min(INITIAL_RETRY_DELAY * 2.0**retries_taken, MAX_RETRY_DELAY)
    return backoff * (1 - 0.25 * random.random())


def _server_retry_after(headers: httpx.Headers) -> float | None:
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return parsed.timestamp() - time.time() if parsed is not None else None


class BaseClient:
    """Sends one operation's request with retries and returns its parsed answer."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._http = http_client or httpx.AsyncClient(
            timeout=settings.timeout, follow_redirects=True, limits=DEFAULT_CONNECTION_LIMITS
        )
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        operation: ModuleType,
        cast_to: type[Model] | None,
        *,
        options: RequestOptions | None = None,
        **arguments: Any,
    ) -> Model | None:
        """Call ``operation`` (a generated endpoint module) and parse a 2xx answer into ``cast_to``."""
        response = await self.send(operation, options=options, **arguments)
        if cast_to is None:
            return None
        try:
            return cast_to.model_validate_json(response.content)
        except pydantic.ValidationError as error:
            raise APIResponseValidationError(response, _decode(response), message=str(error)) from error

    async def send(
        self, operation: ModuleType, *, options: RequestOptions | None = None, **arguments: Any
    ) -> httpx.Response:
        """Send with retries; return the 2xx response or raise the typed error of the last answer."""
        options = options or {}
        request = self._build(operation.build_request(**arguments), options)
        return await self._exchange(request, options.get("max_retries", self.settings.max_retries), stream=False)

    @contextlib.asynccontextmanager
    async def stream(
        self, operation: ModuleType, *, options: RequestOptions | None = None, **arguments: Any
    ) -> AsyncIterator[httpx.Response]:
        """Like ``send``, but the 2xx answer's body is read as it arrives; retries happen before the first byte."""
        options = options or {}
        request = self._build(operation.build_request(**arguments), options)
        response = await self._exchange(request, options.get("max_retries", self.settings.max_retries), stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def _exchange(self, request: httpx.Request, max_retries: int, *, stream: bool) -> httpx.Response:
        retries_taken = 0
        while True:
            response: httpx.Response | None = None
            error: APIConnectionError | None = None
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TimeoutException:
                error = APITimeoutError(request)
            except httpx.TransportError as exc:
                error = APIConnectionError(message=f"Connection error: {exc}", request=request)
            if response is not None and response.is_success:
                log.debug("%s %s -> %d", request.method, request.url, response.status_code)
                return response
            if response is not None and stream:
                await response.aread()
                await response.aclose()
            retryable = response is None or should_retry(response)
            if not retryable or retries_taken >= max_retries:
                if response is not None:
                    raise status_error(response, _decode(response))
                assert error is not None
                raise error
            delay = retry_delay(retries_taken, response)
            outcome = response.status_code if response is not None else type(error).__name__
            log.info("%s %s -> %s; retry %d in %.2fs", request.method, request.url, outcome, retries_taken + 1, delay)
            await self._sleep(delay)
            retries_taken += 1
            request.headers["x-retry-count"] = str(retries_taken)

    def _build(self, kwargs: dict[str, Any], options: RequestOptions) -> httpx.Request:
        method = str(kwargs["method"]).upper()
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "X-API-Key": self.settings.api_key,
            **self.settings.default_headers,
            **kwargs.get("headers", {}),
            **options.get("headers", {}),
        }
        if method != "GET":
            headers.setdefault("X-Idempotency-Key", f"tinker-openapi-{uuid.uuid4()}")
            headers.setdefault("Content-Type", "application/json")
        timeout = _as_timeout(options["timeout"]) if "timeout" in options else self.settings.timeout
        return self._http.build_request(
            method,
            self.settings.base_url + str(kwargs["url"]).lstrip("/"),
            params=kwargs.get("params"),
            headers=headers,
            content=kwargs.get("content"),
            timeout=timeout,
        )


def _decode(response: httpx.Response) -> object | None:
    """The answer's JSON if it has any, else its text (error bodies are read liberally)."""
    try:
        decoded: object = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text or None
    return decoded


def configure_logging() -> None:
    """TINKER_LOG=debug|info turns on the SDK's log lines on stderr."""
    level = os.environ.get("TINKER_LOG", "").upper()
    if level in ("DEBUG", "INFO") and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(level)


configure_logging()
