"""Events of the SDK that users can hook, and OpenTelemetry spans at the same points.

So that a slow loop shows where its time goes (queueing on the server, retries, polling, or the caller's own code).
Each event has a low-cardinality ``name``, ``measurements`` (numbers: seconds, bytes, counts) and ``metadata``
(operation id, status, attempt, request id...). The names:

- ``request.start`` / ``request.stop`` / ``request.exception``: each try of the request pipeline (``operation``,
  ``method``, ``attempt``, ``request_id``, ``server``; ``status`` or ``error``; ``duration``, ``bytes_sent``,
  ``bytes_received``)
- ``retry.scheduled`` (``delay``: the backoff; none after a 429, whose wait is the window's), ``retry.exhausted``
- ``rate_limit.window_opened`` (``delay``), ``circuit.changed`` (``state``: closed, open, half_open)
- ``future.submitted``, ``future.polled`` (``outcome``, ``queue_state``, ``duration``), ``future.resolved``
  (``wait``, ``polls``; ``server_engine``, the engine time the server reported in Server-Timing, and
  ``server_queue``, the wait less that time, when it did)
- ``session.start``, ``session.end`` (``status``), ``heartbeat.failed`` (``streak``)
- ``chunking.split`` (``datums``, ``chunks``): how a forward_backward batch was split by the server's limits

``attach(handler)`` adds a handler (a plain callable taking an ``Event``, called on the thread that emits, usually
the SDK's I/O thread: keep it quick). A handler that raises is detached, with one warning in the ``tinker`` log,
and the call it watched goes on. Every event also feeds ``tinker.metrics``.

When ``opentelemetry-api`` is installed, each pipeline call opens an internal span named after its operation, each
try a client span following OpenTelemetry's HTTP client conventions (``http.request.method``, ``url.full``,
``server.address``, ``http.response.status_code``, ``http.request.resend_count``, ``error.type``...), and each wait
for a future a span of its own; without it nothing of OpenTelemetry is imported.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from . import metrics

if TYPE_CHECKING:
    from .metrics import Registry

__all__ = ["Event", "Handler", "attach", "detach", "emit"]

log = logging.getLogger("tinker")
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    """One thing that happened: what (``name``), how much (``measurements``), about what (``metadata``), when
    (``time``, seconds since the epoch)."""

    name: str
    measurements: Mapping[str, float] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)


Handler = Callable[[Event], None]

_lock = threading.Lock()
_handlers: tuple[tuple[Handler, frozenset[str] | None], ...] = ()


def attach(handler: Handler, events: Iterable[str] | None = None) -> Handler:
    """Call ``handler`` with each event (only those named in ``events``, when given); returns it, for ``detach``."""
    global _handlers
    names = None if events is None else frozenset(events)
    with _lock:
        _handlers = (*_handlers, (handler, names))
    return handler


def detach(handler: Handler) -> bool:
    """Stop calling ``handler``; whether it was attached."""
    global _handlers
    with _lock:
        kept = tuple(entry for entry in _handlers if entry[0] != handler)  # == : bound methods are made anew
        found = len(kept) != len(_handlers)
        _handlers = kept
    return found


def emit(
    name: str,
    measurements: Mapping[str, float] | None = None,
    metadata: Mapping[str, Any] | None = None,
    *,
    registry: Registry | None = None,
) -> None:
    """Count the event in the metrics (the process's, and ``registry``: its ServiceClient's) and tell the handlers.
    Never raises: observing a call must not break it."""
    event = Event(name, measurements or {}, metadata or {})
    try:
        metrics.default_registry.record(event)
        if registry is not None and registry is not metrics.default_registry:
            registry.record(event)
    except Exception:
        log.exception("counting the event %s failed", name)
    for handler, names in _handlers:
        if names is not None and name not in names:
            continue
        try:
            handler(event)
        except Exception:
            if detach(handler):
                log.warning("a telemetry handler (%r) raised on %s and was detached", handler, name, exc_info=True)


# --- OpenTelemetry ------------------------------------------------------------------------------------------------
_otel_state: list[Any] = []  # [trace module or None], filled on first use


def _trace() -> Any:
    """OpenTelemetry's ``trace`` module when ``opentelemetry-api`` is installed, else None (looked up once)."""
    if not _otel_state:
        module: Any
        try:
            from opentelemetry import trace as module
        except ImportError:
            module = None
        _otel_state.append(module)
    return _otel_state[0]


def _tracer() -> Any:
    trace = _trace()
    return None if trace is None else trace.get_tracer("tinker")


@contextlib.contextmanager
def span(name: str, kind: str = "INTERNAL", attributes: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """An OpenTelemetry span (the current one inside the block), or None without OpenTelemetry. An exception
    leaving the block is recorded on it and sets its status to error."""
    tracer = _tracer()
    if tracer is None:
        yield None
        return
    trace = _trace()
    with tracer.start_as_current_span(
        name, kind=getattr(trace.SpanKind, kind), attributes=dict(attributes or {}), record_exception=True
    ) as current:
        yield current


def carry_context(coroutine: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T]:
    """``coroutine`` run under the caller's OpenTelemetry context once it is on the SDK's I/O thread, so that the
    SDK's spans are children of the caller's; as it is when OpenTelemetry was never imported."""
    context_module = sys.modules.get("opentelemetry.context")
    if context_module is None:
        return coroutine
    captured = context_module.get_current()

    async def run() -> T:
        token = context_module.attach(captured)
        try:
            return await coroutine
        finally:
            context_module.detach(token)

    return run()


def set_error(current: Any, error_type: str) -> None:
    """Mark a span as failed with ``error.type`` (the conventions' attribute)."""
    trace = _trace()
    if current is None or trace is None:
        return
    current.set_attribute("error.type", error_type)
    current.set_status(trace.Status(trace.StatusCode.ERROR))


_SECRET_PARAMS = ("key", "token", "secret", "password", "signature", "credential", "auth", "jwt", "session")


def public_url(url: str, *, query: bool = False) -> str:
    """``url`` as it may be shown: never a user or password, and the query (only when asked) with the values of
    parameters whose names look like credentials replaced by ``REDACTED``."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "[unparsable URL]"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    kept = ""
    if query and parts.query:
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        kept = urllib.parse.urlencode(
            [(k, "REDACTED" if any(s in k.lower() for s in _SECRET_PARAMS) else v) for k, v in pairs]
        )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, kept, ""))
