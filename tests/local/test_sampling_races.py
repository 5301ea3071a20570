"""Sampling under concurrency: limits that concurrent requests cannot pass.

Each test asserts a mechanism by what happened (how many got in), not by timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tinker.local import ServerConfig, create_app
from tinker.local._service import Service

from .conftest import KEY_A
from .helpers import TINY


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
