"""Every operation of the local server over plain httpx: its happy path and at least one bad input.

All answers pass through a transport that checks them against the document (see conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse, urlsplit

import httpx
import numpy as np
import pytest

from tinker_api.proto import tinker_public_pb2 as pb

from .helpers import TEXT, TINY, Api, datum, proto_request, tokens_of

TOKENS = tokens_of(TEXT)


@pytest.fixture(scope="module")
def session(api: Api) -> str:
    return api.session()


@pytest.fixture(scope="module")
def trained(api: Api, session: str) -> dict[str, Any]:
    """A model with one training step and one saved state and sampler checkpoint."""
    model_id = api.model(session, seq=100)
    api.forward_backward(model_id, 1, [datum(TOKENS)])
    api.optim_step(model_id, 2)
    state = api.save(model_id, 3, "state-1")
    sampler = api.save(model_id, 4, "sampler-1", kind="save_weights_for_sampler")
    return {"model_id": model_id, "state": state, "sampler": sampler, "next_seq": 5}


def local_file(url: str) -> Path:
    assert url.startswith("file://")
    return Path(unquote(urlparse(url).path))


def detail(response: httpx.Response) -> str:
    return str(response.json()["detail"])


# --- service ------------------------------------------------------------------------------------------


def test_client_config_states_what_the_server_supports(api: Api) -> None:
    config = api.ok(api.post("client/config", {"sdk_version": "0.38.0"}))
    assert config["use_pyqwest_transport"] is False
    assert config["custom_loss_server_side"] is False
    assert config["pjwt_auth_enabled"] is False
    assert api.post("client/config", {}).status_code == 422


def test_dynamic_config(api: Api) -> None:
    assert api.ok(api.post("client/dynamic_config", {"sdk_version": "0.38.0"}))["refresh_interval_sec"] > 0
    assert api.post("client/dynamic_config", {"sdk_version": 3}).status_code == 422


def test_auth_token_is_a_key_this_server_accepts(api: Api, server: Any) -> None:
    jwt = api.ok(api.post("auth/token", {}))["jwt"]
    assert jwt.startswith("eyJ")
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": jwt}) as client:
        assert client.get("/api/v1/get_server_capabilities").status_code == 200
    forged = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB")
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": forged}) as client:
        assert client.get("/api/v1/get_server_capabilities").status_code == 401
    assert api.post("auth/token", {"unexpected": 1}).status_code == 422


def test_capabilities_and_health(api: Api, anonymous: httpx.Client) -> None:
    models = api.ok(api.get("get_server_capabilities"))["supported_models"]
    assert TINY in {m["model_name"] for m in models}
    assert all(m["max_context_length"] > 0 and m["vocab_size"] > 0 for m in models)
    assert anonymous.get("/api/v1/healthz").json() == {"status": "ok"}
    assert anonymous.get("/api/v1/get_server_capabilities").status_code == 401


def test_openapi_json_is_the_hand_kept_document(server: Any, document: dict[str, Any]) -> None:
    assert httpx.get(f"{server.base_url}/openapi.json").json() == document


def test_telemetry_is_stored_without_credentials(api: Api, data_dir: Path) -> None:
    event = {
        "event": "GENERIC_EVENT",
        "event_id": "e1",
        "event_session_index": 0,
        "severity": "ERROR",
        "timestamp": "2026-11-28T00:00:00Z",
        "event_name": "user_error",
        "event_data": {"request_headers": {"X-API-Key": "tml-secret-value"}, "note": "tml-another-secret"},
    }
    body = {"events": [event], "platform": "Linux", "sdk_version": "0.38.0", "session_id": "s", "process_uuid": "p"}
    assert api.ok(api.post("telemetry", body)) == {"status": "accepted"}
    import sqlite3

    stored = sqlite3.connect(data_dir / "tinker-local.sqlite3").execute("SELECT batch FROM telemetry").fetchall()
    assert stored and all("secret" not in row[0] for row in stored)
    assert api.post("telemetry", {**body, "events": [{"event": "NOPE"}]}).status_code == 422


def test_api_key_info(api: Api, anonymous: httpx.Client) -> None:
    info = api.ok(api.get("auth/apikey/me"))
    assert info["details"]["user_details"]["email"].endswith("@localhost")
    assert anonymous.get("/api/v1/auth/apikey/me").status_code == 401


def test_delete_api_key_revokes_it(tmp_path: Path, recorder: httpx.BaseTransport) -> None:
    from tinker.local import LocalServer

    key = "tml-short-lived"
    with (
        LocalServer(tmp_path, api_keys=(key,)) as server,
        httpx.Client(base_url=server.base_url, headers={"X-API-Key": key}, transport=recorder) as client,
    ):
        assert client.delete("/api/v1/auth/apikey/me").status_code == 204
        assert client.get("/api/v1/auth/apikey/me").status_code == 401


def test_audit_log_records_checkpoint_events(api: Api, trained: dict[str, Any]) -> None:
    entries = api.ok(api.get("audit", params={"event_type": "checkpoints"}))["entries"]
    assert any(e["event_details"].get("tinker_path") == trained["state"] for e in entries)
    assert api.get("audit", params={"event_type": "everything"}).status_code == 422
    assert api.get("audit", params={"day": "not-a-day"}).status_code == 422


def test_billing_usage_is_empty_and_checks_its_window(api: Api) -> None:
    window = {"starting_on": "2026-11-01T00:00:00Z", "ending_before": "2026-11-02T00:00:00Z"}
    assert api.ok(api.get("billing/usage/events", params=window))["data"] == []
    off_the_hour = {"starting_on": "2026-11-01T00:30:00Z", "ending_before": "2026-11-02T00:00:00Z"}
    assert api.get("billing/usage/events", params=off_the_hour).status_code == 422  # the document's pattern
    half_hour_zone = {"starting_on": "2026-11-01T05:00:00+05:30", "ending_before": "2026-11-02T00:00:00Z"}
    assert api.get("billing/usage/events", params=half_hour_zone).status_code == 422
    year_zero = {"starting_on": "0000-01-01T00:00:00Z", "ending_before": "2026-11-02T00:00:00Z"}
    assert api.get("billing/usage/events", params=year_zero).status_code == 422  # RFC 3339 has it; dates do not
    # windows the hosted service refuses (longer than 14 days, empty, backwards) hold no usage here
    for start, end in [("2026-10-01", "2026-11-02"), ("2026-11-01", "2026-11-01"), ("2026-11-02", "2026-11-01")]:
        params = {"starting_on": f"{start}T00:00:00Z", "ending_before": f"{end}T00:00:00+00:00"}
        assert api.ok(api.get("billing/usage/events", params=params))["data"] == []


def test_checkpoint_storage_usage_counts_real_files(api: Api, trained: dict[str, Any]) -> None:
    item = api.ok(api.get("billing/usage/checkpoints/current"))["data"][0]
    assert item["checkpoint_count"] >= 2 and item["size_bytes"] > 0
    assert api.get("billing/usage/checkpoints/current", params={"project_id": ""}).status_code in (200, 422)


# --- sessions -----------------------------------------------------------------------------------------


def test_session_lifecycle(api: Api) -> None:
    body = {"tags": ["b", "a"], "user_metadata": {"k": "v"}, "sdk_version": "t", "display_name": "run one"}
    session_id = api.ok(api.post("create_session", body))["session_id"]
    assert api.ok(api.post("session_heartbeat", {"session_id": session_id}))["type"] == "session_heartbeat"
    assert session_id in api.ok(api.get("sessions", params={"limit": 1000}))["sessions"]
    assert api.ok(api.get(f"sessions/{session_id}"))["user_metadata"] == {"k": "v"}
    assert api.client.put(f"/api/v1/sessions/{session_id}/project", json={"project_id": "p1"}).status_code == 204
    found = api.ok(api.post("sessions/search", {"project_ids": ["p1"]}))["sessions"]
    assert [s["session_id"] for s in found] == [session_id]
    assert found[0]["display_name"] == "run one" and found[0]["status"]["type"] == "active"
    trace = api.ok(api.get(f"sessions/{session_id}/trace_export"))
    assert trace["status"] == "ready" and "traceEvents" in httpx.get(trace["url"]).json()
    finish = {"reason": {"type": "success"}, "detail": None}
    assert api.post(f"sessions/{session_id}/finish", finish).status_code == 204
    assert api.post("session_heartbeat", {"session_id": session_id}).status_code == 410
    found = api.ok(api.post("sessions/search", {"session_id": session_id}))["sessions"]
    assert found[0]["status"]["type"] == "client_finished"


def test_session_bad_inputs(api: Api) -> None:
    assert api.post("create_session", {"tags": "x", "user_metadata": {}, "sdk_version": "t"}).status_code == 422
    assert api.post("session_heartbeat", {"session_id": "no-such-session"}).status_code == 404
    assert api.get("sessions", params={"limit": "many"}).status_code == 422
    assert api.post("sessions/search", {"limit": 0}).status_code == 422
    assert api.get("sessions/no-such-session").status_code == 404
    assert api.client.put("/api/v1/sessions/nope/project", json={"project_id": "p"}).status_code == 404
    assert api.get("sessions/nope/trace_export").status_code == 404
    assert api.post("sessions/nope/finish", {"reason": {"type": "bogus"}, "detail": None}).status_code == 422


def test_search_pages_with_a_cursor(api: Api) -> None:
    metadata = {"batch": "paging"}
    ids = {
        api.ok(api.post("create_session", {"tags": [], "user_metadata": metadata, "sdk_version": "t"}))["session_id"]
        for _ in range(3)
    }
    first = api.ok(api.post("sessions/search", {"user_metadata": metadata, "limit": 2}))
    second = api.ok(
        api.post("sessions/search", {"user_metadata": metadata, "limit": 2, "cursor": first["next_cursor"]})
    )
    assert {s["session_id"] for s in first["sessions"] + second["sessions"]} == ids
    assert "next_cursor" not in second


# --- training -----------------------------------------------------------------------------------------


def test_create_model_and_get_info(api: Api, session: str, data_dir: Path) -> None:
    model_id = api.model(session, seq=1, rank=4)
    assert model_id == f"{session}:train:1"
    info = api.ok(api.post("get_info", {"model_id": model_id}))
    tokenizer_folder = data_dir / "tokenizers" / "tinker-local" / "byte"  # see test_tokenizer_folder.py
    assert info["model_data"]["model_name"] == TINY and info["model_data"]["tokenizer_id"] == str(tokenizer_folder)
    assert info["lora_rank"] == 4 and info["is_lora"] is True


def test_create_model_bad_inputs(api: Api, session: str) -> None:
    base = {"session_id": session, "model_seq_id": 2, "base_model": TINY, "lora_config": {"rank": 4}}
    assert "base_model" in detail(api.post("create_model", {**base, "base_model": "no/such-model"}))
    assert api.post("create_model", {**base, "lora_config": {"rank": 0}}).status_code == 422  # the schema's minimum
    assert api.post("create_model", {**base, "model_seq_id": "two"}).status_code == 422
    assert api.post("create_model", {**base, "session_id": "nope"}).status_code == 404
    assert api.post("get_info", {"model_id": "nope:train:0"}).status_code == 404


def test_create_model_resubmitted_answers_the_same_future(api: Api, session: str) -> None:
    body = {"session_id": session, "model_seq_id": 3, "base_model": TINY, "lora_config": {"rank": 4}}
    first = api.ok(api.post("create_model", body))
    assert api.ok(api.post("create_model", body)) == first
    api.value(first)
    changed = api.post("create_model", {**body, "lora_config": {"rank": 8}})
    assert changed.status_code == 400 and "model_seq_id" in detail(changed)


def test_forward_backward_json_and_protobuf_agree(api: Api, session: str) -> None:
    json_model = api.model(session, seq=10, seed=3)
    proto_model = api.model(session, seq=11, seed=3)
    by_json = api.forward_backward(json_model, 1, [datum(TOKENS)])
    future = api.ok(
        api.post(
            "forward_backward",
            content=proto_request(proto_model, 1, TOKENS),
            headers={"Content-Type": "application/x-protobuf"},
        )
    )
    response = api.result(future, accept="application/x-protobuf")
    assert response.headers["content-type"] == "application/x-protobuf"
    output = pb.ForwardBackwardOutput.FromString(response.content)
    assert output.metrics["loss:sum"] == pytest.approx(by_json["metrics"]["loss:sum"], rel=1e-6)
    field = output.loss_fn_outputs[0].fields["logprobs"]
    logprobs = np.frombuffer(field.data, dtype="<f4")
    assert np.frombuffer(field.offsets, dtype="<i8").tolist() == [0, logprobs.nbytes]
    np.testing.assert_allclose(logprobs, by_json["loss_fn_outputs"][0]["logprobs"]["data"], rtol=1e-6)
    assert by_json["metrics"]["loss:sum"] == pytest.approx(-float(logprobs.sum()), rel=1e-5)


def test_forward_is_forward_only(api: Api, session: str) -> None:
    model_id = api.model(session, seq=12)
    body = {"model_id": model_id, "seq_id": 1, "forward_input": {"data": [datum(TOKENS)], "loss_fn": "cross_entropy"}}
    first = api.value(api.ok(api.post("forward", body)))
    api.optim_step(model_id, 2, lr=0.5)
    again = api.value(api.ok(api.post("forward", {**body, "seq_id": 3})))
    assert again["metrics"]["loss:sum"] == first["metrics"]["loss:sum"]
    assert (
        api.post(
            "forward", {**body, "forward_input": {"data": [], "loss_fn": "cross_entropy"}, "seq_id": 4}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["forward_backward_input"].update(loss_fn="mystery"), "loss_fn"),
        (lambda d: d["forward_backward_input"].update(loss_fn="stable_reinforce"), "loss_fn"),
        (
            lambda d: d["forward_backward_input"]["data"][0]["model_input"]["chunks"][0].update(tokens=[1, 99999]),
            "model_input",
        ),
        (
            lambda d: d["forward_backward_input"]["data"][0]["loss_fn_inputs"]["weights"].update(data=[1.0], shape=[1]),
            "weights",
        ),
        (
            lambda d: d["forward_backward_input"]["data"][0]["loss_fn_inputs"]["target_tokens"].update(
                dtype="float32", data=[0.5] * 42
            ),
            "target_tokens",
        ),
        (
            lambda d: d["forward_backward_input"]["data"][0]["model_input"]["chunks"].append(
                {"type": "image", "data": "AAAA", "format": "png", "expected_tokens": 1}
            ),
            "image",
        ),
        (lambda d: d["forward_backward_input"].update(loss_fn_config={"clip_low_threshold": False}), "loss_fn_config"),
        (lambda d: d.update(seq_id="one"), "seq_id"),
    ],
)
def test_forward_backward_bad_inputs_name_the_field(api: Api, trained: dict[str, Any], change: Any, field: str) -> None:
    body = {
        "model_id": trained["model_id"],
        "forward_backward_input": {"data": [datum(TOKENS)], "loss_fn": "cross_entropy"},
    }
    change(body)
    response = api.post("forward_backward", body)
    assert response.status_code in (400, 422), response.text
    assert field in response.text


def test_forward_backward_protobuf_bad_inputs(api: Api, trained: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/x-protobuf"}
    garbage = api.post("forward_backward", content=b"\xff\xff\xff", headers=headers)
    assert garbage.status_code == 422 and "protobuf" in detail(garbage)  # not the declared message: a broken body
    unknown = api.post("forward_backward", content=proto_request("nope:train:0", 1, TOKENS), headers=headers)
    assert unknown.status_code == 404


def test_oversized_body_is_413(api: Api, session: str, server: Any) -> None:
    limit = server.config.max_body_bytes
    response = api.post("forward_backward", content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_malformed_json_is_422_with_location(api: Api) -> None:
    response = api.client.post(
        "/api/v1/create_session", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_optim_step_bad_inputs(api: Api, trained: dict[str, Any]) -> None:
    body = {"model_id": trained["model_id"], "adam_params": {"learning_rate": -1.0}}
    assert "learning_rate" in detail(api.post("optim_step", body))
    assert api.post("optim_step", {**body, "adam_params": {"beta1": "high"}}).status_code == 422
    dimuon = {**body, "adam_params": None, "optimizer_params": {"type": "dimuon", "learning_rate": 0.1}}
    del dimuon["adam_params"]
    assert "adamw" in detail(api.post("optim_step", dimuon))


def test_seq_id_reuse_with_another_payload_is_400(api: Api, session: str) -> None:
    model_id = api.model(session, seq=13)
    body = {"model_id": model_id, "seq_id": 1, "adam_params": {"learning_rate": 0.001}}
    first = api.ok(api.post("optim_step", body))
    assert api.ok(api.post("optim_step", body)) == first
    clash = api.post("optim_step", {**body, "adam_params": {"learning_rate": 0.002}})
    assert clash.status_code == 400 and "seq_id" in detail(clash)
    api.value(first)


def test_requests_run_in_seq_id_order(api: Api, session: str) -> None:
    model_id = api.model(session, seq=14, seed=5)
    reference = api.model(session, seq=15, seed=5)
    later = api.ok(
        api.post(
            "forward",
            {"model_id": model_id, "seq_id": 2, "forward_input": {"data": [datum(TOKENS)], "loss_fn": "cross_entropy"}},
        )
    )
    api.ok(api.post("optim_step", {"model_id": model_id, "seq_id": 1, "adam_params": {"learning_rate": 0.1}}))
    api.optim_step(reference, 1, lr=0.1)
    expected = api.forward_backward(reference, 2, [datum(TOKENS)])
    assert api.value(later)["metrics"]["loss:sum"] == pytest.approx(expected["metrics"]["loss:sum"], rel=1e-6)


def test_a_gap_in_seq_ids_fails_clearly(api: Api, session: str) -> None:
    model_id = api.model(session, seq=16)
    waiting = api.ok(api.post("optim_step", {"model_id": model_id, "seq_id": 3, "adam_params": {}}))
    failure = api.ok(api.result(waiting))
    assert failure["category"] == "user" and "seq_id 1 never arrived" in failure["error"]


def test_save_and_load_weights(api: Api, session: str, trained: dict[str, Any]) -> None:
    assert trained["state"] == f"tinker://{trained['model_id']}/weights/state-1"
    assert trained["sampler"] == f"tinker://{trained['model_id']}/sampler_weights/sampler-1"
    info = api.ok(api.post("weights_info", {"tinker_path": trained["state"]}))
    assert info == {
        "base_model": TINY,
        "is_lora": True,
        "lora_rank": 8,
        "train_unembed": True,
        "train_mlp": True,
        "train_attn": True,
        "optimizer_config": {"type": "adamw"},
    }
    target = api.model(session, seq=20)
    loaded = api.value(
        api.ok(api.post("load_weights", {"model_id": target, "seq_id": 1, "path": trained["state"], "optimizer": True}))
    )
    assert loaded["model_id"] == target and loaded["path"] == trained["state"]
    via_load = api.value(
        api.ok(
            api.post(
                "load_weights",
                {"session_id": session, "model_seq_id": 21, "path": trained["state"], "optimizer": False},
            )
        )
    )
    assert via_load["model_id"] == f"{session}:train:21"
    first = api.forward_backward(target, 2, [datum(TOKENS)])["metrics"]["loss:sum"]
    second = api.forward_backward(via_load["model_id"], 1, [datum(TOKENS)])["metrics"]["loss:sum"]
    assert first == second


def test_save_and_load_bad_inputs(api: Api, session: str, trained: dict[str, Any]) -> None:
    # no seq_id: refused requests with one would use it up, and these tests leave the model's order alone
    model_id = trained["model_id"]
    clash = api.post("save_weights", {"model_id": model_id, "path": "state-1"})
    assert clash.status_code == 400 and "overwrite" in detail(clash)
    assert api.post("save_weights", {"model_id": model_id, "path": "a/b"}).status_code == 422  # the name's pattern
    assert api.post("save_weights", {"model_id": model_id, "ttl_seconds": "soon"}).status_code == 422
    sampler_opt = {"session_id": session, "model_seq_id": 22, "path": trained["sampler"], "optimizer": True}
    assert "optimizer" in detail(api.post("load_weights", sampler_opt))
    assert api.post("load_weights", {"model_id": model_id, "path": "weights/x", "optimizer": False}).status_code == 422
    missing = f"tinker://{model_id}/weights/missing"
    assert api.post("load_weights", {"model_id": model_id, "path": missing, "optimizer": False}).status_code == 404
    assert api.post("weights_info", {"tinker_path": missing}).status_code == 404
    both = {"model_id": model_id, "path": "x", "sampling_session_seq_id": 1}
    assert api.post("save_weights_for_sampler", both).status_code == 422  # the document's if/then
    assert api.post("save_weights_for_sampler", {"model_id": model_id}).status_code == 422


def test_overwrite_replaces_a_checkpoint(api: Api, session: str) -> None:
    model_id = api.model(session, seq=23)
    api.save(model_id, 1, "same")
    assert api.post("save_weights", {"model_id": model_id, "seq_id": 2, "path": "same"}).status_code == 400
    assert api.save(model_id, 3, "same", overwrite=True).endswith("/weights/same")


def test_unload_model(api: Api, session: str) -> None:
    model_id = api.model(session, seq=24)
    assert api.value(api.ok(api.post("unload_model", {"model_id": model_id})))["model_id"] == model_id
    assert api.post("optim_step", {"model_id": model_id, "adam_params": {}}).status_code == 400
    assert api.post("unload_model", {"model_id": model_id}).status_code == 400
    assert api.post("unload_model", {"model_id": 5}).status_code == 422


def test_custom_loss_is_refused_clearly(api: Api, session: str) -> None:
    body = {
        "session_id": session,
        "custom_loss_seq_id": 0,
        "name": "mine",
        "inputs": [{"name": "w", "rank": 1}],
        "graph": {"format": 1, "nodes": [{"op": "output", "name": "out", "target": "output"}]},
    }
    response = api.post("create_custom_loss", body)
    assert response.status_code == 400 and "client-side" in detail(response)
    assert api.post("create_custom_loss", {"session_id": session}).status_code == 422


def test_save_weights_external_and_copy_weights(api: Api, session: str, trained: dict[str, Any]) -> None:
    model_id = trained["model_id"]
    body = {"model_id": model_id, "seq_id": trained["next_seq"], "path": "export-1"}
    exported = api.value(api.ok(api.post("save_weights_external", body)))
    assert exported["path"] == f"tinker://{model_id}/external_weights/export-1" and exported["size_bytes"] > 0
    assert (
        api.post(
            "save_weights_external", {"model_id": model_id, "path": "x", "age_encryption_recipients": ["age1"]}
        ).status_code
        == 400
    )
    copied = api.ok(
        api.post("copy_weights", {"source_path": trained["state"], "session_id": session, "model_seq_id": 30})
    )
    assert copied["tinker_path"] == f"tinker://{session}:train:30/weights/state-1"
    assert api.ok(api.post("weights_info", {"tinker_path": copied["tinker_path"]}))["lora_rank"] == 8
    assert api.post("copy_weights", {"source_path": "tinker://nope/weights/x"}).status_code == 404


# --- sampling -----------------------------------------------------------------------------------------


def _sample_body(**extra: Any) -> dict[str, Any]:
    return {
        "prompt": {"chunks": [{"type": "encoded_text", "tokens": TOKENS[:5]}]},
        "sampling_params": {"max_tokens": 6, "temperature": 0.0, "top_k": -1, "top_p": 1.0},
        "num_samples": 2,
        "topk_prompt_logprobs": 0,
        **extra,
    }


def test_sampling_sessions_and_asample(api: Api, session: str, trained: dict[str, Any]) -> None:
    sampler_id = api.ok(
        api.post(
            "create_sampling_session",
            {"session_id": session, "sampling_session_seq_id": 0, "model_path": trained["sampler"]},
        )
    )["sampling_session_id"]
    assert sampler_id == f"{session}:sample:0"
    assert api.ok(api.get(f"samplers/{sampler_id}")) == {
        "sampler_id": sampler_id,
        "base_model": TINY,
        "model_path": trained["sampler"],
    }
    future = api.ok(
        api.post(
            "asample",
            _sample_body(sampling_session_id=sampler_id, seq_id=0, prompt_logprobs=True, topk_prompt_logprobs=2),
        )
    )
    assert future["sample_sequence_ids"] == [f"{future['request_id']}:0", f"{future['request_id']}:1"]
    result = api.value(future)
    assert [len(s["tokens"]) for s in result["sequences"]] == [6, 6]
    assert result["sequences"][0]["tokens"] == result["sequences"][1]["tokens"]
    assert result["prompt_logprobs"][0] is None and len(result["prompt_logprobs"]) == 5
    assert result["topk_prompt_logprobs"][0] is None and len(result["topk_prompt_logprobs"][1]) == 2
    proto = api.result(future, accept="application/x-protobuf")
    message = pb.SampleResponse.FromString(proto.content)
    assert np.frombuffer(message.sequences[0].tokens, dtype="<i4").tolist() == result["sequences"][0]["tokens"]
    assert np.isnan(np.frombuffer(message.prompt_logprobs, dtype="<f4")[0])


def test_sampling_from_a_base_model_and_a_path(api: Api, session: str, trained: dict[str, Any]) -> None:
    base = api.value(api.ok(api.post("asample", _sample_body(base_model=TINY))))
    tuned = api.value(api.ok(api.post("asample", _sample_body(model_path=trained["sampler"]))))
    assert len(base["sequences"]) == len(tuned["sequences"]) == 2


def test_ephemeral_sampler_keeps_the_weights_it_was_saved_with(api: Api, session: str) -> None:
    model_id = api.model(session, seq=40, seed=1)
    saved = api.value(
        api.ok(api.post("save_weights_for_sampler", {"model_id": model_id, "seq_id": 1, "sampling_session_seq_id": 7}))
    )
    assert saved["sampling_session_id"] == f"{session}:sample:7"
    before = api.value(api.ok(api.post("asample", _sample_body(sampling_session_id=saved["sampling_session_id"]))))
    for seq in range(2, 12, 2):
        api.forward_backward(model_id, seq, [datum(TOKENS)])
        api.optim_step(model_id, seq + 1, lr=0.05)
    after = api.value(api.ok(api.post("asample", _sample_body(sampling_session_id=saved["sampling_session_id"]))))
    assert [s["tokens"] for s in after["sequences"]] == [s["tokens"] for s in before["sequences"]]
    assert [s["logprobs"] for s in after["sequences"]] == [s["logprobs"] for s in before["sequences"]]


def test_sampling_bad_inputs(api: Api, session: str) -> None:
    sampler_id = api.ok(
        api.post("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 1, "base_model": TINY})
    )["sampling_session_id"]
    assert (
        api.post(
            "create_sampling_session", {"session_id": session, "sampling_session_seq_id": 2, "model_path": "weights/x"}
        ).status_code
        == 422  # not a tinker path: the document's pattern
    )
    assert (
        api.post(
            "create_sampling_session", {"session_id": session, "sampling_session_seq_id": 3, "base_model": "nope"}
        ).status_code
        == 400
    )
    # naming nothing to sample from breaks the document's if/then: 422
    no_target = {"session_id": session, "sampling_session_seq_id": 5}
    assert api.post("create_sampling_session", no_target).status_code == 422
    assert api.post("asample", _sample_body()).status_code == 422
    bad_token = _sample_body(sampling_session_id=sampler_id)
    bad_token["prompt"]["chunks"][0]["tokens"] = [70000]
    assert "prompt" in detail(api.post("asample", bad_token))
    assert api.post("asample", _sample_body(sampling_session_id=sampler_id, num_samples=0)).status_code == 422
    assert api.post("asample", _sample_body(sampling_session_id="nope:sample:0")).status_code == 404
    assert api.post("asample", {"prompt": {"chunks": []}}).status_code == 422
    image = _sample_body(sampling_session_id=sampler_id)
    image["prompt"]["chunks"] = [{"type": "image", "data": "AAAA", "format": "png", "expected_tokens": 1}]
    assert "image" in detail(api.post("asample", image))
    assert api.get("samplers/nope:sample:0").status_code == 404


def test_join_sampling_session_counts_clients(api: Api, session: str) -> None:
    sampler_id = api.ok(
        api.post("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 4, "base_model": TINY})
    )["sampling_session_id"]
    first = api.ok(api.post("join_sampling_session", {"sampling_session_id": sampler_id}))["client_counter"]
    assert api.ok(api.post("join_sampling_session", {"sampling_session_id": sampler_id}))["client_counter"] == first + 1
    assert api.post("join_sampling_session", {"sampling_session_id": "nope:sample:9"}).status_code == 404


def test_retrieve_futures_and_cancel(api: Api, session: str) -> None:
    sampler_id = api.ok(
        api.post("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 5, "base_model": TINY})
    )["sampling_session_id"]
    future = api.ok(api.post("asample", _sample_body(sampling_session_id=sampler_id)))
    polled = api.ok(
        api.post("retrieve_futures", {"target": {"type": "sampling_session", "sampling_session_id": sampler_id}})
    )
    assert polled["completions"][0]["request_id"] == future["request_id"] and polled["cursor"] == 1
    assert api.post("retrieve_futures", {"target": {"sampling_session_id": 5}}).status_code == 422
    assert api.post("cancel_future", {"request_id": future["request_id"]}).status_code == 204
    assert api.post("cancel_future", {"request_id": "nope"}).status_code == 404


def test_a_result_says_the_engines_time_on_it(api: Api, session: str) -> None:
    model = api.model(session, seq=41)
    body = {"model_id": model, "forward_input": {"data": [datum(TOKENS)], "loss_fn": "cross_entropy"}}
    future = api.ok(api.post("forward", body))
    for accept in ("application/json", "application/x-protobuf"):
        timing = api.result(future, accept).headers["server-timing"]
        name, duration = timing.split(";dur=")
        assert name == "engine" and float(duration) > 0


def test_retrieve_future_unknown_is_404(api: Api) -> None:
    assert api.post("retrieve_future", {"request_id": "nope:1"}).status_code == 404
    assert api.post("retrieve_future", {"request_id": 1}).status_code == 422


# --- training runs and checkpoints -------------------------------------------------------------------


def test_training_runs_and_checkpoints(api: Api, trained: dict[str, Any]) -> None:
    model_id = trained["model_id"]
    runs = api.ok(api.get("training_runs", params={"limit": 1000}))
    assert model_id in {r["training_run_id"] for r in runs["training_runs"]}
    assert runs["cursor"]["total_count"] >= 1
    run = api.ok(api.get(f"training_runs/{model_id}"))
    assert run["last_checkpoint"]["tinker_path"] == trained["state"]
    assert run["last_sampler_checkpoint"]["tinker_path"] == trained["sampler"]
    checkpoints = api.ok(api.get(f"training_runs/{model_id}/checkpoints"))["checkpoints"]
    assert {c["checkpoint_id"] for c in checkpoints} >= {"weights/state-1", "sampler_weights/sampler-1"}
    mine = api.ok(api.get("checkpoints", params={"limit": 1000}))["checkpoints"]
    assert trained["state"] in {c["tinker_path"] for c in mine}
    assert api.get("training_runs", params={"limit": -1}).status_code == 422
    assert api.get("training_runs", params={"access_scope": "everyone"}).status_code == 422
    assert api.get("training_runs/nope:train:0").status_code == 404
    assert api.get("training_runs/nope:train:0/checkpoints").status_code == 404
    assert api.get("checkpoints", params={"offset": "x"}).status_code == 422


def test_ids_work_raw_and_percent_encoded(api: Api, trained: dict[str, Any]) -> None:
    model_id = trained["model_id"]
    encoded = quote(model_id, safe="")
    assert api.client.get(f"/api/v1/training_runs/{encoded}").json()["training_run_id"] == model_id
    one_segment = quote("weights/state-1", safe="")
    response = api.client.get(f"/api/v1/training_runs/{encoded}/checkpoints/{one_segment}/external_weights_urls")
    assert response.status_code == 200, response.text


def test_checkpoint_urls(api: Api, trained: dict[str, Any]) -> None:
    base = f"training_runs/{trained['model_id']}/checkpoints/weights/state-1"
    archive = api.ok(api.get(f"{base}/archive"))
    assert local_file(archive["url"]).exists()
    # a PEFT adapter folder served over HTTP (tests/local/test_checkpoint_files.py fetches it)
    urls = api.ok(api.get(f"{base}/external_weights_urls"))["urls"]
    assert sorted(urls) == ["adapter_config.json", "adapter_model.safetensors"]
    assert all(urlsplit(url).scheme == "http" and "/files/" in urlsplit(url).path for url in urls.values())
    assert api.get(f"training_runs/{trained['model_id']}/checkpoints/bogus/state-1/archive").status_code == 422
    assert api.get(f"training_runs/{trained['model_id']}/checkpoints/weights/missing/archive").status_code == 404


def test_publish_ttl_and_delete(api: Api, other: Api, session: str) -> None:
    model_id = api.model(session, seq=50)
    path = api.save(model_id, 1, "to-share")
    base = f"/api/v1/training_runs/{model_id}/checkpoints/weights/to-share"
    assert other.post("weights_info", {"tinker_path": path}).status_code == 404
    assert api.client.post(f"{base}/publish").status_code == 204
    assert api.client.post(f"{base}/publish").status_code == 204
    assert other.ok(other.post("weights_info", {"tinker_path": path}))["base_model"] == TINY
    assert other.client.delete(base).status_code == 404
    assert api.client.delete(f"{base}/publish").status_code == 204
    assert api.client.delete(f"{base}/publish").status_code == 204
    assert other.post("weights_info", {"tinker_path": path}).status_code == 404
    assert api.client.put(f"{base}/ttl", json={"ttl_seconds": 0}).status_code == 422
    assert api.client.put(f"{base}/ttl", json={"ttl_seconds": "x"}).status_code == 422
    assert api.client.put(f"{base}/ttl", json={"ttl_seconds": None}).status_code == 204
    checkpoint = api.ok(api.get(f"training_runs/{model_id}/checkpoints"))["checkpoints"][0]
    assert "expires_at" not in checkpoint
    file = local_file(api.ok(api.get(f"training_runs/{model_id}/checkpoints/weights/to-share/archive"))["url"])
    assert api.client.delete(base).status_code == 204
    assert not file.exists()
    assert api.client.delete(base).status_code == 404
    assert api.client.post(f"{base}/publish").status_code == 404


def test_ttl_expires_a_checkpoint(api: Api, session: str) -> None:
    import time

    model_id = api.model(session, seq=51)
    path = api.save(model_id, 1, "short", ttl_seconds=1)
    assert api.ok(api.post("weights_info", {"tinker_path": path}))
    time.sleep(1.2)
    assert api.post("weights_info", {"tinker_path": path}).status_code == 404
    assert api.ok(api.get(f"training_runs/{model_id}/checkpoints"))["checkpoints"] == []


def test_a_refused_request_uses_up_its_seq_id(api: Api, session: str) -> None:
    model_id = api.model(session, seq=60)
    refused = {"model_id": model_id, "seq_id": 1, "optimizer_params": {"learning_rate": 0.1}}  # not adamw: a 400
    assert api.post("optim_step", refused).status_code == 400
    bad_tokens = datum(TOKENS)
    bad_tokens["model_input"]["chunks"][0]["tokens"][0] = 99999
    body = {
        "model_id": model_id,
        "seq_id": 2,
        "forward_backward_input": {"data": [bad_tokens], "loss_fn": "cross_entropy"},
    }
    assert api.post("forward_backward", body).status_code == 400
    assert api.optim_step(model_id, 3)["metrics"] is not None


def test_stream_sample_sends_server_sent_events(api: Api) -> None:
    body = _sample_body(base_model=TINY, num_samples=1)
    with api.client.stream("POST", "/api/v1/stream_sample", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    assert text.count("event: token") == 6 and text.count("event: done") == 1
    assert api.post("stream_sample", {**body, "base_model": "nope"}).status_code == 400
    assert api.post("stream_sample", {"prompt": {"chunks": []}}).status_code == 422
