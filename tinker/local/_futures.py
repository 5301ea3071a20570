"""Futures: every long operation answers ``{request_id}`` at once and its result is fetched later.

A training model's requests run one at a time in ``seq_id`` order (``ModelQueue``); a missing ``seq_id``
holds the later ones for a bounded time and then fails them clearly. Futures and their results are kept in
the store, so a result survives a restart and a request cut off by one resolves to a clear failure.

Each future holds a ``Ticket`` for its engine work: a cancel that comes before the work starts drops it (a queued
training request still takes its seq_id turn, so later ones proceed), one that comes later leaves the future to
resolve with its real result, except sampling, which has no side effects and stops at its next token.

A future's state changes at once when it is settled (so that a second settling is a no-op), its ``event`` only once
the outcome is in the store: whoever answers a client with it waits for the event, so nothing is answered that a
crash could lose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ._errors import bad_request
from ._scheduler import CANCELLED_MESSAGE, Ticket, WorkCancelled
from ._store import Db, Store
from .engine._types import EngineInputError, SamplingStopped

log = logging.getLogger("tinker.local")

Category = Literal["user", "server", "unknown"]
RESTART_MESSAGE = "the server restarted before this request finished; submit it again"
UNSTORED_MESSAGE = "the server could not store this request's outcome; submit it again"

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


def _stored(future: Future) -> bytes:
    """The future's outcome as stored; one that JSON cannot carry is the server's fault, and is failed as such
    rather than left unanswered."""
    try:
        return orjson.dumps(future.result, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as error:  # orjson.JSONEncodeError
        log.exception("the result of %s cannot be stored", future.request_id)
        future.state = "failed"
        future.result = {"error": f"internal error: the result could not be stored ({error})", "category": "server"}
        return orjson.dumps(future.result)


class Futures:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._live: dict[str, Future] = {}
        # told of each future as it settles (the server's /metrics: engine time and tokens); must not raise
        self.on_settled: Callable[[Future], None] | None = None

    @staticmethod
    def recover(db: Db) -> int:
        """Mark what was in flight when the server last stopped as failed; returns how many."""
        failure = orjson.dumps({"error": RESTART_MESSAGE, "category": "server"})
        return db.execute("UPDATE futures SET state='failed', result=? WHERE state='pending'", [failure])

    def live(self, request_id: str) -> Future | None:
        """The future if this server holds it in memory (every pending one, and those finished lately)."""
        return self._live.get(request_id)

    async def find(self, request_id: str) -> Future | None:
        """The future, from memory or else from the store (as it was stored when the call began: one added to
        memory meanwhile is returned instead, so that a caller acting at once on a None sees the latest)."""
        future = self._live.get(request_id)
        if future is not None:
            return future
        row = await self._store.one("SELECT * FROM futures WHERE request_id=?", [request_id])
        future = self._live.get(request_id)
        if future is not None or row is None:
            return future
        future = Future(row["request_id"], row["owner"], row["kind"], row["model_id"], row["digest"], row["state"])
        future.result = orjson.loads(row["result"]) if row["result"] is not None else None
        if future.state == "pending":  # every pending future is in memory: this one's outcome could not be stored
            future.state, future.result = "failed", {"error": UNSTORED_MESSAGE, "category": "server"}
        future.event.set()
        return future

    async def is_sample(self, request_id: str) -> bool:
        future = await self.find(request_id)
        return future is not None and future.result_type == "SampleResponse"

    async def existing(self, request_id: str, digest: str, what: str) -> Future | None:
        """The future a repeated submission maps to; the same id with another payload is a client mistake."""
        future = await self.find(request_id)
        if future is not None and future.digest != digest:
            raise bad_request(f"{what} was already used by a different request ({request_id})")
        return future

    def add(self, request_id: str, owner: str, result_type: str, model_id: str | None, digest: str) -> Future:
        """A new pending future, in memory at once (a concurrent resubmission finds it); ``save`` stores it."""
        future = Future(request_id, owner, result_type, model_id, digest)
        self._live[request_id] = future
        return future

    async def save(self, future: Future) -> None:
        """Store a new future. Asked for before its work can start, so its row precedes the row's update: the
        store runs statements in the order asked."""
        await self._store.insert(
            "futures",
            {
                "request_id": future.request_id,
                "owner": future.owner,
                "kind": future.result_type,
                "model_id": future.model_id,
                "digest": future.digest,
                "state": "pending",
                "result": None,
                "created_at": time.time(),
            },
            replace=True,
        )

    async def create(self, request_id: str, owner: str, result_type: str, model_id: str | None, digest: str) -> Future:
        future = self.add(request_id, owner, result_type, model_id, digest)
        await self.save(future)
        return future

    async def _finish(self, future: Future, state: Literal["done", "failed"], result: dict[str, Any]) -> None:
        await self._settle([(future, state, result)])

    async def _settle(self, outcomes: Iterable[tuple[Future, Literal["done", "failed"], dict[str, Any]]]) -> None:
        """Settle pending futures: their state at once, the store in one hop, then their events (also when the
        write failed, so that no waiter hangs; the outcome is then known in memory only)."""
        settled = []
        for future, state, result in outcomes:
            if future.state == "pending":
                future.state, future.result, future.finished_at = state, result, time.monotonic()
                settled.append(future)
        if not settled:
            return
        sql = "UPDATE futures SET state=?, result=?, finished_at=? WHERE request_id=?"
        now = time.time()
        try:
            rows = [[f.state, _stored(f), now, f.request_id] for f in settled]
            await self._store.run(lambda db: db.executemany(sql, rows))
        finally:
            for future in settled:
                future.event.set()
            if self.on_settled is not None:
                for future in settled:
                    try:
                        self.on_settled(future)
                    except Exception:
                        log.exception("observing request %s failed", future.request_id)

    async def complete(self, future: Future, result: dict[str, Any]) -> None:
        await self._finish(future, "done", result)

    async def fail(self, future: Future, message: str, category: Category = "user") -> None:
        await self._finish(future, "failed", {"error": message, "category": category})

    async def fail_all(self, futures: Iterable[Future], message: str, category: Category = "user") -> None:
        """Fail many futures in one hop."""
        failure = {"error": message, "category": category}
        await self._settle([(future, "failed", failure) for future in futures])

    async def run(self, future: Future, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        """Run ``work`` and resolve the future with its result or its failure; returns once the outcome is stored
        (whoever settled it). Never raises: an outcome that could not be stored is logged and answered from memory,
        so that the queue it runs in goes on and its pollers get it.

        Work cancelled before it started is not run at all (cancel_future has failed its future already)."""
        try:
            if future.ticket.cancelled:
                await self.fail(future, CANCELLED_MESSAGE, "user")
            else:
                await self._outcome(future, work)
        except Exception:
            log.exception("request %s: its outcome could not be stored, it is known in memory only", future.request_id)
        await future.event.wait()  # set in a bounded time by whichever settling came first

    async def _outcome(self, future: Future, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        try:
            with running(future.ticket):
                result = await work()
        except WorkCancelled as exc:
            await self.fail(future, exc.message, exc.category)
        except SamplingStopped:
            await self.fail(future, "cancelled by the client while it ran", "user")
        except RequestFailed as exc:
            await self.fail(future, exc.message, exc.category)
        except EngineInputError as exc:
            await self.fail(future, str(exc), "user")
        except Exception as exc:
            log.exception("request %s failed", future.request_id)
            await self.fail(future, f"internal error: {type(exc).__name__}: {exc}", "server")
        else:
            await self.complete(future, result)

    async def prune(self, older_than: float) -> int:
        """Delete stored results older than ``older_than`` seconds (a client fetches a result within minutes)."""
        return await self._store.execute(
            "DELETE FROM futures WHERE state != 'pending' AND created_at < ?", [time.time() - older_than]
        )

    def forget_finished(self, older_than: float, keep: int) -> None:
        """Drop from memory the finished futures older than ``older_than`` seconds, then all but the newest ``keep``
        (the store still answers for them)."""
        cutoff = time.monotonic() - older_than
        finished = sorted((f for f in self._live.values() if f.state != "pending"), key=lambda f: f.finished_at)
        excess = max(0, len(finished) - keep)
        for index, future in enumerate(finished):
            if index < excess or future.finished_at < cutoff:
                del self._live[future.request_id]

    async def fail_pending(self, message: str) -> None:
        await self.fail_all([f for f in self._live.values() if f.state == "pending"], message, "server")


Job = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class ModelQueue:
    """Runs one model's jobs strictly in seq_id order, one at a time."""

    MAX_AHEAD = 100_000

    def __init__(self, model_id: str, gap_timeout: float, on_gap: Callable[[int, list[str]], Awaitable[None]]) -> None:
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
                try:
                    await entry[1]()
                except Exception:  # one job's failure must not strand the jobs queued after it
                    log.exception("request %s failed in model %s's queue", entry[0], self.model_id)
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._gap_timeout)
            except TimeoutError:
                if not self._jobs:
                    break
                missing = self.next_seq
                held = [self._jobs[seq_id][0] for seq_id in sorted(self._jobs)]
                self.next_seq = max(self._jobs) + 1
                self._jobs.clear()
                await self._on_gap(missing, held)

    def close(self) -> list[str]:
        """Stop taking jobs; returns the request ids that will never run."""
        self.closed = True
        dropped = [request_id for request_id, _ in self._jobs.values()]
        self._jobs.clear()
        self._wake.set()
        return dropped
