"""The one request pipeline: every call of the SDK goes through ``BaseClient.request``.

The generated endpoint modules (``tinker_api.api.<tag>.<operation>``) say what to send: method,
path, parameters, body. This module decides everything else in one place: base URL and credential
(the API key, or the JWT it is traded for when the server's ``client/config`` asks, see ``_credentials``),
headers (User-Agent, Cloudflare Access headers, the caller's, an idempotency key reused across the retries
of one call), timeouts, redirects (followed here, so that no credential reaches another origin), retries
with backoff that honour the server's Retry-After / retry-after-ms / x-should-retry, typed errors, and
parsing the answer into the pydantic model the caller names. When to retry and how long to pause is asked of
``lib._resilience``, the one module that decides every retry, pause and deadline of the SDK.

Each try is a fresh ``httpx.Request`` built from the operation's ``OperationRequest``; a transport error becomes the
typed error raised ``from`` it, so ``__cause__`` tells a connect timeout from a read timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict, TypeVar

import httpx
import orjson
import pydantic

from tinker_api.api.auth import exchange_auth_token
from tinker_api.api.service import get_client_config
from tinker_api.pydantic_models import AuthTokenResponse, ClientConfigResponse
from tinker_api.types import EncodedBody, OperationRequest

from . import metrics, telemetry
from ._credentials import Credentials, JwtCache
from ._exceptions import APIConnectionError, CircuitOpenError, NotFoundError, connection_error, status_error
from ._response import AsyncAPIResponse, decoded_body
from ._version import SDK_VERSION, __version__
from .lib._resilience import DEFAULT_MAX_RETRIES, Attempts, guards_for, should_retry

__all__ = ["DEFAULT_BASE_URL", "BaseClient", "ClientSettings", "RequestOptions"]

log = logging.getLogger("tinker")

DEFAULT_BASE_URL = "https://tinker.thinkingmachines.dev/services/tinker-prod"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
# futures long-poll, so many requests wait at once: allow many connections, keep a few alive
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=20)
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
    final_statuses: frozenset[int]
    """Answers that end the call at once even where they would be retried (the caller decides what they mean)."""


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``sleep`` and ``clock`` are how this client waits and tells time (tests give a fake pair)."""
        self.settings = settings
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=settings.timeout, limits=DEFAULT_CONNECTION_LIMITS)
        self._sleep = sleep
        self._config: ClientConfigResponse | None = None
        self._config_lock = asyncio.Lock()
        self._jwt = JwtCache(self._exchange_token)
        self._closed = False
        # where this client's events are counted besides the process's metrics (its ServiceClient's registry)
        self.metrics: metrics.Registry = metrics.default_registry
        self._server = telemetry.public_url(settings.base_url)
        # the circuit breaker and 429 window of this server, shared with every client of the process
        self.guards = guards_for(
            settings.base_url, settings.credentials.api_key or settings.credentials.command, clock=clock
        )

    @property
    def is_closed(self) -> bool:
        return self._closed

    async def aclose(self) -> None:
        self._closed = True
        await self._jwt.aclose()
        if self._owns_http:
            await self._http.aclose()

    def secrets_seen(self) -> list[str]:
        """The credentials this client holds beyond its settings (the JWT): what reports must never carry."""
        return [self._jwt.current] if self._jwt.current else []

    async def config(self) -> ClientConfigResponse:
        """``client/config``, fetched once before anything else (it says how to authenticate); a server
        without it gets the defaults (be liberal)."""
        async with self._config_lock:
            if self._config is None:
                body = EncodedBody(orjson.dumps({"sdk_version": __version__}))
                try:
                    answer = await self.request_raw(get_client_config.build_request(body=body), ClientConfigResponse)
                    self._config = await answer.parse()
                except NotFoundError:
                    self._config = ClientConfigResponse()
            return self._config

    async def request(
        self, prepared: OperationRequest, cast_to: type[Model] | None, *, options: RequestOptions | None = None
    ) -> Model | None:
        """Send ``prepared`` (a generated operation's ``build_request(...)``) and parse a 2xx answer into
        ``cast_to``."""
        if cast_to is None:
            await self.send(prepared, options=options)
            return None
        answer = await self.request_raw(prepared, cast_to, options=options)
        return await answer.parse()

    async def request_raw(
        self, prepared: OperationRequest, cast_to: type[Model], *, options: RequestOptions | None = None
    ) -> AsyncAPIResponse[Model]:
        """Like ``request``, but the answer itself: status, headers, retries taken, and ``parse()``."""
        response, retries_taken = await self._exchange(prepared, options or {}, stream=False)
        return AsyncAPIResponse(response, cast_to, retries_taken=retries_taken)

    async def send(self, prepared: OperationRequest, *, options: RequestOptions | None = None) -> httpx.Response:
        """Send with retries; return the 2xx response or raise the typed error of the last answer."""
        response, _ = await self._exchange(prepared, options or {}, stream=False)
        return response

    @contextlib.asynccontextmanager
    async def stream(
        self, prepared: OperationRequest, *, options: RequestOptions | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Like ``send``, but the 2xx answer's body is read as it arrives; retries happen before the first byte."""
        response, _ = await self._exchange(prepared, options or {}, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def _exchange(
        self, prepared: OperationRequest, options: RequestOptions, *, stream: bool
    ) -> tuple[httpx.Response, int]:
        if self._closed:
            raise RuntimeError("this client is closed")
        headers = self._headers(prepared, options)
        attempts = Attempts(
            prepared.operation_id,
            max_retries=options.get("max_retries", self.settings.max_retries),
            request_id=headers.get("X-Idempotency-Key"),
            sleep=self._sleep,
            metrics=self.metrics,
        )
        with telemetry.span(prepared.operation_id, attributes={"tinker.operation": prepared.operation_id}) as current:
            response, retries = await self._tries(prepared, options, headers, attempts, stream=stream)
            if current is not None:
                current.set_attribute("tinker.attempts", attempts.attempt)
            return response, retries

    async def _tries(
        self,
        prepared: OperationRequest,
        options: RequestOptions,
        headers: httpx.Headers,
        attempts: Attempts,
        *,
        stream: bool,
    ) -> tuple[httpx.Response, int]:
        replaced_token = False
        while True:
            attempts.started()
            credential, is_jwt = await self._credential(prepared.operation_id)
            request = self._build(prepared, headers, options, credential=credential, retries=attempts.streak)
            try:
                probe = await self.guards.before(prepared.operation_id, request, self._sleep)
            except CircuitOpenError as closed:
                await attempts.failed(closed)  # at the first try: at once; later: after waiting for the probe
                continue
            try:
                response = await self._try(request, prepared.operation_id, attempts.attempt, stream=stream)
            except httpx.RequestError as exc:
                error = connection_error(request, exc)
                self.guards.unanswered(error, prepared.operation_id, probe)
                if attempts.streak >= attempts.max_retries:
                    raise attempts.exhausted(error) from exc
                await attempts.failed(error)
                continue
            except BaseException:  # cancelled, or a failure that says nothing of the server
                self.guards.breaker.abandon(probe)
                raise
            self.guards.answered(response, prepared.operation_id, probe)
            if response.is_success:
                if log.isEnabledFor(logging.DEBUG):
                    url = telemetry.public_url(str(request.url), query=True)
                    log.debug("%s %s -> %d", request.method, url, response.status_code)
                attempts.ended()
                return response, attempts.streak
            if is_jwt and not replaced_token and _rejects_token(response):
                # a JWT refused before its expiry: trade for a new one and send again, once
                replaced_token = True
                await self._jwt.replace(credential)
                continue
            failure = status_error(response, decoded_body(response))
            if not should_retry(response) or response.status_code in options.get("final_statuses", ()):
                attempts.ended()
                raise failure
            if attempts.streak >= attempts.max_retries:
                raise attempts.exhausted(failure)
            await attempts.failed(failure, response=response)

    async def _try(self, request: httpx.Request, operation: str, attempt: int, *, stream: bool) -> httpx.Response:
        """One try on the wire, told to ``tinker.telemetry`` (request.start, then .stop or .exception) and, with
        OpenTelemetry, in a client span of its own."""
        sent = len(request.content)
        metadata = {
            "operation": operation,
            "method": request.method,
            "attempt": attempt,
            "request_id": request.headers.get("X-Idempotency-Key"),
            "server": self._server,
        }
        telemetry.emit("request.start", {"bytes_sent": sent}, metadata, registry=self.metrics)
        started = time.monotonic()
        with telemetry.span(request.method, "CLIENT", _span_attributes(request, operation, attempt, sent)) as current:
            try:
                response = await self._send_following_redirects(request, stream=stream)
                if stream and not response.is_success:
                    await response.aread()
                    await response.aclose()
            except BaseException as error:
                error_type = f"{type(error).__module__}.{type(error).__qualname__}"
                telemetry.set_error(current, error_type)
                telemetry.emit(
                    "request.exception",
                    {"duration": time.monotonic() - started, "bytes_sent": sent},
                    {**metadata, "error": type(error).__name__},
                    registry=self.metrics,
                )
                raise
            received = 0 if stream and response.is_success else len(response.content)
            if current is not None:
                current.set_attribute("http.response.status_code", response.status_code)
                current.set_attribute("http.response.body.size", received)
                current.set_attribute("network.protocol.version", response.http_version.removeprefix("HTTP/"))
                if response.status_code >= 400:
                    telemetry.set_error(current, str(response.status_code))
            telemetry.emit(
                "request.stop",
                {"duration": time.monotonic() - started, "bytes_sent": sent, "bytes_received": received},
                {**metadata, "status": response.status_code},
                registry=self.metrics,
            )
            return response

    async def _credential(self, operation_id: str) -> tuple[str, bool]:
        """The X-API-Key of a request, and whether it is the JWT: ``client/config`` and the exchange carry the
        base credential; everything else the JWT when the server asks for JWTs, else the static key."""
        credentials = self.settings.credentials
        if operation_id == get_client_config.OPERATION_ID:
            return await credentials.base(command_first=False), False
        config = await self.config()
        if operation_id == exchange_auth_token.OPERATION_ID:
            return await credentials.base(command_first=config.credential_default_source == "credential_cmd"), False
        if config.pjwt_auth_enabled:
            return await self._jwt.token(), True
        return credentials.static_key(), False

    async def _exchange_token(self) -> str:
        answer = await self.request_raw(exchange_auth_token.build_request(body=EncodedBody(b"{}")), AuthTokenResponse)
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

    def _headers(self, prepared: OperationRequest, options: RequestOptions) -> httpx.Headers:
        """The headers of every try of one call, merged by name whatever its case: the SDK's, the client's
        defaults, the operation's, the call's; one idempotency key for all the tries of a call that changes
        something."""
        headers = httpx.Headers({"User-Agent": USER_AGENT, "Accept": "application/json"})
        headers.update(self.settings.default_headers)
        headers.update(prepared.headers)
        headers.update(options.get("headers", {}))
        if prepared.method != "GET":
            headers.setdefault("X-Idempotency-Key", f"tinker-openapi-{uuid.uuid4()}")
            headers.setdefault("Content-Type", "application/json")
        return headers

    def _build(
        self,
        prepared: OperationRequest,
        headers: httpx.Headers,
        options: RequestOptions,
        *,
        credential: str,
        retries: int,
    ) -> httpx.Request:
        """A fresh request for one try: nothing a former try or a redirect changed carries over."""
        headers = headers.copy()
        headers["X-API-Key"] = credential
        if retries:
            headers["x-retry-count"] = str(retries)
        timeout = _as_timeout(options["timeout"]) if "timeout" in options else self.settings.timeout
        return self._http.build_request(
            prepared.method,
            self.settings.base_url + prepared.url.lstrip("/"),
            params=prepared.params,
            headers=headers,
            content=prepared.content,
            timeout=timeout,
        )


def _span_attributes(request: httpx.Request, operation: str, attempt: int, sent: int) -> dict[str, str | int]:
    """A try's attributes by OpenTelemetry's HTTP client conventions (the URL without credentials)."""
    url = request.url
    attributes: dict[str, str | int] = {
        "http.request.method": request.method,
        "url.full": telemetry.public_url(str(url), query=True),
        "server.address": url.host,
        "server.port": url.port or _DEFAULT_PORTS.get(url.scheme, 0),
        "http.request.body.size": sent,
        "tinker.operation": operation,
    }
    if attempt > 1:
        attributes["http.request.resend_count"] = attempt - 1
    return attributes


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
