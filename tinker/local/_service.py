"""The server's state: tenants, sessions, loaded models and samplers, checkpoints, and the engine.

Handlers ask it for objects by id on behalf of a tenant; another tenant's objects answer 404, as if absent.
What reads or writes the store is async (its statements run on the store's thread, ``_store``); a method that
takes a ``Db`` runs there, as part of a larger hop.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import os
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from tinker._byte_tokenizer import ByteTokenizer
from tinker_api import pydantic_models as models

from ._auth import jwt_owner, owner_of
from ._config import ServerConfig
from ._errors import HTTPError, bad_request, gone, not_found, unauthorized
from ._futures import Future, Futures, ModelQueue, running_ticket
from ._idempotency import Idempotency
from ._limits import SamplingWork
from ._scheduler import CANCELLED_MESSAGE, Batchable, EngineScheduler, Lane
from ._store import Db, Row, Store, dumps, loads
from ._tokenizer_publish import publish_tokenizer
from .engine._registry import MODELS
from .engine._types import BaseModelInfo, LoraSpec

if TYPE_CHECKING:
    from .engine import Engine, Sampler, Trainer

log = logging.getLogger("tinker.local")
T = TypeVar("T")

CHECKPOINT_KINDS = {"weights": "training", "sampler_weights": "sampler", "external_weights": "external"}
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def tinker_path(run_id: str, kind: str, name: str) -> str:
    return f"tinker://{run_id}/{kind}/{name}"


PATH_FORM = "tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>"


def parse_tinker_path(path: str, field_name: str = "path") -> tuple[str, str, str]:
    """``tinker://<run>/<kind>/<name>`` as (run, kind, name), parsed as the SDK parses it.

    The document asks only for the ``tinker://`` prefix (other servers make other forms, and the SDK sends what a
    server returned); a path of another form names none of this server's checkpoints, so it is a 404, as a
    well-formed path naming none is, with a detail naming the field and the form this server makes."""
    try:
        parsed = models.ParsedCheckpointTinkerPath.from_tinker_path(path)
    except ValueError:
        raise not_found(
            f"{field_name}: checkpoint {path!r} not found: this server's checkpoint paths have the form {PATH_FORM}"
        ) from None
    kind, name = parsed.checkpoint_id.split("/", 1)
    return parsed.training_run_id, kind, name


def check_name(name: str, field_name: str = "path") -> str:
    if not name or not set(name) <= NAME_CHARS or len(name) > 200:
        raise bad_request(f"{field_name}: checkpoint name {name!r} must be 1-200 characters of A-Z a-z 0-9 . _ -")
    return name


def lora_from_row(run: Row) -> LoraSpec:
    return LoraSpec(**loads(run["lora"]))


@dataclass
class TrainerSlot:
    """A training run loaded in memory, with the queue that orders its requests."""

    model_id: str
    session_id: str
    owner: str
    base_model: str
    lora: LoraSpec
    queue: ModelQueue
    trainer: Trainer | None = None
    # (kind, name) -> the saves holding it until they are stored: several overwrite saves, or one request and its
    # resubmission (the same holder: model:seq_id and the body's digest)
    pending_names: dict[tuple[str, str], list[str]] = field(default_factory=dict)


class Completions:
    """A sampler's finished requests in the order they finished, read by retrieve_futures from a cursor.

    Only the newest ``limit`` are kept, so a sampler used for days holds bounded memory. Cursors stay absolute
    (the count of completions ever recorded): a cursor into the evicted range reads from the oldest kept one,
    the evicted ones counting as delivered; a poller that fell that far behind still has each result from
    retrieve_future.
    """

    LIMIT = 4096

    def __init__(self, limit: int | None = None) -> None:
        self._kept: deque[tuple[str, str]] = deque(maxlen=limit or self.LIMIT)
        self.end = 0

    def __len__(self) -> int:
        """How many are kept (at most the limit)."""
        return len(self._kept)

    def append(self, request_id: str, state: str) -> None:
        self._kept.append((request_id, state))
        self.end += 1

    def since(self, cursor: int) -> list[tuple[str, str]]:
        """The completions at ``cursor`` and after that are still kept."""
        first = self.end - len(self._kept)
        return list(itertools.islice(self._kept, max(cursor - first, 0), None))


@dataclass
class SamplerSlot:
    sampler_id: str
    session_id: str
    owner: str
    base_model: str
    model_path: str | None
    sampler: Sampler | None = None
    build: Callable[[], Sampler] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    completions: Completions = field(default_factory=Completions)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    clients: int = 0


def release_name(slot: TrainerSlot, kind: str, name: str, holder: str) -> None:
    """Let go of one hold of ``holder`` on a checkpoint name (the save is stored, or it failed)."""
    holders = slot.pending_names.get((kind, name), [])
    if holder in holders:
        holders.remove(holder)
    if not holders:
        slot.pending_names.pop((kind, name), None)


@dataclass
class SamplerHold:
    """A place under the tenant's sampler limit, and the sampler id, held from the check until the sampler is made:
    by queued work (save_weights_for_sampler, which exists only once the work runs) or by create_sampling_session
    (which awaits its checkpoint and the store first), so that requests sent at once cannot all pass the check.
    Let go when the sampler is registered or its making failed, or once ``future`` (a queued save's) is settled,
    which covers work that never runs (its session ended, a seq_id gap dropped it). ``sharers`` counts the
    create_sampling_session requests making the same sampler at once, which share one hold."""

    owner: str
    kind: Literal["save", "session"]
    holder: str | None = None  # a save's request (``_ops_training._holder``), so that its resubmission is known
    future: Future | None = None
    sharers: int = 0

    @property
    def lapsed(self) -> bool:
        return self.future is not None and self.future.state != "pending"


def _fsync(path: Path) -> None:
    """Flush a file (or a directory's entries) to disk, so that a committed row never points at lost data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Service:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(config.data_dir / "tinker-local.sqlite3")
        self.futures = Futures(self.store)
        self.idempotency = Idempotency(self.store)
        self.keys = {owner_of(key): key for key in config.resolved_api_keys()}
        self.revoked: set[str] = set()
        self.trainers: dict[str, TrainerSlot] = {}
        self.samplers: dict[str, SamplerSlot] = {}
        self.sampler_holds: dict[str, SamplerHold] = {}
        self.sampling = SamplingWork(config.max_sampling_requests_per_tenant)
        # sampling requests accepted whose engine work is not queued yet: a batch waits briefly for them
        self.samples_on_the_way = 0
        self.started = time.time()
        self._engine: Engine | None = None
        self._engine_lock = asyncio.Lock()
        self._scheduler = EngineScheduler()
        self.recovered = 0
        self._tokenizer_ids = {ByteTokenizer.name: publish_tokenizer(config.data_dir, config.hf_hub_cache, MODELS)}

    async def start(self) -> None:
        """Recover from the last run before serving: its requests in flight failed, its sessions inactive (their
        clients' heartbeats stopped with it), and the revoked keys read once (every request checks them)."""

        def recover(db: Db) -> None:
            self.recovered = self.futures.recover(db)
            db.execute("UPDATE sessions SET status='inactive' WHERE status='active'")
            self.revoked.update(row["owner"] for row in db.all("SELECT owner FROM revoked_keys"))

        await self.store.run(recover)

    # --- tenants -------------------------------------------------------------------------------------
    def authenticate(self, api_key: str | None) -> str:
        if not api_key:
            raise unauthorized("missing X-API-Key header")
        owner = jwt_owner(api_key, self.keys) if api_key.startswith("eyJ") else owner_of(api_key)
        if owner is None or owner not in self.keys:
            raise unauthorized("unknown API key")
        if owner in self.revoked:
            raise unauthorized("this API key was revoked")
        return owner

    async def revoke(self, owner: str) -> None:
        """Revoke a tenant's key for good: stored first, so that it stays revoked across restarts."""
        await self.store.insert("revoked_keys", {"owner": owner, "revoked_at": time.time()}, replace=True)
        self.revoked.add(owner)

    # --- engine --------------------------------------------------------------------------------------
    async def engine(self) -> Engine:
        """The engine, built on first use so that start-up stays quick (torch loads here)."""
        async with self._engine_lock:
            if self._engine is None:
                self._engine = await self.in_thread(None, self._make_engine)
            return self._engine

    def _make_engine(self) -> Engine:
        from .engine import Engine

        return Engine(device=self.config.device)

    async def base_models(self) -> list[BaseModelInfo]:
        return (await self.engine()).base_models()

    async def base_model(self, name: str) -> BaseModelInfo:
        for info in await self.base_models():
            if info.name == name:
                return info
        names = ", ".join(info.name for info in await self.base_models())
        raise bad_request(f"base_model: unknown base model {name!r}; this server has {names}")

    def tokenizer_id(self, info: BaseModelInfo) -> str:
        """The tokenizer id to answer for a model: where the server wrote its tokenizer, for clients that load it
        with transformers (see ``_tokenizer_publish``)."""
        return self._tokenizer_ids.get(info.tokenizer_id, info.tokenizer_id)

    async def in_thread(self, owner: Lane, function: Callable[..., T], *args: Any, batch: Batchable | None = None) -> T:
        """Run blocking work on the one engine thread, in the turn of ``owner`` (a tenant, or None for the server's
        own work), so that one tenant's deep queue does not hold back another's (see ``_scheduler``).

        Work of a request (run by ``Futures.run``) carries the request's ticket, so that cancel_future can drop it
        before it starts; the server's own work belongs to no request. With ``batch`` the work may run in one engine
        call with other queued work of the same key (sampling on the same weights), its outcome its own part.
        """
        ticket = running_ticket() if owner is not None else None
        return await self._scheduler.run(owner, functools.partial(function, *args), ticket, batch)

    @property
    def scheduler(self) -> EngineScheduler:
        return self._scheduler

    async def cancel(self, future: Future) -> bool:
        """Cancel a pending request: True when its work had not started, so it never runs (a queued training
        request still takes its seq_id turn, so the later ones proceed) and its future fails as cancelled. When it
        came too late the future resolves with its real result, except sampling, which stops at its next token."""
        if future.state != "pending" or not self._scheduler.cancel(future.ticket):
            return False
        await self.futures.fail(future, CANCELLED_MESSAGE, "user")
        return True

    def close(self) -> None:
        """Stop for good (on the event loop, at shutdown): a model queue still waiting for a missing seq_id
        would otherwise wake after its gap timeout and write to the closed store. Queued engine work is dropped and
        the running call waited for, within a bound."""
        for slot in self.trainers.values():
            slot.queue.close()
        self._scheduler.close()
        self.store.close()

    # --- sessions ------------------------------------------------------------------------------------
    async def session(self, session_id: str, owner: str, *, active: bool = True) -> Row:
        """The tenant's session, touched (its activity is now) in the same hop."""

        def read(db: Db) -> Row | None:
            row = db.one("SELECT * FROM sessions WHERE session_id=? AND owner=?", [session_id, owner])
            if row is not None:
                touch_now(db, session_id)
            return row

        row = await self.store.run(read)
        if row is None:
            raise not_found(f"session {session_id!r} not found")
        if active and row["status"] != "active":
            raise bad_request(
                f"session_id: session {session_id!r} is {row['status']} (no heartbeat for "
                f"{self.config.session_timeout_seconds:g} s, finished, or the server restarted); create a new session"
            )
        return row

    async def expire_sessions(self) -> list[str]:
        """Mark sessions silent past the timeout inactive and free what they hold in memory."""
        cutoff = time.time() - self.config.session_timeout_seconds

        def expire(db: Db) -> list[str]:
            stale = [
                row["session_id"]
                for row in db.all("SELECT session_id FROM sessions WHERE status='active' AND last_activity<?", [cutoff])
            ]
            db.executemany("UPDATE sessions SET status='inactive' WHERE session_id=?", [[s] for s in stale])
            return stale

        stale = await self.store.run(expire)
        for session_id in stale:
            await self.release_session(session_id, f"session {session_id} expired: no heartbeat in time")
        return stale

    async def release_session(self, session_id: str, reason: str) -> None:
        dropped: list[Future] = []
        for model_id in [m for m, slot in self.trainers.items() if slot.session_id == session_id]:
            slot = self.trainers.pop(model_id)
            dropped += [future for request_id in slot.queue.close() if (future := self.futures.live(request_id))]
        for sampler_id in [s for s, slot in self.samplers.items() if slot.session_id == session_id]:
            del self.samplers[sampler_id]
        await self.futures.fail_all(dropped, f"{reason}; request not run", "user")

    # --- training runs -------------------------------------------------------------------------------
    async def run(self, model_id: str, owner: str) -> Row:
        row = await self.store.one("SELECT * FROM training_runs WHERE model_id=? AND owner=?", [model_id, owner])
        if row is None:
            raise not_found(f"training run {model_id!r} not found")
        return row

    async def slot(self, model_id: str, owner: str) -> TrainerSlot:
        """The tenant's loaded training run; its session and run are touched (not waited for: no await on a
        training request's way that its answer does not need)."""
        slot = self.trainers.get(model_id)
        if slot is None or slot.owner != owner:
            run = await self.run(model_id, owner)
            session = await self.store.one("SELECT status FROM sessions WHERE session_id=?", [run["session_id"]])
            state = session["status"] if session else "gone"
            raise bad_request(
                f"model_id: training run {model_id!r} is not loaded (its session is {state}); load one of its "
                "checkpoints into a new training client to go on"
            )
        session_id, now = slot.session_id, time.time()

        def touch(db: Db) -> None:
            touch_now(db, session_id, now)
            db.execute("UPDATE training_runs SET last_request_time=? WHERE model_id=?", [now, model_id])

        self.store.later(touch, f"the use of training run {model_id}")
        return slot

    def new_slot(self, model_id: str, session_id: str, owner: str, base_model: str, lora: LoraSpec) -> TrainerSlot:
        queue = ModelQueue(model_id, self.config.seq_gap_timeout_seconds, self._on_seq_gap)
        slot = TrainerSlot(model_id, session_id, owner, base_model, lora, queue)
        self.trainers[model_id] = slot
        return slot

    async def _on_seq_gap(self, missing: int, request_ids: list[str]) -> None:
        await self.futures.fail_all(
            [future for request_id in request_ids if (future := self.futures.live(request_id))],
            f"seq_id {missing} never arrived within {self.config.seq_gap_timeout_seconds:g} s, so the requests "
            "after it on this model were not run",
            "user",
        )

    # --- checkpoints ---------------------------------------------------------------------------------
    def checkpoint_file(self, run_id: str, kind: str, name: str) -> Path:
        return self.config.data_dir / "checkpoints" / quote(run_id, safe="") / kind / f"{name}.safetensors"

    def checkpoint_now(self, db: Db, run_id: str, kind: str, name: str, owner: str, *, readable: bool = False) -> Row:
        """A live checkpoint the tenant owns (or, when ``readable``, one that is published); one past its TTL is
        deleted on the way."""
        row = db.one("SELECT * FROM checkpoints WHERE training_run_id=? AND kind=? AND name=?", [run_id, kind, name])
        if row is not None and row["expires_at"] is not None and row["expires_at"] <= time.time():
            delete_checkpoint_now(db, row)
            row = None
        if row is None or not (row["owner"] == owner or (readable and row["public"])):
            raise not_found(f"checkpoint {tinker_path(run_id, kind, name)!r} not found")
        return row

    def checkpoint_at_now(self, db: Db, path: str, owner: str, field_name: str = "path") -> Row:
        run_id, kind, name = parse_tinker_path(path, field_name)
        return self.checkpoint_now(db, run_id, kind, name, owner, readable=True)

    async def checkpoint(self, run_id: str, kind: str, name: str, owner: str, *, readable: bool = False) -> Row:
        return await self.store.run(lambda db: self.checkpoint_now(db, run_id, kind, name, owner, readable=readable))

    async def expire_checkpoints(self) -> None:
        def expire(db: Db) -> None:
            sql = "SELECT * FROM checkpoints WHERE expires_at IS NOT NULL AND expires_at<=?"
            for row in db.all(sql, [time.time()]):
                delete_checkpoint_now(db, row)

        await self.store.run(expire)

    async def reserve_name(self, slot: TrainerSlot, kind: str, name: str, overwrite: bool, holder: str) -> bool:
        """Refuse a save over an existing name unless ``overwrite``, before the save is queued; returns whether this
        call took a hold (False: ``holder`` already holds it, a resubmission of a request still on its way in).

        The name is held in ``slot.pending_names`` before the store is asked, with no await between the look at
        the held names and the hold, so that saves sent at once cannot both take it; a refusal lets it go.
        """
        holders = slot.pending_names.setdefault((kind, name), [])
        if holder in holders:
            return False
        if holders and not overwrite:
            raise self._name_taken(slot, kind, name)
        holders.append(holder)

        def existing(db: Db) -> tuple[Any, Any]:
            clash = db.scalar(
                "SELECT name FROM checkpoints WHERE training_run_id=? AND kind=? AND lower(name)=lower(?) AND name!=?",
                [slot.model_id, kind, name, name],
            )
            exists = db.scalar(
                "SELECT 1 FROM checkpoints WHERE training_run_id=? AND kind=? AND name=?", [slot.model_id, kind, name]
            )
            return clash, exists

        try:
            clash, exists = await self.store.run(existing)
            if clash:
                raise bad_request(f"path: {name!r} differs only in case from the existing checkpoint {clash!r}")
            if exists and not overwrite:
                raise self._name_taken(slot, kind, name)
        except BaseException:
            release_name(slot, kind, name, holder)
            raise
        return True

    @staticmethod
    def _name_taken(slot: TrainerSlot, kind: str, name: str) -> HTTPError:
        return bad_request(
            f"path: checkpoint {tinker_path(slot.model_id, kind, name)!r} already exists; pass overwrite=true "
            "or choose another name"
        )

    def write_checkpoint(
        self,
        slot: TrainerSlot,
        kind: str,
        name: str,
        tensors: dict[str, Any],
        *,
        with_optimizer: bool,
        ttl_seconds: int | None,
        user_metadata: dict[str, str] | None,
    ) -> Row:
        """Write the file (on the engine thread) and return its row, which ``record_checkpoint`` stores after: a
        crash between the two leaves no checkpoint that has no file."""
        from safetensors.torch import save_file

        path = self.checkpoint_file(slot.model_id, kind, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex}.partial")
        try:
            save_file(
                tensors, str(partial), metadata={"base_model": slot.base_model, "lora": dumps(vars(slot.lora)) or ""}
            )
            _fsync(partial)
            os.replace(partial, path)
            _fsync(path.parent)
        finally:
            partial.unlink(missing_ok=True)
        now = time.time()
        return {
            "training_run_id": slot.model_id,
            "kind": kind,
            "name": name,
            "owner": slot.owner,
            "created_at": now,
            "size_bytes": path.stat().st_size,
            "public": 0,
            "expires_at": now + ttl_seconds if ttl_seconds is not None else None,
            "file": str(path),
            "user_metadata": dumps(user_metadata),
            "with_optimizer": int(with_optimizer),
        }

    async def record_checkpoint(self, slot: TrainerSlot, row: Row) -> None:
        """Store a written checkpoint's row and its audit entry, in one hop."""
        path = tinker_path(slot.model_id, row["kind"], row["name"])

        def record(db: Db) -> None:
            db.insert("checkpoints", row, replace=True)
            db.audit(slot.owner, f"save_{row['kind']}", model_id=slot.model_id, tinker_path=path)

        await self.store.run(record)

    @staticmethod
    def read_checkpoint(row: Row) -> dict[str, Any]:
        from safetensors.torch import load_file

        tensors: dict[str, Any] = load_file(row["file"])
        return tensors

    # --- samplers ------------------------------------------------------------------------------------
    async def sampler_slot(self, sampler_id: str, owner: str) -> SamplerSlot:
        slot = self.samplers.get(sampler_id)
        if slot is not None and slot.owner == owner:
            model_path, session_id = slot.model_path, slot.session_id
            if model_path is None:  # nothing to check: the touch is not waited for
                self.store.later(lambda db: touch_now(db, session_id), f"the use of session {session_id}")
                return slot

            def still_there(db: Db) -> bool:
                touch_now(db, session_id)
                try:  # the weights may have been deleted, or unpublished by another tenant, since
                    self.checkpoint_at_now(db, model_path, owner, "model_path")
                except HTTPError:
                    return False
                return True

            if not await self.store.run(still_there):
                self.samplers.pop(sampler_id, None)
                raise gone(f"sampler {sampler_id!r}: its weights {slot.model_path!r} are no longer available")
            return slot

        def stored(db: Db) -> tuple[Row, Row | None, Row | None]:
            row = db.one("SELECT * FROM samplers WHERE sampler_id=? AND owner=?", [sampler_id, owner])
            if row is None:
                raise not_found(f"sampler {sampler_id!r} not found")
            if row["source"] != "checkpoint":
                return row, None, None
            try:
                checkpoint = self.checkpoint_at_now(db, row["model_path"], owner, "model_path")
            except HTTPError:
                raise gone(f"sampler {sampler_id!r}: its weights {row['model_path']!r} no longer exist") from None
            return row, checkpoint, self.source_run_now(db, checkpoint)

        row, checkpoint, run = await self.store.run(stored)
        if row["source"] == "ephemeral":
            raise gone(
                f"sampler {sampler_id!r} held unsaved weights that are gone (its session ended or the server "
                "restarted); save the weights by name to keep them"
            )
        if checkpoint is not None and run is not None:
            slot = self.checkpoint_sampler(sampler_id, row["session_id"], owner, checkpoint, run)
        else:
            slot = SamplerSlot(sampler_id, row["session_id"], owner, row["base_model"], None)
        return self.samplers.setdefault(sampler_id, slot)  # one a concurrent request loaded meanwhile stays

    async def checkpoint_and_run(self, path: str, owner: str, field_name: str = "path") -> tuple[Row, Row]:
        """A readable checkpoint and the training run it was saved from, in one hop."""

        def read(db: Db) -> tuple[Row, Row]:
            checkpoint = self.checkpoint_at_now(db, path, owner, field_name)
            return checkpoint, self.source_run_now(db, checkpoint)

        return await self.store.run(read)

    @staticmethod
    def source_run_now(db: Db, checkpoint: Row) -> Row:
        """The training run a checkpoint was saved from."""
        run = db.one("SELECT * FROM training_runs WHERE model_id=?", [checkpoint["training_run_id"]])
        assert run is not None
        return run

    def checkpoint_sampler(
        self, sampler_id: str, session_id: str, owner: str, checkpoint: Row, run: Row
    ) -> SamplerSlot:
        """A sampler of a checkpoint's weights (``run``: the run it was saved from), built on first use."""
        path = tinker_path(checkpoint["training_run_id"], checkpoint["kind"], checkpoint["name"])
        slot = SamplerSlot(sampler_id, session_id, owner, run["base_model"], path)
        lora = lora_from_row(run)

        def build() -> Sampler:
            assert self._engine is not None
            tensors = self.read_checkpoint(checkpoint)
            adapter = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
            return self._engine.create_sampler(run["base_model"], lora, adapter)

        slot.build = build
        return slot

    def sampler_held(self, sampler_id: str) -> bool:
        """Whether queued work will make this sampler; a lapsed hold is let go on the way."""
        hold = self.sampler_holds.get(sampler_id)
        if hold is not None and hold.lapsed:
            del self.sampler_holds[sampler_id]
            return False
        return hold is not None

    def held_samplers(self, owner: str) -> int:
        """How many samplers queued work will make for the tenant (``check_sampler_room`` counts them)."""
        return sum(
            1
            for sampler_id, hold in list(self.sampler_holds.items())
            if hold.owner == owner and self.sampler_held(sampler_id)
        )

    def hold_sampler(
        self, sampler_id: str, owner: str, kind: Literal["save", "session"], holder: str | None = None
    ) -> SamplerHold:
        """Hold the id and a place under the limit; the caller has checked both with no await since."""
        hold = self.sampler_holds[sampler_id] = SamplerHold(owner, kind, holder)
        return hold

    def release_sampler(self, sampler_id: str, hold: SamplerHold) -> None:
        if self.sampler_holds.get(sampler_id) is hold:
            del self.sampler_holds[sampler_id]

    async def sampler(self, slot: SamplerSlot) -> Sampler:
        async with slot.lock:
            if slot.sampler is None:
                engine = await self.engine()
                build = slot.build or (lambda: engine.create_sampler(slot.base_model))
                slot.sampler = await self.in_thread(slot.owner, build)
            return slot.sampler

    def new_session_id(self) -> str:
        return str(uuid.uuid4())


def touch_now(db: Db, session_id: str, now: float | None = None) -> None:
    """The session's activity is now (an active session only)."""
    db.execute(
        "UPDATE sessions SET last_activity=? WHERE session_id=? AND status='active'",
        [time.time() if now is None else now, session_id],
    )


def delete_checkpoint_now(db: Db, row: Row) -> None:
    """Delete a checkpoint's row, then its file (a crash between leaves a file that nothing points at)."""
    db.execute(
        "DELETE FROM checkpoints WHERE training_run_id=? AND kind=? AND name=?",
        [row["training_run_id"], row["kind"], row["name"]],
    )
    Path(row["file"]).unlink(missing_ok=True)
