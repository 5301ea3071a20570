"""``export_session_trace``: the session's timeline in Chrome's Trace Event Format (what ui.perfetto.dev and
chrome://tracing open), behind a URL of this server signed with the caller's key (``tinker.local._trace``,
``tinker.local._files``)."""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import tinker
from tinker import types
from tinker.local import LocalServer, _files, _trace

from .conftest import KEY_A, KEY_B

TINY = "tinker-local/tiny"
DATUM = types.Datum(
    model_input=types.ModelInput.from_ints([1, 2, 3]),
    loss_fn_inputs={"target_tokens": [2, 3, 4], "weights": [1.0, 1.0, 1.0]},
)
Session = dict[str, Any]


def _train(key: str, base_url: str, steps: int = 3) -> Session:
    """A session with a run (pipelined forward_backward, an optim_step, a saved state), a sampler and a sample,
    then finished."""
    service = tinker.ServiceClient(api_key=key, base_url=base_url)
    training = service.create_lora_training_client(TINY, rank=2).result()
    for future in [training.forward_backward([DATUM], "cross_entropy") for _ in range(steps)]:
        future.result()
    training.optim_step(types.AdamParams(learning_rate=1e-3)).result()
    state = training.save_state("traced").result().path
    sampler = training.save_weights_and_get_sampling_client("traced-weights").result()
    sampler.sample(types.ModelInput.from_ints([1, 2]), 2, types.SamplingParams(max_tokens=3)).result()
    session_id = service.holder._session_id
    service.close("success").result()
    sampler_id = sampler.sampling_session_id
    return {"session_id": session_id, "run_id": training.model_id, "state": state, "sampler": sampler_id}


def _export(key: str, base_url: str, session_id: str) -> str:
    return tinker.RestClient(api_key=key, base_url=base_url).export_session_trace(session_id).result()


def _requests(data_dir: Path, session_id: str) -> list[tuple[str, str, float, float | None]]:
    with sqlite3.connect(data_dir / "tinker-local.sqlite3") as db:
        return db.execute(
            "SELECT request_id, state, created_at, finished_at FROM futures WHERE model_id LIKE ?", [f"{session_id}:%"]
        ).fetchall()


@pytest.fixture(scope="module")
def traced(server: LocalServer) -> tuple[Session, str]:
    session = _train(KEY_A, server.base_url)
    return session, _export(KEY_A, server.base_url, session["session_id"])


def test_the_trace_is_a_timeline_of_the_sessions_requests(
    traced: tuple[Session, str], server: LocalServer, data_dir: Path
) -> None:
    session, url = traced
    assert url.startswith(f"{server.base_url.rstrip('/')}/files/traces/{session['session_id']}.json?")
    answer = httpx.get(url)  # no headers: the signature is the credential
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.content.startswith(b'{"traceEvents":[')  # what Perfetto's trace processor recognizes as JSON
    trace = answer.json()
    assert trace["displayTimeUnit"] == "ms" and trace["metadata"]["session_id"] == session["session_id"]
    events = trace["traceEvents"]
    assert {event["pid"] for event in events} == {1}
    threads = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert threads[1] == "session"
    assert f"run {session['run_id']}" in threads.values() and f"sampler {session['sampler']}" in threads.values()

    stored = _requests(data_dir, session["session_id"])
    assert stored and all(finished is not None and finished >= created for _, _, created, finished in stored)
    complete = [e for e in events if e["ph"] == "X"]
    assert sorted(e["args"]["request_id"] for e in complete) == sorted(request_id for request_id, *_ in stored)
    by_id = {request_id: (created, finished) for request_id, _, created, finished in stored}
    for event in complete:
        created, finished = by_id[event["args"]["request_id"]]
        assert isinstance(event["ts"], int) and isinstance(event["dur"], int) and event["dur"] >= 0
        assert abs(event["dur"] - (finished - created) * 1e6) <= 2 and event["args"]["state"] == "done"
        assert threads[event["tid"]].startswith(("run ", "sampler "))
    names = {e["name"] for e in complete}
    assert {"CreateModelResponse", "ForwardBackwardOutput", "OptimStepResponse", "SampleResponse"} <= names
    lanes: dict[int, list[tuple[int, int]]] = defaultdict(list)  # no two slices of a thread overlap
    for event in complete:
        lanes[event["tid"]].append((event["ts"], event["ts"] + event["dur"]))
    for spans in lanes.values():
        spans.sort()
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))

    instants = {e["name"]: e for e in events if e["ph"] == "i"}
    checkpoint = instants["checkpoint traced"]
    assert checkpoint["args"]["tinker_path"] == session["state"] and threads[checkpoint["tid"]].startswith("run ")
    assert instants["session started"]["ts"] == 0 and instants["session started"]["tid"] == 1
    finished = instants["session finished"]
    assert finished["args"]["reason"] == "success" and finished["ts"] >= max(e["ts"] + e["dur"] for e in complete)


def test_the_url_is_the_owners_until_it_expires(traced: tuple[Session, str], server: LocalServer) -> None:
    session, url = traced
    query = parse_qs(urlsplit(url).query)
    owner, signature = query["owner"][0], query["signature"][0]
    service = server.app.state.service  # type: ignore[union-attr]
    other = next(tenant for tenant, key in service.keys.items() if key == KEY_B)
    assert httpx.get(url.replace(f"owner={owner}", f"owner={other}")).status_code == 403
    changed = url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    assert httpx.get(changed).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403
    later = int(query["expires"][0]) + 3600
    assert httpx.get(url.replace(f"expires={query['expires'][0]}", f"expires={later}")).status_code == 403
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = httpx.get(_files.signed_trace_url(server.base_url, KEY_A, owner, session["session_id"], past))
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]
    # a URL the other tenant signed with its own key opens none of this tenant's sessions
    soon = datetime.now(UTC) + timedelta(minutes=1)
    foreign = _files.signed_trace_url(server.base_url, KEY_B, other, session["session_id"], soon)
    assert httpx.get(foreign).status_code == 404
    with pytest.raises(tinker.NotFoundError):
        _export(KEY_B, server.base_url, session["session_id"])


def test_a_long_session_keeps_its_latest_requests(
    traced: tuple[Session, str], server: LocalServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read a batch at a time; past MAX_REQUESTS, the latest are drawn and the trace says so."""
    session, _ = traced
    monkeypatch.setattr(_trace, "BATCH", 2)
    monkeypatch.setattr(_trace, "MAX_REQUESTS", 3)
    trace = httpx.get(_export(KEY_A, server.base_url, session["session_id"])).json()
    stored = sorted(_requests(data_dir, session["session_id"]), key=lambda row: row[2])
    drawn = sorted(e["args"]["request_id"] for e in trace["traceEvents"] if e["ph"] == "X")
    assert drawn == sorted(request_id for request_id, *_ in stored[-3:])
    assert trace["metadata"]["requests"] == len(stored) and trace["metadata"]["requests_drawn"] == 3
    assert any(e["name"] == "earlier requests left out" for e in trace["traceEvents"])


def test_a_deleted_trace_file_is_gone(traced: tuple[Session, str], data_dir: Path) -> None:
    session, url = traced
    file = _trace.trace_file(data_dir, session["session_id"])
    file.unlink()
    assert httpx.get(url).status_code == 410


def test_an_older_database_without_finished_at_opens_and_exports(tmp_path: Path) -> None:
    """A data directory made before futures had finished_at: the column is added, its old requests are instants."""
    key = "tml-old-database"
    with LocalServer(tmp_path, api_keys=(key,)) as running:
        service = tinker.ServiceClient(api_key=key, base_url=running.base_url)
        training = service.create_lora_training_client(TINY, rank=2).result()
        training.forward_backward([DATUM], "cross_entropy").result()
        session_id = service.holder._session_id
        service.close("success").result()
    with sqlite3.connect(tmp_path / "tinker-local.sqlite3") as db:
        db.execute("DROP INDEX futures_by_model")
        db.execute("ALTER TABLE futures DROP COLUMN finished_at")
    with LocalServer(tmp_path, api_keys=(key,)) as running:
        trace = httpx.get(_export(key, running.base_url, session_id)).json()
    with sqlite3.connect(tmp_path / "tinker-local.sqlite3") as db:
        assert "finished_at" in {row[1] for row in db.execute("PRAGMA table_info(futures)")}
    requests = [e for e in trace["traceEvents"] if e.get("cat") == "request"]
    assert len(requests) == 2 and all(e["ph"] == "i" and e["args"]["finished"] == "unknown" for e in requests)
