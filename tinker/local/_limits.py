"""The bounds on what one tenant may queue, run or hold at once (``ServerConfig``'s ``LIMITS``).

A bound that frees on its own as work finishes (a model's queue, the tenant's queues, its sampling requests) is a
429 with Retry-After: waiting helps, and the SDKs wait. One that frees only when the tenant acts (active sessions,
loaded training runs and samplers) is a 400 naming what to finish or unload: a retry would only fail again.
Every refusal names the setting, its value and the ``tinker local serve`` flag that raises it.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ._errors import bad_request, too_many

if TYPE_CHECKING:
    from ._config import ServerConfig
    from ._service import Service, TrainerSlot
    from ._store import Db
    from .engine._types import BaseModelInfo


def _flag(setting: str) -> str:
    return "--" + setting.replace("_", "-")


def _past(setting: str, limit: int) -> str:
    return f"the server's {setting} limit of {limit} (tinker local serve {_flag(setting)})"


def check_queue_room(service: Service, slot: TrainerSlot, seq: int) -> None:
    """Room for one more request on the model's queue and on all the tenant's queues.

    The request the queue is waiting for (the next seq_id) is always taken: refusing it would hold the queued
    ones until the gap timeout failed them all.
    """
    if seq == slot.queue.next_seq:
        return
    config = service.config
    if len(slot.queue) >= config.max_queued_per_model:
        raise too_many(
            f"model {slot.model_id!r} already has {len(slot.queue)} requests queued, "
            f"{_past('max_queued_per_model', config.max_queued_per_model)}; send this one again when some have run"
        )
    queued = sum(len(other.queue) for other in service.trainers.values() if other.owner == slot.owner)
    if queued >= config.max_queued_per_tenant:
        raise too_many(
            f"this API key already has {queued} training requests queued over its models, "
            f"{_past('max_queued_per_tenant', config.max_queued_per_tenant)}; send this one again when some have run"
        )


def check_session_room(db: Db, config: ServerConfig, owner: str) -> None:
    """Room for one more active session; run in the same hop as the session's insert, so that requests at once
    cannot all pass it."""
    limit = config.max_sessions_per_tenant
    active = db.scalar("SELECT COUNT(*) FROM sessions WHERE owner=? AND status='active'", [owner]) or 0
    if active >= limit:
        raise bad_request(
            f"session: this API key has {active} active sessions, {_past('max_sessions_per_tenant', limit)}; "
            "finish sessions it no longer needs (sessions without a heartbeat are closed after "
            f"{config.session_timeout_seconds:g} s)"
        )


def check_training_run_room(service: Service, owner: str) -> None:
    limit = service.config.max_training_runs_per_tenant
    loaded = sum(1 for slot in service.trainers.values() if slot.owner == owner)
    if loaded >= limit:
        raise bad_request(
            f"model_seq_id: this API key has {loaded} training runs loaded, "
            f"{_past('max_training_runs_per_tenant', limit)}; unload_model or finish the sessions of runs it no "
            "longer trains"
        )


def check_sampler_room(service: Service, owner: str) -> None:
    """Counts the samplers loaded and those that queued saves will make (``Service.sampler_holds``), so that
    requests sent at once cannot all pass it; the caller holds its place with no await after the check."""
    limit = service.config.max_samplers_per_tenant
    loaded = sum(1 for key, slot in service.samplers.items() if slot.owner == owner and not key.startswith("adhoc:"))
    loaded += service.held_samplers(owner)
    if loaded >= limit:
        raise bad_request(
            f"sampling_session_seq_id: this API key has {loaded} samplers, {_past('max_samplers_per_tenant', limit)}; "
            "finish the sessions of samplers it no longer uses"
        )


def check_sampled_tokens(service: Service, max_tokens: int, num_samples: int) -> None:
    limit = service.config.max_sampled_tokens
    if max_tokens * num_samples > limit:
        raise bad_request(
            f"sampling_params.max_tokens * num_samples: {max_tokens} * {num_samples} = {max_tokens * num_samples} "
            f"tokens, past {_past('max_sampled_tokens', limit)} per request; ask for fewer samples or tokens, or "
            "send several requests"
        )


def max_dense_cells(max_body_bytes: int, info: BaseModelInfo, inputs: int) -> int:
    """The most cells the loss inputs of one forward_backward may hold once dense.

    As many as a dense body of ``max_body_bytes`` could carry (2 bytes a cell, JSON's shortest: ``0,``), so that
    CSR, which saves bytes on the wire, never lets a small body hold more memory than the largest dense one could;
    and never fewer than one datum of the model's whole context with every input the loss takes at full vocabulary
    width, so that any single datum the model can take fits.
    """
    return max(max_body_bytes // 2, info.max_context_length * info.vocab_size * inputs)


def check_dense_cells(total: int, max_body_bytes: int, info: BaseModelInfo, loss_fn: str, inputs: int) -> None:
    limit = max_dense_cells(max_body_bytes, info, inputs)
    if total > limit:
        raise bad_request(
            f"data: the loss_fn_inputs of this request hold {total} cells once dense, more than the {limit} one "
            f"request may hold: the larger of half {_past('max_body_bytes', max_body_bytes)} and {info.name}'s "
            f"context length ({info.max_context_length}) x vocabulary ({info.vocab_size}) x the {inputs} inputs "
            f"{loss_fn} takes; send fewer datums per request"
        )


class SamplingWork:
    """The sample requests each tenant has running or waiting for the engine."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running: Counter[str] = Counter()

    def start(self, owner: str) -> None:
        if self.running[owner] >= self.limit:
            raise too_many(
                f"this API key already has {self.running[owner]} sample requests running, "
                f"{_past('max_sampling_requests_per_tenant', self.limit)}; send this one again when some have finished"
            )
        self.running[owner] += 1

    def finish(self, owner: str) -> None:
        self.running[owner] -= 1
        if self.running[owner] <= 0:
            del self.running[owner]
