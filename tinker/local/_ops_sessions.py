"""Sessions: creation, heartbeats, listing and search, project, trace export (``_trace``), finish.

Each handler's statements go to the store's thread in one hop (a function of a ``Db``), the search and its summaries
included.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from tinker_api import pydantic_models as models

from . import _files, _trace
from ._call import Call, Handler
from ._errors import gone, not_found
from ._limits import check_session_room
from ._service import touch_now
from ._store import Db, Row, dumps, loads, when


async def create_session(call: Call) -> models.CreateSessionResponse:
    request = call.model(models.CreateSessionRequest)
    service = call.service
    session_id = service.new_session_id()
    now = time.time()
    row = {
        "session_id": session_id,
        "owner": call.owner,
        "created_at": now,
        "last_activity": now,
        "status": "active",
        "tags": dumps(sorted(set(request.tags))),
        "user_metadata": dumps(request.user_metadata),
        "sdk_version": request.sdk_version,
        "project_id": request.project_id,
        "display_name": request.display_name,
    }

    def create(db: Db) -> None:
        check_session_room(db, service.config, call.owner)
        db.insert("sessions", row)

    await service.store.run(create)
    return models.CreateSessionResponse(
        session_id=session_id,
        info_message=f"local Tinker server; sessions without a heartbeat for "
        f"{service.config.session_timeout_seconds:g} s are closed",
    )


async def session_heartbeat(call: Call) -> models.SessionHeartbeatResponse:
    request = call.model(models.SessionHeartbeatRequest)
    session_id = request.session_id

    def beat(db: Db) -> str | None:
        status: str | None = db.scalar(
            "SELECT status FROM sessions WHERE session_id=? AND owner=?", [session_id, call.owner]
        )
        if status == "active":
            touch_now(db, session_id)
        return status

    status = await call.service.store.run(beat)
    if status is None:
        raise not_found(f"session {session_id!r} not found")
    if status != "active":
        raise gone(f"session {session_id!r} is {status}; create a new session")
    return models.SessionHeartbeatResponse()


async def list_sessions(call: Call) -> models.ListSessionsResponse:
    rows = await call.service.store.all(
        "SELECT session_id FROM sessions WHERE owner=? ORDER BY created_at DESC, session_id LIMIT ? OFFSET ?",
        [call.owner, call.query["limit"], call.query["offset"]],
    )
    return models.ListSessionsResponse(sessions=[row["session_id"] for row in rows])


def _status(row: Row) -> Any:
    if row["status"] == "active":
        return models.SessionActive()
    if row["status"] == "finished":
        finish = loads(row["finish"]) or {}
        return models.ClientSessionFinished.model_validate(
            {"reason": finish.get("reason", {"type": "success"}), "detail": finish.get("detail")}
        )
    return models.SessionCancelled(detail=f"session {row['status']}: no heartbeat in time, or the server restarted")


# A stored status as the name search_sessions filters on.
_STATUS_NAME = "CASE status WHEN 'active' THEN 'active' WHEN 'finished' THEN 'client_finished' ELSE 'cancelled' END"
_SEARCH_BATCH = 256


def _summary(db: Db, row: Row) -> models.SessionSummary:
    count, size = db.one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS size FROM checkpoints c JOIN training_runs r "
        "ON c.training_run_id = r.model_id WHERE r.session_id=? AND (c.expires_at IS NULL OR c.expires_at > ?)",
        [row["session_id"], time.time()],
    ).values()  # type: ignore[union-attr]
    return models.SessionSummary(
        session_id=row["session_id"],
        created_at=when(row["created_at"]),
        owner=row["owner"],
        project_id=row["project_id"] or "default",
        status=_status(row),
        checkpoints_count=count,
        display_name=row["display_name"],
        user_metadata=loads(row["user_metadata"]),
        checkpoint_storage_bytes=size,
    )


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _search_rows(db: Db, owner: str, request: models.SessionSearchRequest) -> Iterator[Row]:
    """The tenant's sessions that match every filter but ``user_metadata``, newest first, read a batch at a time
    along the owner index (keyset on created_at and session_id), so a search reads about as many rows as it
    answers."""
    where, params = ["owner=?"], [owner]
    if request.session_id is not None:
        where.append("session_id=?")
        params.append(request.session_id)
    if request.project_ids:
        where.append(f"COALESCE(project_id, 'default') IN ({_marks(request.project_ids)})")
        params += request.project_ids
    if request.display_name is not None:
        where.append("display_name=?")
        params.append(request.display_name)
    statuses = sorted({status.type for status in request.statuses or []})
    if statuses:
        where.append(f"{_STATUS_NAME} IN ({_marks(statuses)})")
        params += statuses
    bound, bound_params = "", []
    if request.cursor is not None:
        # a cursor holds a stored time rounded to the microsecond: the SQL bound lets one microsecond more through
        # and the exact comparison below decides, as it did before
        bound, bound_params = " AND created_at <= ?", [request.cursor.last_created_at.timestamp() + 1e-6]
    while True:
        rows = db.all(
            f"SELECT * FROM sessions WHERE {' AND '.join(where)}{bound} "
            "ORDER BY created_at DESC, session_id DESC LIMIT ?",
            [*params, *bound_params, _SEARCH_BATCH],
        )
        for row in rows:
            if request.cursor is None or (when(row["created_at"]), row["session_id"]) < (
                request.cursor.last_created_at,
                request.cursor.last_session_id,
            ):
                yield row
        if len(rows) < _SEARCH_BATCH:
            return
        bound, bound_params = " AND (created_at, session_id) < (?, ?)", [rows[-1]["created_at"], rows[-1]["session_id"]]


async def search_sessions(call: Call) -> models.SessionSearchResponse:
    request = call.model(models.SessionSearchRequest)
    owner_filter = request.owner
    if isinstance(owner_filter, models.UserSearchOwner) and call.owner not in owner_filter.owner_urns:
        return models.SessionSearchResponse(sessions=[])
    return await call.service.store.run(lambda db: _search(db, call.owner, request))


def _search(db: Db, owner: str, request: models.SessionSearchRequest) -> models.SessionSearchResponse:
    found = []
    for row in _search_rows(db, owner, request):
        metadata = loads(row["user_metadata"]) or {}
        if any(metadata.get(key) != value for key, value in request.user_metadata.items()):
            continue
        found.append(row)
        if len(found) > request.limit:
            break
    page = found[: request.limit]
    cursor = None
    if len(found) > request.limit:
        last = page[-1]
        cursor = models.SessionSearchCursor(
            last_created_at=when(last["created_at"]), last_session_id=last["session_id"]
        )
    return models.SessionSearchResponse(sessions=[_summary(db, row) for row in page], next_cursor=cursor)


def _own_session(db: Db, call: Call) -> Row:
    session_id = call.path["session_id"]
    row = db.one("SELECT * FROM sessions WHERE session_id=? AND owner=?", [session_id, call.owner])
    if row is None:
        raise not_found(f"session {session_id!r} not found")
    return row


async def get_session(call: Call) -> models.GetSessionResponse:
    def read(db: Db) -> tuple[Row, list[Row], list[Row]]:
        row = _own_session(db, call)
        session_id = row["session_id"]
        runs = db.all("SELECT model_id FROM training_runs WHERE session_id=? ORDER BY created_at", [session_id])
        samplers = db.all("SELECT sampler_id FROM samplers WHERE session_id=? ORDER BY created_at", [session_id])
        return row, runs, samplers

    row, runs, samplers = await call.service.store.run(read)
    return models.GetSessionResponse(
        training_run_ids=[r["model_id"] for r in runs],
        sampler_ids=[s["sampler_id"] for s in samplers],
        user_metadata=loads(row["user_metadata"]),
        display_name=row["display_name"],
    )


async def assign_session_project(call: Call) -> None:
    request = call.model(models.AssignSessionProjectRequest)

    def assign(db: Db) -> None:
        row = _own_session(db, call)
        db.execute("UPDATE sessions SET project_id=? WHERE session_id=?", [request.project_id, row["session_id"]])

    await call.service.store.run(assign)


async def export_session_trace(call: Call) -> models.SessionTraceExportResponse:
    """Writes the session's timeline as a trace Perfetto's UI and chrome://tracing open (``_trace``: Chrome's Trace
    Event Format, read a batch at a time and written in a worker thread) and answers its URL on this server, signed
    with the caller's key as checkpoint files are (``_files``; ``ServerConfig.public_url`` or the Host header)."""
    service = call.service
    head = await service.store.run(lambda db: _trace.read_head(db, _own_session(db, call)))
    session_id = head.session["session_id"]
    await _trace.export(service.store, head, _trace.trace_file(service.config.data_dir, session_id))
    base_url = _files.base_url(service.config.public_url, call.headers.get("host"))
    expires = datetime.now(UTC) + _files.URL_LIFETIME
    url = _files.signed_trace_url(base_url, service.keys[call.owner], call.owner, session_id, expires)
    return models.SessionTraceExportResponse(status="ready", url=url)


async def finish_session(call: Call) -> None:
    request = call.model(models.SessionFinishRequest)
    finish = orjson.dumps(request.model_dump(mode="json")).decode()

    def close(db: Db) -> str:
        session_id: str = _own_session(db, call)["session_id"]
        db.execute(  # its last activity is its end, which the trace shows
            "UPDATE sessions SET status='finished', finish=?, last_activity=? WHERE session_id=?",
            [finish, time.time(), session_id],
        )
        return session_id

    session_id = await call.service.store.run(close)
    await call.service.release_session(session_id, f"session {session_id} was finished by the client")


HANDLERS: dict[str, Handler] = {
    "create_session": create_session,
    "session_heartbeat": session_heartbeat,
    "list_sessions": list_sessions,
    "search_sessions": search_sessions,
    "get_session": get_session,
    "assign_session_project": assign_session_project,
    "export_session_trace": export_session_trace,
    "finish_session": finish_session,
}
