"""The event loop stays free while a large body is decoded, each body is hashed once, and validators are compiled
when the app is made. Asserted by the order of events, never by timing."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import orjson
import pytest

from tinker.local import LocalServer, ServerConfig, _ops_service, create_app
from tinker.local import _middleware as middleware
from tinker.local._offload import OFF_LOOP_BYTES
from tinker.local._validation import Operation

from .helpers import Api, datum

WAIT = 5.0  # how long a decoding waits for the health check; only reached when the loop is not free


def _large_forward_backward() -> bytes:
    """A JSON forward_backward past OFF_LOOP_BYTES, for a model that does not exist: a 404 once decoded."""
    tokens = [i % 200 + 1 for i in range(OFF_LOOP_BYTES // 4)]
    body = {
        "model_id": "no-such-model",
        "forward_backward_input": {"data": [datum(tokens)], "loss_fn": "cross_entropy"},
    }
    raw = orjson.dumps(body)
    assert len(raw) > OFF_LOOP_BYTES
    return raw


def _held(original: Callable[..., Any], events: list[str], started: threading.Event, answered: threading.Event) -> Any:
    """``original``, recording when it starts and ends, and waiting in between for the health check's answer.

    Run on the event loop, the wait would hold the loop, so the health check could be answered only after it ends.
    """

    def held(*args: Any) -> Any:
        events.append("decoding started")
        started.set()
        answered.wait(WAIT)
        try:
            return original(*args)
        finally:
            events.append("decoding ended")

    return held


CASES = {
    # what is decoded, the function that decodes it, the request
    "json": (Operation, "parse_json_body", {"Content-Type": "application/json"}),
    "gzip": (middleware, "_gunzip", {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_healthz_is_answered_while_a_large_body_is_decoded(
    api: Api, anonymous: httpx.Client, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    owner, name, headers = CASES[case]
    events: list[str] = []
    started, answered = threading.Event(), threading.Event()
    monkeypatch.setattr(owner, name, _held(getattr(owner, name), events, started, answered))
    raw = _large_forward_backward()
    content = gzip.compress(raw) if case == "gzip" else raw
    with ThreadPoolExecutor(1) as pool:
        large = pool.submit(api.post, "forward_backward", content=content, headers=headers)
        assert started.wait(30), "the large body was never decoded"
        health = anonymous.get("/api/v1/healthz", timeout=30)
        events.append("healthz answered")
        answered.set()
        response = large.result(timeout=60)
    assert health.status_code == 200
    assert response.status_code == 404, response.text  # decoded and checked in full: the model does not exist
    assert events == ["decoding started", "healthz answered", "decoding ended"]


def test_healthz_is_answered_while_a_large_telemetry_batch_is_kept(
    api: Api, anonymous: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    started, answered = threading.Event(), threading.Event()
    monkeypatch.setattr(_ops_service, "_stored_batch", _held(_ops_service._stored_batch, events, started, answered))
    event = {
        "event": "GENERIC_EVENT",
        "event_id": "large",
        "event_session_index": 0,
        "severity": "INFO",
        "timestamp": "2026-12-06T00:00:00Z",
        "event_name": "large",
        "event_data": {"text": "x" * OFF_LOOP_BYTES},
    }
    body = {"events": [event], "platform": "Linux", "sdk_version": "t", "session_id": "s", "process_uuid": "p"}
    with ThreadPoolExecutor(1) as pool:
        large = pool.submit(api.post, "telemetry", body)
        assert started.wait(30), "the batch was never prepared"
        health = anonymous.get("/api/v1/healthz", timeout=30)
        events.append("healthz answered")
        answered.set()
        response = large.result(timeout=60)
    assert health.status_code == 200 and response.status_code == 200, response.text
    assert events == ["decoding started", "healthz answered", "decoding ended"]


class _CountingSha256:
    """hashlib.sha256, counting how often it hashes ``body`` (whole or fed to ``update``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.count = 0
        self._sha256 = hashlib.sha256

    def __call__(self, data: bytes = b"", **kwargs: Any) -> Any:
        self._seen(data)
        return _Hash(self, self._sha256(data, **kwargs))

    def _seen(self, data: Any) -> None:
        if isinstance(data, bytes) and data == self.body:
            self.count += 1


class _Hash:
    def __init__(self, counter: _CountingSha256, inner: Any) -> None:
        self._counter = counter
        self._inner = inner

    def update(self, data: bytes) -> None:
        self._counter._seen(data)
        self._inner.update(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _hashed(api: Api, monkeypatch: pytest.MonkeyPatch, path: str, body: dict[str, Any], **headers: str) -> int:
    raw = orjson.dumps(body)
    counting = _CountingSha256(raw)
    with monkeypatch.context() as patch:
        patch.setattr(hashlib, "sha256", counting)
        response = api.post(path, content=raw, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 200, response.text
    return counting.count


def test_each_body_is_hashed_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A training request's handler reads the digest twice (for a resubmission, then for its future); a request
    with an idempotency key also has its fingerprint taken. Each hashes the body once."""
    session = api.session()
    model_id = api.model(session, seq=0)
    step = {"model_id": model_id, "seq_id": 1, "adam_params": {"learning_rate": 0.0}}
    assert _hashed(api, monkeypatch, "optim_step", step) == 1
    keyed = {"tags": ["hashed-once"], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}
    assert _hashed(api, monkeypatch, "create_session", keyed, **{"X-Idempotency-Key": "hashed-once"}) == 1


def test_validators_are_compiled_when_the_app_is_made_not_per_request(
    api: Api, server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[Any] = []
    compile_validator = jsonschema_rs.Draft202012Validator

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args)
        return compile_validator(*args, **kwargs)

    monkeypatch.setattr(jsonschema_rs, "Draft202012Validator", counting)
    create_app(ServerConfig(data_dir=tmp_path))  # not started: the routes, and their validators, are made now
    at_start = len(compiled)
    assert at_start > 0
    body = {"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}
    for _ in range(10):
        api.ok(api.get("sessions", params={"limit": 5, "offset": 0, "access_scope": "owned"}))
        api.ok(api.get("training_runs", params={"limit": 5, "offset": 0}))
        api.ok(api.post("create_session", body))
    assert len(compiled) == at_start
