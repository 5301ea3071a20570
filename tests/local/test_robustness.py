"""Request order, retries, revoked access and secrets: the cases that break a naive server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .helpers import TEXT, Api, datum, tokens_of

TOKENS = tokens_of(TEXT)


@pytest.fixture(scope="module")
def session(api: Api) -> str:
    return api.session()


def test_a_refused_request_out_of_order_does_not_hold_up_the_others(api: Api, session: str) -> None:
    model_id = api.model(session, seq=70)
    later = api.ok(api.post("optim_step", {"model_id": model_id, "seq_id": 3, "adam_params": {}}))
    bad = datum(TOKENS)
    bad["model_input"]["chunks"][0]["tokens"][0] = 99999
    refused = {"model_id": model_id, "seq_id": 2, "forward_backward_input": {"data": [bad], "loss_fn": "cross_entropy"}}
    assert api.post("forward_backward", refused).status_code == 400
    api.optim_step(model_id, 1)
    assert "metrics" in api.value(later)


def test_a_repeated_save_answers_the_first_future(api: Api, session: str) -> None:
    model_id = api.model(session, seq=71)
    body = {"model_id": model_id, "seq_id": 1, "path": "once"}
    first = api.ok(api.post("save_weights", body))
    assert api.ok(api.post("save_weights", body)) == first
    assert api.value(first)["path"].endswith("/weights/once")
    reused = api.post("save_weights", {"model_id": model_id, "seq_id": 1, "path": "other"})
    assert reused.status_code == 400
    assert api.save(model_id, 2, "other").endswith("/weights/other")


def test_names_that_differ_only_in_case_are_refused(api: Api, session: str) -> None:
    model_id = api.model(session, seq=72)
    api.save(model_id, 1, "Ckpt")
    clash = api.post("save_weights", {"model_id": model_id, "seq_id": 2, "path": "ckpt"})
    assert clash.status_code == 400 and "case" in clash.json()["detail"]


def test_unpublished_weights_stop_being_sampled_by_others(api: Api, other: Api, session: str) -> None:
    model_id = api.model(session, seq=73)
    path = api.save(model_id, 1, "shared", kind="save_weights_for_sampler")
    base = f"/api/v1/training_runs/{model_id}/checkpoints/sampler_weights/shared"
    assert api.client.post(f"{base}/publish").status_code == 204
    body = {
        "prompt": {"chunks": [{"type": "encoded_text", "tokens": [1, 2]}]},
        "model_path": path,
        "sampling_params": {"max_tokens": 2},
    }
    assert "sequences" in other.value(other.ok(other.post("asample", body)))
    assert api.client.delete(f"{base}/publish").status_code == 204
    assert other.post("asample", body).status_code == 404


def test_telemetry_keeps_no_key_even_inside_text(api: Api, data_dir: Path) -> None:
    event = {
        "event": "GENERIC_EVENT",
        "event_id": "e2",
        "event_session_index": 0,
        "severity": "ERROR",
        "timestamp": "2026-11-28T00:00:00Z",
        "event_name": "user_error",
        "event_data": {"message": "headers {'X-API-Key': 'tml-embedded-secret'} were sent"},
    }
    body = {"events": [event], "platform": "Linux", "sdk_version": "0.38.0", "session_id": "s2", "process_uuid": "p"}
    api.ok(api.post("telemetry", body))
    import sqlite3

    rows = sqlite3.connect(data_dir / "tinker-local.sqlite3").execute("SELECT batch FROM telemetry").fetchall()
    assert rows and not any("embedded-secret" in row[0] for row in rows)


def test_keys_stay_off_the_command_line(tmp_path: Path) -> None:
    from tinker.local import LocalServer

    with LocalServer(tmp_path, api_keys=("tml-secret-key",), subprocess=True) as server:
        assert server.process is not None
        command_line = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        assert b"tml-secret-key" not in command_line
        response = httpx.get(f"{server.base_url}/api/v1/sessions", headers={"X-API-Key": "tml-secret-key"})
        assert response.status_code == 200


def test_a_compressed_body_is_bounded_after_decompression(api: Api, server: object) -> None:
    import gzip

    limit = server.config.max_body_bytes  # type: ignore[attr-defined]
    bomb = gzip.compress(b"0" * (limit + 10))
    response = api.post(
        "forward_backward", content=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    assert response.status_code == 413
