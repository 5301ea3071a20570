"""Sampling under concurrency and failure: limits that concurrent requests cannot pass, a failed write that strands
nothing, and a stream whose client is gone before its first event.

Each test asserts a mechanism by what happened (how many got in, what ran, what the engine generated), not by timing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tinker.local import ServerConfig, create_app
from tinker.local._futures import UNSTORED_MESSAGE, ModelQueue
from tinker.local._service import Service
from tinker.local._store import Db, Store
from tinker.local.engine._sampler import Sampler

from .conftest import KEY_A
from .helpers import TINY, tokens_of

PROMPT = {"chunks": [{"type": "encoded_text", "tokens": tokens_of("the")}]}
DISK_FULL = "database or disk is full"


def _in_process(
    tmp_path: Path, scenario: Callable[[Service, httpx.AsyncClient], Awaitable[None]], **settings: Any
) -> None:
    """Runs ``scenario`` against an app in this process, its lifespan included, with a client of tenant A."""
    config = ServerConfig(data_dir=tmp_path, api_keys=(KEY_A,), **settings)

    async def main() -> None:
        app = create_app(config)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://local", headers={"X-API-Key": KEY_A}
            ) as client,
        ):
            await asyncio.wait_for(scenario(app.state.service, client), 120)

    asyncio.run(main())


async def _session(client: httpx.AsyncClient) -> str:
    response = await client.post("/api/v1/create_session", json={"tags": [], "user_metadata": {}, "sdk_version": "t"})
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


def _sampler_body(session_id: str, seq_id: int, **weights: str) -> dict[str, Any]:
    return {"session_id": session_id, "sampling_session_seq_id": seq_id, **(weights or {"base_model": TINY})}


# --- the sampler limit -----------------------------------------------------------------------------------


def test_concurrent_sampling_sessions_stay_under_the_limit(tmp_path: Path) -> None:
    async def scenario(service: Service, client: httpx.AsyncClient) -> None:
        session = await _session(client)
        await service.engine()
        answers = await asyncio.gather(
            *[client.post("/api/v1/create_sampling_session", json=_sampler_body(session, n)) for n in range(10)]
        )
        assert sorted(a.status_code for a in answers) == [200] * 2 + [400] * 8
        assert all("max_samplers_per_tenant" in a.text for a in answers if a.status_code == 400)
        assert sorted(service.samplers) == sorted(a.json()["sampling_session_id"] for a in answers if a.is_success)

    _in_process(tmp_path, scenario, max_samplers_per_tenant=2)


def test_a_sampler_that_fails_to_be_made_gives_its_place_back(tmp_path: Path) -> None:
    async def scenario(service: Service, client: httpx.AsyncClient) -> None:
        session = await _session(client)
        missing = _sampler_body(session, 0, model_path="tinker://no-such-run/sampler_weights/none")
        for _ in range(3):
            assert (await client.post("/api/v1/create_sampling_session", json=missing)).status_code == 404
        made = await client.post("/api/v1/create_sampling_session", json=_sampler_body(session, 1))
        assert made.status_code == 200, made.text
        assert list(service.samplers) == [made.json()["sampling_session_id"]]

    _in_process(tmp_path, scenario, max_samplers_per_tenant=1)


def test_requests_that_make_the_same_sampler_at_once_share_one_place(tmp_path: Path) -> None:
    """A retry sent while its first try is still being made is not refused for the place its first try holds."""

    async def scenario(service: Service, client: httpx.AsyncClient) -> None:
        session = await _session(client)
        answers = await asyncio.gather(
            *[client.post("/api/v1/create_sampling_session", json=_sampler_body(session, 0)) for _ in range(4)]
        )
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert list(service.samplers) == [answers[0].json()["sampling_session_id"]]

    _in_process(tmp_path, scenario, max_samplers_per_tenant=1)


# --- an outcome that cannot be stored --------------------------------------------------------------------


def test_a_job_that_raises_does_not_strand_the_model_queue() -> None:
    ran: list[int] = []

    async def scenario() -> None:
        async def on_gap(missing: int, held: list[str]) -> None:
            raise AssertionError(f"the queue waited for seq_id {missing} it already had")

        queue = ModelQueue("m", 30.0, on_gap)

        async def disk_full() -> None:
            ran.append(0)
            raise sqlite3.OperationalError(DISK_FULL)

        async def next_one() -> None:
            ran.append(1)

        queue.put(0, "m:0", disk_full)
        queue.put(1, "m:1", next_one)
        for _ in range(1000):
            if ran == [0, 1]:
                break
            await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert ran == [0, 1]


class _FullDisk:
    """A store whose multi-statement hops fail as a full disk makes them (the outcome of a future is one)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def run(self, function: Callable[[Db], Any]) -> Any:
        raise sqlite3.OperationalError(DISK_FULL)


def test_an_outcome_that_cannot_be_stored_is_answered_from_memory_then_as_failed(tmp_path: Path) -> None:
    async def scenario(service: Service, client: httpx.AsyncClient) -> None:
        futures = service.futures
        future = await futures.create("unstored", "owner", "R", None, "d")
        futures._store = _FullDisk(service.store)  # type: ignore[assignment]

        async def work() -> dict[str, Any]:
            return {"answer": 42}

        await asyncio.wait_for(futures.run(future, work), 30)  # returns, where it raised before
        assert (future.state, future.result) == ("done", {"answer": 42})
        futures.forget_finished(0.0, 0)
        stored = await futures.find("unstored")  # the row still says pending: nothing is left that will settle it
        assert stored is not None and stored.event.is_set()
        assert (stored.state, stored.result) == ("failed", {"error": UNSTORED_MESSAGE, "category": "server"})

    _in_process(tmp_path, scenario)


def test_a_sample_whose_outcome_cannot_be_stored_still_reaches_its_pollers(tmp_path: Path) -> None:
    async def scenario(service: Service, client: httpx.AsyncClient) -> None:
        session = await _session(client)
        made = await client.post("/api/v1/create_sampling_session", json=_sampler_body(session, 0))
        sampler_id = made.json()["sampling_session_id"]
        service.futures._store = _FullDisk(service.store)  # type: ignore[assignment]
        body = {"sampling_session_id": sampler_id, "prompt": PROMPT, "sampling_params": {"max_tokens": 2}}
        sampled = await client.post("/api/v1/asample", json=body)
        assert sampled.status_code == 200, sampled.text
        polled = await client.post(
            "/api/v1/retrieve_futures",
            json={"target": {"sampling_session_id": sampler_id}, "prev_cursor": 0, "timeout": 20},
        )
        assert polled.status_code == 200, polled.text
        assert [c["request_id"] for c in polled.json()["completions"]] == [sampled.json()["request_id"]]

    _in_process(tmp_path, scenario)


# --- a stream whose client is gone before its first event ------------------------------------------------


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The positions of the tokens the engine generates for streams."""
    positions: list[int] = []
    lock = threading.Lock()
    sample = Sampler.sample

    def counting(self: Sampler, spec: Any, on_token: Any = None) -> Any:
        def count(index: int, token: int, logprob: float, position: int) -> Any:
            with lock:
                positions.append(position)
            return on_token(index, token, logprob, position)

        return sample(self, spec, count if on_token is not None else None)

    monkeypatch.setattr(Sampler, "sample", counting)
    yield positions


def test_a_stream_whose_client_is_gone_before_it_starts_does_not_generate(tmp_path: Path, generated: list[int]) -> None:
    """Driven as uvicorn drives it (ASGI spec 2.3, where Starlette listens for the disconnect while it sends): the
    client is gone once its body is read, and the start of the answer waits to be written (a paused transport, or
    the slow-answer fault), so the response is cancelled there, before its body iterator ever runs."""
    max_tokens = 400
    body = orjson.dumps(
        {"base_model": TINY, "prompt": PROMPT, "sampling_params": {"max_tokens": max_tokens, "stop": [], "seed": 1}}
    )
    config = ServerConfig(data_dir=tmp_path, api_keys=(KEY_A,))

    async def main() -> None:
        app = create_app(config)
        async with app.router.lifespan_context(app):
            service: Service = app.state.service
            await service.engine()
            messages = [{"type": "http.request", "body": body, "more_body": False}]
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return messages.pop(0) if messages else {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(1)
                sent.append(message)

            scope = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": "/api/v1/stream_sample",
                "raw_path": b"/api/v1/stream_sample",
                "root_path": "",
                "query_string": b"",
                "headers": [
                    (b"host", b"local"),
                    (b"x-api-key", KEY_A.encode()),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
                "client": ("127.0.0.1", 1),
                "server": ("local", 80),
            }
            await asyncio.wait_for(app(scope, receive, send), 60)
            assert sent == [], "nothing was sent"
            for _ in range(6000):  # the stream's sampling ends, stopped or run to its end
                if not service.sampling.running:
                    break
                await asyncio.sleep(0.01)
            assert not service.sampling.running

    asyncio.run(main())
    assert len(generated) < 10, f"the engine generated {len(generated)} of {max_tokens} tokens"
