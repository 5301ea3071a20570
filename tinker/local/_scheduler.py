"""The engine scheduler: one thread runs all blocking engine work, taken round-robin between tenants.

One thread, because torch's work spread over several threads made their OpenMP teams spin against each other
(about a quarter of a training step on two cores). Round-robin, because a single FIFO let one tenant's deep queue
(hundreds of sample requests, or requests over many models) hold back every other tenant's small request: here each
tenant (and the server's own work, the system lane) has its own queue, and the thread takes one item from each
non-empty queue in turn.

A request's work carries a ``Ticket``, so that a cancel can drop what has not started and refuse what comes
after, and tell whether it came too late.

Work that can share one engine call (sampling on the same weights) carries a ``Batchable``: when the thread takes
such an item in its lane's turn, it also takes the other queued items with the same key, from every lane in turn,
up to the item's bound, and runs them in one call. The round-robin order still decides whose work starts; batching
only adds other ready work of the same kind to that call, which costs the waiting tenants one call, not one per
request. Items taken into a batch may pass queued items of their own lane: only work that does not wait on its
lane's earlier work (which is awaited before it is queued) is batchable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

log = logging.getLogger("tinker.local")
T = TypeVar("T")

Lane = str | None
"""Whose queue an item joins: a tenant (its owner id), or None for work that belongs to no tenant."""

SHUTDOWN_MESSAGE = "the server is shutting down; submit the request again"
LINGER = 0.02
"""The longest a batch waits for items on their way (``Batchable.coming``): a few decode steps of a small model, so
that requests sent together, which reach the engine one by one as the event loop reads them, run as one call."""
CANCELLED_MESSAGE = "cancelled by the client before it ran"


class WorkCancelled(Exception):
    """The engine work was dropped before it started: its request was cancelled, or the server is shutting down."""

    def __init__(self, message: str, category: Literal["user", "server"] = "user") -> None:
        super().__init__(message)
        self.message = message
        self.category = category


@dataclass(eq=False)
class Ticket:
    """One request's hold on the engine: whether its work may still start.

    ``state`` moves only under the scheduler's lock, where the engine thread starts items: a cancel and a start
    cannot both win. ``stop`` is set when a cancel came after the work started (or at shutdown): work without side
    effects (sampling) stops at its next step; other work runs to its end, its effects already begun.
    """

    state: Literal["waiting", "started", "cancelled"] = "waiting"
    stop: threading.Event = field(default_factory=threading.Event)
    engine_seconds: float = 0.0  # the engine thread's time on this request's work, for Server-Timing

    @property
    def cancelled(self) -> bool:
        return self.state == "cancelled"


@dataclass(frozen=True, eq=False)
class Batchable:
    """How an item may run in one engine call with others of the same ``key``.

    ``run(payloads)`` runs the batch (the head item's ``run``, given every item's ``payload`` in order) and returns
    each item's outcome in the same order: its value, or the exception that ended it alone. Alone, an item runs its
    own call instead. ``cost`` counts what an item adds to a batch (for sampling: rows, and rows times sequence
    length), and the head item's ``limit`` bounds the batch's total, element by element; the head runs whatever
    its own cost.
    """

    key: Hashable
    payload: Any
    run: Callable[[Sequence[Any]], Sequence[Any]]
    cost: tuple[int, ...]
    limit: tuple[int, ...]
    coming: Callable[[], int] | None = None
    """How many more items that may join are on their way (accepted, not queued yet; called under the scheduler's
    lock, so it must only read): while there are some, the batch waits for them, up to ``LINGER`` seconds."""


@dataclass(eq=False)
class _Item(Generic[T]):
    lane: Lane
    call: Callable[[], T]
    ticket: Ticket | None
    loop: asyncio.AbstractEventLoop
    result: asyncio.Future[T]
    batch: Batchable | None = None
    state: Literal["queued", "running", "done", "dropped"] = "queued"


def _settle(result: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if result.done():  # its caller stopped waiting (cancelled), or a cancel settled it first
        return
    if isinstance(error, StopIteration):  # asyncio refuses to carry it
        error = RuntimeError(f"engine call raised {error!r}")
    if error is not None:
        result.set_exception(error)
    else:
        result.set_result(value)


class EngineScheduler:
    """Runs blocking calls on one thread, one tenant's item after another's; awaitable from the event loop."""

    def __init__(self, name: str = "tinker-engine") -> None:
        self._name = name
        self._cond = threading.Condition()
        self._lanes: OrderedDict[Lane, deque[_Item[Any]]] = OrderedDict()
        self._running: list[_Item[Any]] = []
        self._closed = False
        self._thread: threading.Thread | None = None
        self.calls = 0  # engine calls made (a batch is one), for tests and figures

    async def run(
        self, lane: Lane, call: Callable[[], T], ticket: Ticket | None = None, batch: Batchable | None = None
    ) -> T:
        """``call()`` on the engine thread, in ``lane``'s turn; raises WorkCancelled when it never started.

        With ``batch``, the item may instead run in one call with other queued items of the same key (see the
        module's docstring), and its outcome is its part of that call's.

        If the awaiting task is cancelled, an item that has not started is dropped; one that runs finishes on its
        own (the thread cannot be interrupted) and its result is discarded.
        """
        loop = asyncio.get_running_loop()
        item: _Item[T] = _Item(lane, call, ticket, loop, loop.create_future(), batch)
        with self._cond:
            if self._closed:
                raise WorkCancelled(SHUTDOWN_MESSAGE, "server")
            if ticket is not None and ticket.cancelled:
                raise WorkCancelled(CANCELLED_MESSAGE)
            self._lanes.setdefault(lane, deque()).append(item)
            if self._thread is None:  # started on first use: an app that never reaches the engine holds no thread
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            return await item.result
        except asyncio.CancelledError:
            with self._cond:
                if item.state == "queued":
                    item.state = "dropped"
                    queue = self._lanes[lane]
                    queue.remove(item)
                    if not queue:
                        del self._lanes[lane]
            raise

    def cancel(self, ticket: Ticket) -> bool:
        """Cancel a request's engine work: True when none of it had started (what is queued is dropped and what it
        asks for later is refused); False when it came too late, and then ``ticket.stop`` is set."""
        with self._cond:
            if ticket.state == "started":
                ticket.stop.set()
                return False
            ticket.state = "cancelled"
            for item in self._remove(lambda queued: queued.ticket is ticket):
                self._drop(item, WorkCancelled(CANCELLED_MESSAGE))
            return True

    def queued(self) -> Counter[Lane]:
        """How many items wait in each lane (the running one is not counted)."""
        with self._cond:
            return Counter({lane: len(queue) for lane, queue in self._lanes.items()})

    def close(self, timeout: float = 30.0) -> None:
        """Stop for good: queued items fail with WorkCancelled, a running one is asked to stop (if it can) and
        waited for up to ``timeout`` seconds, so that shutdown never hangs on the engine."""
        with self._cond:
            self._closed = True
            for item in self._remove(lambda _: True):
                self._drop(item, WorkCancelled(SHUTDOWN_MESSAGE, "server"))
            for running in self._running:
                if running.ticket is not None:
                    running.ticket.stop.set()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the engine thread was still running after %g s at shutdown", timeout)

    def _remove(self, which: Callable[[_Item[Any]], bool]) -> list[_Item[Any]]:
        """Take the queued items ``which`` selects out of their lanes (called with the lock held), so that the lanes
        hold only work that will run: dropped work frees its memory and takes no turn."""
        removed: list[_Item[Any]] = []
        for lane, queue in list(self._lanes.items()):
            kept = deque(item for item in queue if not which(item))
            removed += [item for item in queue if which(item)]
            if kept:
                self._lanes[lane] = kept
            else:
                del self._lanes[lane]
        return removed

    def _drop(self, item: _Item[Any], error: WorkCancelled) -> None:
        item.state = "dropped"
        self._deliver(item, None, error)

    @staticmethod
    def _deliver(item: _Item[Any], value: Any, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits for this result any more
            item.loop.call_soon_threadsafe(_settle, item.result, value, error)

    def _take(self) -> list[_Item[Any]]:
        """The next items to run in one call (called with the lock held): the first lane's head, after which that
        lane goes to the back of the line, and, when it is batchable, the queued items it can run with."""
        if not self._lanes:
            return []
        lane, queue = next(iter(self._lanes.items()))
        head = queue.popleft()
        if queue:
            self._lanes.move_to_end(lane)
        else:
            del self._lanes[lane]
        items = self._running = [head]  # grows in place while the batch waits, so that close() reaches all
        self._start(items)
        if head.batch is not None:
            total = list(head.batch.cost)
            items += self._companions(head.batch, total)
            self._start(items)
            if head.batch.coming is not None:
                self._linger(head.batch, total, items)
        return items

    @staticmethod
    def _start(items: list[_Item[Any]]) -> None:
        for item in items:
            if item.ticket is not None:  # never a cancelled one: cancel takes its items out, run refuses new ones
                item.ticket.state = "started"
            item.state = "running"

    def _linger(self, head: Batchable, total: list[int], items: list[_Item[Any]]) -> None:
        """Wait (lock released) up to LINGER seconds for the items ``head.coming`` says are on their way, adding
        them to ``items`` as they queue; ends early when none are coming any more or the batch is full."""
        assert head.coming is not None
        deadline = time.monotonic() + LINGER
        while not self._closed and head.coming() > 0 and all(t < b for t, b in zip(total, head.limit, strict=True)):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._cond.wait(left)
            joined = self._companions(head, total)
            self._start(joined)  # at once: a cancel that comes while the batch waits stops it rather than drops it
            items += joined

    def _companions(self, head: Batchable, total: list[int]) -> list[_Item[Any]]:
        """Queued items that can run in one call with ``head`` within its limit (``total`` is what the batch holds
        so far, updated here), taken out of their lanes: one from each lane in turn (in the lanes' round-robin
        order), so that one tenant's deep queue does not fill a batch that another's waiting request could join."""
        candidates = [
            deque(item for item in queue if item.batch is not None and item.batch.key == head.key)
            for queue in self._lanes.values()
        ]
        taken: list[_Item[Any]] = []
        while any(candidates):
            for waiting in candidates:
                while waiting:
                    item = waiting.popleft()
                    assert item.batch is not None
                    cost = [have + more for have, more in zip(total, item.batch.cost, strict=True)]
                    if all(have <= bound for have, bound in zip(cost, head.limit, strict=True)):
                        total[:] = cost
                        taken.append(item)
                        break  # the next lane's turn
        if taken:
            chosen = set(map(id, taken))
            self._remove(lambda queued: id(queued) in chosen)
        return taken

    def _work(self) -> None:
        while True:
            with self._cond:
                items = self._take()
                while not items and not self._closed:
                    self._cond.wait()
                    items = self._take()
                if not items:
                    return
            outcomes = self._call(items)
            for item in items:
                if item.ticket is not None:
                    item.ticket.engine_seconds += outcomes.seconds
            with self._cond:
                self._running = []
                for item in items:
                    item.state = "done"
            for item, (value, error) in zip(items, outcomes.each, strict=True):
                self._deliver(item, value, error)

    def _call(self, items: list[_Item[Any]]) -> _Outcomes:
        """Run one engine call: the item's own call alone, else the head's batch function for all of them.

        Each item's ticket is charged the call's whole wall time (``engine_seconds``, reported as Server-Timing):
        what the engine spent on the call its work was part of, which is how long that work held the engine."""
        self.calls += 1
        started = time.perf_counter()
        each: list[tuple[Any, BaseException | None]]
        try:
            if len(items) == 1:
                each = [(items[0].call(), None)]
            else:
                batch = items[0].batch
                assert batch is not None
                results = batch.run([item.batch.payload for item in items if item.batch is not None])
                if len(results) != len(items):
                    raise RuntimeError(f"a batch of {len(items)} gave {len(results)} outcomes")
                each = [(None, r) if isinstance(r, BaseException) else (r, None) for r in results]
        except BaseException as exc:  # delivered to its callers: the thread must outlive any call
            each = [(None, exc)] * len(items)
        return _Outcomes(each, time.perf_counter() - started)


@dataclass(frozen=True)
class _Outcomes:
    each: list[tuple[Any, BaseException | None]]
    seconds: float
