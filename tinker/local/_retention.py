"""Pruning the server's own records, so that the store stays bounded however long the server runs.

Telemetry batches, audit events, finished futures' results and idempotent answers are dropped by age and by
count, the oldest first (the bounds are ``ServerConfig``'s ``RETENTION`` settings; idempotent answers keep
``_idempotency``'s). User data (sessions, training runs, checkpoints, samplers) is never pruned here: it goes only
when its owner deletes it or its TTL passes. Housekeeping calls ``prune`` now and then.

Counts are per tenant where a tenant could otherwise push another's records out (audit, results, idempotent
answers); telemetry carries
no tenant and is bounded as a whole. Deletes go ``BATCH`` rows at a time, each its own hop to the store's thread, so
that other requests' statements run between them even when a data directory from before these bounds holds millions
of rows (the event loop waits for none of them).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ._idempotency import MAX_KEPT_PER_TENANT as IDEMPOTENT_PER_TENANT
from ._idempotency import RETENTION_SECONDS as IDEMPOTENCY_SECONDS
from ._store import Store

if TYPE_CHECKING:
    from ._service import Service

BATCH = 5_000
# Finished futures stay in memory this long, and at most this many (the store answers for them after that, until
# they are pruned): a client fetches a result within seconds, and a busy server finishes thousands a minute.
RESULTS_IN_MEMORY_SECONDS = 600.0
RESULTS_IN_MEMORY = 4_096


async def prune(service: Service) -> dict[str, int]:
    """Apply every retention bound once; returns how many rows each table lost."""
    config, store = service.config, service.store
    now = time.time()
    service.futures.forget_finished(older_than=RESULTS_IN_MEMORY_SECONDS, keep=RESULTS_IN_MEMORY)
    telemetry = await _drop(store, "telemetry", "id", "received_at < ?", [now - config.telemetry_retention_seconds])
    telemetry += await _keep_newest_telemetry(store, config.max_telemetry_batches)
    audit = await _drop(store, "audit", "id", "time < ?", [now - config.audit_retention_seconds])
    async for owner in _owners(store, "audit"):
        audit += await _drop(
            store, "audit", "id", "owner=?", [owner], "time DESC, id DESC", config.max_audit_events_per_tenant
        )
    futures = await service.futures.prune(older_than=config.result_retention_seconds)
    async for owner in _owners(store, "futures"):
        futures += await _drop(
            store,
            "futures",
            "rowid",
            "owner=? AND state != 'pending'",
            [owner],
            "created_at DESC",
            config.max_results_per_tenant,
        )
    idempotency = await prune_idempotent_answers(store)
    return {"telemetry": telemetry, "audit": audit, "futures": futures, "idempotency": idempotency}


async def prune_idempotent_answers(
    store: Store, older_than: float = IDEMPOTENCY_SECONDS, keep: int = IDEMPOTENT_PER_TENANT
) -> int:
    """Forget idempotent answers older than ``older_than`` seconds, then all but each tenant's newest ``keep``."""
    dropped = await _drop(store, "idempotent_answers", "rowid", "created_at < ?", [time.time() - older_than])
    async for owner in _owners(store, "idempotent_answers"):
        dropped += await _drop(store, "idempotent_answers", "rowid", "owner=?", [owner], "created_at DESC", keep)
    return dropped


async def _drop(
    store: Store, table: str, key: str, where: str, params: list[Any], newest_first: str = "", keep: int = 0
) -> int:
    """Delete the rows that match ``where``, all but the first ``keep`` of them in ``newest_first`` order."""
    order = f" ORDER BY {newest_first}" if newest_first else ""
    sql = f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {where}{order} LIMIT ? OFFSET ?)"
    dropped = 0
    while True:
        count = await store.execute(sql, [*params, BATCH, keep])
        dropped += count
        if count < BATCH:
            return dropped


async def _keep_newest_telemetry(store: Store, keep: int) -> int:
    """Ids only grow (AUTOINCREMENT), so the newest ``keep`` batches have ids above the highest minus ``keep``:
    one seek instead of walking ``keep`` rows."""
    highest = await store.scalar("SELECT MAX(id) FROM telemetry")
    if highest is None or highest <= keep:
        return 0
    return await _drop(store, "telemetry", "id", "id <= ?", [highest - keep])


async def _owners(store: Store, table: str) -> AsyncIterator[str]:
    """The tenants with rows in ``table``, one index seek each (rather than a scan for DISTINCT)."""
    owner = await store.scalar(f"SELECT MIN(owner) FROM {table}")
    while owner is not None:
        yield owner
        owner = await store.scalar(f"SELECT MIN(owner) FROM {table} WHERE owner > ?", [owner])
