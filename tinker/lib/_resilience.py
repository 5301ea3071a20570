"""Every retry, pause and deadline of the SDK, decided in one place.

The paths that wait ask this module what to do after each outcome: the request pipeline (``_base_client``), future
polling (``_polling``), sampling backpressure (``SamplingClient``), the heartbeat (``_holder``), and the REST client's
pagination and trace export. One ``Attempts`` follows one call; it answers each outcome with a pause, or raises the
typed error once a bound is reached, naming the operation, the request id and the last status seen.

The bounds a user can rely on:

- A failure streak ends after ``max_retries`` retries: the request retry budget of ``ServiceClient(max_retries=...)``
  (default 10) for a call of the pipeline (no answer, 5xx, 408, 409, 429) and for a poll of a future (no answer,
  5xx), ``RetryConfig.max_attempts`` for a sample (no answer, 5xx, 409, 410). The last error is raised, with its
  type (``InternalServerError``, ``APIConnectionError``...).
- Waiting on a server that keeps saying "not yet" (a poll answered ``try_again``, 408 or 429; a sample refused with
  408 or 429; a billing hold) is bounded by a progress timeout:
  no result of the same client for ``progress_timeout`` seconds raises ``ProgressTimeoutError``
  (``RetryConfig.progress_timeout`` for sampling clients, ``ServiceClient(progress_timeout=...)`` for the rest;
  default 7200 s; ``RetryConfig(enable_stuck_detection=False)`` or ``progress_timeout=None`` lift it on purpose).
- ``result(timeout)`` bounds the caller's wait, whatever runs under it (``api_future``).
- A server that stops answering (connection failures and 5xx on at least 80 % of the last 20 tries, 10 at least)
  opens the circuit breaker of that server (one per base URL and credential, shared by every client of the
  process): calls fail at once with ``CircuitOpenError`` (an ``APIConnectionError``) until, after a cool-down of 5 s
  doubling to 60 s, one probe is let through; its success closes the circuit.
- A 429 opens a window (its Retry-After, else a doubling backoff) that every request of the process to that server
  waits out before it is sent, instead of each collecting its own 429.
- Nothing loops without a pause: every retry sleeps the backoff (0.5 s doubling to 10 s, less up to 25 %) or the
  server's sane Retry-After, and a "not yet" that came at once is followed by a growing pause.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from .. import telemetry
from .._exceptions import APIConnectionError, APIError, APIStatusError, CircuitOpenError, ProgressTimeoutError

if TYPE_CHECKING:
    from ..metrics import Registry

log = logging.getLogger("tinker")

DEFAULT_MAX_RETRIES = 10
DEFAULT_PROGRESS_TIMEOUT = 7200.0
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 10.0
JITTER = 0.25
MAX_SERVER_RETRY_DELAY = 60.0
# a "not yet" that comes sooner than this was not a held long-poll: the next one waits a growing pause
QUICK_ANSWER = 1.0
MAX_QUICK_PAUSE = 1.0

E = TypeVar("E", bound=Exception)
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
EventKind = Literal["attempt_started", "retry_scheduled", "wait_ended", "bound_reached", "circuit_changed"]
CircuitState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class Event:
    """What a hook is told: which call, which try, what was last seen, and what happens next."""

    kind: EventKind
    operation: str
    request_id: str | None
    attempt: int
    status: int | str | None = None
    delay: float | None = None
    elapsed: float = 0.0
    server: str | None = None
    # the metrics of the ServiceClient the call belongs to (None: the process's only)
    registry: Registry | None = field(default=None, compare=False, repr=False)


# The policy's own hooks (tests watch the decisions here); ``emit`` also turns the decisions users care about into
# the public events of ``tinker.telemetry``, which feed ``tinker.metrics``: one mechanism, one place that emits.
HOOKS: list[Callable[[Event], None]] = []
_PUBLIC: dict[EventKind, str] = {
    "retry_scheduled": "retry.scheduled",
    "bound_reached": "retry.exhausted",
    "circuit_changed": "circuit.changed",
}


def emit(event: Event) -> None:
    for hook in list(HOOKS):
        try:
            hook(event)
        except Exception:  # a broken hook must not break the call it watches
            log.exception("a resilience hook failed on %s", event.kind)
    public = _PUBLIC.get(event.kind)
    if public is None:
        return
    metadata: dict[str, Any]
    if event.kind == "circuit_changed":
        metadata = {"server": event.server, "state": event.status, "operation": event.operation}
    else:
        metadata = {
            "operation": event.operation,
            "request_id": event.request_id,
            "attempt": event.attempt,
            "status": event.status,
        }
    measurements = (
        {"elapsed": event.elapsed} if event.delay is None else {"delay": event.delay, "elapsed": event.elapsed}
    )
    telemetry.emit(public, measurements, metadata, registry=event.registry)


# The SDK's own draws, so that retries on its I/O thread never move the sequence of a caller who seeded ``random``.
_JITTER = random.Random()


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: ``initial`` doubling per retry up to ``maximum``, less up to ``jitter`` of
    it (never more than ``maximum``, so concurrent retries spread out without any waiting longer)."""

    initial: float = INITIAL_RETRY_DELAY
    maximum: float = MAX_RETRY_DELAY
    jitter: float = JITTER

    def delay(self, retry: int, draw: float | None = None) -> float:
        """Seconds before retry number ``retry`` (0 for the first); ``draw`` is a random number in [0, 1)."""
        draw = _JITTER.random() if draw is None else draw
        base = self.maximum if retry > 60 else min(self.initial * 2.0**retry, self.maximum)
        return max(0.0, base * (1 - self.jitter * draw))


DEFAULT_BACKOFF = Backoff()


def should_retry(response: httpx.Response) -> bool:
    """Whether an error answer may pass by itself: the server's x-should-retry, else 408, 409, 429 and 5xx."""
    verdict: str | None = response.headers.get("x-should-retry")
    if verdict in ("true", "false"):
        return verdict == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def server_retry_after(headers: httpx.Headers) -> float | None:
    """The server's advice in seconds (retry-after-ms, else Retry-After as seconds or an HTTP date), when it is sane:
    above 0 and at most a minute. Anything else (``soon``, a negative number, an hour) is no advice."""
    value = _retry_after(headers)
    return value if value is not None and 0 < value <= MAX_SERVER_RETRY_DELAY else None


def _retry_after(headers: httpx.Headers) -> float | None:
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
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def retry_delay(retries_taken: int, response: httpx.Response | None, backoff: Backoff = DEFAULT_BACKOFF) -> float:
    """Seconds before the next try: the server's sane Retry-After, else the backoff."""
    if response is not None and (advice := server_retry_after(response.headers)) is not None:
        return advice
    return backoff.delay(retries_taken)


def request_budget(timeout: httpx.Timeout, max_retries: int, backoff: Backoff = DEFAULT_BACKOFF) -> float | None:
    """The longest one call of the pipeline can take: every try timing out in each phase, with the longest
    pauses between; None when a phase has no timeout (the caller chose to wait for ever)."""
    phases = (timeout.connect, timeout.write, timeout.read, timeout.pool)
    if any(phase is None for phase in phases):
        return None
    per_try = sum(phase for phase in phases if phase is not None)
    pauses = max_retries * max(backoff.maximum, MAX_SERVER_RETRY_DELAY)
    return (max_retries + 1) * per_try + pauses


class Progress:
    """When one client's work last moved: a result arrived, or the client went from idle to busy. Waits of that
    client that only hear "not yet" end once it has not moved for ``timeout`` seconds (None: never)."""

    def __init__(self, timeout: float | None = DEFAULT_PROGRESS_TIMEOUT, *, clock: Clock = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self.last = clock()
        self.in_flight = 0
        self._pid = os.getpid()

    def begin(self) -> None:
        if os.getpid() != self._pid:  # a forked child: the parent's waits are not its own
            self._pid, self.in_flight = os.getpid(), 0
        if self.in_flight == 0:
            self.last = self.clock()
        self.in_flight += 1

    def end(self, *, moved: bool) -> None:
        self.in_flight -= 1
        if moved:
            self.last = self.clock()

    def left(self) -> float | None:
        """Seconds until the bound, or None when there is none."""
        return None if self.timeout is None else self.timeout - (self.clock() - self.last)


@dataclass
class Attempts:
    """The tries of one call: counts the failure streak, checks the progress bound, pauses, tells the hooks.

    ``request_id`` names the call in errors and events (a future's id once known, else the idempotency key).
    """

    operation: str
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff: Backoff = DEFAULT_BACKOFF
    progress: Progress | None = None
    request_id: str | None = None
    # a call meeting an open circuit at its first try fails at once; one with work in flight (a poll) waits
    fail_fast_when_open: bool = True
    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    metrics: Registry | None = None
    attempt: int = 0
    streak: int = 0
    last_status: int | str | None = None
    last_error: Exception | None = None
    _quick_pause: float = field(default=0.0, init=False)
    _started: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._started = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self._started

    def _event(self, kind: EventKind, delay: float | None = None) -> Event:
        return Event(
            kind,
            self.operation,
            self.request_id,
            self.attempt,
            self.last_status,
            delay,
            self.elapsed,
            None,
            self.metrics,
        )

    def started(self) -> None:
        """A try begins."""
        self.attempt += 1
        emit(self._event("attempt_started"))

    def ended(self) -> None:
        """The call got its answer (a result, or an error that is not retried)."""
        emit(self._event("wait_ended"))

    async def failed(self, error: E, *, response: httpx.Response | None = None) -> None:
        """A try failed in a way that may pass by itself: pause before the next, or raise ``error`` once the streak
        has used the retry budget. An open circuit is not retried: it says the server is down for every call."""
        if isinstance(error, CircuitOpenError) and self.fail_fast_when_open and self.attempt <= 1:
            raise error
        self._check_progress()
        self._seen(error)
        if self.streak >= self.max_retries:
            raise self.exhausted(error)
        delay = retry_delay(self.streak, response, self.backoff)
        if isinstance(error, CircuitOpenError):  # wait for the probe rather than knock on a closed door
            delay = max(delay, error.retry_in)
        self.streak += 1
        await self._pause_unless_windowed(delay, response, bounded_by_progress=False)

    async def not_yet(self, *, started: float, status: int | str, error: Exception | None = None) -> None:
        """The server is alive but has nothing yet (try_again, a held 408, backpressure): the streak ends; pause
        only when the answer came at once; raise ``ProgressTimeoutError`` when the client has stopped moving."""
        self.streak = 0
        self.last_status = status
        if error is not None:
            self.last_error = error
        self._check_progress()
        if self.clock() - started >= QUICK_ANSWER:
            self._quick_pause = 0.0
            return
        self._quick_pause = min(max(self._quick_pause * 2, 0.05), MAX_QUICK_PAUSE)
        await self._pause(self._quick_pause)

    async def backpressure(self, error: Exception, *, response: httpx.Response | None = None) -> None:
        """Load shed (429): wait as the server asks or back off, bounded by progress rather than the streak."""
        self._seen(error)
        self._check_progress()
        delay = retry_delay(min(self.attempt, 60), response, self.backoff)
        await self._pause_unless_windowed(delay, response, bounded_by_progress=True)

    async def pause(self, delay: float, status: int | str) -> None:
        """A fixed pause the protocol asks for (a billing hold), still under the progress bound."""
        self.last_status = status
        self._check_progress()
        await self._pause(delay)

    def missed(self, error: Exception) -> bool:
        """A failure of a periodic call that just tries again next period (the heartbeat): whether the streak has
        now used the retry budget (said once per streak, to the hooks too)."""
        self._seen(error)
        self.streak += 1
        if self.streak != self.max_retries + 1:
            return False
        emit(self._event("bound_reached"))
        return True

    def reset(self) -> None:
        """A periodic call got through: its streak ends."""
        self.streak = 0

    def exhausted(self, error: E) -> E:
        """``error`` named with the call, once the retry budget is used: the hooks hear of it first. Without a
        budget (``max_retries=0``: the caller retries, as the poller does) the error goes up as it is."""
        self._seen(error)
        if self.max_retries == 0:
            return error
        if isinstance(error, APIError):
            error.annotate(self.operation, self.request_id, self.attempt)
        emit(self._event("bound_reached"))
        return error

    def _seen(self, error: Exception) -> None:
        self.last_error = error
        self.last_status = error.status_code if isinstance(error, APIStatusError) else type(error).__name__

    def _check_progress(self) -> None:
        left = None if self.progress is None else self.progress.left()
        if left is not None and left <= 0:
            assert self.progress is not None and self.progress.timeout is not None
            emit(self._event("bound_reached"))
            raise ProgressTimeoutError(
                timeout=self.progress.timeout,
                operation=self.operation,
                request_id=self.request_id,
                last_status=self.last_status,
                request=self.last_error.request if isinstance(self.last_error, APIError) else None,
            )

    async def _pause_unless_windowed(
        self, delay: float, response: httpx.Response | None, *, bounded_by_progress: bool
    ) -> None:
        """After a 429 the pipeline has opened the server's window, which every next try (this one's too) waits out
        before it is sent: pausing here as well would wait twice."""
        if response is not None and response.status_code == 429:
            emit(self._event("retry_scheduled", None))
            return
        await self._pause(delay, bounded_by_progress=bounded_by_progress)

    async def _pause(self, delay: float, *, bounded_by_progress: bool = True) -> None:
        """Sleep ``delay``; a "not yet" pause ends early at the progress bound (checked on the next answer), a
        failure's backoff never shrinks (a spent bound must not turn backoff into a tight loop)."""
        left = None if self.progress is None or not bounded_by_progress else self.progress.left()
        if left is not None:
            delay = max(0.0, min(delay, left))
        emit(self._event("retry_scheduled", delay))
        log.info(
            "%s (%s): %s; try %d in %.2fs", self.operation, self.request_id, self.last_status, self.attempt + 1, delay
        )
        await self.sleep(delay)


# --- what the process shares per server ---------------------------------------------------------------
BREAKER_WINDOW = 20
BREAKER_MIN_TRIES = 10
BREAKER_FAILURE_SHARE = 0.8
BREAKER_COOL_DOWN = 5.0
BREAKER_MAX_COOL_DOWN = 60.0
BREAKER_MIN_SPAN = 2.0


class Breaker:
    """The circuit breaker of one server: closed (calls go), open (calls fail at once), half-open (one probe goes).

    It opens on a failure share over the last tries (connection failures and 5xx; any other answer is the server
    alive) whose failures span at least ``BREAKER_MIN_SPAN`` seconds, not on a few failures in a row nor on one
    burst of failures of many calls in flight at once, so that sporadic faults and short blips never open it while
    a dead server does within one call's retry budget. Only the probe's own outcome ends the half-open state."""

    def __init__(self, server: str, *, clock: Clock = time.monotonic) -> None:
        self.server = server
        self.clock = clock
        self.state: CircuitState = "closed"
        self._tries: deque[tuple[float, bool]] = deque(maxlen=BREAKER_WINDOW)
        self._cool_down = BREAKER_COOL_DOWN
        self._opened_at = 0.0
        self._probing = False

    def before(self, operation: str, request: httpx.Request | None = None) -> bool:
        """Let a try go (True when it is the half-open probe), or raise ``CircuitOpenError``: open within its
        cool-down, or half-open with its probe out."""
        if self.state == "closed":
            return False
        wait = self._opened_at + self._cool_down - self.clock()
        if self.state == "open" and wait <= 0:
            self._change("half_open", operation)
        if self.state == "half_open" and not self._probing:
            self._probing = True
            return True
        raise CircuitOpenError(server=self.server, operation=operation, retry_in=max(wait, 0.0), request=request)

    def record(self, failed: bool, operation: str, *, probe: bool = False) -> None:
        """The outcome of a try; while not closed, only the probe's counts (a late answer to an older try says
        nothing of the server now)."""
        if probe:
            self._probing = False
            if failed:
                self._cool_down = min(self._cool_down * 2, BREAKER_MAX_COOL_DOWN)
                self._open(operation)
            else:
                self._tries.clear()
                self._cool_down = BREAKER_COOL_DOWN
                self._change("closed", operation)
            return
        if self.state != "closed":
            return
        self._tries.append((self.clock(), failed))
        failures = [at for at, failed_try in self._tries if failed_try]
        if (
            len(self._tries) >= BREAKER_MIN_TRIES
            and len(failures) >= BREAKER_FAILURE_SHARE * len(self._tries)
            and failures[-1] - failures[0] >= BREAKER_MIN_SPAN
        ):
            self._open(operation)

    def abandon(self, probe: bool) -> None:
        """A try ended with no outcome (cancelled, or an error that says nothing of the server): a probe's turn
        goes to the next call."""
        if probe:
            self._probing = False

    def _open(self, operation: str) -> None:
        self._opened_at = self.clock()
        self._change("open", operation)

    def _change(self, state: CircuitState, operation: str) -> None:
        self.state = state
        server = telemetry.public_url(self.server)
        log.warning("circuit breaker of %s is %s (after %s)", server, state.replace("_", "-"), operation)
        emit(Event("circuit_changed", operation, None, 0, state, server=server))


class RateWindow:
    """After a 429, the time before which no request of the process goes to that server: its Retry-After, else a
    backoff that doubles with each 429 in a row."""

    def __init__(self, *, clock: Clock = time.monotonic, server: str = "") -> None:
        self.clock = clock
        self.server = server
        self.open_until = 0.0
        self._strikes = 0

    async def wait(self, sleep: Sleep) -> None:
        left = self.open_until - self.clock()
        if left > 0:
            await sleep(left)

    def record(self, response: httpx.Response) -> None:
        if response.status_code != 429:
            self._strikes = 0
            return
        # the server's advice, but never less than the backoff of this many 429s in a row: a Retry-After of a
        # millisecond must not let every waiting request poll in a tight loop
        delay = max(retry_delay(self._strikes, response), DEFAULT_BACKOFF.delay(self._strikes, draw=0.0))
        self._strikes += 1
        opened = self.open_until <= self.clock()
        self.open_until = max(self.open_until, self.clock() + delay)
        if opened:  # a 429 that lengthens an open window opens none
            telemetry.emit(
                "rate_limit.window_opened",
                {"delay": delay},
                {"server": telemetry.public_url(self.server), "strikes": self._strikes},
            )


class ServerGuards:
    """What every client of the process shares for one server (base URL and credential)."""

    def __init__(self, server: str, *, clock: Clock = time.monotonic) -> None:
        self.breaker = Breaker(server, clock=clock)
        self.window = RateWindow(clock=clock, server=server)

    async def before(self, operation: str, request: httpx.Request, sleep: Sleep) -> bool:
        """Wait out the 429 window, then ask the breaker; True when this try is its probe."""
        await self.window.wait(sleep)
        return self.breaker.before(operation, request)

    def answered(self, response: httpx.Response, operation: str, probe: bool) -> None:
        self.window.record(response)
        self.breaker.record(response.status_code >= 500, operation, probe=probe)

    def unanswered(self, error: Exception, operation: str, probe: bool) -> None:
        self.breaker.record(isinstance(error, APIConnectionError), operation, probe=probe)


_guards: dict[tuple[str, str], ServerGuards] = {}
_guards_lock = threading.Lock()


def _forget_guards_in_child() -> None:
    """A forked child starts with its own guards (and a lock no thread of the parent can be holding)."""
    global _guards_lock
    _guards_lock = threading.Lock()
    _guards.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_guards_in_child)


def guards_for(base_url: str, credential: str | None, *, clock: Clock = time.monotonic) -> ServerGuards:
    """The guards of ``base_url`` for one credential (kept as a digest, never the secret itself); ``clock`` is the
    time they count in, the first client's."""
    key = (base_url, hashlib.sha256((credential or "").encode()).hexdigest())
    with _guards_lock:
        guards = _guards.get(key)
        if guards is None:
            guards = _guards[key] = ServerGuards(base_url, clock=clock)
        return guards


def reset_guards() -> None:
    """Forget every server's breaker and window (for tests; clients made before keep theirs)."""
    with _guards_lock:
        _guards.clear()
