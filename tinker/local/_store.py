"""SQLite persistence (WAL): sessions, training runs, checkpoints, samplers, futures, telemetry, audit, and the
answers kept for idempotency keys.

Every write commits before the server acknowledges it, so a killed server loses nothing it answered; the one
kind of write not waited for (``store.later``) only records when something was last used.
Each list operation and each pruning query (``_retention``) has an index to search; ``CREATE INDEX IF NOT EXISTS``
adds them to a data directory made before they existed.

The event loop never runs a statement: one thread of the store's own owns the connection (sqlite3 refuses it to
any other thread) and runs the statements one at a time, in the order they were asked for. The loop awaits them
(``await store.one(...)``; ``await store.run(fn)`` runs a function of several statements in one hop), so a slow
statement (a large result, a prune batch, a long list) or one waiting for SQLite's write lock holds up only the
statements queued behind it, never the requests that need none (health checks, polls of results in memory).
A thread that is not the loop's may wait for a statement instead (``store.sync``); on the loop that is an error,
raised at once, so that the rule is checked on every call rather than hoped for. Functions that take a ``Db`` run
on the store's thread: only ``run`` and ``sync.run`` hand one out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

log = logging.getLogger("tinker.local")
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at REAL NOT NULL, last_activity REAL NOT NULL,
    status TEXT NOT NULL, tags TEXT NOT NULL, user_metadata TEXT, sdk_version TEXT, project_id TEXT,
    display_name TEXT, finish TEXT
);
CREATE TABLE IF NOT EXISTS training_runs (
    model_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, owner TEXT NOT NULL, base_model TEXT NOT NULL,
    lora TEXT NOT NULL, created_at REAL NOT NULL, last_request_time REAL NOT NULL, user_metadata TEXT,
    corrupted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS checkpoints (
    training_run_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL,
    created_at REAL NOT NULL, size_bytes INTEGER NOT NULL, public INTEGER NOT NULL DEFAULT 0, expires_at REAL,
    file TEXT NOT NULL, user_metadata TEXT, with_optimizer INTEGER NOT NULL,
    PRIMARY KEY (training_run_id, kind, name)
);
CREATE TABLE IF NOT EXISTS samplers (
    sampler_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, owner TEXT NOT NULL, base_model TEXT NOT NULL,
    model_path TEXT, source TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS futures (
    request_id TEXT PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, model_id TEXT, digest TEXT NOT NULL,
    state TEXT NOT NULL, result BLOB, created_at REAL NOT NULL, finished_at REAL
);
CREATE TABLE IF NOT EXISTS telemetry (
    id INTEGER PRIMARY KEY AUTOINCREMENT, received_at REAL NOT NULL, session_id TEXT, batch TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, time REAL NOT NULL, event TEXT NOT NULL,
    model_id TEXT, tinker_path TEXT, details TEXT NOT NULL
);
DROP TABLE IF EXISTS idempotency;
CREATE TABLE IF NOT EXISTS idempotent_answers (
    owner TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, media_type TEXT,
    body BLOB NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (owner, key, fingerprint)
);
CREATE INDEX IF NOT EXISTS idempotent_answers_age ON idempotent_answers (created_at);
CREATE INDEX IF NOT EXISTS idempotent_answers_by_owner ON idempotent_answers (owner, created_at);
CREATE TABLE IF NOT EXISTS revoked_keys (owner TEXT PRIMARY KEY, revoked_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions (owner, created_at, session_id);
CREATE INDEX IF NOT EXISTS training_runs_by_owner ON training_runs (owner, created_at, model_id);
CREATE INDEX IF NOT EXISTS training_runs_by_session ON training_runs (session_id, created_at);
CREATE INDEX IF NOT EXISTS checkpoints_by_owner ON checkpoints (owner, created_at);
CREATE INDEX IF NOT EXISTS checkpoints_by_run ON checkpoints (training_run_id, kind, created_at);
CREATE INDEX IF NOT EXISTS checkpoints_published ON checkpoints (public, training_run_id);
CREATE INDEX IF NOT EXISTS checkpoints_expiry ON checkpoints (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS samplers_by_session ON samplers (session_id, created_at);
CREATE INDEX IF NOT EXISTS futures_by_owner ON futures (owner, created_at);
CREATE INDEX IF NOT EXISTS futures_age ON futures (created_at);
CREATE INDEX IF NOT EXISTS futures_by_model ON futures (model_id, created_at, request_id);
CREATE INDEX IF NOT EXISTS telemetry_age ON telemetry (received_at);
CREATE INDEX IF NOT EXISTS audit_by_owner ON audit (owner, time);
CREATE INDEX IF NOT EXISTS audit_age ON audit (time);
"""
# Columns added after a table was first made: ``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it is, so a
# data directory made before them gets them by ``ALTER TABLE ... ADD COLUMN`` (nullable: old rows read NULL).
_ADDED_COLUMNS = (("futures", "finished_at", "REAL"),)

Row = dict[str, Any]


def when(timestamp: float) -> datetime:
    """A stored time (seconds since the epoch) as the UTC datetime the wire types carry."""
    return datetime.fromtimestamp(timestamp, UTC)


def dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def loads(text: str | bytes | None) -> Any:
    return None if text is None else orjson.loads(text)


STATEMENT_WAIT = 60.0
"""How long a caller (awaiting, or ``store.sync``) waits for its statement: longer means the store's thread is
stuck, and the caller gets ``StoreStuck`` instead of waiting on."""
CLOSE_WAIT = 5.0
"""How long ``close`` waits for the statements already asked for; past it the thread finishes them on its own."""


class StatementOnLoop(RuntimeError):
    """A thread running an event loop asked to wait for a statement: await the store's async methods instead."""


class StoreClosed(RuntimeError):
    """A statement asked for after the store was closed."""


class StoreStuck(TimeoutError):
    """The store's thread did not run a statement within ``STATEMENT_WAIT`` seconds."""

    def __init__(self) -> None:
        super().__init__(f"the store's thread did not run a statement within {STATEMENT_WAIT:g} s")


class Db:
    """The connection as the store's thread uses it: what a function given to ``Store.run`` receives."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.connection.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return self.connection.executemany(sql, rows).rowcount

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.connection.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(row) for row in self.connection.execute(sql, params).fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.connection.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, values: dict[str, Any], *, replace: bool = False) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.execute(f"{verb} INTO {table} ({columns}) VALUES ({marks})", list(values.values()))

    def audit(
        self, owner: str, event: str, *, model_id: str | None = None, tinker_path: str | None = None, **details: Any
    ) -> None:
        self.insert(
            "audit",
            {
                "owner": owner,
                "time": time.time(),
                "event": event,
                "model_id": model_id,
                "tinker_path": tinker_path,
                "details": dumps(details),
            },
        )


def _connect(path: Path) -> sqlite3.Connection:
    """The connection, usable from the calling thread only (sqlite3's own check)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(_SCHEMA)
    for table, column, kind in _ADDED_COLUMNS:
        if column not in {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    return connection


@dataclass
class _Job:
    function: Callable[[Db], Any]
    settle: Callable[[Any, BaseException | None], None]


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # its awaiter was cancelled; the statement ran all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Store:
    """The database, served by one thread of its own; see the module's docstring."""

    def __init__(self, path: Path) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, args=(path,), name="tinker-local-store", daemon=True)
        self._thread.start()
        self.sync = SyncStore(self)

    def _serve(self, path: Path) -> None:
        """The store's thread: open the connection, then run each job in the order asked until ``close``."""
        try:
            connection: sqlite3.Connection | None = _connect(path)
            failure: BaseException | None = None
        except Exception as error:  # each statement then fails with the reason, where its caller sees it
            connection, failure = None, error
        db = Db(connection) if connection is not None else None
        while (job := self._jobs.get()) is not None:
            if db is None:
                job.settle(None, StoreClosed(f"the store at {path} could not be opened: {failure}"))
                continue
            try:
                result = job.function(db)
            except BaseException as error:
                job.settle(None, error)
            else:
                job.settle(result, None)
        if connection is not None:
            connection.close()

    def _submit(self, job: _Job) -> None:
        with self._closing:
            if self._closed:
                raise StoreClosed("the store is closed (the server is shutting down)")
            self._jobs.put(job)

    def close(self) -> None:
        """Run the statements already asked for, then close the connection; waits ``CLOSE_WAIT`` at most."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        self._thread.join(CLOSE_WAIT)
        if self._thread.is_alive():
            log.warning("the store's thread is still busy after %g s; it closes the database when done", CLOSE_WAIT)

    async def run(self, function: Callable[[Db], T]) -> T:
        """``function(db)`` on the store's thread, in one hop: for several statements of one step."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits for the answer
                loop.call_soon_threadsafe(_resolve, future, result, error)

        self._submit(_Job(function, settle))
        try:
            return await asyncio.wait_for(future, STATEMENT_WAIT)
        except TimeoutError:
            raise StoreStuck() from None

    def later(self, function: Callable[[Db], object], what: str) -> None:
        """``function(db)`` queued and not waited for: for writes a killed server may lose (when a session or run
        was last used). Statements asked for after it still see it, since the store runs them in order; a failure
        is logged, naming ``what``."""

        def settle(result: Any, error: BaseException | None) -> None:
            if error is not None:
                log.warning("the store could not record %s: %s", what, error)

        with contextlib.suppress(StoreClosed):  # shutting down: nothing is left to record it for
            self._submit(_Job(function, settle))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.run(lambda db: db.execute(sql, params))

    async def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self.run(lambda db: db.one(sql, params))

    async def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.run(lambda db: db.all(sql, params))

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return await self.run(lambda db: db.scalar(sql, params))

    async def insert(self, table: str, values: dict[str, Any], *, replace: bool = False) -> None:
        await self.run(lambda db: db.insert(table, values, replace=replace))

    async def audit(
        self, owner: str, event: str, *, model_id: str | None = None, tinker_path: str | None = None, **details: Any
    ) -> None:
        await self.run(lambda db: db.audit(owner, event, model_id=model_id, tinker_path=tinker_path, **details))

    def _check_caller(self) -> None:
        """A thread with a running event loop must not wait (it would hold every request of that loop), nor may
        the store's own thread (it would wait for itself)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise StatementOnLoop("a SQLite statement was waited for on the event loop; await the store instead")
        if threading.get_ident() == self._thread.ident:
            raise RuntimeError("store.sync called on the store's own thread; use the Db that the function was given")


class SyncStore:
    """The store for a thread without an event loop (tests and tools; the server itself only awaits): each call
    waits, at most ``STATEMENT_WAIT``, for its statement to run on the store's thread. On an event loop it raises
    ``StatementOnLoop``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def run(self, function: Callable[[Db], T]) -> T:
        self._store._check_caller()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def settle(result: Any, error: BaseException | None) -> None:
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)

        self._store._submit(_Job(function, settle))
        try:
            return done.result(timeout=STATEMENT_WAIT)
        except concurrent.futures.TimeoutError:
            raise StoreStuck() from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.run(lambda db: db.execute(sql, params))

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self.run(lambda db: db.one(sql, params))

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.run(lambda db: db.all(sql, params))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.run(lambda db: db.scalar(sql, params))

    def insert(self, table: str, values: dict[str, Any], *, replace: bool = False) -> None:
        self.run(lambda db: db.insert(table, values, replace=replace))

    def audit(
        self, owner: str, event: str, *, model_id: str | None = None, tinker_path: str | None = None, **details: Any
    ) -> None:
        self.run(lambda db: db.audit(owner, event, model_id=model_id, tinker_path=tinker_path, **details))
