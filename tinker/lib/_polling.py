"""Waiting for a future's result: long-polls of ``retrieve_future`` handled as the service expects.

The server holds each poll until the result is ready or about 30 s pass. A server that answers
``try_again`` at once is polled with a short growing pause rather than in a busy loop; every pause and bound is
``_resilience``'s.

forward_backward and sample results are asked for as protobuf (``Accept: application/x-protobuf``) unless the
holder's wire format is JSON; whatever the server answers, protobuf or JSON, is read into the same type.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx
import orjson
import pydantic
from google.protobuf.message import DecodeError

from tinker import types
from tinker._tensor_wire import (
    decode_forward_backward_output,
    decode_sample_response,
    forward_backward_output_from_json,
    sample_response_from_json,
)
from tinker_api.api.futures import retrieve_future
from tinker_api.types import EncodedBody

from .. import telemetry as events
from .._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    RequestFailedError,
)
from ._encoding import PROTOBUF, json_body
from ._holder import Holder
from ._resilience import Attempts, Progress

log = logging.getLogger("tinker")

M = TypeVar("M")
QueueStateCallback = Callable[[str, str | None], None]

POLL_TIMEOUT = 45.0
BAD_REQUEST_RETRIES = 3
BILLING_PAUSE = 5.0
BILLING_PAUSE_LIMIT = 3600.0
# The results that are numpy-backed dataclasses: (read from protobuf, read from JSON); the rest are pydantic models
_ARRAY_RESULTS: dict[type, tuple[Callable[[bytes], Any], Callable[[Any], Any]]] = {
    types.ForwardBackwardOutput: (decode_forward_backward_output, forward_backward_output_from_json),
    types.SampleResponse: (decode_sample_response, sample_response_from_json),
}
_QUEUE_REASONS = {
    "paused_rate_limit": "concurrent clients rate limit hit",
    "paused_capacity": "Tinker backend is running short on capacity, please wait",
}


class QueueStateLogger:
    """Logs a queue that is not active, at most once a minute."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._last = -float("inf")

    def __call__(self, state: str, reason: str | None) -> None:
        if state != "active" and time.monotonic() - self._last > 60:
            self._last = time.monotonic()
            log.warning("%s is waiting: %s", self.what, reason or _QUEUE_REASONS.get(state, state))


async def wait_result(
    holder: Holder,
    future: types.UntypedAPIFuture,
    cast_to: type[M],
    request_type: str,
    on_queue_state: QueueStateCallback | None = None,
    progress: Progress | None = None,
) -> M:
    """Poll until the future resolves; return it parsed into ``cast_to`` or raise what it failed with.

    Bounds (``_resilience``): a streak of failed polls (no answer, 5xx) ends after the request retry budget; "not
    yet" answers (try_again, 408, 429, a billing hold) end once ``progress`` (the client's clock) has not moved for
    its timeout."""
    body = json_body(types.FutureRetrieveRequest(request_id=future.request_id, allow_metadata_only=False))
    accept = PROTOBUF if holder.wire_format == "protobuf" and cast_to in _ARRAY_RESULTS else "application/json"
    progress = progress or holder.progress()
    attempts = Attempts(
        f"{request_type} result",
        max_retries=holder.settings.max_retries,
        progress=progress,
        request_id=future.request_id,
        sleep=holder.sleep,
        clock=progress.clock,
        fail_fast_when_open=False,  # the work is in flight: wait for the server's probe within the streak
        metrics=holder.metrics,
    )
    watch = _Watch(holder, request_type, future.request_id)
    progress.begin()
    moved = False
    outcome = "cancelled"
    try:
        with events.span(f"future {request_type}", attributes=watch.span_attributes):
            try:
                result = await _poll(holder, attempts, body, accept, cast_to, request_type, on_queue_state, watch)
            except Exception as error:
                outcome = type(error).__name__
                raise
        moved = True
        outcome = "ok"
        return result
    finally:
        progress.end(moved=moved)
        attempts.ended()
        watch.resolved(outcome)


_ENGINE_TIMING = re.compile(r"(?:^|,)\s*engine\s*;(?:[^,]*;)?\s*dur=([0-9.]+)")


@dataclass
class _Watch:
    """What ``tinker.telemetry`` hears of one future: submitted, each poll's answer, resolved (with the time the
    server says its engine spent, from Server-Timing, and the rest of the wait as time queued on the server)."""

    holder: Holder
    operation: str
    request_id: str
    polls: int = 0
    engine: float | None = None
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.metadata = {"operation": self.operation, "request_id": self.request_id}
        self.span_attributes = {"tinker.operation": self.operation, "tinker.request_id": self.request_id}
        events.emit("future.submitted", {}, self.metadata, registry=self.holder.metrics)

    def polled(
        self, outcome: str | int, since: float, answer: object = None, response: httpx.Response | None = None
    ) -> None:
        self.polls += 1
        metadata = {**self.metadata, "outcome": str(outcome)}
        if isinstance(answer, dict) and isinstance(answer.get("queue_state"), str):
            metadata["queue_state"] = answer["queue_state"]
        if response is not None and (found := _ENGINE_TIMING.search(response.headers.get("server-timing", ""))):
            self.engine = float(found.group(1)) / 1000
        events.emit("future.polled", {"duration": time.monotonic() - since}, metadata, registry=self.holder.metrics)

    def resolved(self, outcome: str) -> None:
        wait = time.monotonic() - self.started
        measurements = {"wait": wait, "polls": float(self.polls)}
        if self.engine is not None:
            measurements |= {"server_engine": self.engine, "server_queue": max(0.0, wait - self.engine)}
        events.emit(
            "future.resolved", measurements, {**self.metadata, "outcome": outcome}, registry=self.holder.metrics
        )


async def _poll(
    holder: Holder,
    attempts: Attempts,
    body: EncodedBody,
    accept: str,
    cast_to: type[M],
    request_type: str,
    on_queue_state: QueueStateCallback | None,
    watch: _Watch,
) -> M:
    bad_requests = 0
    billing_since = 0.0  # when a billing hold (402) began
    for iteration in itertools.count():
        attempts.started()
        started = attempts.clock()
        try:
            response = await holder.client.send(
                retrieve_future.build_request(
                    body=body, x_tinker_request_iteration=iteration, x_tinker_request_type=request_type
                ),
                options={"max_retries": 0, "timeout": POLL_TIMEOUT, "headers": {"Accept": accept}},
            )
        except APIConnectionError as error:
            watch.polled(type(error).__name__, started)
            await attempts.failed(error)
            continue
        except APIStatusError as error:
            status = error.status_code
            watch.polled(status, started, error.body, error.response)
            billing_since = billing_since or (time.monotonic() if status == 402 else 0.0)
            if status == 408:  # the server's own "not yet"
                _report_queue(error.body, on_queue_state)
                await attempts.not_yet(started=started, status=408, error=error)
            elif status == 429:
                await attempts.backpressure(error, response=error.response)
            elif status >= 500:
                await attempts.failed(error, response=error.response)
            elif status == 402 and time.monotonic() - billing_since < BILLING_PAUSE_LIMIT:
                await attempts.pause(BILLING_PAUSE, status=402)
            elif status == 400 and bad_requests < BAD_REQUEST_RETRIES:
                bad_requests += 1
                await attempts.failed(error)
            else:
                raise
            continue
        if PROTOBUF in response.headers.get("content-type", ""):
            watch.polled("complete", started, None, response)
            return _from_protobuf(response, cast_to)
        answer = _decode(response.content)
        watch.polled(_outcome(answer), started, answer, response)
        if isinstance(answer, dict) and answer.get("type") == "try_again":
            _report_queue(answer, on_queue_state)
            await attempts.not_yet(started=started, status="try_again")
            continue
        if isinstance(answer, dict) and answer.get("status") == "complete_metadata":
            await attempts.not_yet(started=started, status="complete_metadata")
            continue
        if isinstance(answer, dict) and "error" in answer:
            raise _failure(attempts.request_id or "", answer)
        try:
            return _from_json(cast_to, answer)
        except ValueError as error:  # pydantic.ValidationError is one
            raise APIResponseValidationError(response, answer, message=str(error)) from error
    raise AssertionError("unreachable")


def _outcome(answer: object) -> str:
    if isinstance(answer, dict):
        if answer.get("type") == "try_again":
            return "try_again"
        if answer.get("status") == "complete_metadata":
            return "complete_metadata"
        if "error" in answer:
            return "failed"
    return "complete"


def _from_json(cast_to: type[M], answer: Any) -> M:
    readers = _ARRAY_RESULTS.get(cast_to)
    if readers is not None:
        return cast(M, readers[1](answer))
    return cast(M, cast(type[pydantic.BaseModel], cast_to).model_validate(answer))


def _from_protobuf(response: httpx.Response, cast_to: type[M]) -> M:
    readers = _ARRAY_RESULTS.get(cast_to)
    try:
        if readers is None:
            raise ValueError(f"a protobuf answer where a {cast_to.__name__} (JSON) was expected")
        return cast(M, readers[0](response.content))
    except (ValueError, pydantic.ValidationError, DecodeError) as error:
        raise APIResponseValidationError(response, None, message=f"bad protobuf result: {error}") from error


def _decode(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def _report_queue(answer: object, on_queue_state: QueueStateCallback | None) -> None:
    if on_queue_state is not None and isinstance(answer, dict) and isinstance(answer.get("queue_state"), str):
        on_queue_state(answer["queue_state"], answer.get("queue_state_reason"))


def _failure(request_id: str, answer: dict[str, Any]) -> RequestFailedError:
    category = answer.get("category")
    if category not in ("user", "server", "unknown"):
        category = "unknown"
    return RequestFailedError(f"Request failed: {answer['error']}", request_id=request_id, category=category)
