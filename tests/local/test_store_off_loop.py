"""SQLite off the event loop: statements run on the store's own thread, in the order asked, and the loop answers
other requests while one of them is slow. Asserted by the order of events, never by timing."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tinker.local import LocalServer
from tinker.local import _store as store_module
from tinker.local._service import Service
from tinker.local._store import Db, StatementOnLoop, Store, StoreClosed, StoreStuck

from .helpers import TEXT, TINY, Api, datum, tokens_of

WAIT = 5.0  # how long a held statement waits for the health check; only reached when the loop is not free
PROMPT = {"chunks": [{"type": "encoded_text", "tokens": tokens_of("the")}]}


def _service(server: LocalServer) -> Service:
    assert server.app is not None
    service: Service = server.app.state.service
    return service


def _held(
    method: Callable[..., Any], sql_start: str, events: list[str], started: threading.Event, answered: threading.Event
) -> Callable[..., Any]:
    """``Db.<method>``, which for the first statement beginning with ``sql_start`` records its start and end and
    waits in between for the health check's answer. Run on the event loop, the wait would hold the loop, so the
    health check could be answered only after it ends."""

    def held(db: Db, sql: str, *args: Any) -> Any:
        if not sql.startswith(sql_start) or started.is_set():
            return method(db, sql, *args)
        events.append("statement started")
        started.set()
        answered.wait(WAIT)
        try:
            return method(db, sql, *args)
        finally:
            events.append("statement ended")

    return held


def _list_page(api: Api) -> None:
    api.ok(api.get("sessions?limit=5"))


def _result_write(api: Api) -> None:
    future = api.ok(api.post("asample", {"base_model": TINY, "prompt": PROMPT, "sampling_params": {"max_tokens": 2}}))
    api.value(future)


CASES = {
    # the Db method held, the statement it holds, the request that runs it
    "list page": ("all", "SELECT session_id FROM sessions WHERE owner=?", _list_page),
    "result write": ("executemany", "UPDATE futures SET state=?", _result_write),
}


@pytest.mark.parametrize("case", list(CASES))
def test_healthz_is_answered_while_a_statement_is_held(
    api: Api, anonymous: httpx.Client, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    name, sql_start, request = CASES[case]
    events: list[str] = []
    started, answered = threading.Event(), threading.Event()
    monkeypatch.setattr(Db, name, _held(getattr(Db, name), sql_start, events, started, answered))
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(request, api)
        assert started.wait(30), "the statement never ran"
        health = anonymous.get("/api/v1/healthz", timeout=30)
        events.append("healthz answered")
        answered.set()
        slow.result(timeout=60)
    assert health.status_code == 200
    assert events == ["statement started", "healthz answered", "statement ended"]


@pytest.fixture
def statements(api: Api, server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """(thread name, statement) of every statement the server runs meanwhile; a wait for a statement on an event
    loop fails the test even where the server's own error handling would have swallowed the refusal."""
    store = _service(server).store
    seen: list[tuple[str, str]] = []
    refused: list[str] = []
    check = Store._check_caller

    def recording_check(self: Store) -> None:
        try:
            check(self)
        except RuntimeError as error:
            refused.append(str(error))
            raise

    monkeypatch.setattr(Store, "_check_caller", recording_check)
    store.sync.run(
        lambda db: db.connection.set_trace_callback(lambda sql: seen.append((threading.current_thread().name, sql)))
    )
    yield seen
    store.sync.run(lambda db: db.connection.set_trace_callback(None))
    assert refused == []


def test_a_whole_scenario_runs_no_statement_on_the_event_loop(
    api: Api, server: LocalServer, statements: list[tuple[str, str]]
) -> None:
    session = api.session()
    model = api.model(session)
    assert "loss:sum" in api.forward_backward(model, 1, [datum(tokens_of(TEXT))])["metrics"]
    api.optim_step(model, 2)
    path = api.save(model, 3, "off-loop")
    sampler = api.ok(
        api.post("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 0, "model_path": path})
    )["sampling_session_id"]
    sample = {"sampling_session_id": sampler, "prompt": PROMPT, "sampling_params": {"max_tokens": 2}}
    future = api.ok(api.post("asample", sample))
    assert api.value(future)["sequences"]
    assert api.ok(api.post("retrieve_future", {"request_id": future["request_id"]}))["sequences"]
    assert model in [run["training_run_id"] for run in api.ok(api.get("training_runs"))["training_runs"]]
    assert path in [c["tinker_path"] for c in api.ok(api.get(f"training_runs/{model}/checkpoints"))["checkpoints"]]
    assert api.ok(api.get("checkpoints"))["checkpoints"]
    assert session in api.ok(api.get("sessions"))["sessions"]
    api.ok(api.post("session_heartbeat", {"session_id": session}))
    threads = {thread for thread, _ in statements}
    assert len(statements) > 20 and threads == {"tinker-local-store"}, threads


# --- the store on its own --------------------------------------------------------------------------------


def test_a_wait_for_a_statement_on_an_event_loop_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")

    async def on_the_loop() -> Any:
        with pytest.raises(StatementOnLoop):
            store.sync.scalar("SELECT 1")
        return await store.scalar("SELECT 1")

    assert asyncio.run(on_the_loop()) == 1
    assert store.sync.scalar("SELECT 1") == 1  # a thread without a loop may wait
    with pytest.raises(RuntimeError, match="own thread"):  # rather than wait for itself
        store.sync.run(lambda db: store.sync.scalar("SELECT 1"))
    store.close()


def test_statements_run_in_the_order_asked(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite3")
    row = {"received_at": 0.0, "session_id": "s", "batch": "{}"}

    async def both() -> list[Any]:
        # asked for in this order before either is awaited: the read sees the write
        return list(
            await asyncio.gather(store.insert("telemetry", row), store.scalar("SELECT COUNT(*) FROM telemetry"))
        )

    assert asyncio.run(both()) == [None, 1]
    store.close()


def test_close_waits_a_bounded_time_for_a_busy_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CLOSE_WAIT", 0.1)
    store = Store(tmp_path / "store.sqlite3")
    events: list[str] = []
    started, release = threading.Event(), threading.Event()

    def hold(db: Db) -> None:
        events.append("statement started")
        started.set()
        release.wait(30)
        db.scalar("SELECT 1")
        events.append("statement ended")

    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(store.sync.run, hold)
        assert started.wait(30)
        store.close()
        events.append("close returned")
        release.set()
        held.result(timeout=30)  # a statement asked for before the close still runs
    store._thread.join(30)
    assert not store._thread.is_alive()
    assert events == ["statement started", "close returned", "statement ended"]
    with pytest.raises(StoreClosed):
        store.sync.scalar("SELECT 1")


def test_a_wait_for_a_stuck_store_ends_in_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "STATEMENT_WAIT", 0.1)
    store = Store(tmp_path / "store.sqlite3")
    release = threading.Event()
    try:
        with ThreadPoolExecutor(1) as pool:
            stuck = pool.submit(store.sync.run, lambda db: release.wait(30))
            with pytest.raises(StoreStuck):  # queued behind the stuck statement
                store.sync.scalar("SELECT 1")
            with pytest.raises(StoreStuck):
                asyncio.run(store.scalar("SELECT 1"))
            release.set()
            with contextlib.suppress(StoreStuck):
                stuck.result(timeout=30)
    finally:
        release.set()
        store.close()
