"""Futures of the SDK's calls: ``.result()`` from sync code, ``await`` / ``.result_async()`` from async code."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Generator
from concurrent.futures import Future as ConcurrentFuture
from typing import Any, Generic, TypeVar

from .._loop import io_loop

T = TypeVar("T")

__all__ = ["APIFuture", "AwaitableConcurrentFuture"]


class APIFuture(ABC, Generic[T]):
    """The result of a call that completes later."""

    @abstractmethod
    def result(self, timeout: float | None = None) -> T:
        """Block until done (at most ``timeout`` seconds, else ``TimeoutError``) and return the result."""

    @abstractmethod
    async def result_async(self, timeout: float | None = None) -> T:
        """Wait without blocking the event loop; on timeout the underlying work is cancelled."""

    @abstractmethod
    def future(self) -> ConcurrentFuture[T]:
        """The ``concurrent.futures.Future`` behind this future."""

    async def coroutine(self) -> T:
        return await self.result_async()

    def __await__(self) -> Generator[Any, None, T]:
        return self.result_async().__await__()


class AwaitableConcurrentFuture(APIFuture[T]):
    """An APIFuture over a ``concurrent.futures.Future`` completed on the SDK's I/O thread."""

    def __init__(self, future: ConcurrentFuture[T]) -> None:
        self._future = future

    def result(self, timeout: float | None = None) -> T:
        if io_loop().is_current():
            raise RuntimeError("result() would block the SDK's own I/O loop; await the future instead")
        return self._future.result(timeout)

    async def result_async(self, timeout: float | None = None) -> T:
        return await asyncio.wait_for(asyncio.wrap_future(self._future), timeout)

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
