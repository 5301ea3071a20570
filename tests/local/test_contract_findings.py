"""What the contract tests (tests/contract) found in the server, one case each, so that none comes back.

422 is for a request that breaks the document's schema; a request that fits the schema but cannot be carried out
is a 400; neither may become a 500 or make the server allocate what no machine has.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tinker.local import ServerConfig, create_app
from tinker.local._service import Service
from tinker_api import pydantic_models as models

from .helpers import TINY, Api, datum, tokens_of

TOKENS = tokens_of("contract")
TELEMETRY = {"platform": "Linux", "sdk_version": "t", "session_id": "s", "process_uuid": "p"}


def event(index: int) -> dict[str, Any]:
    return {
        "event": "GENERIC_EVENT",
        "event_id": "e",
        "event_name": "n",
        "event_session_index": index,
        "severity": "INFO",
        "timestamp": "2026-01-01T00:00:00Z",
        "event_data": {},
    }


def test_an_int64_field_takes_no_number_past_int64(api: Api) -> None:
    assert api.post("telemetry", {**TELEMETRY, "events": [event(2**63 - 1)]}).status_code == 200
    too_big = api.post("telemetry", {**TELEMETRY, "events": [event(2**63)]})
    assert too_big.status_code == 422 and "event_session_index" in too_big.text


def test_a_page_size_past_the_documented_maximum_is_refused_not_a_crash(api: Api) -> None:
    assert api.get("sessions", params={"limit": 1000}).status_code == 200
    assert api.get("sessions", params={"limit": 2**63 - 1}).status_code == 422
    assert api.get("sessions", params={"limit": 2**63}).status_code == 422
    assert api.get("training_runs", params={"offset": 2**64}).status_code == 422


def test_a_body_that_fits_the_schema_but_not_the_model_checks_is_a_400(api: Api) -> None:
    crow_past_0 = {
        "dtype": "int64",
        "data": [5],
        "shape": [1, 2],
        "sparse_crow_indices": [1, 1],
        "sparse_col_indices": [0],
        "pad_value": 0,
    }
    data = [{**datum(TOKENS), "loss_fn_inputs": {"x": crow_past_0}}]
    body = {"model_id": "nope:train:0", "forward_input": {"data": data, "loss_fn": "cross_entropy"}}
    response = api.post("forward", body)
    assert response.status_code == 400, response.text
    assert "forward_input.data[0].loss_fn_inputs.x: Value error, TensorData.sparse_crow_indices" in response.text


def test_the_sparse_form_the_document_states_is_checked_by_its_schema(api: Api) -> None:
    half_csr = {"dtype": "int64", "data": [5], "shape": [1, 2], "sparse_crow_indices": [0, 1], "pad_value": 0}
    one_d = {**half_csr, "shape": [2], "sparse_col_indices": [0]}
    for tensor, field in ((half_csr, "sparse_col_indices"), (one_d, "shape")):
        data = [{**datum(TOKENS), "loss_fn_inputs": {"x": tensor}}]
        body = {"model_id": "nope:train:0", "forward_input": {"data": data, "loss_fn": "cross_entropy"}}
        response = api.post("forward", body)
        assert response.status_code == 422 and field in response.text, response.text
    empty_path = {"model_id": "nope:train:0", "path": "", "optimizer": False}
    response = api.post("load_weights", empty_path)
    assert response.status_code == 422 and "path" in response.text, response.text


def test_int64_tensor_data_past_int64_is_refused() -> None:
    with pytest.raises(ValueError, match="int64 range"):
        models.TensorData(data=[0.0, 9.3e18], dtype="int64", shape=[2])


def test_content_encoding_faults(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    # a body that does not begin as zstd output was never compressed, and is read as sent (here: checked, 422)
    plain = api.post("forward_backward", content=b"{}", headers={**headers, "Content-Encoding": "zstd"})
    assert plain.status_code == 422 and "model_id" in plain.text, plain.text
    bad_frame = b"\x28\xb5\x2f\xfd" + b"\xff" * 16
    undecodable = api.post("forward_backward", content=bad_frame, headers={**headers, "Content-Encoding": "zstd"})
    assert undecodable.status_code == 400 and "cannot decode the zstd body" in undecodable.text, undecodable.text
    empty = api.post("forward_backward", content=b"{}", headers={**headers, "Content-Encoding": ""})
    assert empty.status_code == 422 and "content-encoding" in empty.text
    unknown_without_body = api.post("forward_backward", content=b"", headers={**headers, "Content-Encoding": "br"})
    assert unknown_without_body.status_code == 422 and "content-encoding" in unknown_without_body.text
    missing_body = api.post("forward_backward", content=b"", headers={**headers, "Content-Encoding": "zstd"})
    assert missing_body.status_code == 422 and "Field required" in missing_body.text


def test_sizes_no_machine_has_are_refused_before_anything_is_allocated(api: Api, session: str) -> None:
    body = {"session_id": session, "model_seq_id": 900, "base_model": TINY, "lora_config": {"rank": 10**9}}
    rank = api.post("create_model", body)
    assert rank.status_code == 400 and "lora_config.rank" in rank.text
    prompt = {"chunks": [{"type": "encoded_text", "tokens": TOKENS}]}
    sample = {"base_model": TINY, "prompt": prompt, "num_samples": 10**9, "sampling_params": {"max_tokens": 1}}
    samples = api.post("asample", sample)
    assert samples.status_code == 400 and "num_samples" in samples.text


@pytest.fixture
def session(api: Api) -> str:
    return api.session()


def test_shutdown_stops_a_queue_waiting_for_a_missing_seq_id(tmp_path: Path) -> None:
    """A model queue held at a seq_id gap used to wake after its timeout and write to the closed store."""

    async def scenario() -> list[BaseException | None]:
        app = create_app(ServerConfig(data_dir=tmp_path, api_keys=("tml-k",), seq_gap_timeout_seconds=0.3))
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app):  # its end closes the Service
            async with httpx.AsyncClient(
                transport=transport, base_url="http://local", headers={"X-API-Key": "tml-k"}
            ) as c:
                body = {"tags": [], "user_metadata": {}, "sdk_version": "t"}
                session_id = (await c.post("/api/v1/create_session", json=body)).json()["session_id"]
                body = {"session_id": session_id, "model_seq_id": 0, "base_model": TINY, "lora_config": {"rank": 2}}
                model_id = (await c.post("/api/v1/create_model", json=body)).json()["model_id"]
                ahead = {"model_id": model_id, "seq_id": 5, "adam_params": {"learning_rate": 0.1}}
                assert (await c.post("/api/v1/optim_step", json=ahead)).status_code == 200
            service: Service = app.state.service
            tasks = [slot.queue._task for slot in service.trainers.values()]
            assert tasks and all(task is not None and not task.done() for task in tasks)  # held at the gap
        await asyncio.sleep(0.6)  # past the gap timeout
        return [task.exception() if task is not None and task.done() else None for task in tasks]

    assert asyncio.run(scenario()) == [None]
