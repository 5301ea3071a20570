"""The engine under load: fairness between tenants, honest cancel, streams that stop, completions that stay small.

Each test asserts a mechanism by the order of events (what finished before what, what ran at all), not by timing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tinker.local import LocalServer, ServerConfig, create_app
from tinker.local._ops_sampling import MAX_BATCH_ROWS
from tinker.local._scheduler import EngineScheduler, Ticket, WorkCancelled
from tinker.local._service import Completions, Service
from tinker.local.engine._sampler import Sampler

from .conftest import KEY_A, KEY_B
from .helpers import TEXT, TINY, Api, datum, tokens_of

PROMPT = {"chunks": [{"type": "encoded_text", "tokens": tokens_of("the")}]}
DATA = [datum(tokens_of(TEXT))]


async def _until(condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    """Wait (bounded) for a condition that other tasks or the engine thread make true."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _forward_body(model_id: str, seq_id: int) -> dict[str, Any]:
    return {"model_id": model_id, "seq_id": seq_id, "forward_input": {"data": DATA, "loss_fn": "cross_entropy"}}


# --- the scheduler on its own ----------------------------------------------------------------------------


def _in_order(scheduler: EngineScheduler, jobs: list[tuple[str | None, str]]) -> list[str]:
    """Runs ``jobs`` (lane, name) queued behind a held engine thread; returns the names in the order they ran."""
    ran: list[str] = []

    async def scenario() -> None:
        gate = threading.Event()
        held = threading.Event()

        def hold() -> None:
            held.set()
            gate.wait(30)

        blocker = asyncio.ensure_future(scheduler.run(None, hold))
        await _until(held.is_set, "the engine thread to be held")
        waits = [asyncio.ensure_future(scheduler.run(lane, lambda name=name: ran.append(name))) for lane, name in jobs]
        await _until(lambda: sum(scheduler.queued().values()) == len(jobs), "the jobs to queue")
        gate.set()
        await asyncio.wait_for(asyncio.gather(blocker, *waits), 30)

    try:
        asyncio.run(scenario())
    finally:
        scheduler.close()
    return ran


def test_the_scheduler_takes_tenants_in_turn() -> None:
    jobs = [("a", f"a{i}") for i in range(5)] + [("b", "b0"), ("b", "b1"), (None, "system")]
    assert _in_order(EngineScheduler(), jobs) == ["a0", "b0", "system", "a1", "b1", "a2", "a3", "a4"]


def test_the_scheduler_cancels_only_what_has_not_started() -> None:
    scheduler = EngineScheduler()

    ran: list[str] = []

    async def scenario() -> None:
        gate = threading.Event()
        started = Ticket()
        running = asyncio.ensure_future(scheduler.run("a", lambda: gate.wait(30), started))
        await _until(lambda: started.state == "started", "the first item to start")
        queued = Ticket()
        waiting = asyncio.ensure_future(scheduler.run("a", lambda: "ran", queued))
        await _until(lambda: scheduler.queued()["a"] == 1, "the second item to queue")
        assert scheduler.cancel(queued) and queued.cancelled
        with pytest.raises(WorkCancelled):
            await asyncio.wait_for(waiting, 30)
        with pytest.raises(WorkCancelled):  # later work of a cancelled request is refused too
            await scheduler.run("a", lambda: "ran", queued)
        assert not scheduler.cancel(started) and started.stop.is_set()  # too late: it runs to its end
        abandoned = asyncio.ensure_future(scheduler.run("b", lambda: ran.append("abandoned")))
        await _until(lambda: scheduler.queued()["b"] == 1, "the third item to queue")
        abandoned.cancel()  # its caller stopped waiting: the item leaves the queue
        await asyncio.gather(abandoned, return_exceptions=True)
        assert scheduler.queued() == {}
        gate.set()
        assert await asyncio.wait_for(running, 30) is True
        assert await asyncio.wait_for(scheduler.run("b", lambda: "after"), 30) == "after"
        assert ran == []

    try:
        asyncio.run(scenario())
    finally:
        scheduler.close()


def test_closing_the_scheduler_fails_queued_work_and_does_not_hang() -> None:
    scheduler = EngineScheduler()

    async def scenario() -> None:
        gate = threading.Event()
        ticket = Ticket()

        def hold() -> None:
            ticket.stop.wait(30)  # a running call that stops when asked, as sampling does
            gate.set()

        running = asyncio.ensure_future(scheduler.run("a", hold, ticket))
        await _until(lambda: ticket.state == "started", "the running item to start")
        queued = asyncio.ensure_future(scheduler.run("b", lambda: None))
        await _until(lambda: scheduler.queued()["b"] == 1, "the second item to queue")
        scheduler.close()
        assert gate.is_set()  # close asked the running call to stop and waited for it
        with pytest.raises(WorkCancelled, match="shutting down"):
            await asyncio.wait_for(queued, 30)
        await asyncio.wait_for(running, 30)
        with pytest.raises(WorkCancelled):
            await scheduler.run("a", lambda: None)

    asyncio.run(scenario())


async def _hold_engine(service: Service) -> tuple[threading.Event, asyncio.Future[None]]:
    """Keep the engine thread busy until the returned gate is set, so that work queues up behind it."""
    gate, held = threading.Event(), threading.Event()

    def hold() -> None:
        held.set()
        gate.wait(60)

    blocker = asyncio.ensure_future(service.in_thread(None, hold))
    await _until(held.is_set, "the engine thread to be held")
    return gate, blocker


# --- fairness through the app ----------------------------------------------------------------------------


def _in_process(
    tmp_path: Path, scenario: Callable[[Service, httpx.AsyncClient, httpx.AsyncClient], Awaitable[None]]
) -> None:
    """Runs ``scenario`` against an app in this process (its lifespan included: the service is closed at the end,
    which must not hang on the work still queued), with a client for each tenant."""
    config = ServerConfig(data_dir=tmp_path, api_keys=(KEY_A, KEY_B), max_sampling_requests_per_tenant=2_000)

    async def main() -> None:
        app = create_app(config)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://local", headers={"X-API-Key": KEY_A}) as a,
            httpx.AsyncClient(transport=transport, base_url="http://local", headers={"X-API-Key": KEY_B}) as b,
        ):
            await scenario(app.state.service, a, b)

    asyncio.run(main())


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _resolved(service: Service, request_id: str) -> Any:
    future = await service.futures.find(request_id)
    assert future is not None
    await asyncio.wait_for(future.event.wait(), 60)
    return future.result


async def _model(service: Service, client: httpx.AsyncClient) -> str:
    session = await _post(client, "create_session", {"tags": [], "user_metadata": {}, "sdk_version": "t"})
    body = {"session_id": session["session_id"], "model_seq_id": 0, "base_model": TINY, "lora_config": {"rank": 2}}
    created = await _post(client, "create_model", body)
    await _resolved(service, created["request_id"])
    return str(created["model_id"])


def test_a_deep_queue_of_one_tenant_does_not_hold_back_another(tmp_path: Path, monkeypatch: Any) -> None:
    """With 1,000 sample requests of tenant A waiting for the engine, tenant B's forward is next but one engine call
    (A's requests run batched: that call holds at most MAX_BATCH_ROWS of them)."""

    async def scenario(service: Service, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
        finished: list[str] = []
        finish = service.futures._finish

        async def recording(future: Any, state: Any, result: Any) -> None:
            finished.append(future.request_id)
            await finish(future, state, result)

        monkeypatch.setattr(service.futures, "_finish", recording)
        sample = {"base_model": TINY, "prompt": PROMPT, "sampling_params": {"max_tokens": 1}}
        await _resolved(service, (await _post(a, "asample", sample))["request_id"])  # builds A's sampler
        model_b = await _model(service, b)
        owner_a, owner_b = service.authenticate(KEY_A), service.authenticate(KEY_B)

        gate, blocker = await _hold_engine(service)
        a_ids = {(await _post(a, "asample", sample))["request_id"] for _ in range(1_000)}
        await _until(lambda: service.scheduler.queued()[owner_a] == 1_000, "A's requests to reach the engine")
        b_id = (await _post(b, "forward", _forward_body(model_b, 1)))["request_id"]
        await _until(lambda: service.scheduler.queued()[owner_b] == 1, "B's forward to reach the engine")
        finished.clear()
        gate.set()
        result = await _resolved(service, b_id)
        assert "error" not in result, result
        a_before_b = [r for r in finished[: finished.index(b_id)] if r in a_ids]
        assert len(a_before_b) <= MAX_BATCH_ROWS, f"B waited for {len(a_before_b)} of A's requests"
        await blocker

    _in_process(tmp_path, scenario)


# --- honest cancel ---------------------------------------------------------------------------------------


def test_a_cancelled_queued_optim_step_leaves_the_weights_and_the_queue_goes_on(api: Api) -> None:
    model = api.model(api.session())
    api.forward_backward(model, 1, DATA)
    step = api.ok(api.post("optim_step", {"model_id": model, "seq_id": 3, "adam_params": {"learning_rate": 0.5}}))
    assert api.post("cancel_future", {"request_id": step["request_id"]}).status_code == 204  # queued behind seq 2
    before = api.value(api.ok(api.post("forward", _forward_body(model, 2))))
    after = api.value(api.ok(api.post("forward", _forward_body(model, 4))))  # seq 3's turn was taken, not run
    assert after["metrics"] == before["metrics"]
    cancelled = api.ok(api.result(step))
    assert cancelled == {"error": "cancelled by the client before it ran", "category": "user"}

    stepped = api.ok(api.post("optim_step", {"model_id": model, "seq_id": 5, "adam_params": {"learning_rate": 0.5}}))
    api.value(stepped)
    assert api.post("cancel_future", {"request_id": stepped["request_id"]}).status_code == 204  # too late
    assert "metrics" in api.ok(api.result(stepped))  # the future keeps its real result
    trained = api.value(api.ok(api.post("forward", _forward_body(model, 6))))
    assert trained["metrics"] != before["metrics"]  # an optim_step that ran does change them


def test_a_cancelled_request_waiting_for_the_engine_is_dropped(tmp_path: Path) -> None:
    """Past its model's queue, an optim_step waiting for the engine thread is still cancelled before it runs."""

    async def scenario(service: Service, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
        model = await _model(service, a)
        ran: list[str] = []
        slot = service.trainers[model]
        assert slot.trainer is not None
        step = slot.trainer.optim_step
        slot.trainer.optim_step = lambda *args: ran.append("optim_step") or step(*args)  # type: ignore[method-assign]
        gate, blocker = await _hold_engine(service)
        owner = service.authenticate(KEY_A)
        queued = await _post(a, "optim_step", {"model_id": model, "seq_id": 1, "adam_params": {}})
        await _until(lambda: service.scheduler.queued()[owner] == 1, "the optim_step to reach the engine")
        assert (await a.post("/api/v1/cancel_future", json={"request_id": queued["request_id"]})).status_code == 204
        gate.set()
        await blocker
        assert (await _resolved(service, queued["request_id"]))["error"] == "cancelled by the client before it ran"
        forward = await _post(a, "forward", _forward_body(model, 2))
        assert "error" not in await _resolved(service, forward["request_id"])
        assert ran == []

    _in_process(tmp_path, scenario)


# --- streams that stop -----------------------------------------------------------------------------------


@pytest.fixture
def engine_tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[int], threading.Event]]:
    """Counts the tokens the engine generates for streams; after the second it holds the engine until the server
    cancels the stream's work (at most 30 s), so that the count does not depend on how fast that happens."""
    generated: list[int] = []
    returned, cancelled = threading.Event(), threading.Event()
    sample, cancel = Sampler.sample, EngineScheduler.cancel

    def recording_cancel(self: EngineScheduler, ticket: Ticket) -> bool:
        try:
            return cancel(self, ticket)
        finally:
            cancelled.set()

    def counting(self: Sampler, spec: Any, on_token: Any = None) -> Any:
        def count(index: int, token: int, logprob: float, position: int) -> Any:
            generated.append(position)
            wanted = on_token(index, token, logprob, position)
            if len(generated) == 2:
                cancelled.wait(30)
            return wanted

        try:
            return sample(self, spec, count if on_token is not None else None)
        finally:
            returned.set()

    monkeypatch.setattr(EngineScheduler, "cancel", recording_cancel)
    monkeypatch.setattr(Sampler, "sample", counting)
    yield generated, returned


def test_a_stream_whose_client_leaves_stops_generating(
    server: LocalServer, engine_tokens: tuple[list[int], threading.Event]
) -> None:
    generated, returned = engine_tokens
    max_tokens = 400
    body = {
        "base_model": TINY,
        "prompt": PROMPT,
        "sampling_params": {"max_tokens": max_tokens, "stop": [], "seed": 1},
    }
    tokens = 0
    with (
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY_A}, timeout=60) as client,
        client.stream("POST", "/api/v1/stream_sample", json=body) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            tokens += line == "event: token"
            if tokens == 2:
                break  # the client leaves: the response and its connection close here
    assert returned.wait(60), "the engine never returned"
    assert 2 <= len(generated) <= 3, f"the engine generated {len(generated)} of {max_tokens} tokens"


def test_a_cancel_that_comes_while_a_sample_runs_stops_it(
    tmp_path: Path, engine_tokens: tuple[list[int], threading.Event]
) -> None:
    """Too late to drop, but sampling has no side effects: it stops at its next token and resolves as cancelled."""
    generated, returned = engine_tokens

    async def scenario(service: Service, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
        body = {"base_model": TINY, "prompt": PROMPT, "sampling_params": {"max_tokens": 400, "stop": []}}
        future = await _post(a, "asample", body)
        await _until(lambda: len(generated) == 2, "the sample to start")
        assert (await a.post("/api/v1/cancel_future", json={"request_id": future["request_id"]})).status_code == 204
        result = await _resolved(service, future["request_id"])
        assert result == {"error": "cancelled by the client while it ran", "category": "user"}

    _in_process(tmp_path, scenario)
    assert returned.is_set() and len(generated) == 3


# --- completions that stay small -------------------------------------------------------------------------


def test_completions_keep_a_bounded_tail_with_absolute_cursors() -> None:
    completions = Completions(limit=3)
    for i in range(10):
        completions.append(f"r{i}", "done")
    assert len(completions) == 3 and completions.end == 10
    assert [r for r, _ in completions.since(0)] == ["r7", "r8", "r9"]  # the evicted range counts as delivered
    assert [r for r, _ in completions.since(8)] == ["r8", "r9"]
    assert completions.since(10) == [] and completions.since(12) == []


def test_a_sampler_completions_stay_under_their_bound(api: Api, server: LocalServer, monkeypatch: Any) -> None:
    monkeypatch.setattr(Completions, "LIMIT", 8)
    body = {"session_id": api.session(), "sampling_session_seq_id": 0, "base_model": TINY}
    sampler_id = api.ok(api.post("create_sampling_session", body))["sampling_session_id"]
    assert server.app is not None
    service: Service = server.app.state.service
    sample = {"sampling_session_id": sampler_id, "prompt": PROMPT, "sampling_params": {"max_tokens": 1}}
    ids = []
    for _ in range(20):
        future = api.ok(api.post("asample", sample))
        api.value(future)
        ids.append(future["request_id"])
        assert len(service.samplers[sampler_id].completions) <= 8
    target = {"type": "sampling_session", "sampling_session_id": sampler_id}
    everything = api.ok(api.post("retrieve_futures", {"target": target, "prev_cursor": 0}))
    assert everything["cursor"] == 20
    assert [c["request_id"] for c in everything["completions"]] == ids[-8:]
    recent = api.ok(api.post("retrieve_futures", {"target": target, "prev_cursor": 17}))
    assert [c["request_id"] for c in recent["completions"]] == ids[17:]
