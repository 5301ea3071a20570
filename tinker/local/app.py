"""The ASGI app: one route per path of the document, each request through the same checks.

Order of checks: authentication (401), body size (413), content type (422) and decoding (400), JSON Schema (422)
and the model's own checks (400), query and path parameters (422); then the answer kept for the request's
idempotency key (``_idempotency``), else the operation's handler, whose client mistakes are 4xx too.

Middleware (``_middleware``) names the tenant of every request's key and, as the endpoint reads the body, applies
the size limit and Content-Encoding; the endpoint's first step refuses a request without a tenant when the
document says the operation needs one, so the 401 comes before the body's checks, as the list says. Every error
is an exception, answered by the app's exception handlers (``{"detail": ...}``). A large body is decoded, checked
and hashed in a worker thread (``_offload``), and SQLite statements run on the store's own thread (``_store``): the
event loop runs neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pydantic
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tinker_api import openapi_document

from . import _files, _ops_rest, _ops_sampling, _ops_service, _ops_sessions, _ops_training, _retention
from . import _idempotency as idempotency
from ._call import Call, Handler, digest_of
from ._config import ServerConfig
from ._errors import HTTPError, bad_request, unauthorized
from ._faults import FaultLayer, FaultSchedule
from ._middleware import ApiKeyBackend, BodyLimit, ContentDecoding, Refused
from ._observability import ObservedRequests, Operations, make_metrics, metrics_route
from ._offload import off_loop
from ._service import Service
from ._validation import JSON, PROTOBUF, Operation, check_content_type, is_blank, load_operations
from .engine._types import EngineInputError

log = logging.getLogger("tinker.local")

HANDLERS: dict[str, Handler] = {
    **_ops_service.HANDLERS,
    **_ops_sessions.HANDLERS,
    **_ops_training.HANDLERS,
    **_ops_sampling.HANDLERS,
    **_ops_rest.HANDLERS,
}


class _JSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


MAX_MESSAGE = 1000


def _shortened(message: Any) -> Any:
    """A message may quote the value at fault, which may be megabytes long; the answer needs only its start."""
    if not isinstance(message, str) or len(message) <= MAX_MESSAGE:
        return message
    return f"{message[:MAX_MESSAGE]}... ({len(message)} characters)"


def error_response(error: HTTPError) -> Response:
    detail = error.detail
    if isinstance(detail, list):
        detail = [{**item, "msg": _shortened(item["msg"])} if "msg" in item else item for item in detail]
    return _JSONResponse({"detail": _shortened(detail)}, status_code=error.status_code, headers=error.headers)


def render(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, pydantic.BaseModel):
        result = result.model_dump(mode="json", exclude_none=True)
    return _JSONResponse(result)


def _carries_seq_id(call: Call) -> bool:
    """Whether the request names its place in a model's order; a protobuf forward_backward always does."""
    return call.media_type == PROTOBUF or getattr(call.body, "seq_id", None) is not None


async def _answer(handler: Handler, call: Call) -> Response:
    return render(await handler(call))


async def _kept_answer(request: Request, handler: Handler, call: Call) -> Response:
    """The answer an idempotency key keeps: a client error too, rendered by its exception handler, since a retry
    must get it again rather than run the request a second time."""
    try:
        return await _answer(handler, call)
    except (HTTPError, EngineInputError) as error:  # anything else is a 5xx, which is not kept
        kind = next(kind for kind in type(error).__mro__ if kind in EXCEPTION_HANDLERS)
        return await EXCEPTION_HANDLERS[kind](request, error)


def _read(operation: Operation, media_type: str | None, raw: bytes) -> tuple[pydantic.BaseModel | None, str]:
    """The body parsed and checked, and its digest: the work that a large body makes worth a thread."""
    body = operation.parse_json_body(raw) if media_type == JSON else None
    return body, digest_of(raw)


def _service(request: Request) -> Service:
    service: Service | None = getattr(request.app.state, "service", None)
    if service is None:
        raise RuntimeError("the app has not started: run its lifespan (uvicorn does, httpx.ASGITransport does not)")
    return service


def _tenant(request: Request) -> str:
    """The tenant that ``ApiKeyBackend`` found for the request, or the 401 saying why there is none."""
    user = request.user
    if not user.is_authenticated:
        raise unauthorized(user.reason if isinstance(user, Refused) else "missing X-API-Key header")
    name: str = user.display_name
    return name


def _endpoint(operations: dict[str, Operation]) -> Any:
    async def endpoint(request: Request) -> Response:
        operation = operations[request.method if request.method != "HEAD" else "GET"]
        service = _service(request)
        owner = _tenant(request) if operation.authenticated else ""
        raw = b""
        media_type = None
        if operation.body_media_types:
            raw = await request.body()  # the middleware's size limit and Content-Encoding apply here
            if not is_blank(raw) or operation.body_required:
                media_type = check_content_type(operation, request.headers.get("content-type", ""))
        handler = HANDLERS[operation.operation_id]
        try:
            body, digest = await off_loop(len(raw), _read, operation, media_type, raw)
        except HTTPError:
            if getattr(handler, "consumes_seq_id", False):  # the client moves on past a refused seq_id
                await _ops_training.skip_refused_body(service, owner, raw)
            raise
        call = Call(
            service=service,
            owner=owner,
            body=body,
            raw_body=raw,
            digest=digest,
            media_type=media_type,
            query=operation.parse_parameters("query", dict(request.query_params)),
            path=operation.parse_parameters("path", request.path_params),
            headers=request.headers,
        )
        replayable = operation.method != "GET" and operation.operation_id not in idempotency.NOT_REPLAYED
        key = idempotency.key_of(request.headers) if replayable and not _carries_seq_id(call) else None
        if key is None:
            return await _answer(handler, call)
        fingerprint = idempotency.fingerprint_of(request.method, request.url.path, request.url.query, digest)
        return await service.idempotency.run(owner, key, fingerprint, lambda: _kept_answer(request, handler, call))

    return endpoint


def build_routes() -> list[Route]:
    by_path: dict[str, dict[str, Operation]] = defaultdict(dict)
    for operation in load_operations():
        if operation.operation_id not in HANDLERS:
            raise RuntimeError(f"no handler for operation {operation.operation_id}")
        by_path[operation.path][operation.method] = operation
    routes = [Route(path, _endpoint(operations), methods=list(operations)) for path, operations in by_path.items()]
    document = openapi_document()
    routes.append(Route("/openapi.json", lambda _: _JSONResponse(document), methods=["GET"]))
    routes.extend(_files.routes())  # checkpoint files behind signed URLs, outside the document as storage is
    routes.append(Route("/metrics", metrics_route(_service), methods=["GET"]))  # Prometheus, outside the document
    return routes


async def _housekeeping(service: Service) -> None:
    """Expire silent sessions and old checkpoints, and prune the server's own records (``_retention``), now and
    then."""
    interval = max(0.5, min(30.0, service.config.session_timeout_seconds / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await service.expire_sessions()
            await service.expire_checkpoints()
            await _retention.prune(service)
        except Exception:
            log.exception("housekeeping failed")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPError)
    return error_response(exc)


async def _engine_input_error(request: Request, exc: Exception) -> Response:
    """The engine's refusal of its input (a token outside the vocabulary, shapes that do not fit): a 400."""
    return error_response(bad_request(str(exc)))


async def _starlette_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own answers: an unknown path (404), a method the path does not take (405)."""
    assert isinstance(exc, StarletteHTTPException)
    return _JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _JSONResponse({"detail": f"internal server error: {type(exc).__name__}"}, status_code=500)


EXCEPTION_HANDLERS = {
    HTTPError: _http_error,
    EngineInputError: _engine_input_error,
    StarletteHTTPException: _starlette_http_error,
    Exception: _server_error,
}


class _App(Starlette):
    """Starlette with the fault layer (when the config asks for faults) outside all of its own middleware: a
    dropped connection must reach the server as one, not as a 500 from Starlette's error handling. Outside both,
    requests are counted for /metrics (and logged as JSON when asked) as the client saw them."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        schedule: FaultSchedule | None = self.state.faults
        if schedule is not None:
            stack = FaultLayer(stack, schedule, lambda request_id: self.state.service.futures.is_sample(request_id))
        config: ServerConfig = self.state.config
        return ObservedRequests(stack, self.state.metrics, Operations(), json_log=config.log_format == "json")


def create_app(config: ServerConfig | None = None) -> Starlette:
    """The local Tinker server as an ASGI app; serve it with uvicorn, or use ``LocalServer``.

    The ``Service`` (store, engine, models) is made when the app starts (its lifespan) and closed when it stops;
    ``app.state.service`` is it meanwhile. ``app.state.faults`` is the fault schedule when ``config.faults`` asks
    for faults (what it injected so far is its ``injected`` counter), else None."""
    config = config or ServerConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service = Service(config)
        try:
            await service.start()
        except BaseException:
            service.close()
            raise
        app.state.service = service
        if app.state.metrics is not None:
            service.futures.on_settled = app.state.metrics.settled
        task = asyncio.get_running_loop().create_task(_housekeeping(service))
        try:
            yield
        finally:
            task.cancel()
            try:
                await service.futures.fail_pending("the server is shutting down; submit the request again")
            finally:
                service.close()

    app = _App(
        routes=build_routes(),
        middleware=[
            Middleware(AuthenticationMiddleware, backend=ApiKeyBackend()),
            Middleware(BodyLimit, limit=config.max_body_bytes),
            Middleware(ContentDecoding, limit=config.max_body_bytes),
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.faults = FaultSchedule(config.faults) if config.faults is not None else None
    app.state.config = config
    app.state.metrics = make_metrics()
    return app
