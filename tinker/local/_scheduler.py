"""The engine scheduler: one thread runs all blocking engine work, taken round-robin between tenants.

One thread, because torch's work spread over several threads made their OpenMP teams spin against each other
(about a quarter of a training step on two cores). Round-robin, because a single FIFO let one tenant's deep queue
(hundreds of sample requests, or requests over many models) hold back every other tenant's small request: here each
tenant (and the server's own work, the system lane) has its own queue, and the thread takes one item from each
non-empty queue in turn.

A request's work carries a ``Ticket``, so that a cancel can drop what has not started and refuse what comes
after, and tell whether it came too late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

log = logging.getLogger("tinker.local")
T = TypeVar("T")

Lane = str | None
"""Whose queue an item joins: a tenant (its owner id), or None for work that belongs to no tenant."""

SHUTDOWN_MESSAGE = "the server is shutting down; submit the request again"
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


@dataclass(eq=False)
class _Item(Generic[T]):
    lane: Lane
    call: Callable[[], T]
    ticket: Ticket | None
    loop: asyncio.AbstractEventLoop
    result: asyncio.Future[T]
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
        self._running: _Item[Any] | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    async def run(self, lane: Lane, call: Callable[[], T], ticket: Ticket | None = None) -> T:
        """``call()`` on the engine thread, in ``lane``'s turn; raises WorkCancelled when it never started.

        If the awaiting task is cancelled, an item that has not started is dropped; one that runs finishes on its
        own (the thread cannot be interrupted) and its result is discarded.
        """
        loop = asyncio.get_running_loop()
        item: _Item[T] = _Item(lane, call, ticket, loop, loop.create_future())
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
            if self._running is not None and self._running.ticket is not None:
                self._running.ticket.stop.set()
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

    def _take(self) -> _Item[Any] | None:
        """The next item in round-robin order (called with the lock held): the first lane's head, after which that
        lane goes to the back of the line."""
        if not self._lanes:
            return None
        lane, queue = next(iter(self._lanes.items()))
        item = queue.popleft()
        if queue:
            self._lanes.move_to_end(lane)
        else:
            del self._lanes[lane]
        if item.ticket is not None:  # never a cancelled one: cancel takes its items out, run refuses new ones
            item.ticket.state = "started"
        item.state = "running"
        return item

    def _work(self) -> None:
        while True:
            with self._cond:
                item = self._take()
                while item is None and not self._closed:
                    self._cond.wait()
                    item = self._take()
                if item is None:
                    return
                self._running = item
            value: Any = None
            error: BaseException | None = None
            started = time.perf_counter()
            try:
                value = item.call()
            except BaseException as exc:  # delivered to its caller: the thread must outlive any call
                error = exc
            if item.ticket is not None:
                item.ticket.engine_seconds += time.perf_counter() - started
            with self._cond:
                self._running = None
                item.state = "done"
            self._deliver(item, value, error)
