"""Futures of the SDK's calls: ``.result()`` from sync code, ``await`` / ``.result_async()`` from async code."""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections.abc import Generator
from concurrent.futures import Future as ConcurrentFuture
from typing import Any, Generic, TypeVar

from ..._exceptions import ResultTimeoutError, TinkerError
from .._loop import io_loop

T = TypeVar("T")

__all__ = ["APIFuture", "AwaitableConcurrentFuture", "ResultTimeoutError"]


class APIFuture(ABC, Generic[T]):
    """The result of a call that completes later."""

    @abstractmethod
    def result(self, timeout: float | None = None) -> T:
        """Block until done and return the result; after ``timeout`` seconds raise ``ResultTimeoutError`` (a
        ``TimeoutError``) and leave the work running: call again to wait more, or ``cancel()`` it."""

    @abstractmethod
    async def result_async(self, timeout: float | None = None) -> T:
        """Wait without blocking the event loop; ``timeout`` acts as in ``result``, with the same effect on the
        work (none: it goes on). Cancelling the task that awaits cancels the work, as in 0.38."""

    @abstractmethod
    def future(self) -> ConcurrentFuture[T]:
        """The ``concurrent.futures.Future`` behind this future."""

    async def coroutine(self) -> T:
        return await self.result_async()

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()


class AwaitableConcurrentFuture(APIFuture[T]):
    """An APIFuture over a ``concurrent.futures.Future`` completed on the SDK's I/O thread; ``what`` names the
    work in errors."""

    def __init__(self, future: ConcurrentFuture[T], what: str = "the request") -> None:
        self._future = future
        self._what = what
        self._pid = os.getpid()

    def result(self, timeout: float | None = None) -> T:
        if io_loop().is_current():
            raise RuntimeError("result() would block the SDK's own I/O loop; await the future instead")
        self._own_process()
        try:
            return self._future.result(timeout)
        except TimeoutError as error:
            if self._failed_with(error):  # the work's own error, not the wait's
                raise
            raise ResultTimeoutError(self._what, timeout or 0.0) from error

    async def result_async(self, timeout: float | None = None) -> T:
        self._own_process()
        waiting = asyncio.wrap_future(self._future)
        try:
            # shielded: a timeout ends this wait, not the work (wrap_future would cancel it with the wait)
            return await asyncio.wait_for(asyncio.shield(waiting), timeout)
        except asyncio.CancelledError:
            waiting.cancel()  # the caller's task was cancelled: so is the work, as in 0.38
            raise
        except TimeoutError as error:
            if self._failed_with(error):
                raise
            raise ResultTimeoutError(self._what, timeout or 0.0) from error

    def _own_process(self) -> None:
        """The work of a future made before a fork runs in the parent: in the child it would never end."""
        if os.getpid() != self._pid and not self._future.done():
            raise TinkerError(
                f"{self._what} was started in process {self._pid}, before a fork; its result arrives only there"
            )

    def _failed_with(self, error: BaseException) -> bool:
        future = self._future
        return future.done() and not future.cancelled() and future.exception() is error

    def future(self) -> ConcurrentFuture[T]:
        return self._future

    def done(self) -> bool:
        return self._future.done()

    def cancel(self) -> bool:
        return self._future.cancel()

    def exception(self, timeout: float | None = None) -> BaseException | None:
        return self._future.exception(timeout)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {'done' if self._future.done() else 'pending'}>"
