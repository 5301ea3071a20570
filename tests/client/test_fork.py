"""A client made before ``os.fork()`` works in the child (its own loop, pipeline and counters), and the parent's
still works after."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinker
from tinker import types
from tinker.lib._per_process import SHADOW_SEQ_STRIDE
from tinker.local import LocalServer

from .conftest import KEY, TINY

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no os.fork")

PROMPT = types.ModelInput.from_ints(list(b"Once upon"))
PARAMS = types.SamplingParams(max_tokens=4, seed=3)
CHILD_BOUND = 120.0  # seconds; a child that hangs is killed and the test fails instead of hanging


def in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Fork; the child runs ``work`` and reports its result (or its error) through a pipe, then leaves with
    ``os._exit``. The parent waits at most CHILD_BOUND seconds."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ warns when a process with threads forks
        pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            report = {"ok": True, **work()}
        except BaseException as error:
            report = {"ok": False, "error": repr(error)[:2000]}
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + CHILD_BOUND
    while os.waitpid(pid, os.WNOHANG)[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the child did not finish within {CHILD_BOUND:.0f} s")
        time.sleep(0.05)
    with os.fdopen(read, "rb") as pipe:
        report: dict[str, Any] = json.loads(pipe.read() or b'{"ok": false, "error": "the child sent no report"}')
    assert report.pop("ok"), report["error"]
    return report


def seq(sampler_id: str) -> int:
    return int(sampler_id.rsplit(":", 1)[1])


def tokens(sampler: tinker.SamplingClient) -> list[int]:
    return sampler.sample(PROMPT, 1, PARAMS).result(timeout=60).sequences[0].tokens


def test_a_client_made_before_fork_works_in_the_child_on_the_parents_session(local: LocalServer) -> None:
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY)
    sampler = service.create_sampling_client(base_model=TINY).result()
    expected = tokens(sampler)
    holder = service.holder
    parent_pipeline, parent_loop, session_id = holder.client, holder.io, holder._session_id

    def child() -> dict[str, Any]:
        sampled = tokens(sampler)
        streamed = [
            e.token_id for e in sampler.sample_stream(PROMPT, 1, PARAMS) if isinstance(e, types.SampleStreamToken)
        ]
        models = [
            m.model_name
            for m in tinker.RestClient(service.holder).get_server_capabilities().result(timeout=60).supported_models
        ]
        another = service.create_sampling_client(base_model=TINY).result(timeout=60)
        report = {
            "sampled": sampled,
            "streamed": streamed,
            "models": models,
            "new_pipeline": holder.client is not parent_pipeline,
            "new_loop": holder.io is not parent_loop,
            "session_id": holder._session_id,
            "heartbeat": holder._here.get().heartbeat is not None,
            "sample_seq": sampler._next_seq(),
            "sampler_seq": seq(another.sampling_session_id),
        }
        service.close("success").result(timeout=30)  # the parent's session: the child must not finish it
        return report

    report = in_child(child)
    assert report["sampled"] == report["streamed"] == expected
    assert TINY in report["models"]
    assert report["new_pipeline"] and report["new_loop"]
    assert report["session_id"] == session_id and not report["heartbeat"]
    assert report["sample_seq"] >= SHADOW_SEQ_STRIDE and report["sampler_seq"] >= SHADOW_SEQ_STRIDE

    assert tokens(sampler) == expected
    assert seq(service.create_sampling_client(base_model=TINY).result().sampling_session_id) == 1
    assert holder.client is parent_pipeline and holder._here.get().heartbeat is not None
    service.close("success").result()


def test_a_child_that_creates_the_session_keeps_it_alive_and_finishes_it(local: LocalServer) -> None:
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY)
    assert tinker.RestClient(service.holder).get_server_capabilities().result().supported_models  # no session yet

    def child() -> dict[str, Any]:
        service.create_sampling_client(base_model=TINY).result(timeout=60)
        holder = service.holder
        report = {"session_id": holder._session_id, "heartbeat": holder._here.get().heartbeat is not None}
        service.close("success").result(timeout=30)
        return report

    report = in_child(child)
    assert report["heartbeat"]
    rest = tinker.RestClient(base_url=local.base_url, api_key=KEY)
    search = types.SessionSearchRequest(session_id=report["session_id"])
    status = rest.search_sessions(search).result().sessions[0].status.model_dump(mode="json")
    assert status["reason"]["type"] == "success"  # finished by the child, which created it
    assert service.holder._session_id is None  # the parent makes its own when it needs one
    service.create_sampling_client(base_model=TINY).result()
    assert service.holder._session_id != report["session_id"]
    service.close("success").result()


def test_a_training_client_and_a_pending_future_refuse_the_child_instead_of_hanging(local: LocalServer) -> None:
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY)
    trainer = service.create_lora_training_client(TINY, rank=4).result()
    datum = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2, 3]),
        loss_fn_inputs={"target_tokens": types.TensorData.from_numpy(np.array([2, 3, 4], dtype=np.int64))},
    )
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "parent's"

    pending = service.holder.submit(slow(), "the parent's slow work")

    def child() -> dict[str, Any]:
        started = time.monotonic()
        report: dict[str, Any] = {"base_model": trainer.get_info().model_data.model_name}
        for name, call in (
            ("training", lambda: trainer.forward_backward([datum], "cross_entropy")),
            ("future", lambda: pending.result()),
        ):
            try:
                call()
                report[name] = "no error"
            except tinker.TinkerError as error:
                report[name] = str(error)
        report["seconds"] = time.monotonic() - started
        return report

    report = in_child(child)
    assert report["base_model"] == TINY
    assert "before a fork" in report["training"] and "create_training_client_from_state" in report["training"]
    assert "the parent's slow work was started in process" in report["future"]
    assert report["seconds"] < 30
    service.holder.io.loop.call_soon_threadsafe(release.set)
    assert pending.result(timeout=10) == "parent's"
    assert trainer.forward_backward([datum], "cross_entropy").result(timeout=60).metrics  # the parent goes on
    service.close("success").result()
