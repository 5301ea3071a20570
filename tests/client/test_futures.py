"""Waiting for futures, on a mock transport: every status of retrieve_future (fact base section 3)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import httpx
import orjson
import pytest

from tinker import types
from tinker._base_client import BaseClient, ClientSettings
from tinker._exceptions import (
    APIResponseValidationError,
    BadRequestError,
    NotFoundError,
    RequestFailedError,
)
from tinker.lib._holder import Holder
from tinker.lib._polling import wait_result
from tinker.lib.public_interfaces.api_future import AwaitableConcurrentFuture, ResultTimeoutError

FUTURE = types.UntypedAPIFuture(request_id="m:1", model_id="m")
OPTIM = {"metrics": {"loss:sum": 1.0}}
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers retrieve_future polls in order, recording each request and the pauses taken."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/client/config"):  # asked for once, before the first poll
            return json(200, {})
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def clock(self) -> float:
        return 1000.0 + sum(self.sleeps)

    def holder(self) -> Holder:
        settings = ClientSettings.resolve(api_key="tml-test", base_url="http://test")
        http = httpx.AsyncClient(transport=httpx.MockTransport(self))
        client = BaseClient(settings, http_client=http, sleep=self.sleep, clock=self.clock)
        return Holder(settings, client=client, sleep=self.sleep)


def json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers={"content-type": "application/json"})


def poll(script: Script, cast_to: type[Any] = types.OptimStepResponse, **kwargs: Any) -> Any:
    holder = script.holder()
    return holder.submit(wait_result(holder, FUTURE, cast_to, "OptimStep", **kwargs)).result(timeout=10)


def test_result_is_parsed_into_the_named_type() -> None:
    script = Script(json(200, OPTIM))
    assert poll(script).metrics == {"loss:sum": 1.0}
    request = script.requests[0]
    assert orjson.loads(request.content) == {"request_id": "m:1"}  # allow_metadata_only at its default stays out
    assert request.headers["X-Tinker-Request-Type"] == "OptimStep"
    assert request.headers["X-Tinker-Request-Iteration"] == "0"


def test_try_again_polls_again_and_reports_the_queue_state() -> None:
    states: list[tuple[str, str | None]] = []
    try_again = json(
        200, {"type": "try_again", "request_id": "m:1", "queue_state": "paused_capacity", "queue_state_reason": "busy"}
    )
    script = Script(try_again, try_again, json(200, OPTIM))
    assert poll(script, on_queue_state=lambda s, r: states.append((s, r))).metrics
    assert states == [("paused_capacity", "busy")] * 2
    assert [r.headers["X-Tinker-Request-Iteration"] for r in script.requests] == ["0", "1", "2"]


def test_an_immediate_try_again_is_not_a_busy_loop() -> None:
    try_again = json(200, {"type": "try_again", "request_id": "m:1", "queue_state": "active"})
    script = Script(*([try_again] * 8), json(200, OPTIM))
    poll(script)
    assert len(script.sleeps) == 8 and script.sleeps == sorted(script.sleeps) and script.sleeps[-1] <= 1.0
    assert sum(script.sleeps) > 1.0


def test_408_and_5xx_keep_polling() -> None:
    script = Script(
        json(408, {"type": "try_again", "request_id": "m:1", "queue_state": "active"}),
        json(502, {"detail": "bad gateway"}),
        json(503, {"detail": "unavailable"}),
        json(200, OPTIM),
    )
    assert poll(script).metrics
    assert len(script.requests) == 4


def test_an_immediate_408_is_not_a_busy_loop() -> None:
    not_yet = json(408, {"type": "try_again", "request_id": "m:1", "queue_state": "active"})
    script = Script(*([not_yet] * 8), json(200, OPTIM))
    assert poll(script).metrics
    assert len(script.requests) == 9
    assert len(script.sleeps) == 8 and script.sleeps == sorted(script.sleeps) and sum(script.sleeps) > 1.0


def test_429_and_connection_errors_back_off_exponentially() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    script = Script(json(429, {"detail": "slow down"}), refuse, refuse, refuse, json(200, OPTIM))
    assert poll(script).metrics
    assert len(script.sleeps) == 4 and all(pause > 0 for pause in script.sleeps)
    assert script.sleeps[1] < script.sleeps[2] < script.sleeps[3]  # the streak's backoff doubles


def test_an_error_body_raises_request_failed_with_its_category() -> None:
    with pytest.raises(RequestFailedError) as raised:
        poll(Script(json(200, {"error": "seq_id 1 never arrived", "category": "user"})))
    assert raised.value.category == "user" and raised.value.request_id == "m:1"
    assert "seq_id 1 never arrived" in str(raised.value)
    with pytest.raises(RequestFailedError) as unknown:
        poll(Script(json(200, {"error": "boom", "category": "weird"})))
    assert unknown.value.category == "unknown"


def test_410_is_raised_to_the_caller() -> None:
    with pytest.raises(Exception) as raised:
        poll(Script(json(410, {"detail": "promise expired"})))
    assert getattr(raised.value, "status_code", None) == 410


def test_400_is_retried_three_times_then_raised() -> None:
    script = Script(json(400, {"detail": "bad"}))
    with pytest.raises(BadRequestError):
        poll(script)
    assert len(script.requests) == 4
    assert len(script.sleeps) == 3 and all(pause > 0 for pause in script.sleeps)  # with a pause each time


def test_404_is_raised_at_once() -> None:
    script = Script(json(404, {"detail": "unknown request"}))
    with pytest.raises(NotFoundError):
        poll(script)
    assert len(script.requests) == 1


def test_a_malformed_answer_is_a_validation_error() -> None:
    with pytest.raises(APIResponseValidationError):
        poll(Script(json(200, {"metrics": "not a map"})))
    with pytest.raises(APIResponseValidationError):
        poll(Script(httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"})))


def test_result_timeout_never_waits_past_it() -> None:
    holder = Script(json(200, OPTIM)).holder()

    async def forever() -> None:
        await asyncio.sleep(60)

    future = holder.submit(forever())
    started = time.monotonic()
    with pytest.raises(FutureTimeout):
        future.result(timeout=0.2)
    assert time.monotonic() - started < 1.0
    future.cancel()


def test_result_async_timeout_leaves_the_work_running_as_result_does() -> None:
    holder = Script(json(200, OPTIM)).holder()
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "done"

    future: AwaitableConcurrentFuture[str] = holder.submit(slow(), "the slow thing")

    async def caller() -> None:
        with pytest.raises(ResultTimeoutError, match=r"the slow thing did not finish within 0\.1s"):
            await future.result_async(timeout=0.1)

    asyncio.run(caller())
    with pytest.raises(TimeoutError):  # ResultTimeoutError is one: except clauses written for 0.38 catch it
        future.result(timeout=0.1)
    assert not future.future().done()
    holder.io.loop.call_soon_threadsafe(release.set)
    assert future.result(timeout=5) == "done"
