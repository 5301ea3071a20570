"""Authentication (401) and isolation between tenants: another tenant's objects are 404, except published
checkpoints, which others may read and load."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import TEXT, TINY, Api, datum, tokens_of


@pytest.fixture(scope="module")
def owned(api: Api) -> dict[str, Any]:
    session = api.session()
    model_id = api.model(session, seq=0)
    path = api.save(model_id, 1, "private")
    sampler = api.ok(
        api.post("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 0, "base_model": TINY})
    )["sampling_session_id"]
    future = api.ok(
        api.post(
            "asample",
            {
                "prompt": {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]},
                "sampling_session_id": sampler,
                "sampling_params": {"max_tokens": 1},
            },
        )
    )
    return {"session": session, "model_id": model_id, "path": path, "sampler": sampler, "future": future}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "tml-not-a-key"}, {"X-API-Key": ""}])
def test_missing_or_unknown_key_is_401(server: Any, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        for method, path in [
            ("POST", "/api/v1/create_session"),
            ("GET", "/api/v1/training_runs"),
            ("POST", "/api/v1/retrieve_future"),
            ("GET", "/api/v1/sessions"),
        ]:
            response = client.request(method, path, json={})
            assert response.status_code == 401, (method, path)
            reason = "unknown API key" if headers.get("X-API-Key") else "missing X-API-Key header"
            assert response.json() == {"detail": reason}
        # the key is read for every request (middleware), and refused only where the operation needs a tenant
        assert client.get("/api/v1/healthz").status_code == 200


def test_others_see_nothing_of_a_tenant(other: Api, owned: dict[str, Any]) -> None:
    model_id, session = owned["model_id"], owned["session"]
    assert other.get(f"sessions/{session}").status_code == 404
    assert session not in other.ok(other.get("sessions"))["sessions"]
    assert other.post("session_heartbeat", {"session_id": session}).status_code == 404
    assert other.get(f"training_runs/{model_id}").status_code == 404
    assert model_id not in {r["training_run_id"] for r in other.ok(other.get("training_runs"))["training_runs"]}
    assert other.get(f"training_runs/{model_id}/checkpoints").status_code == 404
    assert other.ok(other.get("checkpoints"))["checkpoints"] == []
    assert other.post("get_info", {"model_id": model_id}).status_code == 404
    assert other.get(f"samplers/{owned['sampler']}").status_code == 404
    assert other.post("retrieve_future", {"request_id": owned["future"]["request_id"]}).status_code == 404
    assert other.post("weights_info", {"tinker_path": owned["path"]}).status_code == 404


def test_others_cannot_train_sample_load_or_delete(other: Api, owned: dict[str, Any]) -> None:
    model_id = owned["model_id"]
    body = {
        "model_id": model_id,
        "seq_id": 99,
        "forward_backward_input": {"data": [datum(tokens_of(TEXT))], "loss_fn": "cross_entropy"},
    }
    assert other.post("forward_backward", body).status_code == 404
    assert other.post("optim_step", {"model_id": model_id, "adam_params": {}}).status_code == 404
    assert other.post("save_weights", {"model_id": model_id, "path": "mine"}).status_code == 404
    assert (
        other.post(
            "asample", {"prompt": {"chunks": []}, "sampling_params": {}, "sampling_session_id": owned["sampler"]}
        ).status_code
        == 404
    )
    assert (
        other.post(
            "asample", {"prompt": {"chunks": []}, "sampling_params": {}, "model_path": owned["path"]}
        ).status_code
        == 404
    )
    their_session = other.session()
    assert (
        other.post(
            "load_weights", {"session_id": their_session, "model_seq_id": 0, "path": owned["path"], "optimizer": False}
        ).status_code
        == 404
    )
    assert (
        other.post("create_model", {"session_id": owned["session"], "model_seq_id": 9, "base_model": TINY}).status_code
        == 404
    )
    base = f"/api/v1/training_runs/{model_id}/checkpoints/weights/private"
    assert other.client.delete(base).status_code == 404
    assert other.client.post(f"{base}/publish").status_code == 404
    assert other.client.put(f"{base}/ttl", json={"ttl_seconds": 5}).status_code == 404


def test_published_checkpoints_can_be_read_and_loaded_by_others(api: Api, other: Api, owned: dict[str, Any]) -> None:
    model_id = api.model(owned["session"], seq=1)
    path = api.save(model_id, 1, "shared")
    assert api.client.post(f"/api/v1/training_runs/{model_id}/checkpoints/weights/shared/publish").status_code == 204
    session = other.session()
    loaded = other.value(
        other.ok(
            other.post("load_weights", {"session_id": session, "model_seq_id": 0, "path": path, "optimizer": False})
        )
    )
    assert loaded["model_id"] == f"{session}:train:0"
    run = other.ok(other.get(f"training_runs/{model_id}", params={"access_scope": "accessible"}))
    assert run["training_run_id"] == model_id
    assert other.get(f"training_runs/{model_id}").status_code == 404
    assert [c["tinker_path"] for c in other.ok(other.get(f"training_runs/{model_id}/checkpoints"))["checkpoints"]] == [
        path
    ]
