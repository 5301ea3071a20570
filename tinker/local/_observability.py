"""What the local server tells its operator: Prometheus figures at ``/metrics`` and JSON access logs.

``/metrics`` (Prometheus text format, prometheus-client; a registry per app, so that servers in one process keep
their own figures) has requests by operation and status and their latency, counted as clients saw them (outside the
fault layer, so an injected 429 or dropped connection is counted too); the requests queued by base model (no
training run's id: those hold session ids, and every tenant reads the same page); the engine's
time on each finished request's work and the tokens it processed (tokens per second is their ratio); the active
sessions and the loaded training runs and samplers. It needs a key like every operation, unless the server was
started with ``--metrics-public`` (``ServerConfig.metrics_public``).

With ``--log-format json`` each request is one JSON line on the ``tinker.local.access`` logger: time, method, path,
operation, status, duration, bytes in and out, the tenant; never a key, a header or a query string. In the text
format uvicorn's access lines are kept, with their query strings left out (``hide_access_query_strings``).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._errors import HTTPError, unauthorized
from ._validation import load_operations

if TYPE_CHECKING:
    from ._futures import Future
    from ._service import Service

access_log = logging.getLogger("tinker.local.access")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
ENGINE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _kind(result_type: str) -> str:
    """A result type as a label: ``ForwardBackwardOutput`` -> ``forward_backward``, ``SampleResponse`` -> ``sample``."""
    name = re.sub(r"(ResponseInternal|Response|Output)$", "", result_type) or result_type
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Operations:
    """The document's operation for a method and path (a label of few values: the path's template, not the path)."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], str]] = []
        for operation in load_operations():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(operation.path))
            self._routes.append((operation.method, re.compile(f"^{pattern}$"), operation.operation_id))

    def of(self, method: str, path: str) -> str:
        method = "GET" if method == "HEAD" else method
        for route_method, pattern, operation_id in self._routes:
            if route_method == method and pattern.match(path):
                return operation_id
        if path == "/metrics":
            return "metrics"
        if path == "/openapi.json":
            return "openapi"
        return "files" if path.startswith("/files/") else "unknown"


class ServerMetrics:
    """The server's Prometheus registry and its metrics; ``None`` of it exists without prometheus-client."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "tinker_server_requests", "Requests answered, by operation and status", ["operation", "status"], registry=r
        )
        self.latency = Histogram(
            "tinker_server_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by operation",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.engine_step = Histogram(
            "tinker_server_engine_step_seconds",
            "The engine thread's time on each finished request's work, by kind",
            ["kind"],
            buckets=ENGINE_BUCKETS,
            registry=r,
        )
        self.engine_seconds = Counter(
            "tinker_server_engine_seconds",
            "The engine thread's time on finished requests, by kind",
            ["kind"],
            registry=r,
        )
        self.tokens = Counter(
            "tinker_server_tokens",
            "Tokens the engine processed for finished requests (positions trained or scored, tokens sampled)",
            ["kind"],
            registry=r,
        )
        self.tokens_per_second = Gauge(
            "tinker_server_tokens_per_second",
            "Tokens per engine second of the latest finished request of each kind",
            ["kind"],
            registry=r,
        )
        # by base model, not by training run: a run's id holds its session id, and /metrics is one page for every
        # tenant (or for anyone, with --metrics-public)
        self.queue_depth = Gauge(
            "tinker_server_queue_depth",
            "Requests waiting in the queues of the loaded training runs, by base model",
            ["base_model"],
            registry=r,
        )
        self.sessions = Gauge("tinker_server_sessions_active", "Active sessions", registry=r)
        self.models = Gauge("tinker_server_models_loaded", "Training runs loaded in memory", registry=r)
        self.samplers = Gauge("tinker_server_samplers_loaded", "Sampling sessions loaded in memory", registry=r)

    def answered(self, operation: str, status: str, seconds: float) -> None:
        self.requests.labels(operation, status).inc()
        self.latency.labels(operation).observe(seconds)

    def settled(self, future: Future) -> None:
        """A future settled: its engine time and tokens, when its work ran and succeeded."""
        seconds = future.ticket.engine_seconds
        if future.state != "done" or seconds <= 0:
            return
        kind = _kind(future.result_type)
        tokens = _tokens(future.result_type, future.result or {})
        self.engine_step.labels(kind).observe(seconds)
        self.engine_seconds.labels(kind).inc(seconds)
        if tokens:
            self.tokens.labels(kind).inc(tokens)
            self.tokens_per_second.labels(kind).set(tokens / seconds)

    async def exposition(self, service: Service) -> bytes:
        from prometheus_client import generate_latest

        self.sessions.set(await service.store.scalar("SELECT COUNT(*) FROM sessions WHERE status='active'") or 0)
        self.models.set(len(service.trainers))
        self.samplers.set(sum(1 for slot in service.samplers.values() if slot.sampler is not None))
        depth: Counter[str] = Counter()
        for slot in list(service.trainers.values()):
            depth[slot.base_model] += len(slot.queue)
        self.queue_depth.clear()
        for base_model, waiting in depth.items():
            self.queue_depth.labels(base_model).set(waiting)
        return generate_latest(self.registry)


def _tokens(result_type: str, result: dict[str, Any]) -> int:
    """Tokens in a result as stored: sampled tokens, or the positions a forward(_backward) scored."""
    try:
        if result_type == "SampleResponse":
            return sum(len(sequence.get("tokens", ())) for sequence in result.get("sequences", ()))
        if result_type == "ForwardBackwardOutput":
            total = 0
            for output in result.get("loss_fn_outputs", ()):
                tensor = output.get("logprobs") if isinstance(output, dict) else None
                data = tensor.get("data") if isinstance(tensor, dict) else None
                total += len(data) if data is not None else 0
            return total
    except (AttributeError, TypeError):
        pass
    return 0


def make_metrics() -> ServerMetrics | None:
    try:
        return ServerMetrics()
    except ImportError:
        logging.getLogger("tinker.local").warning("prometheus-client is not installed: /metrics is off")
        return None


def metrics_route(service_of: Callable[[Request], Service]) -> Callable[[Request], Any]:
    async def metrics_endpoint(request: Request) -> Response:
        service = service_of(request)
        observed: ServerMetrics | None = request.app.state.metrics
        if not service.config.metrics_public and not request.user.is_authenticated:
            reason = getattr(request.user, "reason", "missing X-API-Key header")
            raise unauthorized(f"{reason} (/metrics needs a key unless the server runs with --metrics-public)")
        if observed is None:
            raise HTTPError(503, "/metrics needs prometheus-client: pip install 'tinker-openapi[local]'")
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(await observed.exposition(service), media_type=CONTENT_TYPE_LATEST)

    return metrics_endpoint


class ObservedRequests:
    """The outermost ASGI layer: each HTTP request counted and timed (and logged as JSON when asked), as the
    client saw it."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics | None, operations: Operations, *, json_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.operations = operations
        self.json_log = json_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.metrics is None and not self.json_log):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        bytes_in = bytes_out = 0

        async def counted_receive() -> Message:
            nonlocal bytes_in
            message = await receive()
            if message["type"] == "http.request":
                bytes_in += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            nonlocal status, bytes_out
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                bytes_out += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            seconds = time.perf_counter() - started
            operation = self.operations.of(scope["method"], scope["path"])
            label = str(status) if status is not None else "dropped"
            if self.metrics is not None:
                self.metrics.answered(operation, label, seconds)
            if self.json_log:
                _log_access(scope, operation, label, seconds, bytes_in, bytes_out)


def _log_access(scope: Scope, operation: str, status: str, seconds: float, bytes_in: int, bytes_out: int) -> None:
    user = scope.get("user")
    tenant = user.display_name if user is not None and getattr(user, "is_authenticated", False) else None
    client = scope.get("client")
    access_log.info(
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={
            "access": {
                "method": scope["method"],
                "path": scope["path"],
                "operation": operation,
                "status": int(status) if status.isdigit() else status,
                "duration_ms": round(seconds * 1000, 3),
                "bytes_in": bytes_in,
                "bytes_out": bytes_out,
                "tenant": tenant,
                "client": f"{client[0]}:{client[1]}" if client else None,
            }
        },
    )


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and an access record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "access", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def use_json_logs(level: str = "info", loggers: Iterable[str] = ("tinker.local", "uvicorn")) -> None:
    """Send the server's log lines (access lines included) to stderr as JSON, one object a line; access lines are
    INFO, so a ``level`` above it leaves them out."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in loggers:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(level.upper())


class _WithoutQueryString(logging.Filter):
    """Drops the query string from the path of uvicorn's access lines (text log format): a signed file URL's
    ``signature`` (``/files/checkpoints/...?owner=...&signature=...``) works as a password for as long as it lives,
    so it must not reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):  # (client, method, path, ...)
            record.args = (*args[:2], args[2].partition("?")[0], *args[3:])
        elif "?" in (message := record.getMessage()):  # another shape: whatever follows a "?" up to a space or quote
            record.msg, record.args = re.sub(r"\?[^\s\"]*", "", message), ()
        return True


_without_query_string = _WithoutQueryString()


def hide_access_query_strings() -> None:
    """Leave query strings out of uvicorn's text access lines (the JSON lines never hold one). Call it after
    ``uvicorn.Config`` configured logging; calling it again changes nothing."""
    logging.getLogger("uvicorn.access").addFilter(_without_query_string)
