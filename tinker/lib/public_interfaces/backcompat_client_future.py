"""Futures of new clients that can also be used, deprecated, as the client itself.

0.38's client factories return a future of the client; code written for older SDKs treats the return value
as the client. The future subclasses the client's class (``isinstance`` holds) and forwards each public method
to the finished client with a FutureWarning.
"""

from __future__ import annotations

import functools
import inspect
from concurrent.futures import Future as ConcurrentFuture
from typing import Any, TypeVar

from .._deprecation import warn
from .api_future import APIFuture, AwaitableConcurrentFuture

C = TypeVar("C")


class BackcompatClientFuture(APIFuture[C]):
    _client_name = "client"

    def __init__(self, future: AwaitableConcurrentFuture[C]) -> None:
        self._future = future

    def result(self, timeout: float | None = None) -> C:
        return self._future.result(timeout)

    async def result_async(self, timeout: float | None = None) -> C:
        return await self._future.result_async(timeout)

    def future(self) -> ConcurrentFuture[C]:
        return self._future.future()

    def __repr__(self) -> str:
        future = self._future.future()
        if future.cancelled():
            state = "cancelled"
        elif not future.done():
            state = "pending"
        else:
            state = "failed" if future.exception() else repr(future.result())
        return f"<{type(self).__name__}: {state}>"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        warn(_message(self._client_name), stacklevel=2)
        return getattr(self.result(), name)

    def __reduce__(self) -> Any:
        return self.result().__reduce__()


def _message(client_name: str) -> str:
    return (
        f"Using the future as the {client_name} is deprecated; call .result() on it, or await it, "
        f"to get the {client_name} first"
    )


def forward_client_methods(future_class: type[BackcompatClientFuture[Any]], client_class: type) -> None:
    """Give ``future_class`` a deprecated forwarder for each public method of ``client_class``."""
    future_class._client_name = client_class.__name__
    message = _message(client_class.__name__)
    for name, member in vars(client_class).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        if inspect.iscoroutinefunction(member):

            async def forward_async(self: Any, *args: Any, __name: str = name, **kwargs: Any) -> Any:
                warn(message)
                return await getattr(await self.result_async(), __name)(*args, **kwargs)

            setattr(future_class, name, functools.wraps(member)(forward_async))
        else:

            def forward(self: Any, *args: Any, __name: str = name, **kwargs: Any) -> Any:
                warn(message)
                return getattr(self.result(), __name)(*args, **kwargs)

            setattr(future_class, name, functools.wraps(member)(forward))
