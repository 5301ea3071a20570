"""State each process makes for itself, so that a client made before ``os.fork()`` works in the child.

A forked child has copies of the parent's objects but only the thread that forked: the parent's I/O loop thread is
not there (a call handed to it would wait for ever), its connection pools hold the parent's sockets, and its
asyncio locks may be bound to the parent's loop or held by a task that never runs again. Whatever must not cross a
fork is kept in a ``PerProcess``, which makes it again on first use in any process other than the one that made it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

SHADOW_SEQ_STRIDE = 1_000_000_000

_lock = threading.RLock()


def _renew_lock() -> None:
    """A lock that another thread held at the fork stays held in the child, where that thread does not exist."""
    global _lock
    _lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_lock)


class PerProcess(Generic[T]):
    """A value that ``make`` makes on first use in each process; reading it costs one ``os.getpid()``.

    ``make`` must not hold the owner of this object (a bound method would): a weak reference keeps the owner
    collectable, as the clients' finalizers expect.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._made: tuple[int, T] | None = None

    def get(self) -> T:
        pid = os.getpid()
        made = self._made
        if made is None or made[0] != pid:
            with _lock:
                made = self._made
                if made is None or made[0] != pid:
                    made = self._made = (pid, self._make())
        return made[1]

    def peek(self) -> T | None:
        """The value of this process when it was made, else None (nothing is made)."""
        made = self._made
        return made[1] if made is not None and made[0] == os.getpid() else None


def shadow_seq_start() -> int:
    """Where a counter of ids starts when another client, or another process, numbers the same ids: far from 0
    and from any other's, at random (as the official SDK starts a second client of one sampler)."""
    return SHADOW_SEQ_STRIDE * (uuid.uuid4().int % SHADOW_SEQ_STRIDE + 1)
