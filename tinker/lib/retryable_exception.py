"""RetryableException: a failure that a SamplingClient's retries treat as passing by itself (0.38's public class)."""

from __future__ import annotations

__all__ = ["RetryableException"]


class RetryableException(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
