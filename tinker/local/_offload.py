"""Parsing, checking and hashing a request body, off the event loop once the body is large enough to hold it up.

Below ``OFF_LOOP_BYTES`` the work takes well under a millisecond and a thread hop would cost more than it saves;
above, it runs in a worker thread, so that the loop goes on answering other requests (health checks and heartbeats
included) meanwhile. hashlib releases the GIL while it works; orjson, jsonschema-rs and pydantic hold it for
stretches (orjson for its whole parse, about 10 ms per MB of JSON), which the loop then waits out, where inline it
waited for all of the work. (A body with a Content-Encoding is decoded in a thread whatever its size: see
``_middleware``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

OFF_LOOP_BYTES = 64 * 1024


async def off_loop(size: int, function: Callable[..., T], *args: object) -> T:
    """``function(*args)``, in a worker thread when it works on ``size`` bytes or more."""
    if size < OFF_LOOP_BYTES:
        return function(*args)
    return await asyncio.to_thread(function, *args)
