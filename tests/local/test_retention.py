"""The server's own records (telemetry, audit, finished futures) stay under their bounds however many arrive; user
data is never pruned; list operations read through indexes and page as before.

Each test asserts a mechanism (what a prune removes and keeps, which plan SQLite picks), not a timing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tinker.local import LocalServer, _ops_sessions, _retention
from tinker.local import app as app_module
from tinker.local._auth import owner_of
from tinker.local._service import Service
from tinker.local._store import dumps

from .helpers import TINY, Api

KEY_A = "tml-retention-a"
KEY_B = "tml-retention-b"
A, B = owner_of(KEY_A), owner_of(KEY_B)
DAY = 24 * 3600
BOUNDS = {"max_telemetry_batches": 5, "max_audit_events_per_tenant": 4, "max_results_per_tenant": 3}


async def _no_housekeeping(service: Service) -> None:
    await asyncio.Event().wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A server whose own housekeeping never runs: the tests prune when they mean to, and count what it removed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_module, "_housekeeping", _no_housekeeping)
        with LocalServer(tmp_path_factory.mktemp("retention"), api_keys=(KEY_A, KEY_B), **BOUNDS) as running:
            yield running


@pytest.fixture(scope="module")
def service(server: LocalServer) -> Service:
    assert server.app is not None
    found: Service = server.app.state.service
    return found


@pytest.fixture(scope="module")
def api(server: LocalServer) -> Iterator[Api]:
    with httpx.Client(base_url=server.base_url, headers={"X-API-Key": KEY_A}, timeout=60) as client:
        yield Api(client)


def count(service: Service, sql: str, params: list[Any] | None = None) -> int:
    return int(service.store.sync.scalar(sql, params or []))


def prune(service: Service) -> dict[str, int]:
    """One housekeeping prune, run from this thread (its statements run on the store's thread)."""
    return asyncio.run(_retention.prune(service))


def telemetry(api: Api, marker: int) -> None:
    event = {
        "event": "GENERIC_EVENT",
        "event_id": f"e{marker}",
        "event_session_index": marker,
        "severity": "INFO",
        "timestamp": "2026-11-28T00:00:00Z",
        "event_name": "retention",
        "event_data": {"marker": marker},
    }
    body = {"events": [event], "platform": "Linux", "sdk_version": "t", "session_id": "s", "process_uuid": "p"}
    assert api.ok(api.post("telemetry", body)) == {"status": "accepted"}


def test_telemetry_stays_under_its_bound_newest_kept(api: Api, service: Service) -> None:
    bound = BOUNDS["max_telemetry_batches"]
    sent = 0
    for _ in range(4):  # 16 batches in all, pruned as housekeeping would between them
        for _ in range(4):
            telemetry(api, sent)
            sent += 1
        prune(service)
        assert count(service, "SELECT COUNT(*) FROM telemetry") <= bound
    markers = [
        row["marker"]
        for row in service.store.sync.all(
            "SELECT json_extract(batch, '$.events[0].event_data.marker') AS marker FROM telemetry ORDER BY id"
        )
    ]
    assert markers == list(range(sent - bound, sent))


def test_audit_stays_under_its_bound_per_tenant(api: Api, service: Service) -> None:
    bound = BOUNDS["max_audit_events_per_tenant"]
    service.store.sync.audit(B, "other_tenant_event", n=0)
    for n in range(3 * bound):
        service.store.sync.audit(A, "flood", n=n)
        if n % bound == 0:
            prune(service)
    removed = prune(service)
    assert removed["audit"] > 0
    assert count(service, "SELECT COUNT(*) FROM audit WHERE owner=?", [A]) == bound
    entries = api.ok(api.get("audit"))["entries"]
    assert [entry["event_details"]["n"] for entry in entries] == list(range(2 * bound, 3 * bound))
    assert count(service, "SELECT COUNT(*) FROM audit WHERE owner=?", [B]) == 1  # not pushed out by A's flood


def test_finished_results_stay_under_their_bound_per_tenant(service: Service) -> None:
    bound = BOUNDS["max_results_per_tenant"]
    futures = service.futures
    pending = asyncio.run(futures.create("retention-pending", A, "OptimStepResponse", None, "d"))

    async def finish() -> list[str]:
        finished = []
        for n in range(3 * bound):
            future = await futures.create(f"retention-{n}", A, "OptimStepResponse", None, "d")
            await futures.complete(future, {"n": n})
            finished.append(future.request_id)
        await futures.complete(await futures.create("retention-b", B, "OptimStepResponse", None, "d"), {})
        return finished

    finished = asyncio.run(finish())
    prune(service)
    kept = [
        row["request_id"]
        for row in service.store.sync.all(
            "SELECT request_id FROM futures WHERE owner=? AND state!='pending' ORDER BY created_at", [A]
        )
    ]
    assert kept == finished[-bound:]
    assert service.store.sync.one("SELECT state FROM futures WHERE request_id=?", [pending.request_id]) == {
        "state": "pending"
    }
    assert service.store.sync.one("SELECT 1 AS kept FROM futures WHERE request_id='retention-b'") == {"kept": 1}
    asyncio.run(futures.fail(pending, "test over"))


def test_finished_futures_in_memory_stay_under_their_count(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_retention, "RESULTS_IN_MEMORY", 2)
    futures = service.futures

    async def finish() -> list[str]:
        ids = []
        for n in range(20):
            future = await futures.create(f"in-memory-{n}", A, "OptimStepResponse", None, "d")
            await futures.complete(future, {"n": n})
            ids.append(future.request_id)
        return ids

    ids = asyncio.run(finish())
    prune(service)
    held = [f.request_id for f in futures._live.values() if f.state != "pending"]
    assert held == ids[-2:]  # the newest
    assert ids[-3] not in futures._live and asyncio.run(futures.find(ids[-3])) is not None  # the store answers


def test_old_records_go_by_age(service: Service) -> None:
    config, store, now = service.config, service.store.sync, time.time()
    old_telemetry = now - config.telemetry_retention_seconds - DAY
    store.insert("telemetry", {"received_at": old_telemetry, "session_id": "old", "batch": "{}"})
    store.insert(
        "audit", {"owner": B, "time": now - config.audit_retention_seconds - DAY, "event": "old", "details": "{}"}
    )
    old_result = {"owner": B, "kind": "OptimStepResponse", "digest": "d", "result": b"{}"}
    old_created = now - config.result_retention_seconds - DAY
    store.insert("futures", {"request_id": "old-done", "state": "done", "created_at": old_created, **old_result})
    store.insert("futures", {"request_id": "old-pending", "state": "pending", "created_at": old_created, **old_result})
    store.audit(B, "recent")
    prune(service)
    assert count(service, "SELECT COUNT(*) FROM telemetry WHERE session_id='old'") == 0
    assert [
        row["event"] for row in store.all("SELECT event FROM audit WHERE owner=? AND event IN ('old', 'recent')", [B])
    ] == ["recent"]
    assert [row["request_id"] for row in store.all("SELECT request_id FROM futures WHERE request_id LIKE 'old-%'")] == [
        "old-pending"
    ]
    store.execute("DELETE FROM futures WHERE request_id='old-pending'")


def _user_data(api: Api, service: Service, tmp_path: Path, runs: int) -> tuple[str, list[str]]:
    """A session of tenant A with ``runs`` training runs, each with a weights and a sampler checkpoint (the first
    one published, the last one expired), and a sampler; rows are written as the operations write them, with
    creation times long past every retention bound."""
    session = api.session()
    store, long_ago = service.store.sync, time.time() - 400 * DAY
    run_ids = []
    for n in range(runs):
        run_id = f"{session}:train:{n}"
        run_ids.append(run_id)
        store.insert(
            "training_runs",
            {
                "model_id": run_id,
                "session_id": session,
                "owner": A,
                "base_model": TINY,
                "lora": dumps({"rank": 2}),
                "created_at": long_ago + n,
                "last_request_time": long_ago + n,
            },
        )
        for kind in ("weights", "sampler_weights"):
            file = tmp_path / f"{n}-{kind}.safetensors"
            file.write_bytes(b"x")
            store.insert(
                "checkpoints",
                {
                    "training_run_id": run_id,
                    "kind": kind,
                    "name": "c",
                    "owner": A,
                    "created_at": long_ago + n,
                    "size_bytes": 1,
                    "public": int(n == 0),
                    "expires_at": time.time() - 1 if n == runs - 1 else None,
                    "file": str(file),
                    "with_optimizer": 0,
                },
            )
    store.insert(
        "samplers",
        {
            "sampler_id": f"{session}:sample:0",
            "session_id": session,
            "owner": A,
            "base_model": TINY,
            "source": "base",
            "created_at": long_ago,
        },
    )
    return session, run_ids


def test_user_data_is_never_pruned(api: Api, service: Service, tmp_path: Path) -> None:
    _user_data(api, service, tmp_path, runs=2 * max(BOUNDS.values()))
    tables = ("sessions", "training_runs", "checkpoints", "samplers")
    before = {table: count(service, f"SELECT COUNT(*) FROM {table}") for table in tables}
    prune(service)
    assert {table: count(service, f"SELECT COUNT(*) FROM {table}") for table in tables} == before


@pytest.fixture
def statements(service: Service) -> Iterator[list[str]]:
    """Every SQL statement the store runs meanwhile, parameters bound in."""
    seen: list[str] = []
    service.store.sync.run(lambda db: db.connection.set_trace_callback(seen.append))
    yield seen
    service.store.sync.run(lambda db: db.connection.set_trace_callback(None))


def test_list_queries_use_indexes(api: Api, service: Service, tmp_path: Path, statements: list[str]) -> None:
    api.session()
    session, run_ids = _user_data(api, service, tmp_path, runs=3)
    expired = run_ids[-1]
    service.store.sync.audit(A, "save_weights", model_id=run_ids[0], tinker_path=f"tinker://{run_ids[0]}/weights/c")
    other = httpx.Client(base_url=str(api.client.base_url), headers={"X-API-Key": KEY_B}, timeout=60)
    with other:
        accessible = api.ok(Api(other).get("training_runs?access_scope=accessible"))["training_runs"]
    assert run_ids[0] in [run["training_run_id"] for run in accessible]  # published
    assert {run["model_owner"] for run in accessible} == {A}
    statements.clear()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    answers = {
        path: api.ok(api.get(path))
        for path in (
            "training_runs?limit=2&offset=1",
            "training_runs?access_scope=accessible",
            f"training_runs/{run_ids[0]}",
            f"training_runs/{run_ids[0]}/checkpoints",
            f"training_runs/{expired}/checkpoints",
            "checkpoints?limit=2&offset=1",
            "sessions?limit=2&offset=1",
            f"sessions/{session}",
            "audit",
            "audit?event_type=checkpoints",
            f"audit?day={today}",
            "billing/usage/checkpoints/current",
        )
    }
    found = api.ok(api.post("sessions/search", {"limit": 1, "statuses": [{"type": "active"}]}))
    api.ok(api.post("sessions/search", {"limit": 1, "cursor": found["next_cursor"], "project_ids": ["default"]}))
    assert answers[f"training_runs/{expired}/checkpoints"] == {"checkpoints": []}
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("DELETE")]  # listing deletes nothing
    assert count(service, "SELECT COUNT(*) FROM checkpoints WHERE training_run_id=?", [expired]) == 2
    selects = {sql for sql in statements if sql.lstrip().upper().startswith("SELECT")}
    assert len(selects) > 10
    for sql in selects:
        plan = [row["detail"] for row in service.store.sync.all("EXPLAIN QUERY PLAN " + sql)]
        assert not [step for step in plan if step.startswith("SCAN")], (sql, plan)


def test_pages_and_cursors_answer_every_row_once(api: Api, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ops_sessions, "_SEARCH_BATCH", 2)  # several keyset batches per search
    metadata = {"batch": "retention-paging"}
    made = [
        api.ok(api.post("create_session", {"tags": [], "user_metadata": metadata, "sdk_version": "t"}))["session_id"]
        for _ in range(7)
    ]
    whole = api.ok(api.get("sessions?limit=1000"))["sessions"]
    pages = [api.ok(api.get(f"sessions?limit=3&offset={offset}"))["sessions"] for offset in range(0, len(whole), 3)]
    assert [s for page in pages for s in page] == whole
    assert whole[:7] == made[::-1]
    searched: list[str] = []
    body: dict[str, Any] = {"user_metadata": metadata, "limit": 3}
    while True:
        answer = api.ok(api.post("sessions/search", body))
        searched += [s["session_id"] for s in answer["sessions"]]
        if "next_cursor" not in answer:
            break
        body["cursor"] = answer["next_cursor"]
    assert searched == made[::-1]
    runs = api.ok(api.get("training_runs?limit=1000"))
    total = runs["cursor"]["total_count"]
    assert total == len(runs["training_runs"])
    paged = [
        run["training_run_id"]
        for offset in range(0, total, 4)
        for run in api.ok(api.get(f"training_runs?limit=4&offset={offset}"))["training_runs"]
    ]
    assert paged == [run["training_run_id"] for run in runs["training_runs"]]
    checkpoints = api.ok(api.get("checkpoints?limit=1000"))
    live = count(
        service,
        "SELECT COUNT(*) FROM checkpoints WHERE owner=? AND (expires_at IS NULL OR expires_at > ?)",
        [A, time.time()],
    )
    assert checkpoints["cursor"]["total_count"] == len(checkpoints["checkpoints"]) == live
