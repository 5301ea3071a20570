"""Fault injection: the failures a client of the hosted service meets, on a seeded schedule, in front of a server
that really trains (``tinker local serve --faults SPEC``, ``LocalServer(faults=...)``).

A SPEC is comma-separated ``key=value`` settings; a bare word continues the list before it:
``rate=0.2,seed=7,kinds=429,5xx,408,410,slow,drop_before,drop_after,delay=0.5,retry_after=1``.

- ``rate``: the share of requests that fail (0 to 1); ``seed``: the schedule's seed.
- ``kinds``: ``429`` (with Retry-After), ``500``, ``502``, ``503`` (``5xx`` is all three), ``408`` and ``410`` (on
  retrieve_future only), ``slow`` (the answer held ``delay`` seconds), ``drop_before`` (the connection closed before
  the request is handled: nothing was done) and ``drop_after`` (handled in full, then the connection closed: the
  work was done, the answer is lost); ``drop`` is both, ``all`` (the default) every kind.
- 410 says that a result is gone: only a sample's future gets it, since a sampling client sends the sample again,
  while a lost training result cannot be made again (clients raise it at once).

Deterministic for a seed and an order of requests: each request draws whether it fails; the kinds are dealt like
cards from a deck shuffled by the seed, each failing request taking the first card that fits it (a 410 waits for
a sample's future), and the deck is filled again with the kinds it lacks once no card fits. So over a run every
kind comes up, in about equal numbers. Health checks, ``client/config`` and ``/openapi.json`` never fail: probes and
client start-up see the server as it is.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tinker.local.faults")

KINDS = ("429", "500", "502", "503", "408", "410", "slow", "drop_before", "drop_after")
GROUPS = {"5xx": ("500", "502", "503"), "drop": ("drop_before", "drop_after"), "all": KINDS}
EXEMPT_PATHS = frozenset({"/api/v1/healthz", "/api/v1/client/config", "/openapi.json"})
RETRIEVE_FUTURE = "/api/v1/retrieve_future"
_STATUS_TEXT = {"429": "Too Many Requests", "500": "Internal Server Error", "502": "Bad Gateway"}
_STATUS_TEXT |= {"503": "Service Unavailable", "408": "Request Timeout", "410": "Gone"}


@dataclass(frozen=True)
class FaultSpec:
    """What to inject and how often; ``FaultSpec.parse(text)`` reads a SPEC and ``str()`` writes one."""

    rate: float = 0.1
    seed: int = 0
    kinds: tuple[str, ...] = KINDS
    delay: float = 1.0
    retry_after: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"rate={self.rate}: must be between 0 and 1")
        if not self.kinds:
            raise ValueError("kinds: name at least one kind")
        unknown = [kind for kind in self.kinds if kind not in KINDS]
        if unknown:
            raise ValueError(f"kinds: unknown {', '.join(unknown)}; use {', '.join((*KINDS, *GROUPS))}")
        if not (math.isfinite(self.delay) and self.delay >= 0):
            raise ValueError(f"delay={self.delay}: must be seconds, 0 or more")
        if not (math.isfinite(self.retry_after) and self.retry_after > 0):
            raise ValueError(f"retry_after={self.retry_after}: must be seconds, more than 0")

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        settings: dict[str, str | list[str]] = {}
        last = ""
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            name, has_value, value = item.partition("=")
            if not has_value:
                if last != "kinds":
                    raise ValueError(f"{item!r}: expected key=value (only kinds= takes a list)")
                settings["kinds"] = [*settings["kinds"], item]
                continue
            name = name.strip()
            if name not in {field.name for field in fields(cls)}:
                raise ValueError(f"{name!r}: unknown setting; use rate, seed, kinds, delay, retry_after")
            if name in settings:
                raise ValueError(f"{name!r}: given twice")
            settings[name] = [value.strip()] if name == "kinds" else value.strip()
            last = name
        try:
            return cls(
                rate=float(_one(settings.get("rate", str(cls.rate)))),
                seed=int(_one(settings.get("seed", str(cls.seed)))),
                kinds=_expand(settings.get("kinds", ["all"])),
                delay=float(_one(settings.get("delay", str(cls.delay)))),
                retry_after=float(_one(settings.get("retry_after", str(cls.retry_after)))),
            )
        except ValueError as error:
            raise ValueError(f"fault spec {text!r}: {error}") from None

    def __str__(self) -> str:
        return (
            f"rate={self.rate!r},seed={self.seed},kinds={','.join(self.kinds)},delay={self.delay!r},"
            f"retry_after={self.retry_after!r}"
        )


def _one(value: str | list[str]) -> str:
    assert isinstance(value, str)
    return value


def _expand(names: str | list[str]) -> tuple[str, ...]:
    kinds: list[str] = []
    for name in names:
        for kind in GROUPS.get(name, (name,)):
            if kind not in kinds:
                kinds.append(kind)
    return tuple(kinds)


def fits(kind: str, path: str, is_sample_future: bool) -> bool:
    """Whether ``kind`` may be injected into a request to ``path``: 408 and 410 only where the service sends them."""
    if kind == "408":
        return path == RETRIEVE_FUTURE
    if kind == "410":
        return path == RETRIEVE_FUTURE and is_sample_future
    return True


class FaultSchedule:
    """Which requests fail and how: a pure function of the seed and the order in which requests ask."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._when = random.Random(f"{spec.seed}/when")
        self._shuffle = random.Random(f"{spec.seed}/kinds")
        self._deck: list[str] = []
        self.requests = 0
        self.injected: Counter[str] = Counter()

    def fails(self) -> bool:
        """Whether the next request fails (one draw per request, whatever happens to it)."""
        self.requests += 1
        return self._when.random() < self.spec.rate

    def deal(self, fit: Callable[[str], bool]) -> str | None:
        """The first card of the deck that ``fit`` takes; None when no kind of the spec fits the request."""
        for attempt in range(2):
            for index, kind in enumerate(self._deck):
                if fit(kind):
                    del self._deck[index]
                    self.injected[kind] += 1
                    return kind
            if attempt == 0:
                missing = [kind for kind in self.spec.kinds if kind not in self._deck]
                self._shuffle.shuffle(missing)
                self._deck.extend(missing)
        return None


class ConnectionDropped(Exception):
    """Raised after a response has started, so that the server closes the connection mid-answer (the ASGI way to
    drop one): the client sees a transport error, never an answer."""


class _QuietDrops(logging.Filter):
    """uvicorn logs every exception of the app with a traceback; a drop that was asked for is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def _quiet_uvicorn() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, _QuietDrops) for existing in logger.filters):
        logger.addFilter(_QuietDrops())


class FaultLayer:
    """A pure ASGI layer in front of the app (outside its error handling, so that a drop really drops)."""

    def __init__(
        self, app: ASGIApp, schedule: FaultSchedule, is_sample_future: Callable[[str], Awaitable[bool]]
    ) -> None:
        self.app = app
        self.schedule = schedule
        self._is_sample_future = is_sample_future
        _quiet_uvicorn()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in EXEMPT_PATHS or not self.schedule.fails():
            await self.app(scope, receive, send)
            return
        request_id = None
        if path == RETRIEVE_FUTURE:
            body, receive = await _buffered(receive)
            request_id = _request_id(body)
        sample = request_id is not None and await self._is_sample_future(request_id)
        kind = self.schedule.deal(lambda kind: fits(kind, path, sample))
        if kind is None:
            await self.app(scope, receive, send)
            return
        log.warning("injected fault %s into %s %s", kind, scope["method"], path)
        spec = self.schedule.spec
        if kind == "slow":
            await self.app(scope, receive, _held(send, spec.delay))
        elif kind == "drop_before":
            await _drop(send)
        elif kind == "drop_after":
            await self.app(scope, receive, _discard)
            await _drop(send)
        else:
            await _refuse(send, kind, spec, request_id)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it on to the app as if it were unread."""
    chunks, messages = [], []
    while True:
        message = await receive()
        messages.append(message)
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return b"".join(chunks), replay


def _request_id(body: bytes) -> str | None:
    try:
        value = orjson.loads(body).get("request_id")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _held(send: Send, delay: float) -> Send:
    """``send`` whose first message (the start of the answer) waits ``delay`` seconds."""
    held = True

    async def slow_send(message: Message) -> None:
        nonlocal held
        if held:
            held = False
            await asyncio.sleep(delay)
        await send(message)

    return slow_send


async def _discard(message: Message) -> None:
    return None


async def _drop(send: Send) -> None:
    # the head promises a body that never comes: the client cannot take the close for the end of an answer
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
    raise ConnectionDropped("connection dropped on purpose (fault injection)")


async def _refuse(send: Send, kind: str, spec: FaultSpec, request_id: str | None) -> None:
    status = int(kind)
    body: dict[str, Any] = {"detail": f"injected fault: {status} {_STATUS_TEXT[kind]}"}
    headers = [(b"content-type", b"application/json")]
    if status == 429:
        headers.append((b"retry-after", str(math.ceil(spec.retry_after)).encode()))
        headers.append((b"retry-after-ms", str(round(spec.retry_after * 1000)).encode()))
    elif status == 408:  # the service's "not yet": a poll answered before its result was ready
        body |= {"type": "try_again", "request_id": request_id or "", "queue_state": "active"}
    elif status == 410:
        body["detail"] = f"injected fault: the result of {request_id} is gone; submit the request again"
    content = orjson.dumps(body)
    headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
