"""RetryConfig: how a SamplingClient retries its samples (the official SDK's public dataclass)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RetryConfig:
    """``max_connections`` bounds concurrent samples (None: unbounded); retries back off from
    ``retry_delay_base`` up to ``retry_delay_max`` with ``jitter_factor``; a sample that makes no progress
    for ``progress_timeout`` seconds fails."""

    max_connections: int | None = 1000
    progress_timeout: float = 7200.0
    retry_delay_base: float = 0.5
    retry_delay_max: float = 10.0
    jitter_factor: float = 0.25
    enable_retry_logic: bool = True
    enable_stuck_detection: bool = True
    max_attempts: int = 10

    def delay(self, attempt: int, draw: float) -> float:
        """Seconds before retry ``attempt`` (1-based); ``draw`` is a random number in [0, 1)."""
        base = min(self.retry_delay_base * 2.0 ** (attempt - 1), self.retry_delay_max)
        return max(0.0, min(base + base * self.jitter_factor * (2 * draw - 1), self.retry_delay_max))
