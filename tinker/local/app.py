"""The ASGI app: one route per path of the document, each request through the same checks.

Order of checks: authentication (401), body size (413), content type (422) and decoding (400), JSON Schema (422)
and the model's own checks (400), query and path parameters (422); then the answer kept for the request's
idempotency key (``_idempotency``), else the operation's handler, whose client mistakes are 4xx too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pydantic
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tinker_api import openapi_document

from . import _idempotency as idempotency
from . import _ops_rest, _ops_sampling, _ops_service, _ops_sessions, _ops_training
from ._call import Call, Handler
from ._config import ServerConfig
from ._errors import HTTPError, bad_request, invalid
from ._faults import FaultLayer, FaultSchedule
from ._service import Service
from ._validation import JSON, PROTOBUF, Operation, check_content_type, load_operations
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


def _too_large(what: str, limit: int) -> HTTPError:
    return HTTPError(413, f"{what} exceeds the server's max_body_bytes limit of {limit} bytes; send less per request")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(f"request body of {declared} bytes", limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large("request body", limit)
        chunks.append(chunk)
    return b"".join(chunks)


_DECODE_CHUNK = 1 << 20


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Each gzip member inflated to at most what is left of the limit, whatever its trailer says."""
    members, size, rest = [], 0, raw
    while rest:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        member = inflater.decompress(rest, limit + 1 - size)
        size += len(member)
        if size > limit:
            raise _too_large("decoded request body", limit)
        if not inflater.eof:
            raise bad_request("Content-Encoding: the gzip body ends before its stream does")
        members.append(member)
        rest = inflater.unused_data
    return b"".join(members)


def _unzstd(raw: bytes, limit: int) -> bytes:
    """Decode zstd frames, counting the output as it streams and stopping past the limit, whatever size the frame
    header states (a one-shot decode would allocate that size first).

    The streaming reader decodes a frame cut short without an error, so a second pass, bounded now by the first,
    decodes frame by frame and checks that each one ends.
    """
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    size = 0
    with decompressor.stream_reader(raw, read_across_frames=True) as reader:
        while chunk := reader.read(_DECODE_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large("decoded request body", limit)
    frames, rest = [], raw
    while rest:
        frame = decompressor.decompressobj()
        frames.append(frame.decompress(rest))
        if not frame.eof:
            raise bad_request("Content-Encoding: the zstd body ends before its frame does")
        rest = frame.unused_data
    return b"".join(frames)


def _decode(raw: bytes, header: str | None, limit: int) -> bytes:
    """Undo a Content-Encoding (zstd needs the optional zstandard package); the limit applies to the result.

    No header means no coding; an empty one names none of the codings there are, and is refused like any other.
    """
    encoding = "identity" if header is None else header.strip().lower()
    if encoding == "identity":
        return raw
    if encoding not in ("gzip", "zstd"):
        raise invalid(["header", "content-encoding"], f"unsupported Content-Encoding {encoding!r}; use gzip or zstd")
    if not raw:  # no body: nothing to undo, and a missing one is a 422 later
        return raw
    try:
        return _gunzip(raw, limit) if encoding == "gzip" else _unzstd(raw, limit)
    except HTTPError:
        raise
    except Exception as exc:
        raise bad_request(f"Content-Encoding: cannot decode the {encoding} body: {exc}") from None


def _carries_seq_id(call: Call) -> bool:
    """Whether the request names its place in a model's order; a protobuf forward_backward always does."""
    return call.media_type == PROTOBUF or getattr(call.body, "seq_id", None) is not None


async def _answer(operation: Operation, call: Call) -> Response:
    try:
        return render(await HANDLERS[operation.operation_id](call))
    except HTTPError as error:
        return error_response(error)
    except EngineInputError as error:
        return error_response(bad_request(str(error)))


def _endpoint(service: Service, operations: dict[str, Operation]) -> Any:
    async def endpoint(request: Request) -> Response:
        operation = operations[request.method if request.method != "HEAD" else "GET"]
        try:
            owner = service.authenticate(request.headers.get("x-api-key")) if operation.authenticated else ""
            raw = b""
            media_type = None
            body = None
            if operation.body_media_types:
                limit = service.config.max_body_bytes
                raw = _decode(await _read_body(request, limit), request.headers.get("content-encoding"), limit)
                if raw.strip() or operation.body_required:
                    media_type = check_content_type(operation, request.headers.get("content-type", ""))
                    if media_type == JSON:
                        body = operation.parse_json_body(raw)
            call = Call(
                service=service,
                owner=owner,
                body=body,
                raw_body=raw,
                media_type=media_type,
                query=operation.parse_parameters("query", dict(request.query_params)),
                path=operation.parse_parameters("path", request.path_params),
                headers=request.headers,
            )
            replayable = operation.method != "GET" and operation.operation_id not in idempotency.NOT_REPLAYED
            key = idempotency.key_of(request.headers) if replayable and not _carries_seq_id(call) else None
            if key is None:
                return await _answer(operation, call)
            fingerprint = idempotency.fingerprint_of(request.method, request.url.path, request.url.query, raw)
            return await service.idempotency.run(owner, key, fingerprint, lambda: _answer(operation, call))
        except HTTPError as error:
            return error_response(error)

    return endpoint


def build_routes(service: Service) -> list[Route]:
    by_path: dict[str, dict[str, Operation]] = defaultdict(dict)
    for operation in load_operations():
        if operation.operation_id not in HANDLERS:
            raise RuntimeError(f"no handler for operation {operation.operation_id}")
        by_path[operation.path][operation.method] = operation
    routes = [
        Route(path, _endpoint(service, operations), methods=list(operations)) for path, operations in by_path.items()
    ]
    document = openapi_document()
    routes.append(Route("/openapi.json", lambda _: _JSONResponse(document), methods=["GET"]))
    return routes


RESULT_RETENTION_SECONDS = 24 * 3600


async def _housekeeping(service: Service) -> None:
    """Expire silent sessions and old checkpoints, and drop old results from memory, now and then."""
    interval = max(0.5, min(30.0, service.config.session_timeout_seconds / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            service.expire_sessions()
            service.expire_checkpoints()
            service.futures.forget_finished(older_than=600)
            service.futures.prune(older_than=RESULT_RETENTION_SECONDS)
            service.idempotency.prune()
        except Exception:
            log.exception("housekeeping failed")


class _App(Starlette):
    """Starlette with the fault layer (when the config asks for faults) outside all of its own middleware: a
    dropped connection must reach the server as one, not as a 500 from Starlette's error handling."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        schedule: FaultSchedule | None = self.state.faults
        if schedule is None:
            return stack
        service: Service = self.state.service
        return FaultLayer(stack, schedule, service.futures.is_sample)


def create_app(config: ServerConfig | None = None) -> Starlette:
    """The local Tinker server as an ASGI app; serve it with uvicorn, or use ``LocalServer``.

    ``app.state.faults`` is the fault schedule when ``config.faults`` asks for faults (what it injected so far is
    its ``injected`` counter), else None."""
    config = config or ServerConfig()
    service = Service(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(_housekeeping(service))
        try:
            yield
        finally:
            task.cancel()
            service.futures.fail_pending("the server is shutting down; submit the request again")
            service.close()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return _JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _JSONResponse({"detail": f"internal server error: {type(exc).__name__}"}, status_code=500)

    app = _App(
        routes=build_routes(service),
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: http_error, Exception: server_error},
    )
    app.state.service = service
    app.state.faults = FaultSchedule(config.faults) if config.faults is not None else None
    return app
