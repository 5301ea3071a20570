"""Training requests sent at once: a check and what it guards are one step, so concurrent requests cannot all pass.

The store runs every statement on its own thread and handlers await it, so any await between a check and the
write it guards lets another request in. Each test sends requests together (asyncio.gather over an in-process
app) and asserts what got in by statuses and counts, not by timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from tinker.local import ServerConfig, _ops_training, _wire, create_app
from tinker.local._service import Service
from tinker_api.proto import tinker_public_pb2 as pb

from .conftest import KEY_A
from .helpers import TINY, proto_request, tokens_of

TOKENS = tokens_of("the quick brown fox")
Scenario = Callable[[Service, "Client"], Awaitable[None]]


class Client:
    """Tenant A on an in-process app."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Awaitable[httpx.Response]:
        return self.http.post(f"/api/v1/{path}", json=body, **kwargs)

    async def ok(self, path: str, body: Any) -> Any:
        response = await self.post(path, body)
        assert response.status_code == 200, response.text
        return response.json()

    async def result(self, future: dict[str, Any]) -> dict[str, Any]:
        while True:
            answer = await self.ok("retrieve_future", {"request_id": future["request_id"]})
            if answer.get("type") != "try_again":
                return dict(answer)

    async def value(self, future: dict[str, Any]) -> dict[str, Any]:
        answer = await self.result(future)
        assert "error" not in answer, answer
        return answer

    async def session(self) -> str:
        return str(
            (await self.ok("create_session", {"tags": [], "user_metadata": {}, "sdk_version": "t"}))["session_id"]
        )

    async def model(self, session_id: str, seq: int = 0) -> str:
        body = {"session_id": session_id, "model_seq_id": seq, "base_model": TINY, "lora_config": {"rank": 2}}
        return str((await self.value(await self.ok("create_model", body)))["model_id"])


def _run(tmp_path: Path, scenario: Scenario, **settings: Any) -> None:
    config = ServerConfig(data_dir=tmp_path, api_keys=(KEY_A,), **settings)

    async def main() -> None:
        app = create_app(config)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://local", headers={"X-API-Key": KEY_A}) as http,
        ):
            await asyncio.wait_for(scenario(app.state.service, Client(http)), 120)

    asyncio.run(main())


@contextlib.asynccontextmanager
async def _engine_held(service: Service) -> AsyncIterator[None]:
    """The engine thread kept busy until the block ends: work queued meanwhile (a run's creation) waits."""
    started, gate = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(60)

    held = asyncio.create_task(service.in_thread(None, hold))
    await asyncio.to_thread(started.wait, 60)
    try:
        yield
    finally:
        gate.set()
        await held


def _statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(answer.status_code for answer in answers)


# --- training runs: copy_weights and create_model -------------------------------------------------------------------


def test_copies_sent_at_once_to_one_run_make_it_once(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        session = await client.session()
        model = await client.model(session)
        path = (await client.value(await client.ok("save_weights", {"model_id": model, "seq_id": 1, "path": "c"})))[
            "path"
        ]
        copy = {"source_path": path, "session_id": session, "model_seq_id": 7}
        answers = await asyncio.gather(
            *[client.post("copy_weights", {**copy, "ttl_seconds": 100 + n}) for n in range(4)]
        )
        assert _statuses(answers) == [200, 400, 400, 400], [a.text for a in answers]
        assert all("model_seq_id" in a.json()["detail"] for a in answers if a.status_code == 400)
        runs = await service.store.scalar("SELECT COUNT(*) FROM training_runs WHERE model_id=?", [f"{session}:train:7"])
        assert runs == 1

    _run(tmp_path, scenario)


def test_a_copy_to_a_run_being_created_is_refused(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        session = await client.session()
        model = await client.model(session)
        path = (await client.value(await client.ok("save_weights", {"model_id": model, "seq_id": 1, "path": "c"})))[
            "path"
        ]
        async with _engine_held(service):  # the new run's creation waits until this block ends
            created = await client.ok("create_model", {"session_id": session, "model_seq_id": 1, "base_model": TINY})
            copy = await client.post("copy_weights", {"source_path": path, "session_id": session, "model_seq_id": 1})
        assert copy.status_code == 400 and "model_seq_id" in copy.json()["detail"], copy.text
        assert (await client.value(created))["model_id"] == f"{session}:train:1"

    _run(tmp_path, scenario)


def test_a_run_stored_while_its_creation_was_queued_fails_the_creation_cleanly(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        session = await client.session()
        await client.model(session)
        model_id = f"{session}:train:1"
        row = await service.store.one("SELECT * FROM training_runs WHERE session_id=?", [session])
        assert row is not None
        async with _engine_held(service):  # as a copy_weights that passed its check before the slot existed
            created = await client.ok("create_model", {"session_id": session, "model_seq_id": 1, "base_model": TINY})
            await service.store.insert("training_runs", {**row, "model_id": model_id})
        failed = await client.result(created)
        assert "model_seq_id" in failed["error"] and failed["category"] == "user", failed
        assert model_id not in service.trainers

    _run(tmp_path, scenario)


# --- samplers made by save_weights_for_sampler ----------------------------------------------------------------------


def _sampler_save(model_id: str, seq_id: int, sampler_seq: int) -> dict[str, Any]:
    return {"model_id": model_id, "seq_id": seq_id, "sampling_session_seq_id": sampler_seq}


def test_sampler_saves_sent_at_once_stay_under_the_limit(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        answers = await asyncio.gather(
            *[client.post("save_weights_for_sampler", _sampler_save(model, n, 10 + n)) for n in range(1, 7)]
        )
        assert _statuses(answers) == [200] * 2 + [400] * 4, [a.text for a in answers]
        assert all("max_samplers_per_tenant" in a.json()["detail"] for a in answers if a.status_code == 400)
        for answer in answers:
            if answer.status_code == 200:
                await client.value(answer.json())
        assert len(service.samplers) == 2 and not service.sampler_holds

    _run(tmp_path, scenario, max_samplers_per_tenant=2)


def test_sampler_saves_of_one_id_sent_at_once_make_it_once(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        answers = await asyncio.gather(
            *[client.post("save_weights_for_sampler", _sampler_save(model, n, 5)) for n in range(1, 4)]
        )
        assert _statuses(answers) == [200, 400, 400], [a.text for a in answers]
        assert all("sampling_session_seq_id" in a.json()["detail"] for a in answers if a.status_code == 400)
        (made,) = [await client.value(a.json()) for a in answers if a.status_code == 200]
        assert list(service.samplers) == [made["sampling_session_id"]]

    _run(tmp_path, scenario)


def test_a_sampler_save_that_never_runs_gives_its_place_back(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        held = await client.ok("save_weights_for_sampler", _sampler_save(model, 2, 0))  # seq_id 1 never comes
        refused = await client.post("save_weights_for_sampler", _sampler_save(model, 3, 1))
        assert refused.status_code == 400 and "max_samplers_per_tenant" in refused.json()["detail"], refused.text
        assert "seq_id 1 never arrived" in (await client.result(held))["error"]
        made = await client.value(await client.ok("save_weights_for_sampler", _sampler_save(model, 4, 1)))
        assert list(service.samplers) == [made["sampling_session_id"]]

    _run(tmp_path, scenario, max_samplers_per_tenant=1, seq_gap_timeout_seconds=0.5)


def test_a_sampler_a_queued_save_will_make_is_refused_to_create_sampling_session(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        session = await client.session()
        model = await client.model(session)
        saved = await client.ok("save_weights_for_sampler", _sampler_save(model, 2, 0))  # waits for seq_id 1
        body = {"session_id": session, "sampling_session_seq_id": 0, "base_model": TINY}
        refused = await client.post("create_sampling_session", body)
        assert refused.status_code == 400 and "save_weights_for_sampler" in refused.json()["detail"]
        await client.value(await client.ok("optim_step", {"model_id": model, "seq_id": 1, "adam_params": {}}))
        made = await client.result(saved)
        assert "error" not in made, made
        assert not service.sampler_holds and len(service.samplers) == 1

    _run(tmp_path, scenario, max_samplers_per_tenant=2)


# --- checkpoint names -----------------------------------------------------------------------------------------------


def test_unnamed_saves_sent_at_once_get_names_of_their_own(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        answers = await asyncio.gather(*[client.post("save_weights", {"model_id": model}) for _ in range(3)])
        assert _statuses(answers) == [200] * 3, [a.text for a in answers]
        paths = {(await client.value(answer.json()))["path"] for answer in answers}
        assert len(paths) == 3 and all(path.rsplit("/", 1)[1].startswith("step-") for path in paths)

    _run(tmp_path, scenario)


def test_named_saves_sent_at_once_take_a_name_once(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        answers = await asyncio.gather(
            *[client.post("save_weights", {"model_id": model, "path": "x"}) for _ in range(3)]
        )
        assert _statuses(answers) == [200, 400, 400], [a.text for a in answers]
        assert all("already exists" in a.json()["detail"] for a in answers if a.status_code == 400)

    _run(tmp_path, scenario)


# --- a refused protobuf forward_backward ----------------------------------------------------------------------------


class _CountingMessage:
    """A ForwardBackwardRequest that counts its parses."""

    parses = 0

    def __init__(self) -> None:
        self._message = pb.ForwardBackwardRequest()

    def ParseFromString(self, raw: bytes) -> int:
        _CountingMessage.parses += 1
        return self._message.ParseFromString(raw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._message, name)


class _CountingPb:
    def __getattr__(self, name: str) -> Any:
        return _CountingMessage if name == "ForwardBackwardRequest" else getattr(pb, name)


def test_a_refused_protobuf_forward_backward_is_parsed_once_and_uses_up_its_seq_id(
    tmp_path: Path, monkeypatch: Any
) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        message = pb.ForwardBackwardRequest.FromString(proto_request(model, 1, TOKENS))
        message.data[0].loss_fn_inputs["advantages"].CopyFrom(
            pb.Tensor(dense=np.zeros(len(TOKENS) - 1, "<f4").tobytes(), dtype=pb.DTYPE_FLOAT32, shape=[len(TOKENS) - 1])
        )
        for module in (_wire, _ops_training):
            monkeypatch.setattr(module, "pb", _CountingPb())
        refused = await client.http.post(
            "/api/v1/forward_backward",
            content=message.SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
        )
        monkeypatch.undo()
        assert refused.status_code == 400 and "advantages" in refused.json()["detail"], refused.text
        assert _CountingMessage.parses == 1
        await client.value(await client.ok("optim_step", {"model_id": model, "seq_id": 2, "adam_params": {}}))

    _run(tmp_path, scenario)


# --- resubmissions and shared holds (a second review) ------------------------------------------------------------


def test_a_save_and_its_resubmission_sent_at_once_are_one_request(tmp_path: Path) -> None:
    """A retry (same seq_id, same body) that comes while its first copy is still on its way in finds that copy's hold
    on the name or sampler id: it is the same request, answered with the same future, not refused as a clash."""

    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        for path, body in [
            ("save_weights_for_sampler", _sampler_save(model, 1, 0)),
            ("save_weights", {"model_id": model, "seq_id": 2, "path": "twice"}),
            ("save_weights", {"model_id": model, "seq_id": 3}),
        ]:
            answers = await asyncio.gather(*[client.post(path, body) for _ in range(3)])
            assert _statuses(answers) == [200] * 3, [a.text for a in answers]
            assert len({a.json()["request_id"] for a in answers}) == 1
            await client.value(answers[0].json())
        assert not service.sampler_holds and not service.trainers[model].pending_names

    _run(tmp_path, scenario)


def test_a_name_held_by_overwrite_saves_is_held_until_the_last_is_stored(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        model = await client.model(await client.session())
        overwrite = {"model_id": model, "path": "shared", "overwrite": True}
        saves = [client.ok("save_weights", {**overwrite, "seq_id": seq}) for seq in (2, 3)]
        await asyncio.gather(*saves)
        holders = service.trainers[model].pending_names[("weights", "shared")]
        assert len(holders) == 2  # both saves wait on seq_id 1, which has not come
        answer = await client.post("save_weights", {"model_id": model, "path": "shared"})
        assert answer.status_code == 400 and "already exists" in answer.json()["detail"]
        await client.value(await client.ok("optim_step", {"model_id": model, "seq_id": 1, "adam_params": {}}))

    _run(tmp_path, scenario)


def test_a_retry_of_a_sampling_session_already_made_is_not_refused_at_the_limit(tmp_path: Path) -> None:
    async def scenario(service: Service, client: Client) -> None:
        body = {"session_id": await client.session(), "sampling_session_seq_id": 0, "base_model": TINY}
        first = await client.ok("create_sampling_session", body)
        assert await client.ok("create_sampling_session", body) == first

    _run(tmp_path, scenario, max_samplers_per_tenant=1)
