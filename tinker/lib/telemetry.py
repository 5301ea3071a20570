"""The telemetry reporter, as 0.38 has it: session start and end, and the exceptions of SDK calls, sent in batches
to the service's telemetry operation (``send_telemetry``).

On by default, as in 0.38; ``TINKER_TELEMETRY=0`` (or false, no, off) turns off this reporting only: the events of
``tinker.telemetry`` and the figures of ``tinker.metrics`` stay in the process and stay on. The clients'
``get_telemetry()`` returns the reporter, or None when it is off.

What the caller can count on: events wait in a bounded queue (``MAX_QUEUE_SIZE``; more are dropped with a warning)
and are sent from the SDK's I/O loop, never on the caller's path, at most ``MAX_BATCH_SIZE`` a request, every
``FLUSH_INTERVAL`` seconds or soon after an exception; ``close()`` sends what is left within ``FLUSH_TIMEOUT``; a
batch that cannot be sent is logged and dropped, and nothing here raises into user code. Nothing sent carries a
credential: every string of every event (messages, reprs, tracebacks) goes through ``scrub``, which removes the
credentials this client holds (API key, JWT, Cloudflare Access secret, secret headers) and anything shaped like one
(``tml-`` keys, JWTs, Authorization / X-API-Key / Cookie values, secrets in URLs and query strings) wherever it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import re
import threading
import traceback
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from tinker import types
from tinker_api.api.telemetry import send_telemetry

from .._base_client import RequestOptions
from .._version import __version__
from ._encoding import json_body

if TYPE_CHECKING:
    from ._holder import Holder

__all__ = ["Telemetry", "is_enabled", "scrub"]

log = logging.getLogger("tinker")

Severity = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
MAX_BATCH_SIZE = 100
MAX_QUEUE_SIZE = 10_000
FLUSH_INTERVAL = 10.0
FLUSH_TIMEOUT = 30.0
SEND_TIMEOUT = 5.0
SEND_RETRIES = 2
MAX_TEXT = 16_384  # a message or traceback longer than this is cut (a batch stays small)

_process: tuple[int, str] | None = None


def process_uuid() -> str:
    """One id per process, every session of it the same; a forked child gets its own."""
    global _process
    if _process is None or _process[0] != os.getpid():
        _process = (os.getpid(), str(uuid.uuid4()))
    return _process[1]


def is_enabled() -> bool:
    return os.environ.get("TINKER_TELEMETRY", "1").strip().lower() not in ("0", "false", "no", "off")


# --- credentials out ---------------------------------------------------------------------------------------------
_REDACTED = "[REDACTED]"
_SECRET_NAME = r"[\w-]*(?:secret|password|passwd|api[_-]?key|apikey|token|jwt|credential)[\w-]*"
_PATTERNS = (
    # values of headers or fields named like a credential, in headers, JSON, reprs and query strings
    (
        re.compile(
            r"(?i)\b(authorization|proxy-authorization)(['\"]?\s*[:=]\s*['\"]?)((?:bearer|basic|token)\s+)?[^\s'\",}&]+"
        ),
        r"\1\2\3" + _REDACTED,
    ),
    (re.compile(r"(?i)\b(cookie|set-cookie)(['\"]?\s*[:=]\s*['\"]?)[^\n'\"]+"), r"\1\2" + _REDACTED),
    (re.compile(rf"(?i)\b({_SECRET_NAME})(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}}&)]+"), r"\1\2" + _REDACTED),
    # credentials in URLs: user and password before the host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@'\"]+@"), r"\1" + _REDACTED + "@"),
    # anything shaped like a Tinker API key or a JWT, wherever it is
    (re.compile(r"tml-[\w-]+"), _REDACTED),
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), _REDACTED),
)
_SECRET_KEY = re.compile(rf"(?i)^(?:{_SECRET_NAME}|authorization|proxy-authorization|cookie|set-cookie|x-api-key)$")


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` (strings, lists and dicts of them, nested) with every credential replaced by ``[REDACTED]``: the
    ``secrets`` given (their exact text) and whatever is shaped like a credential."""
    known = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
    return _scrub(value, known)


def _scrub(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        for secret in known:
            value = value.replace(secret, _REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, dict):
        return {str(k): _REDACTED if _SECRET_KEY.match(str(k)) else _scrub(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, known) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _scrub(repr(value), known)


def _secrets(holder: Holder) -> Iterator[str]:
    """The credentials ``holder`` may have sent or been given: they never leave in a report."""
    settings = holder.settings
    yield from (settings.credentials.api_key or "", settings.credentials.command or "")
    for name, value in settings.default_headers.items():
        if _SECRET_KEY.match(name) or "secret" in name.lower() or "client-id" in name.lower():
            yield value
    for variable in ("TINKER_API_KEY", "CLOUDFLARE_ACCESS_CLIENT_SECRET", "CLOUDFLARE_ACCESS_CLIENT_ID"):
        yield os.environ.get(variable, "")
    client = holder.client_if_started()
    if client is not None:
        yield from client.secrets_seen()


# --- user errors, as 0.38 tells them apart ---------------------------------------------------------------------
def user_error(exception: BaseException) -> BaseException | None:
    """The error in ``exception``'s chain that was the caller's doing: a RequestFailedError of category user, or a
    4xx status other than 408."""
    seen: set[int] = set()
    current: BaseException | None = exception
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "category", None) in ("user", "User") and hasattr(current, "request_id"):
            return current
        status = getattr(current, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500 and status != 408:
            return current
        current = current.__cause__ or current.__context__
    return None


class Telemetry:
    """The reporter of one ServiceClient (and the clients made from it); ``get_telemetry()`` returns it."""

    def __init__(self, holder: Holder) -> None:
        # weakly: a ServiceClient nobody uses any more is collected (its heartbeat stops), reporter or not
        self._holder = weakref.ref(holder)
        self._session_id: str | None = None
        self._sessionless_id = f"sessionless-{uuid.uuid4()}"
        self._started_at = datetime.now(UTC)
        self._index = 0
        self._lock = threading.Lock()
        self._queue: deque[dict[str, Any]] = deque()
        self._dropped_warned = False
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._pid: int | None = None  # the process whose I/O loop the sender was scheduled on; under the lock
        self._closed = False

    # --- what is reported --------------------------------------------------------------------------------------
    def session_started(self, session_id: str) -> None:
        self._session_id = session_id
        self._push([self._event("SESSION_START", "INFO")])

    def log(self, event_name: str, event_data: dict[str, object] | None = None, severity: Severity = "INFO") -> bool:
        """Queue a named event with free-form data; whether it was queued (False when the queue is full)."""
        return self._push([self._event("GENERIC_EVENT", severity, event_name=event_name, event_data=event_data or {})])

    async def log_exception(self, exception: BaseException, severity: Severity = "ERROR") -> bool:
        return self.log_exception_sync(exception, severity)

    def log_exception_sync(self, exception: BaseException, severity: Severity = "ERROR") -> bool:
        """Queue an exception (a user error as a ``user_error`` event) and send soon, without waiting."""
        queued = self._push([self._exception_event(exception, severity)])
        self._wake_up()
        return queued

    async def log_fatal_exception(self, exception: BaseException, severity: Severity = "ERROR") -> bool:
        queued = self._push([self._exception_event(exception, severity), *self._end_events(severity)])
        await self.flush()
        return queued

    def log_fatal_exception_sync(self, exception: BaseException, severity: Severity = "ERROR") -> bool:
        queued = self._push([self._exception_event(exception, severity), *self._end_events(severity)])
        self._wake_up()
        return queued

    @contextlib.contextmanager
    def capture_exceptions(self, fatal: bool = False, severity: Severity = "ERROR") -> Iterator[None]:
        try:
            yield
        except Exception as error:
            (self.log_fatal_exception_sync if fatal else self.log_exception_sync)(error, severity)
            raise

    @contextlib.asynccontextmanager
    async def acapture_exceptions(self, fatal: bool = False, severity: Severity = "ERROR") -> AsyncIterator[None]:
        try:
            yield
        except Exception as error:
            if fatal:
                await self.log_fatal_exception(error, severity)
            else:
                self.log_exception_sync(error, severity)
            raise

    # --- sending ---------------------------------------------------------------------------------------------------
    async def close(self, status: str = "success") -> None:
        """Queue the session's end (when it had one) and send everything left, within ``FLUSH_TIMEOUT``; on the I/O
        loop. Never raises."""
        if self._closed:
            return
        self._push(self._end_events("INFO" if status == "success" else "WARNING"))
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), FLUSH_TIMEOUT)
        except Exception:  # a timeout included: what is left is dropped
            log.warning("telemetry could not be sent before the client closed; dropped", exc_info=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def stop(self) -> None:
        """Stop sending in the background (what is queued stays until ``close``)."""
        task = self._task
        if task is not None:
            task.get_loop().call_soon_threadsafe(task.cancel)

    async def flush(self) -> None:
        """Send what is queued, batch by batch; a batch that cannot be sent is dropped with a warning."""
        while True:
            with self._lock:
                if not self._queue:
                    return
                events = [self._queue.popleft() for _ in range(min(MAX_BATCH_SIZE, len(self._queue)))]
            try:
                await self._send(events)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "a telemetry batch of %d events could not be sent (%s); dropped", len(events), scrub(str(error))
                )

    async def _send(self, events: list[dict[str, Any]]) -> None:
        holder = self._holder()
        if holder is None:
            return
        secrets = list(_secrets(holder))
        batch = types.TelemetrySendRequest.model_validate(
            {
                "events": [scrub(event, secrets) for event in events],
                "platform": platform.system(),
                "sdk_version": __version__,
                "session_id": self._session_id or self._sessionless_id,
                "process_uuid": process_uuid(),
            }
        )
        options: RequestOptions = {"max_retries": SEND_RETRIES, "timeout": SEND_TIMEOUT}
        await holder.request(
            send_telemetry.build_request(body=json_body(batch)), types.TelemetryResponse, options=options
        )

    def _push(self, events: list[dict[str, Any]]) -> bool:
        if not events:
            return True
        with self._lock:
            if self._closed or len(self._queue) + len(events) > MAX_QUEUE_SIZE:
                if not self._closed and not self._dropped_warned:
                    self._dropped_warned = True
                    log.warning("the telemetry queue is full (%d events); new events are dropped", MAX_QUEUE_SIZE)
                return False
            self._queue.extend(events)
        self._start()
        return True

    def _start(self) -> None:
        """The background sender, on the I/O loop of this process, once there is something to send."""
        holder = self._holder()
        if holder is None:
            return
        # checked and marked at once: two threads that both saw no sender would otherwise both schedule one, and
        # the second would drop (and orphan, close() never cancels it) the task the first had made in between
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._task = None  # made before a fork, on a loop this process does not run
            self._wake = None

        def begin() -> None:
            if self._closed:  # closed before this ran: nothing would ever cancel the task
                return
            if self._task is None or self._task.done():
                self._wake = asyncio.Event()
                self._task = asyncio.get_running_loop().create_task(self._run(), name="tinker-telemetry")

        holder.io.loop.call_soon_threadsafe(begin)

    async def _run(self) -> None:
        while True:
            assert self._wake is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            self._wake.clear()
            if self._holder() is None:  # its ServiceClient was dropped unclosed: nothing can be sent any more
                return
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("sending telemetry failed", exc_info=True)

    def _wake_up(self) -> None:
        wake, task = self._wake, self._task
        if wake is not None and task is not None:
            task.get_loop().call_soon_threadsafe(wake.set)

    # --- events --------------------------------------------------------------------------------------------------
    def _event(self, kind: str, severity: Severity, **fields: Any) -> dict[str, Any]:
        with self._lock:
            index = self._index
            self._index += 1
        return {
            "event": kind,
            "event_id": str(uuid.uuid4()),
            "event_session_index": index,
            "severity": severity,
            "timestamp": datetime.now(UTC).isoformat(),
            **fields,
        }

    def _end_events(self, severity: Severity) -> list[dict[str, Any]]:
        if self._session_id is None or self._closed:
            return []
        return [self._event("SESSION_END", severity, duration=str(datetime.now(UTC) - self._started_at))]

    def _exception_event(self, exception: BaseException, severity: Severity) -> dict[str, Any]:
        message = str(exception)[:MAX_TEXT]
        caused = user_error(exception)
        if caused is not None:
            data: dict[str, Any] = {"error_type": type(exception).__name__}
            if message:
                data["message"] = message
            status = getattr(caused, "status_code", None)
            if isinstance(status, int):
                data["status_code"] = status
            body = getattr(caused, "body", None)
            if body:
                data["body"] = body
            return self._event("GENERIC_EVENT", "WARNING", event_name="user_error", event_data=data)
        trace = None
        if exception.__traceback__ is not None:
            trace = "".join(traceback.format_exception(exception))[-MAX_TEXT:]
        return self._event(
            "UNHANDLED_EXCEPTION", severity, error_type=type(exception).__name__, error_message=message, traceback=trace
        )


def reporter_for(holder: Holder, enabled: Callable[[], bool] = is_enabled) -> Telemetry | None:
    """The holder's reporter, or None when reporting is off."""
    try:
        return Telemetry(holder) if enabled() else None
    except Exception:  # as 0.38: reporting must never stop a client from starting
        log.warning("telemetry could not start", exc_info=True)
        return None
