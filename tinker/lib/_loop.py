"""One background event loop per process that runs all of the SDK's I/O.

Callers may be plain scripts, code inside their own event loop, or several ``asyncio.run`` calls in a
row: the requests always run on this loop's thread, so clients outlive any caller's loop. A forked child starts
its own on first use; the parent's copy there is left alone (its thread is the parent's).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from ._per_process import PerProcess

T = TypeVar("T")


class EventLoopThread:
    def __init__(self) -> None:
        self._pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self._closers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._thread = threading.Thread(target=self._run, name="tinker-io", daemon=True)
        self._thread.start()
        atexit.register(self.shutdown)

    def close_at_exit(self, resource: Any) -> None:
        """Close ``resource`` (anything with ``aclose()``) on this loop when the process exits."""
        self._closers.add(resource)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Close what was registered (open connections, above all), then stop the loop."""
        if not self.runs_here():
            return
        closers: list[Callable[[], Coroutine[Any, Any, Any]]] = [r.aclose for r in list(self._closers)]

        async def close_all() -> None:
            await asyncio.gather(*(close() for close in closers), return_exceptions=True)

        if closers:
            with contextlib.suppress(Exception):  # best effort at exit: the process ends either way
                self.submit(close_all()).result(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def runs_here(self) -> bool:
        """The loop runs, in this process (a forked child's copy of the parent's does not: its thread is gone)."""
        return self._pid == os.getpid() and self.loop.is_running()


_shared = PerProcess(EventLoopThread)


def io_loop() -> EventLoopThread:
    """The process's loop thread, started on first use (and again in a forked child)."""
    return _shared.get()
