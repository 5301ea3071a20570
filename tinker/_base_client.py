"""The one request pipeline: every call of the SDK goes through ``BaseClient.request``.

The generated endpoint modules (``tinker_api.api.<tag>.<operation>``) say what to send: method,
path, parameters, body. This module decides everything else in one place: base URL and credential
(the API key, or the JWT it is traded for when the server's ``client/config`` asks, see ``_credentials``),
headers (User-Agent, Cloudflare Access headers, the caller's, an idempotency key reused across the retries
of one call), timeouts, redirects (followed here, so that no credential reaches another origin), retries
with backoff that honour the server's Retry-After / retry-after-ms / x-should-retry, typed errors, and
parsing the answer into the pydantic model the caller names.
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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypedDict, TypeVar

import httpx
import orjson
import pydantic

from tinker_api.api.auth import exchange_auth_token
from tinker_api.api.service import get_client_config
from tinker_api.pydantic_models import AuthTokenResponse, ClientConfigResponse
from tinker_api.types import EncodedBody

from ._credentials import Credentials, JwtCache
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    NotFoundError,
    status_error,
)
from ._response import AsyncAPIResponse, decoded_body
from ._version import SDK_VERSION, __version__

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
MAX_REDIRECTS = 20
USER_AGENT = f"tinker-openapi/{SDK_VERSION} (Python {platform.python_version()}; {platform.system()})"
# the only headers a redirect to another origin keeps: none of them can carry a secret
CROSS_ORIGIN_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "content-encoding",
        "content-type",
        "user-agent",
        "x-idempotency-key",
        "x-retry-count",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

Model = TypeVar("Model", bound=pydantic.BaseModel)


class RequestOptions(TypedDict, total=False):
    """Per-call overrides of the client's settings."""

    timeout: float | httpx.Timeout
    max_retries: int
    headers: dict[str, str]


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to reach the service; explicit arguments win over the environment, which wins over defaults."""

    credentials: Credentials
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    max_retries: int = DEFAULT_MAX_RETRIES
    # sent with every request: the Cloudflare Access headers of the environment, then the caller's (not shown in a
    # repr: the Cloudflare secret is among them)
    default_headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def api_key(self) -> str | None:
        """The static key (argument, TINKER_API_KEY or the stored default); None with only TINKER_CREDENTIAL_CMD."""
        return self.credentials.api_key

    @classmethod
    def resolve(
        cls,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_headers_overrides: Mapping[str, str] | None = None,
    ) -> ClientSettings:
        """``default_headers_overrides`` (0.38's name) win over ``default_headers`` (0.25's), which win over the
        Cloudflare Access headers; header names match whatever their case."""
        url = base_url or os.environ.get("TINKER_BASE_URL") or DEFAULT_BASE_URL
        headers = httpx.Headers(cloudflare_access_headers())
        headers.update(default_headers or {})
        headers.update(default_headers_overrides or {})
        return cls(
            credentials=Credentials.resolve(api_key),
            base_url=url.rstrip("/") + "/",
            timeout=_as_timeout(timeout) if timeout is not None else DEFAULT_TIMEOUT,
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            default_headers={name.decode(): value.decode() for name, value in headers.raw},
        )


def cloudflare_access_headers() -> dict[str, str]:
    """A Cloudflare Access service token from the environment, each header only when its variable is set."""
    headers = {}
    if client_id := os.environ.get("CLOUDFLARE_ACCESS_CLIENT_ID"):
        headers["CF-Access-Client-Id"] = client_id
    if client_secret := os.environ.get("CLOUDFLARE_ACCESS_CLIENT_SECRET"):
        headers["CF-Access-Client-Secret"] = client_secret
    return headers


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
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:  # an HTTP date; anything else (``soon``) is no advice, and the own backoff applies
        return email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class BaseClient:
    """Sends one operation's request with retries and returns its parsed answer.

    It owns what it opened (the connection pool when no ``http_client`` was given, the JWT renewal) and closes
    only that in ``aclose``: a caller's ``http_client`` stays open for the caller to close, as httpx and
    openai-python do with clients they did not create.
    """

    def __init__(
        self,
        settings: ClientSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=settings.timeout, limits=DEFAULT_CONNECTION_LIMITS)
        self._sleep = sleep
        self._config: ClientConfigResponse | None = None
        self._config_lock = asyncio.Lock()
        self._jwt = JwtCache(self._exchange_token)
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        self._closed = True
        await self._jwt.aclose()
        if self._owns_http:
            await self._http.aclose()

    async def config(self) -> ClientConfigResponse:
        """``client/config``, fetched once before anything else (it says how to authenticate); a server
        without it gets the defaults (be liberal)."""
        async with self._config_lock:
            if self._config is None:
                body = EncodedBody(orjson.dumps({"sdk_version": __version__}))
                try:
                    answer = await self.request_raw(get_client_config, ClientConfigResponse, body=body)
                    self._config = await answer.parse()
                except NotFoundError:
                    self._config = ClientConfigResponse()
            return self._config

    async def request(
        self,
        operation: ModuleType,
        cast_to: type[Model] | None,
        *,
        options: RequestOptions | None = None,
        **arguments: Any,
    ) -> Model | None:
        """Call ``operation`` (a generated endpoint module) and parse a 2xx answer into ``cast_to``."""
        if cast_to is None:
            await self.send(operation, options=options, **arguments)
            return None
        answer = await self.request_raw(operation, cast_to, options=options, **arguments)
        return await answer.parse()

    async def request_raw(
        self, operation: ModuleType, cast_to: type[Model], *, options: RequestOptions | None = None, **arguments: Any
    ) -> AsyncAPIResponse[Model]:
        """Like ``request``, but the answer itself: status, headers, retries taken, and ``parse()``."""
        options = options or {}
        request = self._build(operation.build_request(**arguments), options)
        max_retries = options.get("max_retries", self.settings.max_retries)
        response, retries_taken = await self._exchange(request, operation, max_retries, stream=False)
        return AsyncAPIResponse(response, cast_to, retries_taken=retries_taken)

    async def send(
        self, operation: ModuleType, *, options: RequestOptions | None = None, **arguments: Any
    ) -> httpx.Response:
        """Send with retries; return the 2xx response or raise the typed error of the last answer."""
        options = options or {}
        request = self._build(operation.build_request(**arguments), options)
        max_retries = options.get("max_retries", self.settings.max_retries)
        response, _ = await self._exchange(request, operation, max_retries, stream=False)
        return response

    @contextlib.asynccontextmanager
    async def stream(
        self, operation: ModuleType, *, options: RequestOptions | None = None, **arguments: Any
    ) -> AsyncIterator[httpx.Response]:
        """Like ``send``, but the 2xx answer's body is read as it arrives; retries happen before the first byte."""
        options = options or {}
        request = self._build(operation.build_request(**arguments), options)
        max_retries = options.get("max_retries", self.settings.max_retries)
        response, _ = await self._exchange(request, operation, max_retries, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def _exchange(
        self, request: httpx.Request, operation: ModuleType, max_retries: int, *, stream: bool
    ) -> tuple[httpx.Response, int]:
        if self._closed:
            raise RuntimeError("this client is closed")
        retries_taken = 0
        replaced_token = False
        while True:
            credential, is_jwt = await self._credential(operation)
            request.headers["X-API-Key"] = credential
            response: httpx.Response | None = None
            error: APIConnectionError | None = None
            try:
                response = await self._send_following_redirects(request, stream=stream)
            except httpx.TimeoutException as exc:
                error = APITimeoutError(request)
                error.__cause__ = exc
            except httpx.TransportError as exc:
                error = APIConnectionError(message=f"Connection error: {exc}", request=request)
                error.__cause__ = exc
            if response is not None and response.is_success:
                log.debug("%s %s -> %d", request.method, request.url, response.status_code)
                return response, retries_taken
            if response is not None and stream:
                await response.aread()
                await response.aclose()
            if response is not None and is_jwt and not replaced_token and _rejects_token(response):
                # a JWT refused before its expiry: trade for a new one and send again, once
                replaced_token = True
                await self._jwt.replace(credential)
                continue
            retryable = response is None or should_retry(response)
            if not retryable or retries_taken >= max_retries:
                if response is not None:
                    raise status_error(response, decoded_body(response))
                assert error is not None
                raise error
            delay = retry_delay(retries_taken, response)
            outcome = response.status_code if response is not None else type(error).__name__
            log.info("%s %s -> %s; retry %d in %.2fs", request.method, request.url, outcome, retries_taken + 1, delay)
            await self._sleep(delay)
            retries_taken += 1
            request.headers["x-retry-count"] = str(retries_taken)

    async def _credential(self, operation: ModuleType) -> tuple[str, bool]:
        """The X-API-Key of a request, and whether it is the JWT: ``client/config`` and the exchange carry the
        base credential; everything else the JWT when the server asks for JWTs, else the static key."""
        credentials = self.settings.credentials
        if operation is get_client_config:
            return await credentials.base(command_first=False), False
        config = await self.config()
        if operation is exchange_auth_token:
            return await credentials.base(command_first=config.credential_default_source == "credential_cmd"), False
        if config.pjwt_auth_enabled:
            return await self._jwt.token(), True
        return credentials.static_key(), False

    async def _exchange_token(self) -> str:
        answer = await self.request_raw(exchange_auth_token, AuthTokenResponse, body=EncodedBody(b"{}"))
        return (await answer.parse()).jwt

    async def _send_following_redirects(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        """httpx would keep every header but Authorization on a redirect to another host; here a redirect to
        another origin keeps only CROSS_ORIGIN_HEADERS, so no key, token or caller's header goes along."""
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._http.send(request, stream=stream, follow_redirects=False)
            if not response.has_redirect_location:
                return response
            await response.aclose()
            request = _redirected(request, response)
        raise APIConnectionError(message=f"more than {MAX_REDIRECTS} redirects", request=request)

    def _build(self, kwargs: dict[str, Any], options: RequestOptions) -> httpx.Request:
        method = str(kwargs["method"]).upper()
        headers = httpx.Headers({"User-Agent": USER_AGENT, "Accept": "application/json"})
        headers.update(self.settings.default_headers)
        headers.update(kwargs.get("headers", {}))
        headers.update(options.get("headers", {}))
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


def _rejects_token(response: httpx.Response) -> bool:
    """The server refused the token itself (RFC 6750 ``invalid_token``), not the request."""
    return response.status_code == 401 and 'error="invalid_token"' in response.headers.get("WWW-Authenticate", "")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _redirected(request: httpx.Request, response: httpx.Response) -> httpx.Request:
    """The request a redirect asks for: a POST that a 301/302/303 redirects becomes a GET without a body."""
    url = request.url.join(response.headers["Location"])
    method = request.method
    if (response.status_code == 303 and method != "HEAD") or (response.status_code in (301, 302) and method == "POST"):
        method = "GET"
    headers = httpx.Headers(
        [(name, value) for name, value in request.headers.multi_items() if name not in ("host", "content-length")]
    )
    if _origin(url) != _origin(request.url):
        headers = httpx.Headers(
            [(name, value) for name, value in headers.multi_items() if name in CROSS_ORIGIN_HEADERS]
        )
    content: bytes | None = request.content
    if method != request.method:
        content = None
        for name in ("Content-Type", "Content-Encoding", "Transfer-Encoding"):
            headers.pop(name, None)
    return httpx.Request(method, url, headers=headers, content=content, extensions=request.extensions)


def configure_logging() -> None:
    """TINKER_LOG=debug|info turns on the SDK's log lines on stderr."""
    level = os.environ.get("TINKER_LOG", "").upper()
    if level in ("DEBUG", "INFO") and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        log.addHandler(handler)
        log.setLevel(level)


configure_logging()
