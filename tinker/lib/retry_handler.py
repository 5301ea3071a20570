"""RetryConfig: how a SamplingClient retries and bounds its samples (the official SDK's public dataclass).

The decisions themselves are ``_resilience``'s; this holds a sampler's settings for them, with 0.38's fields and
meaning, and ``ProgressTimeoutError``, what a bound raises.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from .._exceptions import APIConnectionError, ProgressTimeoutError
from .retryable_exception import RetryableException

__all__ = ["ProgressTimeoutError", "RetryConfig"]


@dataclass
class RetryConfig:
    """``max_connections`` bounds concurrent samples (None: unbounded). A sample that failed in a way that may pass
    (a ``retryable_exceptions`` error, 408, 409, 410, 429, 5xx) is sent again after a backoff from
    ``retry_delay_base`` up to ``retry_delay_max`` with ``jitter_factor``, unless ``enable_retry_logic`` is false.

    Bounds: with ``enable_stuck_detection``, a sampler none of whose samples completes for ``progress_timeout``
    seconds fails its waiting samples with ``ProgressTimeoutError`` (an ``APIConnectionError``, as in 0.38); without
    it they may wait for ever, on purpose. ``max_attempts`` (this SDK's) ends a streak of failures of one sample
    (no answer, 5xx, 409, 410) after that many sends; backpressure (408, 429) is bounded by progress instead.
    """

    max_connections: int | None = 1000
    progress_timeout: float = 7200.0
    retry_delay_base: float = 0.5
    retry_delay_max: float = 10.0
    jitter_factor: float = 0.25
    enable_retry_logic: bool = True
    enable_stuck_detection: bool = True
    retryable_exceptions: tuple[type[Exception], ...] = (
        asyncio.TimeoutError,
        APIConnectionError,
        httpx.TimeoutException,
        RetryableException,
    )
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.max_connections is not None and self.max_connections <= 0:
            raise ValueError(f"max_connections must be positive, got {self.max_connections}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def __hash__(self) -> int:
        return hash(
            (
                self.max_connections,
                self.progress_timeout,
                self.retry_delay_base,
                self.retry_delay_max,
                self.jitter_factor,
                self.enable_retry_logic,
                self.enable_stuck_detection,
                self.retryable_exceptions,
                self.max_attempts,
            )
        )
