"""A session's timeline as a trace that ui.perfetto.dev and chrome://tracing open: Chrome's Trace Event Format (JSON
object form, ``{"traceEvents": [...], "displayTimeUnit": "ms", "metadata": {...}}``), written to
``<data_dir>/traces/<session_id>.json`` and served behind a signed URL (``_files``).

One process, the session; a thread (track) for the session's own events, then one per training run and one per
sampler, in the order they were made, named with ``thread_name`` metadata events. Each request of the session (a
row of ``futures`` whose model is one of its runs or samplers: a training request's model_id is the run, a sample's
is the sampler) is a complete event (``"ph": "X"``) from when the server accepted it to when its outcome was stored
(``futures.finished_at``), its args the request id and state (and a failure's message). A request still pending,
or one stored before ``finished_at`` existed or failed by a restart (its end is unknown), is a zero-duration instant
event (``"ph": "i"``) at its acceptance instead. Requests of one track overlap (a client queues several before the
first ends, samples run side by side), and both viewers draw partly overlapping slices of one thread wrongly, so a
track spreads its requests over as many lanes as it needs (``run <id>``, ``run <id> #2``, ...), each lane a thread
whose slices never overlap. Checkpoints are instant events on their run's first lane; the session's start and, once
it ended, its end (its last activity) instant events on the session's track.

Times are microseconds since the session started (``metadata.time_origin`` is that instant in UTC). The file is
written a batch of requests at a time (each batch read in one store hop, encoded and written in a worker thread),
so that a long session costs bounded memory; a session with more than ``MAX_REQUESTS`` requests keeps its latest
ones, and says so in ``metadata`` and with an instant event where the trace starts.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from ._store import Db, Row, Store, loads, when

MAX_REQUESTS = 200_000
"""The most requests one trace draws (about 250 bytes each): the latest ones are kept."""
MAX_CHECKPOINTS = 20_000
BATCH = 2_000
PID = 1
SESSION_TID = 1
_ERROR_CHARS = 300


def trace_file(data_dir: Path, session_id: str) -> Path:
    return data_dir / "traces" / f"{session_id}.json"


@dataclass
class Track:
    """A run or a sampler: its lanes' thread ids and the time (µs) each lane is busy until."""

    name: str
    sort: int
    tids: list[int] = field(default_factory=list)
    busy_until: list[int] = field(default_factory=list)


@dataclass
class Head:
    """What the trace needs besides the requests, read in one store hop."""

    session: Row
    runs: list[Row]
    samplers: list[Row]
    checkpoints: list[Row]
    requests: int
    cutoff: float | None  # the earliest acceptance time drawn when the session has more than MAX_REQUESTS


def read_head(db: Db, session: Row) -> Head:
    session_id = session["session_id"]
    runs = db.all(
        "SELECT model_id, base_model, created_at FROM training_runs WHERE session_id=? ORDER BY created_at",
        [session_id],
    )
    samplers = db.all(
        "SELECT sampler_id, base_model, model_path, created_at FROM samplers WHERE session_id=? ORDER BY created_at",
        [session_id],
    )
    checkpoints = db.all(
        "SELECT c.training_run_id, c.kind, c.name, c.created_at, c.size_bytes FROM checkpoints c JOIN training_runs r "
        "ON c.training_run_id = r.model_id WHERE r.session_id=? ORDER BY c.created_at DESC LIMIT ?",
        [session_id, MAX_CHECKPOINTS],
    )
    where = (
        "owner=? AND model_id IN (SELECT model_id FROM training_runs WHERE session_id=? "
        "UNION ALL SELECT sampler_id FROM samplers WHERE session_id=?)"
    )
    params = [session["owner"], session_id, session_id]
    count = db.scalar(f"SELECT COUNT(*) FROM futures WHERE {where}", params) or 0
    cutoff = None
    if count > MAX_REQUESTS:
        cutoff = db.scalar(
            f"SELECT created_at FROM futures WHERE {where} ORDER BY created_at DESC LIMIT 1 OFFSET ?",
            [*params, MAX_REQUESTS - 1],
        )
    return Head(session, runs, samplers, checkpoints, count, cutoff)


def _requests(db: Db, owner: str, model_id: str, after: tuple[float, str]) -> list[Row]:
    """The next batch of a track's requests, in the order they were accepted (keyset on created_at, request_id)."""
    return db.all(
        "SELECT request_id, kind, state, created_at, finished_at, CASE WHEN state='failed' THEN result END AS failure "
        "FROM futures WHERE model_id=? AND owner=? AND (created_at, request_id) > (?, ?) "
        "ORDER BY created_at, request_id LIMIT ?",
        [model_id, owner, after[0], after[1], BATCH],
    )


class _Writer:
    """The trace's events, one a line, encoded and written in a worker thread."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.next_tid = SESSION_TID + 1

    def us(self, timestamp: float) -> int:
        return round((timestamp - self.origin) * 1e6)

    @staticmethod
    def thread(tid: int, name: str, sort: int) -> Iterator[dict[str, Any]]:
        yield {"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}}
        yield {"ph": "M", "pid": PID, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": sort}}

    def lane(self, track: Track, start: int, end: int) -> tuple[int, list[dict[str, Any]]]:
        """The first lane of ``track`` free at ``start`` (a new one if none is), busy until ``end`` from now on."""
        for index, busy in enumerate(track.busy_until):
            if busy <= start:
                track.busy_until[index] = end
                return track.tids[index], []
        tid = self.next_tid
        self.next_tid += 1
        track.tids.append(tid)
        track.busy_until.append(end)
        lanes = len(track.tids)
        name = track.name if lanes == 1 else f"{track.name} #{lanes}"
        return tid, list(self.thread(tid, name, track.sort * 1000 + lanes))

    def request(self, track: Track, row: Row) -> list[dict[str, Any]]:
        start = self.us(row["created_at"])
        args: dict[str, Any] = {"request_id": row["request_id"], "state": row["state"]}
        if row["failure"] is not None:
            failure = loads(row["failure"])
            if isinstance(failure, dict) and failure.get("error"):
                args["error"] = str(failure["error"])[:_ERROR_CHARS]
        finished = row["finished_at"]
        if row["state"] == "pending" or finished is None:
            args["finished"] = "pending" if row["state"] == "pending" else "unknown"
            tid, named = self.lane(track, start, start)
            event = {"ph": "i", "s": "t", "ts": start}
        else:
            duration = max(0, self.us(finished) - start)
            tid, named = self.lane(track, start, start + duration)
            event = {"ph": "X", "ts": start, "dur": duration}
        named.append({"name": row["kind"], "cat": "request", "pid": PID, "tid": tid, **event, "args": args})
        return named


def _write(out: IO[bytes], events: list[dict[str, Any]]) -> None:
    out.write(b"".join(b",\n" + orjson.dumps(event) for event in events))


def _write_requests(out: IO[bytes], writer: _Writer, track: Track, rows: list[Row]) -> None:
    _write(out, [event for row in rows for event in writer.request(track, row)])


async def export(store: Store, head: Head, path: Path) -> None:
    """Write the trace to ``path`` (replaced at once when complete: a download in progress reads the old one)."""
    session = head.session
    writer = _Writer(session["created_at"])
    partial = path.with_name(f".{path.name}.{os.getpid()}.{id(head)}.tmp")

    def start() -> IO[bytes]:
        path.parent.mkdir(parents=True, exist_ok=True)
        out = partial.open("wb")
        process = {"ph": "M", "pid": PID, "name": "process_name", "args": {"name": f"session {session['session_id']}"}}
        out.write(b'{"traceEvents":[\n' + orjson.dumps(process))
        return out

    out = await asyncio.to_thread(start)
    try:
        events = [*writer.thread(SESSION_TID, "session", 0)]
        events.append(_instant("session started", SESSION_TID, 0, {"session_id": session["session_id"]}))
        if session["status"] != "active":
            finish = loads(session["finish"]) or {}
            args = {
                "status": session["status"],
                "reason": (finish.get("reason") or {}).get("type"),
                "detail": finish.get("detail"),
            }
            events.append(
                _instant(f"session {session['status']}", SESSION_TID, writer.us(session["last_activity"]), args)
            )
        if head.cutoff is not None:
            dropped = {"requests": head.requests, "drawn": MAX_REQUESTS}
            events.append(_instant("earlier requests left out", SESSION_TID, writer.us(head.cutoff), dropped))
        tracks: list[tuple[str, Track]] = []
        for sort, run in enumerate(head.runs, start=1):
            tracks.append((run["model_id"], Track(f"run {run['model_id']}", sort)))
        for sort, sampler in enumerate(head.samplers, start=len(tracks) + 1):
            tracks.append((sampler["sampler_id"], Track(f"sampler {sampler['sampler_id']}", sort)))
        by_id = dict(tracks)
        for _, track in tracks:  # each track's first lane named at once (its checkpoints go there)
            events += writer.lane(track, 0, 0)[1]
        for checkpoint in head.checkpoints:
            owning = by_id.get(checkpoint["training_run_id"])
            if owning is not None:
                path_name = f"tinker://{checkpoint['training_run_id']}/{checkpoint['kind']}/{checkpoint['name']}"
                args = {"tinker_path": path_name, "size_bytes": checkpoint["size_bytes"]}
                at = writer.us(checkpoint["created_at"])
                events.append(_instant(f"checkpoint {checkpoint['name']}", owning.tids[0], at, args, "checkpoint"))
        await asyncio.to_thread(_write, out, events)
        owner, drawn = session["owner"], 0
        for model_id, track in tracks:
            after = (head.cutoff or 0.0, "")  # every id sorts after ""
            while True:
                rows = await store.run(functools.partial(_requests, owner=owner, model_id=model_id, after=after))
                if not rows:
                    break
                drawn += len(rows)
                await asyncio.to_thread(_write_requests, out, writer, track, rows)
                if len(rows) < BATCH:
                    break
                after = (rows[-1]["created_at"], rows[-1]["request_id"])
        metadata = {
            "session_id": session["session_id"],
            "time_origin": when(session["created_at"]).isoformat(),
            "requests": head.requests,
            "requests_drawn": drawn,
            "training_runs": [run["model_id"] for run in head.runs],
            "samplers": [sampler["sampler_id"] for sampler in head.samplers],
        }
        tail = b'\n],\n"displayTimeUnit":"ms",\n"metadata":' + orjson.dumps(metadata) + b"}\n"
        await asyncio.to_thread(_finish, out, tail, partial, path)
    except BaseException:
        await asyncio.to_thread(_discard, out, partial)
        raise


def _instant(name: str, tid: int, ts: int, args: dict[str, Any], cat: str = "session") -> dict[str, Any]:
    return {"name": name, "cat": cat, "ph": "i", "s": "t", "pid": PID, "tid": tid, "ts": ts, "args": args}


def _finish(out: IO[bytes], tail: bytes, partial: Path, path: Path) -> None:
    out.write(tail)
    out.close()
    partial.replace(path)


def _discard(out: IO[bytes], partial: Path) -> None:
    out.close()
    partial.unlink(missing_ok=True)
