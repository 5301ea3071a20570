"""Counters, gauges and histograms with labels, fed by the SDK's events (``tinker.telemetry``).

So that a slow loop shows where its time goes (requests, retries, polling, the server's queue) without an exporter
or a dependency: ``tinker.metrics.snapshot()`` is plain data (print it for a table). Every event is counted twice:
in the process-wide ``default_registry`` and in the registry of the ``ServiceClient`` it came from
(``service_client.metrics``), for users who run several. What the process shares per server (the circuit breaker,
the 429 window) is counted in the default registry only.

The metrics (labels in brackets):

- ``requests`` [operation, status]: each try of the request pipeline, by its HTTP status or the error it ended in
- ``bytes_sent`` / ``bytes_received`` [operation]: request and response bodies
- ``requests_in_flight`` [operation] (gauge), ``request_seconds`` [operation] (histogram)
- ``retries`` [operation, status], ``backoff_seconds`` [operation], ``retry_budget_exhausted`` [operation]
- ``rate_limit_windows`` [server], ``rate_limit_window_seconds`` [server]; ``circuit_changes`` [server, state],
  ``circuit_open`` [server] (gauge)
- ``futures_submitted`` [operation], ``futures_pending`` [operation] (gauge), ``future_polls`` [operation, outcome],
  ``futures_resolved`` [operation, outcome], ``future_wait_seconds``, ``server_queue_seconds`` and
  ``server_engine_seconds`` [operation]
- ``sessions_started``, ``sessions_ended`` [status], ``heartbeat_failures``; ``chunks`` [operation]
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .telemetry import Event

__all__ = ["Registry", "Snapshot", "default_registry", "reset", "snapshot"]

Labels = tuple[tuple[str, str], ...]
RECENT = 4096
"""Percentiles are those of each histogram's latest observations, this many (count, sum, min and max of all)."""


def _labels(labels: Mapping[str, Any]) -> Labels:
    return tuple(sorted((key, str(value)) for key, value in labels.items() if value is not None))


@dataclass
class _Histogram:
    count: int = 0
    total: float = 0.0
    low: float = float("inf")
    high: float = float("-inf")
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        self.recent.append(value)

    def row(self) -> dict[str, float]:
        ordered = sorted(self.recent)
        return {
            "count": self.count,
            "sum": self.total,
            "min": self.low,
            "max": self.high,
            "mean": self.total / self.count,
            "p50": _percentile(ordered, 0.5),
            "p90": _percentile(ordered, 0.9),
            "p99": _percentile(ordered, 0.99),
        }


def _percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at or above ``share`` of the observations."""
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


class Registry:
    """Metrics by name and labels; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = {}
        self._gauges: dict[str, dict[Labels, float]] = {}
        self._histograms: dict[str, dict[Labels, _Histogram]] = {}

    def inc(self, name: str, value: float = 1.0, **labels: Any) -> None:
        """Add ``value`` to a counter."""
        key = _labels(labels)
        with self._lock:
            series = self._counters.setdefault(name, {})
            series[key] = series.get(key, 0.0) + value

    def add(self, name: str, delta: float, **labels: Any) -> None:
        """Move a gauge by ``delta``."""
        key = _labels(labels)
        with self._lock:
            series = self._gauges.setdefault(name, {})
            series[key] = series.get(key, 0.0) + delta

    def set(self, name: str, value: float, **labels: Any) -> None:
        """Set a gauge."""
        with self._lock:
            self._gauges.setdefault(name, {})[_labels(labels)] = value

    def observe(self, name: str, value: float, **labels: Any) -> None:
        """Add an observation to a histogram."""
        key = _labels(labels)
        with self._lock:
            series = self._histograms.setdefault(name, {})
            histogram = series.get(key)
            if histogram is None:
                histogram = series[key] = _Histogram()
            histogram.observe(value)

    def snapshot(self) -> Snapshot:
        with self._lock:
            counters = [_row(name, key, value=value) for name, s in self._counters.items() for key, value in s.items()]
            gauges = [_row(name, key, value=value) for name, s in self._gauges.items() for key, value in s.items()]
            histograms = [_row(name, key, **h.row()) for name, s in self._histograms.items() for key, h in s.items()]
        order = _order
        return Snapshot(
            counters=sorted(counters, key=order),
            gauges=sorted(gauges, key=order),
            histograms=sorted(histograms, key=order),
        )

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()
            self._gauges.clear()
            self._histograms.clear()

    def record(self, event: Event) -> None:
        """Count one event of ``tinker.telemetry``."""
        recorder = _RECORDERS.get(event.name)
        if recorder is not None:
            recorder(self, event.measurements, event.metadata)


def _row(name: str, key: Labels, **values: Any) -> dict[str, Any]:
    return {"name": name, "labels": dict(key), **values}


def _order(row: dict[str, Any]) -> tuple[str, list[tuple[str, Any]]]:
    return row["name"], sorted(row["labels"].items())


class Snapshot(dict[str, list[dict[str, Any]]]):
    """The metrics at one moment as plain data: ``counters``, ``gauges`` and ``histograms``, each a list of rows
    ``{"name", "labels", ...}`` (``value``; or ``count``, ``sum``, ``min``, ``max``, ``mean``, ``p50``, ``p90``,
    ``p99``). ``str()`` is a table."""

    def __init__(self, **kinds: list[dict[str, Any]]) -> None:
        super().__init__(**kinds)

    def value(self, name: str, **labels: Any) -> float:
        """The sum of the counters (or gauges) called ``name`` whose labels include ``labels``; 0 when none."""
        wanted = _labels(labels)
        rows = [*self.get("counters", []), *self.get("gauges", [])]
        return float(
            sum(row["value"] for row in rows if row["name"] == name and set(wanted) <= set(row["labels"].items()))
        )

    def histogram(self, name: str, **labels: Any) -> dict[str, Any] | None:
        """The histogram row of ``name`` with exactly ``labels``, or None."""
        wanted = dict(_labels(labels))
        return next((r for r in self.get("histograms", []) if r["name"] == name and r["labels"] == wanted), None)

    def __str__(self) -> str:
        lines: list[str] = []
        scalars = [*self.get("counters", []), *self.get("gauges", [])]
        if scalars:
            lines += _table(
                ["metric", "labels", "value"], [[r["name"], _text(r["labels"]), _num(r["value"])] for r in scalars]
            )
        histograms = self.get("histograms", [])
        if histograms:
            lines.append("")
            heads = ["histogram", "labels", "count", "mean", "p50", "p90", "p99", "max"]
            rows = [
                [
                    r["name"],
                    _text(r["labels"]),
                    str(r["count"]),
                    *(_num(r[k]) for k in ("mean", "p50", "p90", "p99", "max")),
                ]
                for r in histograms
            ]
            lines += _table(heads, rows)
        return "\n".join(lines) if lines else "(no metrics yet)"


def _text(labels: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in labels.items())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def _table(heads: list[str], rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(head), *(len(row[i]) for row in rows)) for i, head in enumerate(heads)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(heads), line(["-" * width for width in widths]), *(line(row) for row in rows)]


# --- how each event is counted ----------------------------------------------------------------------------------
Measurements = Mapping[str, float]
Metadata = Mapping[str, Any]


def _request_start(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.add("requests_in_flight", 1, operation=d.get("operation"))


def _request_end(registry: Registry, m: Measurements, d: Metadata) -> None:
    operation = d.get("operation")
    registry.add("requests_in_flight", -1, operation=operation)
    registry.inc("requests", operation=operation, status=d.get("status", d.get("error")))
    registry.inc("bytes_sent", m.get("bytes_sent", 0), operation=operation)
    registry.inc("bytes_received", m.get("bytes_received", 0), operation=operation)
    registry.observe("request_seconds", m.get("duration", 0.0), operation=operation)


def _retry(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("retries", operation=d.get("operation"), status=d.get("status"))
    if "delay" in m:
        registry.observe("backoff_seconds", m["delay"], operation=d.get("operation"))


def _exhausted(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("retry_budget_exhausted", operation=d.get("operation"))


def _window(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("rate_limit_windows", server=d.get("server"))
    registry.observe("rate_limit_window_seconds", m.get("delay", 0.0), server=d.get("server"))


def _circuit(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("circuit_changes", server=d.get("server"), state=d.get("state"))
    registry.set("circuit_open", 0 if d.get("state") == "closed" else 1, server=d.get("server"))


def _submitted(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("futures_submitted", operation=d.get("operation"))
    registry.add("futures_pending", 1, operation=d.get("operation"))


def _polled(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("future_polls", operation=d.get("operation"), outcome=d.get("outcome"))


def _resolved(registry: Registry, m: Measurements, d: Metadata) -> None:
    operation = d.get("operation")
    registry.add("futures_pending", -1, operation=operation)
    registry.inc("futures_resolved", operation=operation, outcome=d.get("outcome"))
    registry.observe("future_wait_seconds", m.get("wait", 0.0), operation=operation)
    for measurement, name in (("server_queue", "server_queue_seconds"), ("server_engine", "server_engine_seconds")):
        if measurement in m:
            registry.observe(name, m[measurement], operation=operation)


def _session_start(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("sessions_started")


def _session_end(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("sessions_ended", status=d.get("status"))


def _heartbeat_failed(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("heartbeat_failures")


def _chunking(registry: Registry, m: Measurements, d: Metadata) -> None:
    registry.inc("chunks", m.get("chunks", 0), operation=d.get("operation"))


_RECORDERS = {
    "request.start": _request_start,
    "request.stop": _request_end,
    "request.exception": _request_end,
    "retry.scheduled": _retry,
    "retry.exhausted": _exhausted,
    "rate_limit.window_opened": _window,
    "circuit.changed": _circuit,
    "future.submitted": _submitted,
    "future.polled": _polled,
    "future.resolved": _resolved,
    "session.start": _session_start,
    "session.end": _session_end,
    "heartbeat.failed": _heartbeat_failed,
    "chunking.split": _chunking,
}

default_registry = Registry()


def snapshot() -> Snapshot:
    """The process-wide metrics now."""
    return default_registry.snapshot()


def reset() -> None:
    """Forget the process-wide metrics (a ServiceClient's own keep theirs)."""
    default_registry.reset()
