"""What the clients of one ServiceClient share: the request pipeline, the server's configuration, the session.

The session is created on the first call that needs one, then kept alive by a heartbeat every 10 s.
Everything here runs on the SDK's I/O loop (``_loop``); the clients hand it coroutines.

A holder made before ``os.fork()`` works in the child: the loop, the pipeline (with its connection pool), the
session lock and the id counters are per process (``_per_process``). The child uses the parent's session; it
sends no heartbeats for it and does not finish it on close (the parent does both), unless it created it.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic

from tinker import types
from tinker_api.api.sessions import create_session, finish_session, session_heartbeat
from tinker_api.types import OperationRequest

from .. import telemetry as events
from .._base_client import BaseClient, ClientSettings, RequestOptions
from .._exceptions import APIStatusError
from .._version import __version__
from ..metrics import Registry
from ._encoding import json_body, resolve_wire_format
from ._loop import EventLoopThread, io_loop
from ._per_process import PerProcess, shadow_seq_start
from ._resilience import DEFAULT_PROGRESS_TIMEOUT, Attempts, Progress
from .public_interfaces.api_future import AwaitableConcurrentFuture
from .telemetry import Telemetry, reporter_for

log = logging.getLogger("tinker")

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)

HEARTBEAT_INTERVAL = 10.0


async def _beat(holder_ref: weakref.ref[Holder], session_id: str) -> None:
    """Heartbeats every 10 s; failures are only logged (once the streak has used the retry budget), and 404/410
    (session gone) stop the loop.

    The loop holds the holder only through a weak reference, so a ServiceClient nobody uses any more is
    collected (its connections closed) and its heartbeats stop; the server then expires the session.
    """
    holder = holder_ref()
    if holder is None:
        return
    attempts = Attempts(
        "session_heartbeat", max_retries=holder.settings.max_retries, request_id=session_id, metrics=holder.metrics
    )
    registry = holder.metrics
    body = json_body(types.SessionHeartbeatRequest(session_id=session_id))
    while True:
        holder = holder_ref()
        if holder is None:
            return
        sleep = holder.sleep
        del holder
        await sleep(HEARTBEAT_INTERVAL)
        holder = holder_ref()
        if holder is None:
            return
        attempts.started()
        try:
            await holder.send(session_heartbeat.build_request(body=body), options={"max_retries": 0, "timeout": 10.0})
            attempts.reset()
        except APIStatusError as error:
            if error.status_code in (404, 410):
                log.warning("session %s has ended on the server (%s); heartbeats stop", session_id, error)
                attempts.ended()
                return
            _missed(attempts, error, registry)
        except Exception as error:  # no answer, or no credential (a command that failed): try again next period
            _missed(attempts, error, registry)
        finally:
            del holder


def _missed(attempts: Attempts, error: Exception, registry: Registry) -> None:
    missed = attempts.missed(error)
    events.emit(
        "heartbeat.failed",
        {"streak": attempts.streak},
        {"session_id": attempts.request_id, "error": type(error).__name__, "status": attempts.last_status},
        registry=registry,
    )
    if missed:
        log.warning(
            "%d heartbeats in a row have not reached the server (%s); session %s may be closed",
            attempts.streak,
            error,
            attempts.request_id,
        )


def _close_soon(io: EventLoopThread, client: BaseClient) -> None:
    """Close the connections of a holder nobody uses any more (else they leak until exit)."""
    if io.runs_here():
        io.submit(client.aclose())


@dataclass
class ServerTraits:
    """What the server showed of itself where the protocol leaves it open, learned from its answers and kept for
    every client of one ServiceClient (None: not yet seen)."""

    counts_refused_seq_ids: bool | None = None
    """Whether a refused training request uses up its seq_id (this project's server, the hosted service) or the
    next request must take it again (TuFT: it checks the seq_id when it runs a request, and fails that request's
    future with a 409 "Sequence conflict: expected N, got M" otherwise). Learned from the request after a refusal
    (accepted, or a 409 at once), and set to False when a future fails with such a conflict, which overrules an
    acceptance. A request refused for a route the server lacks (a bare 404 "Not Found") used up no seq_id anywhere
    and shows nothing of this."""
    serves_legacy_forward: bool | None = None
    """Whether the legacy ``forward`` operation exists, where a JSON forward goes (``forward_only`` is read only in
    protobuf); TuFT lacks it (a bare 404), and forwards then go as protobuf forward_backward with ``forward_only``."""
    reads_json_forward_backward: bool | None = None
    """Whether forward_backward takes the legacy JSON body; TuFT answers 415 naming protobuf, which is sent then."""
    creates_via_load: bool | None = None
    """Whether ``load_weights`` with ``session_id`` and ``model_seq_id`` makes a training run (0.38's form); older
    servers and SkyRL tx want a run made by ``create_model`` first, then ``load_weights`` with its ``model_id``."""


@dataclass
class _Here:
    """What one process's use of a holder has of its own."""

    io: EventLoopThread
    client: BaseClient
    model_seq: Iterator[int]
    sampling_seq: Iterator[int]
    counter_lock: threading.Lock = field(default_factory=threading.Lock)
    session_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    heartbeat: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, holder_ref: weakref.ref[Holder], new_client: Callable[[], BaseClient], first_pid: int) -> _Here:
        """A process's start: the first one's counters from 0, a later one's (a forked child, numbering in the same
        session as its parent) far from any other's."""
        io = io_loop()
        client = new_client()
        io.close_at_exit(client)
        holder = holder_ref()
        if holder is not None:
            client.metrics = holder.metrics
            weakref.finalize(holder, _close_soon, io, client).atexit = False
        start = 0 if os.getpid() == first_pid else shadow_seq_start()
        return cls(io, client, itertools.count(start), itertools.count(start))


class Holder:
    def __init__(
        self,
        settings: ClientSettings,
        *,
        user_metadata: dict[str, str] | None = None,
        project_id: str | None = None,
        display_name: str | None = None,
        client: BaseClient | Callable[[], BaseClient] | None = None,
        session_id: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wire_format: str | None = None,
        progress_timeout: float | None = DEFAULT_PROGRESS_TIMEOUT,
    ) -> None:
        """``client``: the pipeline, or how to make one in each process (the default: one on ``settings``); a
        ``BaseClient`` given as it is serves every process, a forked child's too."""
        self.settings = settings
        self.progress_timeout = progress_timeout
        self.wire_format = resolve_wire_format(wire_format)
        self.sleep = sleep
        self.user_metadata = user_metadata
        self.project_id = project_id or os.environ.get("TINKER_PROJECT_ID") or None
        self.display_name = display_name
        if client is None:
            new_client: Callable[[], BaseClient] = functools.partial(BaseClient, settings)
        elif isinstance(client, BaseClient):
            new_client = functools.partial(_same, client)
        else:
            new_client = client
        self._here = PerProcess(functools.partial(_Here.start, weakref.ref(self), new_client, os.getpid()))
        self._config: types.ClientConfigResponse | None = None
        self.traits = ServerTraits()
        self._session_id = session_id
        self._session_pid = os.getpid()  # the process that sends its heartbeats and finishes it
        # this ServiceClient's figures (``ServiceClient.metrics``), and its reporter (None when reporting is off)
        self.metrics = Registry()
        self.telemetry: Telemetry | None = reporter_for(self)

    @property
    def io(self) -> EventLoopThread:
        """This process's I/O loop."""
        return self._here.get().io

    @property
    def client(self) -> BaseClient:
        """This process's request pipeline."""
        return self._here.get().client

    def client_if_started(self) -> BaseClient | None:
        """This process's pipeline if it was made (asking starts nothing)."""
        here = self._here.peek()
        return None if here is None else here.client

    # --- running coroutines on the I/O loop ---------------------------------------------------------
    def submit(self, coroutine: Coroutine[Any, Any, T], what: str = "the request") -> AwaitableConcurrentFuture[T]:
        """Run ``coroutine`` on the I/O loop (under the caller's OpenTelemetry context, when there is one); ``what``
        names it in a ``result(timeout)`` error. An exception it ends in is reported (``get_telemetry``)."""
        if self.telemetry is not None:
            coroutine = _reported(self.telemetry, coroutine)
        return AwaitableConcurrentFuture(self.io.submit(events.carry_context(coroutine)), what)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run to completion and return the result (from sync code)."""
        return self.submit(coroutine).result()

    async def request(
        self, prepared: OperationRequest, cast_to: type[M], *, options: RequestOptions | None = None
    ) -> M:
        result = await self.client.request(prepared, cast_to, options=options)
        assert result is not None
        return result

    async def send(self, prepared: OperationRequest, *, options: RequestOptions | None = None) -> None:
        await self.client.send(prepared, options=options)

    def progress(self) -> Progress:
        """A new progress clock under this ServiceClient's ``progress_timeout``."""
        return Progress(self.progress_timeout)

    # --- server configuration and session -----------------------------------------------------------
    async def config(self) -> types.ClientConfigResponse:
        """``client/config``, which the request pipeline fetches once before its first other request."""
        if self._config is None:
            self._config = await self.client.config()
        return self._config

    def known_config(self) -> types.ClientConfigResponse:
        """The configuration fetched so far (clients exist only after it was), else the defaults."""
        return self._config or types.ClientConfigResponse()

    @property
    def known_session_id(self) -> str | None:
        """The session's id once it was made (a training client's holder always has one), else None; asks nothing."""
        return self._session_id

    async def session_id(self) -> str:
        here = self._here.get()
        async with here.session_lock:
            if self._session_id is None:
                await self.config()
                tags = sorted({t.strip() for t in os.environ.get("TINKER_TAGS", "").split(",") if t.strip()})
                request = types.CreateSessionRequest(
                    tags=tags,
                    user_metadata=self.user_metadata or {},
                    sdk_version=__version__,
                    project_id=self.project_id,
                    display_name=self.display_name,
                )
                answer = await self.request(
                    create_session.build_request(body=json_body(request)), types.CreateSessionResponse
                )
                for level, message in (
                    (logging.INFO, answer.info_message),
                    (logging.WARNING, answer.warning_message),
                    (logging.ERROR, answer.error_message),
                ):
                    if message:
                        log.log(level, "%s", message)
                self._session_id, self._session_pid = answer.session_id, os.getpid()
                events.emit("session.start", {}, {"session_id": answer.session_id}, registry=self.metrics)
                if self.telemetry is not None:
                    self.telemetry.session_started(answer.session_id)
                here.heartbeat = asyncio.get_running_loop().create_task(_beat(weakref.ref(self), answer.session_id))
            return self._session_id

    def next_model_seq_id(self) -> int:
        here = self._here.get()
        with here.counter_lock:
            return next(here.model_seq)

    def next_sampling_seq_id(self) -> int:
        here = self._here.get()
        with here.counter_lock:
            return next(here.sampling_seq)

    async def close(self, status: str, detail: str | None) -> None:
        """Stop the heartbeat, tell the server how the session ended (when there is one, and this process owns
        it), and release what the pipeline opened, even when the server cannot be told."""
        here = self._here.get()
        try:
            if here.heartbeat is not None:
                here.heartbeat.cancel()
                await asyncio.gather(here.heartbeat, return_exceptions=True)
            if self._session_id is not None and self._session_pid == os.getpid():
                request = types.SessionFinishRequest.model_validate({"reason": {"type": status}, "detail": detail})
                await self.send(finish_session.build_request(session_id=self._session_id, body=json_body(request)))
                events.emit(
                    "session.end", {}, {"session_id": self._session_id, "status": status}, registry=self.metrics
                )
        finally:
            try:
                if self.telemetry is not None:
                    await self.telemetry.close(status)
            finally:
                await here.client.aclose()


def _same(client: BaseClient) -> BaseClient:
    return client


async def _reported(reporter: Telemetry, coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        return await coroutine
    except Exception as error:
        reporter.log_exception_sync(error)
        raise
