"""The 0.38 deprecations: ``*_async`` methods and using a client-creation future as the client still work,
with a FutureWarning that says what to call instead."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def warn(message: str, stacklevel: int = 3) -> None:
    warnings.warn(message, FutureWarning, stacklevel=stacklevel)


def deprecated_async(instead: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Marks an ``*_async`` method: it warns when awaited, pointing at ``instead``."""

    def decorate(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(method)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            warn(f"{method.__qualname__} is deprecated; use {instead} (and await it or call .result())")
            return await method(*args, **kwargs)

        return wrapper

    return decorate


def deprecated(instead: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Marks a sync method that 0.38 deprecates."""

    def decorate(method: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            warn(f"{method.__qualname__} is deprecated; {instead}")
            return method(*args, **kwargs)

        return wrapper

    return decorate
