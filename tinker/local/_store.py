"""SQLite persistence (WAL): sessions, training runs, checkpoints, samplers, futures, telemetry, audit, and the
answers kept for idempotency keys.

Every write commits before the server acknowledges it, so a killed server loses nothing it answered.
Each list operation and each pruning query (``_retention``) has an index to search; ``CREATE INDEX IF NOT EXISTS``
adds them to a data directory made before they existed.
One connection shared by the event loop and the worker threads, serialised by a lock: each statement
is small, and SQLite allows one writer at a time anyway.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

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
    state TEXT NOT NULL, result BLOB, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS telemetry (
    id INTEGER PRIMARY KEY AUTOINCREMENT, received_at REAL NOT NULL, session_id TEXT, batch TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, time REAL NOT NULL, event TEXT NOT NULL,
    model_id TEXT, tinker_path TEXT, details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    owner TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, media_type TEXT,
    body BLOB NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (owner, key)
);
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (created_at);
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
CREATE INDEX IF NOT EXISTS telemetry_age ON telemetry (received_at);
CREATE INDEX IF NOT EXISTS audit_by_owner ON audit (owner, time);
CREATE INDEX IF NOT EXISTS audit_age ON audit (time);
"""

Row = dict[str, Any]


def when(timestamp: float) -> datetime:
    """A stored time (seconds since the epoch) as the UTC datetime the wire types carry."""
    return datetime.fromtimestamp(timestamp, UTC)


def dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def loads(text: str | bytes | None) -> Any:
    return None if text is None else orjson.loads(text)


class Store:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            row = self._db.execute(sql, params).fetchone()
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
