"""Futures: every long operation answers ``{request_id}`` at once and its result is fetched later.

A training model's requests run one at a time in ``seq_id`` order (``ModelQueue``); a missing ``seq_id``
holds the later ones for a bounded time and then fails them clearly. Futures and their results are kept in
the store, so a result survives a restart and a request cut off by one resolves to a clear failure.

Each future holds a ``Ticket`` for its engine work: a cancel that comes before the work starts drops it (a queued
training request still takes its seq_id turn, so later ones proceed), one that comes later leaves the future to
resolve with its real result, except sampling, which has no side effects and stops at its next token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ._errors import bad_request
from ._scheduler import CANCELLED_MESSAGE, Ticket, WorkCancelled
from ._store import Store
from .engine._types import EngineInputError, SamplingStopped

log = logging.getLogger("tinker.local")

Category = Literal["user", "server", "unknown"]
RESTART_MESSAGE = "the server restarted before this request finished; submit it again"

_RUNNING: ContextVar[Ticket | None] = ContextVar("tinker_local_running_ticket", default=None)


@contextlib.contextmanager
def running(ticket: Ticket) -> Iterator[None]:
    """Tie the engine work started in this block to ``ticket``: work closures are built before their request has
    an id, so ``Service.in_thread`` learns the ticket from here rather than from each of them."""
    token = _RUNNING.set(ticket)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def running_ticket() -> Ticket | None:
    """The ticket of the request whose work runs in this task, if any."""
    return _RUNNING.get()


class RequestFailed(Exception):
    """An operation that failed after it was accepted; the future resolves to ``{error, category}``."""

    def __init__(self, message: str, category: Category = "user") -> None:
        super().__init__(message)
        self.message = message
        self.category = category


@dataclass
class Future:
    request_id: str
    owner: str
    result_type: str
    model_id: str | None
    digest: str
    state: Literal["pending", "done", "failed"] = "pending"
    result: dict[str, Any] | None = None
    finished_at: float = 0.0
    event: asyncio.Event = field(default_factory=asyncio.Event)
    ticket: Ticket = field(default_factory=Ticket)


class Futures:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._live: dict[str, Future] = {}

    def recover(self) -> int:
        """Mark what was in flight when the server last stopped as failed; returns how many."""
        failure = orjson.dumps({"error": RESTART_MESSAGE, "category": "server"})
        return self._store.execute("UPDATE futures SET state='failed', result=? WHERE state='pending'", [failure])

    def find(self, request_id: str) -> Future | None:
        future = self._live.get(request_id)
        if future is not None:
            return future
        row = self._store.one("SELECT * FROM futures WHERE request_id=?", [request_id])
        if row is None:
            return None
        future = Future(row["request_id"], row["owner"], row["kind"], row["model_id"], row["digest"], row["state"])
        future.result = orjson.loads(row["result"]) if row["result"] is not None else None
        future.event.set()
        return future

    def is_sample(self, request_id: str) -> bool:
        future = self.find(request_id)
        return future is not None and future.result_type == "SampleResponse"

    def existing(self, request_id: str, digest: str, what: str) -> Future | None:
        """The future a repeated submission maps to; the same id with another payload is a client mistake."""
        future = self.find(request_id)
        if future is not None and future.digest != digest:
            raise bad_request(f"{what} was already used by a different request ({request_id})")
        return future

    def create(self, request_id: str, owner: str, result_type: str, model_id: str | None, digest: str) -> Future:
        future = Future(request_id, owner, result_type, model_id, digest)
        self._store.insert(
            "futures",
            {
                "request_id": request_id,
                "owner": owner,
                "kind": result_type,
                "model_id": model_id,
                "digest": digest,
                "state": "pending",
                "result": None,
                "created_at": time.time(),
            },
            replace=True,
        )
        self._live[request_id] = future
        return future

    def _finish(self, future: Future, state: Literal["done", "failed"], result: dict[str, Any]) -> None:
        if future.state != "pending":
            return
        self._store.execute(
            "UPDATE futures SET state=?, result=? WHERE request_id=?", [state, orjson.dumps(result), future.request_id]
        )
        future.state, future.result, future.finished_at = state, result, time.monotonic()
        future.event.set()

    def complete(self, future: Future, result: dict[str, Any]) -> None:
        self._finish(future, "done", result)

    def fail(self, future: Future, message: str, category: Category = "user") -> None:
        self._finish(future, "failed", {"error": message, "category": category})

    async def run(self, future: Future, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        """Run ``work`` and resolve the future with its result or its failure; never raises.

        Work cancelled before it started is not run at all (cancel_future has failed its future already)."""
        if future.ticket.cancelled:
            self.fail(future, CANCELLED_MESSAGE, "user")
            return
        try:
            with running(future.ticket):
                result = await work()
        except WorkCancelled as exc:
            self.fail(future, exc.message, exc.category)
        except SamplingStopped:
            self.fail(future, "cancelled by the client while it ran", "user")
        except RequestFailed as exc:
            self.fail(future, exc.message, exc.category)
        except EngineInputError as exc:
            self.fail(future, str(exc), "user")
        except Exception as exc:
            log.exception("request %s failed", future.request_id)
            self.fail(future, f"internal error: {type(exc).__name__}: {exc}", "server")
        else:
            self.complete(future, result)

    def prune(self, older_than: float) -> int:
        """Delete stored results older than ``older_than`` seconds (a client fetches a result within minutes)."""
        return self._store.execute(
            "DELETE FROM futures WHERE state != 'pending' AND created_at < ?", [time.time() - older_than]
        )

    def forget_finished(self, older_than: float) -> None:
        """Drop finished futures from memory (the store still answers for them)."""
        cutoff = time.monotonic() - older_than
        for request_id in [r for r, f in self._live.items() if f.state != "pending" and f.finished_at < cutoff]:
            del self._live[request_id]

    def fail_pending(self, message: str) -> None:
        for future in list(self._live.values()):
            if future.state == "pending":
                self.fail(future, message, "server")


Job = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class ModelQueue:
    """Runs one model's jobs strictly in seq_id order, one at a time."""

    MAX_AHEAD = 100_000

    def __init__(self, model_id: str, gap_timeout: float, on_gap: Callable[[int, str], None]) -> None:
        self.model_id = model_id
        self.next_seq = 0
        self.highest = -1
        self._gap_timeout = gap_timeout
        self._on_gap = on_gap
        self._jobs: dict[int, tuple[str, Job]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    def __len__(self) -> int:
        """How many requests wait here (the one running is not counted)."""
        return len(self._jobs)

    def assign(self, seq_id: int | None) -> int:
        """The seq_id a new request runs at; an impossible one is a 400 naming seq_id."""
        if seq_id is None:
            return max(self.highest + 1, self.next_seq)
        if seq_id < self.next_seq or seq_id in self._jobs:
            raise bad_request(
                f"seq_id {seq_id} was already used on model {self.model_id}; the next expected seq_id is "
                f"{max(self.highest + 1, self.next_seq)}"
            )
        if seq_id > self.next_seq + self.MAX_AHEAD:
            raise bad_request(f"seq_id {seq_id} is too far ahead of the next expected seq_id {self.next_seq}")
        return seq_id

    def skip(self, seq_id: int) -> None:
        """Count a refused request's seq_id as done, so that the requests after it are not held up (a client
        moves on after a refusal, and official SDKs send a batch's chunks out of order)."""
        if self.next_seq <= seq_id <= self.next_seq + self.MAX_AHEAD and seq_id not in self._jobs:
            self.put(seq_id, f"{self.model_id}:{seq_id}", _nothing)

    def put(self, seq_id: int, request_id: str, job: Job) -> None:
        self._jobs[seq_id] = (request_id, job)
        self.highest = max(self.highest, seq_id)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._jobs:
            entry = self._jobs.pop(self.next_seq, None)
            if entry is not None:
                self.next_seq += 1
                await entry[1]()
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._gap_timeout)
            except TimeoutError:
                if not self._jobs:
                    break
                missing = self.next_seq
                for seq_id in sorted(self._jobs):
                    self._on_gap(missing, self._jobs[seq_id][0])
                self.next_seq = max(self._jobs) + 1
                self._jobs.clear()

    def close(self) -> list[str]:
        """Stop taking jobs; returns the request ids that will never run."""
        self.closed = True
        dropped = [request_id for request_id, _ in self._jobs.values()]
        self._jobs.clear()
        self._wake.set()
        return dropped
