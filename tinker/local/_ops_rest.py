"""Training runs and checkpoints: listing, deletion, publishing, TTLs, download URLs.

Each handler reads and writes in one hop to the store's thread: the functions that take a ``Db`` run there.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinker_api import pydantic_models as models

from . import _files
from ._call import Call, Handler
from ._errors import bad_request, not_found
from ._service import CHECKPOINT_KINDS, delete_checkpoint_now, lora_from_row, tinker_path
from ._store import Db, Row, loads, when


def checkpoint_model(row: Row) -> models.Checkpoint:
    return models.Checkpoint(
        checkpoint_id=f"{row['kind']}/{row['name']}",
        checkpoint_type=CHECKPOINT_KINDS[row["kind"]],
        time=when(row["created_at"]),
        tinker_path=tinker_path(row["training_run_id"], row["kind"], row["name"]),
        size_bytes=row["size_bytes"],
        public=bool(row["public"]),
        user_metadata=loads(row["user_metadata"]),
        expires_at=when(row["expires_at"]) if row["expires_at"] is not None else None,
    )


# A checkpoint past its TTL is no longer listed; housekeeping deletes it (``Service.expire_checkpoints``).
LIVE = "(expires_at IS NULL OR expires_at > ?)"


def _live_checkpoints(db: Db, run_id: str, *, public_only: bool) -> list[Row]:
    sql = f"SELECT * FROM checkpoints WHERE training_run_id=? AND {LIVE}" + (" AND public=1" if public_only else "")
    return db.all(sql + " ORDER BY created_at", [run_id, time.time()])


def _last_checkpoint(db: Db, run_id: str, kind: str, *, public_only: bool) -> models.Checkpoint | None:
    sql = f"SELECT * FROM checkpoints WHERE training_run_id=? AND kind=? AND {LIVE}" + (
        " AND public=1" if public_only else ""
    )
    row = db.one(sql + " ORDER BY created_at DESC LIMIT 1", [run_id, kind, time.time()])
    return None if row is None else checkpoint_model(row)


def _has_published(db: Db, run_id: str) -> bool:
    return bool(
        db.scalar(
            f"SELECT 1 FROM checkpoints WHERE public=1 AND training_run_id=? AND {LIVE} LIMIT 1", [run_id, time.time()]
        )
    )


def _visible_run(db: Db, call: Call, run_id: str) -> tuple[Row, bool]:
    """A run the caller owns, or one with a published checkpoint when the scope is 'accessible'."""
    row = db.one("SELECT * FROM training_runs WHERE model_id=?", [run_id])
    if row is not None and row["owner"] == call.owner:
        return row, True
    if row is not None and call.query.get("access_scope") == "accessible" and _has_published(db, run_id):
        return row, False
    raise not_found(f"training run {run_id!r} not found")


def _run_model(db: Db, row: Row, owned: bool) -> models.TrainingRun:
    run_id = row["model_id"]
    return models.TrainingRun(
        training_run_id=run_id,
        base_model=row["base_model"],
        model_owner=row["owner"],
        is_lora=True,
        corrupted=bool(row["corrupted"]),
        lora_rank=lora_from_row(row).rank,
        last_request_time=when(row["last_request_time"]),
        last_checkpoint=_last_checkpoint(db, run_id, "weights", public_only=not owned),
        last_sampler_checkpoint=_last_checkpoint(db, run_id, "sampler_weights", public_only=not owned),
        user_metadata=loads(row["user_metadata"]),
    )


def _page(call: Call) -> tuple[int, int]:
    return call.query["limit"], call.query["offset"]


async def list_training_runs(call: Call) -> models.TrainingRunsResponse:
    """One page, cut and counted in SQL on the owner index (plus the published-checkpoint index when the scope is
    'accessible')."""
    limit, offset = _page(call)
    params: list[Any] = [call.owner]
    where = "owner=?"
    if call.query.get("access_scope") == "accessible":
        where += f" OR model_id IN (SELECT training_run_id FROM checkpoints WHERE public=1 AND {LIVE})"
        params.append(time.time())

    def page(db: Db) -> models.TrainingRunsResponse:
        total = db.scalar(f"SELECT COUNT(*) FROM training_runs WHERE {where}", params)
        rows = db.all(
            f"SELECT * FROM training_runs WHERE {where} ORDER BY created_at DESC, model_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return models.TrainingRunsResponse(
            training_runs=[_run_model(db, row, row["owner"] == call.owner) for row in rows],
            cursor=models.Cursor(offset=offset, limit=limit, total_count=total),
        )

    return await call.service.store.run(page)


async def get_training_run(call: Call) -> models.TrainingRun:
    def read(db: Db) -> models.TrainingRun:
        row, owned = _visible_run(db, call, call.path["training_run_id"])
        return _run_model(db, row, owned)

    return await call.service.store.run(read)


async def list_checkpoints(call: Call) -> models.CheckpointsListResponse:
    run_id = call.path["training_run_id"]

    def read(db: Db) -> tuple[bool, list[Row]]:
        row = db.one("SELECT owner FROM training_runs WHERE model_id=?", [run_id])
        owned = row is not None and row["owner"] == call.owner
        return owned, _live_checkpoints(db, run_id, public_only=not owned) if row is not None else []

    owned, checkpoints = await call.service.store.run(read)
    if not owned and not checkpoints:
        raise not_found(f"training run {run_id!r} not found")
    return models.CheckpointsListResponse(checkpoints=[checkpoint_model(c) for c in checkpoints])


async def list_user_checkpoints(call: Call) -> models.CheckpointsListResponse:
    limit, offset = _page(call)
    params = [call.owner, time.time()]

    def page(db: Db) -> tuple[int, list[Row]]:
        total = db.scalar(f"SELECT COUNT(*) FROM checkpoints WHERE owner=? AND {LIVE}", params)
        rows = db.all(
            f"SELECT * FROM checkpoints WHERE owner=? AND {LIVE} ORDER BY created_at DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return total, rows

    total, rows = await call.service.store.run(page)
    return models.CheckpointsListResponse(
        checkpoints=[checkpoint_model(row) for row in rows],
        cursor=models.Cursor(offset=offset, limit=limit, total_count=total),
    )


def _own_checkpoint(db: Db, call: Call) -> Row:
    return call.service.checkpoint_now(
        db, call.path["training_run_id"], call.path["checkpoint_kind"], call.path["checkpoint_name"], call.owner
    )


async def _readable_checkpoint(call: Call) -> Row:
    return await call.service.checkpoint(
        call.path["training_run_id"],
        call.path["checkpoint_kind"],
        call.path["checkpoint_name"],
        call.owner,
        readable=True,
    )


def _audit(db: Db, call: Call, event: str, row: Row) -> None:
    path = tinker_path(row["training_run_id"], row["kind"], row["name"])
    db.audit(call.owner, event, model_id=row["training_run_id"], tinker_path=path)


async def delete_checkpoint(call: Call) -> None:
    def delete(db: Db) -> None:
        row = _own_checkpoint(db, call)
        delete_checkpoint_now(db, row)
        _audit(db, call, "delete_checkpoint", row)

    await call.service.store.run(delete)


def _file_url(row: Row) -> str:
    return Path(row["file"]).resolve().as_uri()


async def get_checkpoint_archive_url(call: Call) -> models.CheckpointArchiveUrlResponse:
    """The checkpoint's safetensors file; a local server has no object store, so the URL is a file URL."""
    row = await _readable_checkpoint(call)
    return models.CheckpointArchiveUrlResponse(url=_file_url(row), expires=datetime.now(UTC) + _files.URL_LIFETIME)


async def get_external_weights_urls(call: Call) -> models.ExternalWeightsUrlsResponse:
    """The checkpoint as a PEFT adapter folder (adapter_config.json, adapter_model.safetensors), each file behind an
    HTTP URL of this server signed with the caller's key (``_files``), as the hosted service signs storage URLs;
    the URLs start with ``ServerConfig.public_url`` when the server runs behind a proxy, else with the Host the
    request came to."""
    row = await _readable_checkpoint(call)
    expires = datetime.now(UTC) + _files.URL_LIFETIME
    base_url = _files.base_url(call.service.config.public_url, call.headers.get("host"))
    urls = _files.signed_urls(base_url, call.service.keys[call.owner], call.owner, row, expires)
    return models.ExternalWeightsUrlsResponse(urls=urls, expires=expires)


async def _set_public(call: Call, public: bool) -> None:
    def update(db: Db) -> None:
        row = _own_checkpoint(db, call)
        db.execute(
            "UPDATE checkpoints SET public=? WHERE training_run_id=? AND kind=? AND name=?",
            [int(public), row["training_run_id"], row["kind"], row["name"]],
        )
        _audit(db, call, "publish_checkpoint" if public else "unpublish_checkpoint", row)

    await call.service.store.run(update)


async def publish_checkpoint(call: Call) -> None:
    await _set_public(call, True)


async def unpublish_checkpoint(call: Call) -> None:
    await _set_public(call, False)


async def set_checkpoint_ttl(call: Call) -> None:
    request = call.model(models.SetCheckpointTtlRequest)

    def update(db: Db) -> None:
        row = _own_checkpoint(db, call)
        if request.ttl_seconds is not None and request.ttl_seconds <= 0:
            raise bad_request("ttl_seconds: must be positive, or null to keep the checkpoint until deleted")
        expires = None if request.ttl_seconds is None else time.time() + request.ttl_seconds
        db.execute(
            "UPDATE checkpoints SET expires_at=? WHERE training_run_id=? AND kind=? AND name=?",
            [expires, row["training_run_id"], row["kind"], row["name"]],
        )

    await call.service.store.run(update)


HANDLERS: dict[str, Handler] = {
    "list_training_runs": list_training_runs,
    "get_training_run": get_training_run,
    "list_checkpoints": list_checkpoints,
    "list_user_checkpoints": list_user_checkpoints,
    "delete_checkpoint": delete_checkpoint,
    "get_checkpoint_archive_url": get_checkpoint_archive_url,
    "get_external_weights_urls": get_external_weights_urls,
    "publish_checkpoint": publish_checkpoint,
    "unpublish_checkpoint": unpublish_checkpoint,
    "set_checkpoint_ttl": set_checkpoint_ttl,
}
