"""The local server's /metrics (Prometheus) and JSON access logs (issue 19)."""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

import tinker
from tinker import types
from tinker.lib._loop import io_loop
from tinker.local import LocalServer
from tinker.local._observability import JsonFormatter, Operations

KEY = "tml-observability"
TINY = "tinker-local/tiny"


def datum(text: str) -> types.Datum:
    tokens = [*text.encode(), 256]
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),
            "weights": types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32)),
        },
    )


class Wire(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, int]] = []
        self.operations = Operations()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.seen.append((self.operations.of(request.method, request.url.path), response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def scrape(server: LocalServer, **headers: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = httpx.get(server.base_url.rstrip("/") + "/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = collections.defaultdict(dict)
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_metrics_count_the_requests_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_TELEMETRY", "1")  # the reporter's requests are counted too, as any other
    wire = Wire()
    http = httpx.AsyncClient(transport=wire)
    with LocalServer(tmp_path, api_keys=(KEY,)) as server:
        refused = httpx.get(server.base_url.rstrip("/") + "/metrics")
        assert refused.status_code == 401 and "--metrics-public" in refused.json()["detail"]
        with tinker.ServiceClient(base_url=server.base_url, api_key=KEY, http_client=http) as service:
            training = service.create_lora_training_client(TINY, rank=4, seed=0).result()
            data = [datum("the cat sat on the mat"), datum("a dog")]
            training.forward_backward(data, "cross_entropy").result()
            training.optim_step(types.AdamParams(learning_rate=1e-3)).result()
            sampler = training.save_weights_and_get_sampling_client("observed").result()
            sampler.sample(types.ModelInput.from_ints([*b"the "]), 2, types.SamplingParams(max_tokens=4)).result()
            during = scrape(server, **{"X-API-Key": KEY})
        io_loop().submit(http.aclose()).result()
        after = scrape(server, **{"X-API-Key": KEY})

    # every request the SDK made, by operation and status, is a request the server counted
    made = collections.Counter(wire.seen)
    counted = {
        (labels["operation"], int(labels["status"])): value
        for key, value in after["tinker_server_requests_total"].items()
        for labels in [dict(key)]
        if labels["operation"] != "metrics"
    }
    assert counted == made
    assert after["tinker_server_requests_total"][(("operation", "metrics"), ("status", "401"))] == 1
    assert after["tinker_server_requests_total"][(("operation", "metrics"), ("status", "200"))] == 1  # the first
    latency = after["tinker_server_request_duration_seconds_count"]
    assert latency[(("operation", "forward_backward"),)] == made[("forward_backward", 200)]
    assert "send_telemetry" in {operation for operation, _ in made}

    # the engine: time per step and tokens (the positions scored: one per target token; the tokens sampled)
    assert after["tinker_server_engine_step_seconds_count"][(("kind", "forward_backward"),)] == 1
    assert after["tinker_server_engine_seconds_total"][(("kind", "forward_backward"),)] > 0
    assert after["tinker_server_tokens_total"][(("kind", "forward_backward"),)] == sum(
        d.model_input.length for d in data
    )
    assert after["tinker_server_tokens_total"][(("kind", "sample"),)] == 8
    assert after["tinker_server_tokens_per_second"][(("kind", "sample"),)] > 0
    # sessions and models, while the client held them and after it finished
    assert during["tinker_server_sessions_active"][()] == 1 and during["tinker_server_models_loaded"][()] == 1
    assert during["tinker_server_samplers_loaded"][()] == 1
    assert during["tinker_server_queue_depth"] == {(("base_model", TINY),): 0}
    assert after["tinker_server_sessions_active"][()] == 0


def test_metrics_public_needs_no_key(tmp_path: Path) -> None:
    with LocalServer(tmp_path, api_keys=(KEY,), metrics_public=True) as server:
        assert "tinker_server_sessions_active" in scrape(server)


def test_json_access_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="tinker.local.access"),
        LocalServer(tmp_path, api_keys=(KEY,), log_format="json") as server,
    ):
        httpx.post(server.base_url.rstrip("/") + "/api/v1/healthz", headers={"X-API-Key": KEY})
        httpx.get(server.base_url.rstrip("/") + "/api/v1/training_runs", headers={"X-API-Key": KEY})
        httpx.get(server.base_url.rstrip("/") + "/api/v1/training_runs?secret=x", headers={"X-API-Key": "tml-wrong"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "tinker.local.access"]
    assert [(line["operation"], line["status"]) for line in lines][-2:] == [
        ("list_training_runs", 200),
        ("list_training_runs", 401),
    ]
    line = lines[-2]
    assert line["method"] == "GET" and line["path"] == "/api/v1/training_runs" and line["duration_ms"] >= 0
    assert line["tenant"] and line["bytes_out"] > 0 and line["level"] == "info" and "time" in line
    assert lines[-1]["tenant"] is None
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert KEY not in text and "tml-wrong" not in text and "secret=x" not in text


def test_text_log_format_keeps_the_app_quiet(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tinker.local.access"), LocalServer(tmp_path, api_keys=(KEY,)) as server:
        httpx.get(server.base_url.rstrip("/") + "/api/v1/training_runs", headers={"X-API-Key": KEY})
    assert not [r for r in caplog.records if r.name == "tinker.local.access"]


def test_text_access_lines_leave_the_query_string_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tinker local serve`` in the text log format: uvicorn's access lines would print a signed file URL's
    signature, which opens the file for as long as the URL lives."""
    from tinker.local import ServerConfig, _observability, server

    logging.getLogger("uvicorn.access").removeFilter(_observability._without_query_string)  # serve() must add it
    started: list[server._Announcing] = []
    run = server._Announcing.run

    def recorded(self: server._Announcing, *args: Any, **kwargs: Any) -> None:
        started.append(self)
        run(self, *args, **kwargs)

    monkeypatch.setattr(server._Announcing, "run", recorded)
    config = ServerConfig(data_dir=tmp_path, api_keys=(KEY,))
    thread = threading.Thread(target=server.serve, args=(config, "127.0.0.1", 0, "info"), daemon=True)
    thread.start()
    for _ in range(6000):  # bounded: the server thread sets it
        if started and started[0].started:
            break
        time.sleep(0.01)
    uvicorn_server = started[0]
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)
    try:
        port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
        signature = "5e" * 32
        url = f"http://127.0.0.1:{port}/files/checkpoints/run/external_weights/name/adapter_config.json"
        httpx.get(f"{url}?owner=someone&expires=99&signature={signature}")
        httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz?signature={signature}")
    finally:
        access.removeHandler(caplog.handler)
        uvicorn_server.should_exit = True
        thread.join(30)
    # only this test's two requests: a server of an earlier test may still log a client's heartbeat meanwhile
    lines = [
        line
        for line in (caplog.handler.format(r) for r in caplog.records if r.name == "uvicorn.access")
        if "/files/checkpoints/" in line or "/api/v1/healthz" in line
    ]
    assert len(lines) == 2 and "/files/checkpoints/run/external_weights/name/adapter_config.json" in lines[0]
    assert all(signature not in line and "owner=someone" not in line for line in lines)


def test_metrics_name_no_tenant_s_training_run_or_session(tmp_path: Path) -> None:
    """/metrics is one page for every key: the queue depth is by base model, never by a training run's id (which
    holds its session id)."""
    other = "tml-observability-other"
    with (
        LocalServer(tmp_path, api_keys=(KEY, other)) as server,
        tinker.ServiceClient(base_url=server.base_url, api_key=other) as service,
    ):
        training = service.create_lora_training_client(TINY, rank=2, seed=0).result()
        training.forward_backward([datum("a dog")], "cross_entropy").result()
        answer = httpx.get(server.base_url.rstrip("/") + "/metrics", headers={"X-API-Key": KEY})
        samples = scrape(server, **{"X-API-Key": KEY})
    session_id = training.model_id.split(":")[0]
    assert answer.status_code == 200 and session_id and session_id in training.model_id
    assert training.model_id not in answer.text and session_id not in answer.text
    assert samples["tinker_server_queue_depth"] == {(("base_model", TINY),): 0}
