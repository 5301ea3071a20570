"""X-Idempotency-Key: a retried request that changes something gets the first answer instead of a second effect.

A client whose answer was lost (a dropped connection, a timeout) sends the same request again with the same key.
For a request that carries a ``seq_id`` the seq_id already says which request it is (``_futures``: the same seq_id
and payload answer with the same future), so those keep that rule. Every other request that changes something is
replayed here: create_session, create_sampling_session, a session-less copy_weights, an asample without seq_id...

- Keyed by tenant, key and the request's fingerprint (method, path, query, body): a retry is the same key with the
  same request. The same key with a different request is another request and runs on its own (the IETF draft
  refuses it with 422; that refusal protects nothing a retry needs, and refuses clients and contract testers that
  send one constant key, such as the document's example).
- Answers below 500 are kept, except 408, 409 and 429 (which ask the client to come back); a 5xx is not, so that a
  retry may get past a server failure.
- A second request while the first still runs waits for the first's answer (up to ``IN_FLIGHT_WAIT``), then
  gets 409 with Retry-After: a transient conflict that clients retry.
- Kept in the store (SQLite), so a replay survives a restart, for ``RETENTION_SECONDS`` (as Stripe keeps keys) and
  at most ``MAX_KEPT_PER_TENANT`` answers of each tenant, the oldest dropped first (``_retention``): the disk it
  takes is bounded, the memory is not touched. (The table before keys named one request, ``idempotency``, is
  dropped at start: it only ever held replays.)
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from starlette.responses import Response

from ._errors import HTTPError
from ._store import Store

KEY_HEADERS = ("x-idempotency-key", "idempotency-key")
RETENTION_SECONDS = 24 * 3600
MAX_KEPT_PER_TENANT = 10_000
MAX_ANSWER_BYTES = 1024 * 1024
IN_FLIGHT_WAIT = 30.0
REPLAYED_HEADER = "Idempotent-Replayed"
_NOT_KEPT = frozenset({408, 409, 429})

# Operations that never replay: they only read, poll or stream (a retry must ask again), or repeat harmlessly.
NOT_REPLAYED = frozenset(
    {
        "get_client_config",
        "get_client_dynamic_config",
        "exchange_auth_token",
        "session_heartbeat",
        "get_info",
        "get_weights_info",
        "search_sessions",
        "retrieve_future",
        "retrieve_futures",
        "stream_sample",
    }
)


def key_of(headers: Mapping[str, str]) -> str | None:
    """The request's idempotency key (X-Idempotency-Key, or the IETF draft's Idempotency-Key), if it sent one; an
    empty one names nothing. Kept as its digest, so that a key of any length takes the same room."""
    for name in KEY_HEADERS:
        key = headers.get(name)
        if key:
            return hashlib.sha256(key.encode()).hexdigest()
    return None


def fingerprint_of(method: str, path: str, query: str, body_digest: str) -> str:
    """What makes two requests the same request: method, path, query and the body (by its digest)."""
    return hashlib.sha256(f"{method} {path}?{query}\n{body_digest}".encode()).hexdigest()


@dataclass
class _Running:
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Idempotency:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._running: dict[tuple[str, str, str], _Running] = {}

    async def run(self, owner: str, key: str, fingerprint: str, produce: Callable[[], Awaitable[Response]]) -> Response:
        """The kept answer for (owner, key, fingerprint), else ``produce``'s, kept when it is final."""
        slot = (owner, key, fingerprint)
        deadline = time.monotonic() + IN_FLIGHT_WAIT
        while True:
            kept = await self._kept(*slot)
            if kept is not None:
                return kept
            running = self._running.get(slot)
            if running is None:
                break
            try:
                await asyncio.wait_for(running.done.wait(), deadline - time.monotonic())
            except TimeoutError:
                raise HTTPError(
                    409,
                    "a request with this idempotency key is still being processed; retry shortly",
                    {"Retry-After": "1"},
                ) from None
        running = self._running[slot] = _Running()
        try:
            response = await produce()
            await self._keep(*slot, response)
            return response
        finally:
            del self._running[slot]
            running.done.set()

    async def _kept(self, owner: str, key: str, fingerprint: str) -> Response | None:
        row = await self._store.one(
            "SELECT status, media_type, body FROM idempotent_answers WHERE owner=? AND key=? AND fingerprint=? "
            "AND created_at>?",
            [owner, key, fingerprint, time.time() - RETENTION_SECONDS],
        )
        if row is None:
            return None
        return Response(
            row["body"], status_code=row["status"], media_type=row["media_type"], headers={REPLAYED_HEADER: "true"}
        )

    async def _keep(self, owner: str, key: str, fingerprint: str, response: Response) -> None:
        status = response.status_code
        body = getattr(response, "body", None)  # a streamed answer has none and is not kept
        if status >= 500 or status in _NOT_KEPT or not isinstance(body, bytes) or len(body) > MAX_ANSWER_BYTES:
            return
        await self._store.insert(
            "idempotent_answers",
            {
                "owner": owner,
                "key": key,
                "fingerprint": fingerprint,
                "status": status,
                "media_type": response.headers.get("content-type"),
                "body": body,
                "created_at": time.time(),
            },
            replace=True,
        )
