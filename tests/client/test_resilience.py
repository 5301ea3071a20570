"""The retry-and-deadline policy on a mock transport: every status and exception of the pipeline and the poller
ends, after a bounded number of requests with a pause before each retry, in the typed error that names the call."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from tests.test_base_client import RUN, RUN_JSON
from tinker import _credentials, types
from tinker import _exceptions as errors
from tinker._base_client import BaseClient, ClientSettings
from tinker.lib import _holder, _resilience
from tinker.lib._holder import Holder
from tinker.lib._polling import wait_result
from tinker.lib._resilience import Event, Progress
from tinker.lib.public_interfaces.backcompat_sampling_client_future import BackcompatSamplingClientFuture
from tinker.lib.public_interfaces.rest_client import RestClient
from tinker.lib.public_interfaces.sampling_client import SamplingClient
from tinker.lib.public_interfaces.training_client import TrainingClient
from tinker.lib.retry_handler import RetryConfig
from tinker_api.api.checkpoints import get_training_run

FUTURE = types.UntypedAPIFuture(request_id="m:1", model_id="m")
OPTIM = {"metrics": {"loss:sum": 1.0}}
MAX_RETRIES = 3
Answer = httpx.Response | Exception


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("TINKER_API_KEY", "TINKER_CREDENTIAL_CMD", "CLOUDFLARE_ACCESS_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_credentials, "credentials_path", lambda: tmp_path / "credentials.json")


class Clock:
    """Fake time: ``sleep`` records the pause and moves the clock by it; every request costs ``per_request``."""

    def __init__(self, per_request: float = 0.0) -> None:
        self.now = 1000.0
        self.per_request = per_request
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Server:
    """Answers every request but ``client/config`` with the next answer (the last one for ever after)."""

    def __init__(self, *answers: Answer, clock: Clock | None = None) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.clock = clock

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/client/config"):
            return httpx.Response(200, json={})
        self.requests.append(request)
        if self.clock is not None:
            self.clock.now += self.clock.per_request
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers={"content-type": "application/json", **headers})


def holder_for(server: Server, clock: Clock, **settings: Any) -> Holder:
    config = ClientSettings.resolve(
        **{"api_key": "tml-test", "base_url": "http://test", "max_retries": MAX_RETRIES, **settings}
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    client = BaseClient(config, http_client=http, sleep=clock.sleep, clock=clock)
    return Holder(config, client=client, sleep=clock.sleep)


def call(server: Server, clock: Clock, **settings: Any) -> Any:
    holder = holder_for(server, clock, **settings)
    prepared = get_training_run.build_request(training_run_id=RUN)
    return holder.submit(holder.request(prepared, types.TrainingRun)).result(timeout=30)


def poll(server: Server, clock: Clock, progress: Progress | None = None) -> Any:
    holder = holder_for(server, clock)
    progress = progress or Progress(60.0, clock=clock)
    waiting = wait_result(holder, FUTURE, types.OptimStepResponse, "OptimStep", progress=progress)
    return holder.submit(waiting).result(timeout=30)


# --- the request pipeline -------------------------------------------------------------------------------
RETRIED = {
    408: errors.APIStatusError,
    409: errors.ConflictError,
    429: errors.RateLimitError,
    500: errors.InternalServerError,
    502: errors.InternalServerError,
    503: errors.InternalServerError,
}


@pytest.mark.parametrize("status", sorted(RETRIED))
def test_a_retried_status_ends_after_the_budget_with_its_typed_error(status: int, events: list[Event]) -> None:
    clock = Clock()
    server = Server(json(status, {"detail": "not now"}))
    with pytest.raises(RETRIED[status]) as raised:
        call(server, clock)
    assert len(server.requests) == MAX_RETRIES + 1
    assert len(clock.sleeps) == MAX_RETRIES and all(pause > 0 for pause in clock.sleeps)
    assert raised.value.operation == "get_training_run" and raised.value.attempts == MAX_RETRIES + 1
    assert "get_training_run, request " not in str(raised.value)  # a GET has no idempotency key to name
    assert f"gave up after {MAX_RETRIES + 1} attempts" in str(raised.value)
    assert [e.kind for e in events if e.operation == "get_training_run"].count("attempt_started") == MAX_RETRIES + 1
    assert events[-1].kind == "bound_reached" and events[-1].status == status


def test_a_post_names_its_idempotency_key_when_it_gives_up() -> None:
    clock = Clock()
    server = Server(json(503, {"detail": "down"}))
    holder = holder_for(server, clock)
    from tinker_api.api.sessions import create_session
    from tinker_api.types import EncodedBody

    prepared = create_session.build_request(body=EncodedBody(b'{"tags": [], "sdk_version": "0.38.0"}'))
    with pytest.raises(errors.InternalServerError) as raised:
        holder.submit(holder.request(prepared, types.CreateSessionResponse)).result(timeout=30)
    key = server.requests[0].headers["X-Idempotency-Key"]
    assert {r.headers["X-Idempotency-Key"] for r in server.requests} == {key}
    assert f"create_session, request {key}: gave up after {MAX_RETRIES + 1} attempts" in str(raised.value)


@pytest.mark.parametrize("advice", ["2", "soon", "-1", "3600"])
def test_429_follows_a_sane_retry_after_and_else_its_own_backoff(advice: str) -> None:
    clock = Clock()
    server = Server(json(429, {"detail": "slow down"}, **{"retry-after": advice}))
    with pytest.raises(errors.RateLimitError):
        call(server, clock)
    assert len(server.requests) == MAX_RETRIES + 1
    if advice == "2":
        assert clock.sleeps == [2.0] * MAX_RETRIES
    else:
        assert all(0 < pause <= 10.0 for pause in clock.sleeps) and clock.sleeps[0] < clock.sleeps[-1]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_client_error_is_not_retried(status: int) -> None:
    clock = Clock()
    server = Server(json(status, {"detail": "no"}))
    with pytest.raises(errors.APIStatusError) as raised:
        call(server, clock)
    assert raised.value.status_code == status and len(server.requests) == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    ("failure", "typed"),
    [
        (httpx.ConnectError("refused"), errors.APIConnectionError),
        (httpx.ConnectTimeout("no SYN-ACK"), errors.APITimeoutError),
        (httpx.ReadTimeout("silent"), errors.APITimeoutError),
        (httpx.ReadError("reset"), errors.APIConnectionError),
        (httpx.RemoteProtocolError("half an answer"), errors.APIConnectionError),
    ],
)
def test_a_transport_failure_ends_in_its_typed_error_raised_from_it(
    failure: httpx.TransportError, typed: type[Exception]
) -> None:
    clock = Clock()
    server = Server(failure)
    with pytest.raises(typed) as raised:
        call(server, clock)
    assert len(server.requests) == MAX_RETRIES + 1 and len(clock.sleeps) == MAX_RETRIES
    assert raised.value.__cause__ is failure  # a connect timeout is told from a read timeout by its cause
    assert type(raised.value) is typed


def test_each_try_is_a_fresh_request() -> None:
    clock = Clock()
    server = Server(json(503, {}), json(503, {}), json(200, RUN_JSON))
    call(server, clock)
    first, second, third = server.requests
    assert first is not second is not third
    assert "x-retry-count" not in first.headers
    assert (second.headers["x-retry-count"], third.headers["x-retry-count"]) == ("1", "2")


def test_headers_merge_whatever_their_case() -> None:
    clock = Clock()
    server = Server(json(200, RUN_JSON))
    call(server, clock, default_headers={"user-agent": "mine/1.0", "x-extra": "a"})
    sent = server.requests[0].headers
    assert sent.get_list("User-Agent") == ["mine/1.0"] and sent.get_list("X-Extra") == ["a"]


def test_hooks_hear_every_try_and_the_end(events: list[Event]) -> None:
    clock = Clock()
    call(Server(json(503, {}), json(200, RUN_JSON)), clock)
    assert [e.kind for e in events if e.operation == "get_training_run"] == [
        "attempt_started",
        "retry_scheduled",
        "attempt_started",
        "wait_ended",
    ]
    retry = next(e for e in events if e.kind == "retry_scheduled")
    assert retry.status == 503 and retry.delay is not None and retry.delay > 0


def test_a_broken_hook_does_not_break_the_call() -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("hook bug")

    _resilience.HOOKS.append(broken)
    try:
        assert call(Server(json(200, RUN_JSON)), Clock()).training_run_id == RUN
    finally:
        _resilience.HOOKS.remove(broken)


# --- polling a future ----------------------------------------------------------------------------------
TRY_AGAIN = {"type": "try_again", "request_id": "m:1", "queue_state": "active"}
NOT_YET: dict[str, Callable[[], Answer]] = {
    "try_again": lambda: json(200, TRY_AGAIN),
    "408": lambda: json(408, TRY_AGAIN),
    "429": lambda: json(429, {"detail": "slow down"}),
    "402": lambda: json(402, {"detail": "billing"}),
}


@pytest.mark.parametrize("kind", sorted(NOT_YET))
def test_a_server_that_never_moves_ends_the_wait_at_the_progress_bound(kind: str, events: list[Event]) -> None:
    clock = Clock()
    server = Server(NOT_YET[kind](), clock=clock)
    with pytest.raises(errors.ProgressTimeoutError) as raised:
        poll(server, clock, Progress(60.0, clock=clock))
    assert isinstance(raised.value, errors.APIConnectionError)  # what 0.38's stuck detection raises
    assert raised.value.operation == "OptimStep result" and raised.value.request_id == "m:1"
    assert str(kind if kind == "try_again" else int(kind)) == str(raised.value.last_status)
    assert "No progress made in 60s" in str(raised.value) and "OptimStep result, request m:1" in str(raised.value)
    assert all(pause > 0 for pause in clock.sleeps) and len(clock.sleeps) >= len(server.requests) - 1
    assert len(server.requests) <= 1300  # answered at once, each "not yet" costs at least 0.05 s of the 60 s
    assert events[-2].kind == "bound_reached" and events[-1].kind == "wait_ended"


def test_a_held_not_yet_is_polled_again_at_once() -> None:
    clock = Clock(per_request=30.0)  # the server held each poll for 30 s
    server = Server(json(200, TRY_AGAIN), json(408, TRY_AGAIN), json(200, OPTIM), clock=clock)
    assert poll(server, clock, Progress(600.0, clock=clock)).metrics == {"loss:sum": 1.0}
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("failure", "typed"),
    [
        (json(500, {"detail": "boom"}), errors.InternalServerError),
        (json(503, {"detail": "down"}), errors.InternalServerError),
        (httpx.ConnectError("refused"), errors.APIConnectionError),
        (httpx.ReadTimeout("silent"), errors.APITimeoutError),
    ],
)
def test_a_failure_streak_while_polling_ends_after_the_budget(failure: Answer, typed: type[Exception]) -> None:
    clock = Clock()
    server = Server(failure)
    with pytest.raises(typed) as raised:
        poll(server, clock)
    assert type(raised.value) is typed
    assert len(server.requests) == MAX_RETRIES + 1 and len(clock.sleeps) == MAX_RETRIES
    assert "OptimStep result, request m:1: gave up" in str(raised.value)
    if isinstance(failure, Exception):
        assert raised.value.__cause__ is failure


def test_an_answer_in_between_ends_the_streak() -> None:
    clock = Clock()
    down = json(503, {})
    server = Server(*([down] * MAX_RETRIES), json(200, TRY_AGAIN), *([down] * MAX_RETRIES), json(200, OPTIM))
    assert poll(server, clock).metrics
    assert len(server.requests) == 2 * MAX_RETRIES + 2


@pytest.mark.parametrize("status", [404, 409, 410, 422])
def test_a_poll_refused_for_good_is_raised_at_once(status: int) -> None:
    clock = Clock()
    server = Server(json(status, {"detail": "no"}))
    with pytest.raises(errors.APIStatusError) as raised:
        poll(server, clock)
    assert raised.value.status_code == status and len(server.requests) == 1


def test_without_a_progress_bound_the_wait_goes_on_on_purpose() -> None:
    clock = Clock(per_request=600.0)
    server = Server(*([json(200, TRY_AGAIN)] * 30), json(200, OPTIM), clock=clock)
    assert poll(server, clock, Progress(None, clock=clock)).metrics  # 5 hours of "not yet", then the result
    assert len(server.requests) == 31


def test_another_result_of_the_same_client_is_progress() -> None:
    clock = Clock(per_request=20.0)
    progress = Progress(60.0, clock=clock)
    progress.begin()  # another wait of the same client is in flight
    server = Server(json(200, TRY_AGAIN), json(200, TRY_AGAIN), json(200, OPTIM), clock=clock)
    progress.end(moved=True)
    assert poll(server, clock, progress).metrics


# --- sampling backpressure -----------------------------------------------------------------------------
def sampler(server: Server, clock: Clock, config: RetryConfig) -> SamplingClient:
    client = SamplingClient(holder_for(server, clock), "s:sample:0", retry_config=config)
    client._progress = Progress(config.progress_timeout if config.enable_stuck_detection else None, clock=clock)
    return client


def sample(client: SamplingClient) -> Any:
    prompt = types.ModelInput.from_ints([1, 2, 3])
    return client.sample(prompt, 1, types.SamplingParams(max_tokens=2)).result(timeout=30)


def test_sampling_backpressure_is_bounded_by_the_progress_timeout() -> None:
    clock = Clock()
    server = Server(json(429, {"detail": "sampler busy"}), clock=clock)
    client = sampler(server, clock, RetryConfig(progress_timeout=120.0))
    with pytest.raises(errors.ProgressTimeoutError) as raised:
        sample(client)
    assert raised.value.operation == "sample" and raised.value.last_status == 429
    assert all(pause > 0 for pause in clock.sleeps) and len(server.requests) <= 60


def test_sampling_failures_end_after_max_attempts() -> None:
    clock = Clock()
    server = Server(json(410, {"detail": "lost"}))
    client = sampler(server, clock, RetryConfig(max_attempts=4))
    with pytest.raises(errors.APIStatusError) as raised:
        sample(client)
    assert raised.value.status_code == 410 and len(server.requests) == 4 and len(clock.sleeps) == 3
    assert "sample: gave up after 4 attempts" in str(raised.value)


def test_sampling_without_retries_sends_once() -> None:
    clock = Clock()
    server = Server(json(503, {"detail": "down"}))
    with pytest.raises(errors.InternalServerError):
        sample(sampler(server, clock, RetryConfig(enable_retry_logic=False)))
    assert len(server.requests) == 1


# --- turns of a training client ------------------------------------------------------------------------
def test_a_turn_that_never_comes_ends_in_a_typed_error() -> None:
    clock = Clock()
    server = Server(json(200, {"request_id": "m:1", "model_id": "m"}))
    holder = holder_for(server, clock, timeout=0.05, max_retries=0)  # the pipeline's budget: 0.2 s a request
    client = TrainingClient(holder, 0, "m")
    client._reserve(1)  # a seq_id taken and never sent (the bug this bound is for)
    with pytest.raises(errors.ProgressTimeoutError, match="seq_id 1 was never sent") as raised:
        client.optim_step(types.AdamParams(learning_rate=1e-4)).result(timeout=10)
    assert raised.value.operation == "request with seq_id 2" and server.requests == []


# --- the heartbeat -------------------------------------------------------------------------------------
def test_heartbeats_that_never_arrive_are_reported_once_per_streak(
    caplog: pytest.LogCaptureFixture, events: list[Event]
) -> None:
    clock = Clock()
    server = Server(httpx.ConnectError("refused"))
    holder = holder_for(server, clock)
    beats = 0

    class Stop(Exception):
        pass

    async def sleep(seconds: float) -> None:
        nonlocal beats
        beats += 1
        if beats > 2 * (MAX_RETRIES + 1):
            raise Stop
        await asyncio.sleep(0)

    holder.sleep = sleep
    with caplog.at_level(logging.WARNING, logger="tinker"), pytest.raises(Stop):
        holder.submit(_holder._beat(lambda: holder, "sess")).result(timeout=30)  # type: ignore[arg-type]
    warnings = [r for r in caplog.records if "heartbeats in a row" in r.getMessage()]
    assert len(warnings) == 1 and "session sess may be closed" in warnings[0].getMessage()
    assert [e.kind for e in events if e.operation == "session_heartbeat"].count("bound_reached") == 1
    assert len(server.requests) == 2 * (MAX_RETRIES + 1)


# --- pagination and futures ----------------------------------------------------------------------------
def test_a_server_that_ignores_the_offset_ends_the_iteration() -> None:
    page = {"sessions": ["a", "b"], "cursor": {"offset": 0, "limit": 2, "total_count": 99}}
    server = Server(json(200, page))
    rest = RestClient(holder_for(server, Clock()))
    sessions = rest.iter_sessions(page_size=2)
    assert [next(sessions), next(sessions)] == ["a", "b"]
    with pytest.raises(errors.TinkerError, match="the same page for offset 0 and 2"):
        next(sessions)
    assert len(server.requests) == 2


def test_a_cancelled_client_future_has_a_repr() -> None:
    holder = holder_for(Server(json(200, {})), Clock())
    release = asyncio.Event()

    async def never() -> SamplingClient:
        await release.wait()
        raise AssertionError("not reached")

    future = BackcompatSamplingClientFuture(holder.submit(never()))
    future.future().cancel()
    assert repr(future) == "<BackcompatSamplingClientFuture: cancelled>"


def test_a_sample_whose_answer_was_lost_is_sent_again_as_it_was() -> None:
    clock = Clock()
    sampled = {"sequences": [{"tokens": [7], "logprobs": [-0.5], "stop_reason": "length"}], "type": "sample"}
    server = Server(
        httpx.RemoteProtocolError("the answer was lost"),
        json(200, {"request_id": "s:sample:0:9", "model_id": "s"}),
        json(200, sampled),
    )
    result = sample(sampler(server, clock, RetryConfig()))
    assert result.sequences[0].tokens == [7]
    first, again = server.requests[:2]
    assert again.content == first.content  # the same seq_id: the server, had it taken it, answers the same future
    assert again.headers["X-Idempotency-Key"] == first.headers["X-Idempotency-Key"]
    assert len(clock.sleeps) == 1


# --- found in review ------------------------------------------------------------------------------------
def test_failures_after_the_progress_bound_end_the_wait_instead_of_retrying_without_pause() -> None:
    clock = Clock()
    progress = Progress(60.0, clock=clock)
    progress.begin()  # another wait of the client keeps it busy while nothing arrives
    clock.now += 120.0
    server = Server(json(503, {"detail": "restarting"}))
    with pytest.raises(errors.ProgressTimeoutError):
        poll(server, clock, progress)
    assert len(server.requests) == 1 and clock.sleeps == []


def test_a_tiny_retry_after_does_not_make_the_poller_hammer_the_server() -> None:
    clock = Clock()
    server = Server(json(429, {"detail": "slow down"}, **{"retry-after-ms": "1"}), clock=clock)
    with pytest.raises(errors.ProgressTimeoutError):
        poll(server, clock, Progress(60.0, clock=clock))
    assert len(server.requests) < 20  # the window grows with each 429 in a row, whatever the advice


def test_an_undecodable_answer_is_a_typed_retried_error() -> None:
    def broken() -> httpx.Response:
        return httpx.Response(503, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip"))

    clock = Clock()
    server = Server(broken(), json(200, RUN_JSON))
    assert call(server, clock).training_run_id == RUN
    server = Server(*[broken() for _ in range(MAX_RETRIES + 1)])
    with pytest.raises(errors.APIConnectionError) as raised:
        call(server, clock)
    assert isinstance(raised.value.__cause__, httpx.DecodingError)


def test_a_turn_given_up_is_skipped_when_the_turns_reach_it() -> None:
    from tinker.lib.public_interfaces.training_client import _Turns

    async def scenario() -> list[str]:
        seen: list[str] = []
        turns = _Turns(patience=0.05, on_skip=lambda seq_id: seen.append(f"{seq_id} skipped"))
        with pytest.raises(errors.ProgressTimeoutError, match="seq_id 1 was never sent"):
            await turns.wait(2)  # seq_id 1 is late: 2 gives up
        seen.append("2 gave up")
        await turns.wait(1)  # 1 finally goes out
        await turns.done(1)
        await asyncio.wait_for(turns.wait(3), 1.0)  # 3 does not wait for the 2 that will never come
        seen.append("3 went")
        return seen

    assert asyncio.run(scenario()) == ["2 gave up", "2 skipped", "3 went"]


def test_a_seq_id_given_up_is_not_left_as_a_hole_on_the_server() -> None:
    """Never sent, it used up no number anywhere: the request after it goes out with its number."""
    clock = Clock()
    server = Server(json(200, {"request_id": "m:1", "model_id": "m"}))
    holder = holder_for(server, clock, timeout=0.05, max_retries=0)
    client = TrainingClient(holder, 0, "m")
    client._reserve(1)  # seq_id 1, late
    with pytest.raises(errors.ProgressTimeoutError):
        client.optim_step(types.AdamParams(learning_rate=1e-4)).result(timeout=10)  # seq_id 2 gives up
    holder.call(client._turns.done(1))  # 1 goes out at last; the turns pass over 2
    client.optim_step(types.AdamParams(learning_rate=1e-4))  # seq_id 3
    for _ in range(500):  # bounded: 5 s
        if server.requests:
            break
        time.sleep(0.01)
    assert [orjson.loads(r.content)["seq_id"] for r in server.requests[:1]] == [2]


def test_a_turn_being_sent_is_waited_for_however_long_it_takes() -> None:
    from tinker.lib.public_interfaces.training_client import _Turns

    async def scenario() -> None:
        turns = _Turns(patience=0.05)
        await turns.wait(1)  # 1 is being sent (its own send is bounded by the pipeline)

        async def slow_send() -> None:
            await asyncio.sleep(0.3)
            await turns.done(1)

        sending = asyncio.ensure_future(slow_send())
        await asyncio.wait_for(turns.wait(2), 2.0)
        await sending

    asyncio.run(scenario())


def test_the_heartbeat_outlives_an_error_that_is_not_the_servers(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    server = Server(json(200, {}))
    holder = holder_for(server, clock)
    sent = 0

    class Stop(BaseException):  # not an Exception: the heartbeat lets only those pass
        pass

    async def send(prepared: Any, **options: Any) -> None:
        nonlocal sent
        sent += 1
        if sent == 1:
            raise errors.TinkerError("the credential command failed")
        if sent == 3:
            raise Stop

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    holder.sleep = sleep
    holder.send = send  # type: ignore[method-assign]
    with pytest.raises(Stop):
        holder.submit(_holder._beat(lambda: holder, "sess")).result(timeout=30)  # type: ignore[arg-type]
    assert sent == 3
