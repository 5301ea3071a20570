"""Training operations: each is checked at once, then queued on its model in seq_id order.

A request's seq_id is taken, its future made and its job queued with no await in between, so that requests that
await the store meanwhile cannot take the same turn.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from tinker_api import pydantic_models as models
from tinker_api.proto import tinker_public_pb2 as pb

from . import _wire as wire
from ._call import Call, Handler
from ._errors import HTTPError, bad_request
from ._futures import RequestFailed
from ._limits import check_queue_room, check_sampler_room, check_training_run_room
from ._offload import off_loop
from ._service import (
    SamplerHold,
    SamplerSlot,
    Service,
    TrainerSlot,
    check_name,
    lora_from_row,
    release_name,
    tinker_path,
)
from ._store import Db, dumps
from ._validation import PROTOBUF
from .engine._types import AdamSpec, BaseModelInfo, EngineInputError, Example, LoraSpec

if TYPE_CHECKING:
    from .engine import Trainer

T = TypeVar("T")
Work = Callable[[], Awaitable[dict[str, Any]]]


def _future(request_id: str, model_id: str) -> models.UntypedAPIFuture:
    return models.UntypedAPIFuture(request_id=request_id, model_id=model_id)


async def submit(
    call: Call, slot: TrainerSlot, seq_id: int | None, result_type: str, work: Work
) -> models.UntypedAPIFuture:
    """Queue ``work`` at its seq_id; a resubmitted payload answers with the original request id.

    Only a seq_id this run's queue has taken can name a stored request (a loaded run lives in this process only), so
    a new one costs no store read before its row is written."""
    service = call.service
    if seq_id is not None and (seq_id <= slot.queue.highest or service.futures.live(f"{slot.model_id}:{seq_id}")):
        existing = await service.futures.existing(f"{slot.model_id}:{seq_id}", call.digest, f"seq_id {seq_id}")
        if existing is not None:
            return _future(existing.request_id, slot.model_id)
    if slot.queue.closed:
        raise bad_request(f"model_id: training run {slot.model_id!r} is not loaded (its session ended)")
    seq = slot.queue.assign(seq_id)
    check_queue_room(service, slot, seq)
    request_id = f"{slot.model_id}:{seq}"
    future = service.futures.add(request_id, call.owner, result_type, slot.model_id, call.digest)

    async def job() -> None:
        await service.futures.run(future, work)

    slot.queue.put(seq, request_id, job)
    await service.futures.save(future)
    return _future(request_id, slot.model_id)


async def _consuming(call: Call, model_id: str | None, seq_id: int | None, answer: Awaitable[T]) -> T:
    """``answer`` awaited; if it is refused, the request's seq_id is used up all the same: the client moves on to
    the next one, so the server must too.

    A 429 does not use it up: the client sends that request again, at the same seq_id."""
    try:
        return await answer
    except (HTTPError, EngineInputError, RequestFailed) as error:
        if isinstance(error, HTTPError) and error.status_code == 429:
            raise
        _skip(call.service, call.owner, model_id, seq_id)
        raise


def _skip(service: Service, owner: str, model_id: Any, seq_id: Any) -> None:
    slot = service.trainers.get(model_id) if isinstance(model_id, str) else None
    if slot is not None and slot.owner == owner and isinstance(seq_id, int) and not isinstance(seq_id, bool):
        slot.queue.skip(seq_id)


def sequence_of(raw: bytes) -> tuple[Any, Any]:
    """The ``model_id`` and ``seq_id`` of a JSON body the schema refused, where they can be read (else None)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, None
    return (data.get("model_id"), data.get("seq_id")) if isinstance(data, dict) else (None, None)


async def skip_refused_body(service: Service, owner: str, raw: bytes) -> None:
    """A JSON body the schema refused uses up its seq_id too, as a refusal by the handler does."""
    model_id, seq_id = await off_loop(len(raw), sequence_of, raw)
    _skip(service, owner, model_id, seq_id)


def consumes_seq_id(handler: Handler) -> Handler:
    """A handler of a JSON request whose refusal uses up the seq_id its body names (see ``_consuming``); marked so,
    since a body the schema refuses before the handler runs uses it up as well (``skip_refused_body``)."""

    @functools.wraps(handler)
    async def wrapped(call: Call) -> Any:
        model_id, seq_id = getattr(call.body, "model_id", None), getattr(call.body, "seq_id", None)
        return await _consuming(call, model_id, seq_id, handler(call))

    wrapped.consumes_seq_id = True  # type: ignore[attr-defined]
    return wrapped


def _trainer(slot: TrainerSlot) -> Any:
    if slot.trainer is None:
        raise RequestFailed(f"training run {slot.model_id} failed to start", "user")
    return slot.trainer


# The schema bounds neither; past these, one request would ask the engine for more memory than a machine has.
MAX_LORA_RANK = 1024


def _lora(config: models.LoraConfig | None) -> LoraSpec:
    if config is None:
        return LoraSpec(rank=32)
    if not 1 <= config.rank <= MAX_LORA_RANK:
        raise bad_request(f"lora_config.rank: must be between 1 and {MAX_LORA_RANK} on the local server")
    if not (config.train_attn or config.train_mlp or config.train_unembed):
        raise bad_request("lora_config: train_attn, train_mlp and train_unembed are all false; nothing would train")
    return LoraSpec(config.rank, config.seed, config.train_attn, config.train_mlp, config.train_unembed)


def _check_optimizer(config: Any) -> None:
    kind = getattr(config, "type", "adamw")
    if kind != "adamw":
        raise bad_request(
            f"optimizer_config.type: this server does not support the {kind!r} optimizer; it trains with adamw only"
        )


async def _start_model(
    call: Call,
    model_id: str,
    session_id: str,
    base_model: str,
    lora: LoraSpec,
    result_type: str,
    user_metadata: dict[str, Any] | None,
    after_create: Callable[[TrainerSlot], Awaitable[dict[str, Any]]],
) -> models.UntypedAPIFuture:
    """Create a training run as its model's seq 0 (create_model, or create-via-load).

    The slot, made with no await after the checks, holds the model_id in memory until the queued work stores the
    run; the work stores it only if no run of that id was stored meanwhile (copy_weights stores runs too), in the
    same hop as its check."""
    service = call.service
    stored = await service.store.scalar("SELECT 1 FROM training_runs WHERE model_id=?", [model_id])
    existing = await service.futures.existing(f"{model_id}:0", call.digest, f"model_seq_id of {model_id}")
    if existing is not None:
        return _future(existing.request_id, model_id)
    if model_id in service.trainers or stored:
        raise bad_request(f"model_seq_id: training run {model_id!r} already exists in this session")
    check_training_run_room(service, call.owner)
    slot = service.new_slot(model_id, session_id, call.owner, base_model, lora)

    def store_run(db: Db) -> None:
        if db.scalar("SELECT 1 FROM training_runs WHERE model_id=?", [model_id]):
            raise RequestFailed(f"model_seq_id: training run {model_id!r} was made meanwhile by another request")
        now = time.time()
        db.insert(
            "training_runs",
            {
                "model_id": model_id,
                "session_id": session_id,
                "owner": call.owner,
                "base_model": base_model,
                "lora": dumps(vars(lora)),
                "created_at": now,
                "last_request_time": now,
                "user_metadata": dumps(user_metadata),
            },
        )

    async def work() -> dict[str, Any]:
        try:
            engine = await service.engine()
            trainer = await service.in_thread(call.owner, engine.create_trainer, base_model, lora)
            await service.store.run(store_run)
            slot.trainer = trainer  # only once the run is ours: requests queued after seq 0 train nothing else
            return await after_create(slot)
        except BaseException:
            await _drop_slot(service, slot, f"training run {model_id!r} was not created; request not run")
            raise

    try:
        return await submit(call, slot, 0, result_type, work)
    except BaseException:
        if slot.queue.highest < 0:  # else the work is queued, and drops the slot itself if it fails
            await _drop_slot(service, slot, f"training run {model_id!r} was not created; request not run")
        raise


async def _drop_slot(service: Service, slot: TrainerSlot, reason: str) -> None:
    """Forget a training run that was never made, and fail the requests queued on it after its seq 0."""
    if service.trainers.get(slot.model_id) is slot:
        del service.trainers[slot.model_id]
    queued = [service.futures.live(request_id) for request_id in slot.queue.close()]
    await service.futures.fail_all([f for f in queued if f is not None and f.state == "pending"], reason)


async def create_model(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.CreateModelRequest)
    service = call.service
    await service.session(request.session_id, call.owner)
    await service.base_model(request.base_model)
    _check_optimizer(request.optimizer_config)
    model_id = f"{request.session_id}:train:{request.model_seq_id}"

    async def created(slot: TrainerSlot) -> dict[str, Any]:
        await service.store.audit(call.owner, "create_model", model_id=model_id)
        return {"model_id": model_id, "type": "create_model"}

    return await _start_model(
        call,
        model_id,
        request.session_id,
        request.base_model,
        _lora(request.lora_config),
        "CreateModelResponse",
        request.user_metadata,
        created,
    )


async def get_info(call: Call) -> models.GetInfoResponse:
    request = call.model(models.GetInfoRequest)
    service = call.service
    run = await service.run(request.model_id, call.owner)
    info = await service.base_model(run["base_model"])
    lora = lora_from_row(run)
    return models.GetInfoResponse(
        type="get_info",
        model_id=request.model_id,
        model_data=models.ModelData(
            arch=info.arch, model_name=info.name, tokenizer_id=service.tokenizer_id(info), vocab_size=info.vocab_size
        ),
        is_lora=True,
        lora_rank=lora.rank,
        model_name=info.name,
    )


async def unload_model(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.UnloadModelRequest)
    service = call.service
    slot = await service.slot(request.model_id, call.owner)

    async def work() -> dict[str, Any]:
        service.trainers.pop(slot.model_id, None)
        slot.trainer = None
        return {"model_id": slot.model_id, "type": "unload_model"}

    return await submit(call, slot, None, "UnloadModelResponse", work)


def _checked_examples(
    request: wire.ForwardBackwardCall, info: BaseModelInfo, max_body_bytes: int, trainer: Trainer | None
) -> list[Example]:
    """The request's datums made dense and, when the trainer exists, checked by it: the work that a large body
    makes worth a thread (a trainer still being created leaves the check to the queued work)."""
    examples = request.examples(info, max_body_bytes)
    if trainer is not None:
        trainer.check_forward_backward(examples, request.loss_fn, request.loss_fn_config)
    return examples


async def _forward_backward(call: Call, request: wire.ForwardBackwardCall) -> models.UntypedAPIFuture:
    service = call.service
    slot = await service.slot(request.model_id, call.owner)
    if not request.data:
        raise bad_request("data: at least one datum is needed")
    info = await service.base_model(slot.base_model)
    examples = await off_loop(
        len(call.raw_body), _checked_examples, request, info, service.config.max_body_bytes, slot.trainer
    )

    async def work() -> dict[str, Any]:
        result = await service.in_thread(
            slot.owner,
            _trainer(slot).forward_backward,
            examples,
            request.loss_fn,
            request.loss_fn_config,
            request.forward_only,
        )
        return wire.forward_backward_output_json(result)

    return await submit(call, slot, request.seq_id, "ForwardBackwardOutput", work)


async def _forward_backward_proto(call: Call, message: pb.ForwardBackwardRequest) -> models.UntypedAPIFuture:
    request = await off_loop(len(call.raw_body), wire.forward_backward_from_proto, message)
    return await _forward_backward(call, request)


async def _forward_backward_json(call: Call, body: models.ForwardBackwardRequest) -> models.UntypedAPIFuture:
    return await _forward_backward(call, await off_loop(len(call.raw_body), wire.forward_backward_from_json, body))


async def forward_backward(call: Call) -> models.UntypedAPIFuture:
    """A protobuf body is parsed once, off the loop; a refusal uses up the seq_id read from that parse (a body
    that is no message names none)."""
    if call.media_type != PROTOBUF:
        body = call.model(models.ForwardBackwardRequest)
        return await _consuming(call, body.model_id, body.seq_id, _forward_backward_json(call, body))
    message = await off_loop(len(call.raw_body), wire.forward_backward_message, call.raw_body)
    return await _consuming(call, message.model_id, message.seq_id, _forward_backward_proto(call, message))


async def forward(call: Call) -> models.UntypedAPIFuture:
    body = call.model(models.ForwardRequest)
    return await _forward_backward(call, await off_loop(len(call.raw_body), wire.forward_backward_from_json, body))


async def optim_step(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.OptimStepRequest)
    service = call.service
    slot = await service.slot(request.model_id, call.owner)
    if request.optimizer_params is not None:
        raise bad_request(
            "optimizer_params: this server does not support optimizers other than adamw; send adam_params"
        )
    params = request.adam_params or models.AdamParams()
    adam = AdamSpec(
        learning_rate=params.learning_rate,
        beta1=params.beta1,
        beta2=params.beta2,
        eps=params.eps,
        weight_decay=params.weight_decay,
        grad_clip_norm=params.grad_clip_norm,
    )
    for name in ("learning_rate", "eps", "weight_decay", "grad_clip_norm"):
        if getattr(adam, name) < 0:
            raise bad_request(f"adam_params.{name}: must not be negative")
    for name in ("beta1", "beta2"):
        if not 0 <= getattr(adam, name) < 1:
            raise bad_request(f"adam_params.{name}: must be in [0, 1)")

    async def work() -> dict[str, Any]:
        metrics = await service.in_thread(slot.owner, _trainer(slot).optim_step, adam)
        return {"metrics": metrics}

    return await submit(call, slot, request.seq_id, "OptimStepResponse", work)


async def _save(
    call: Call,
    slot: TrainerSlot,
    kind: str,
    name: str | None,
    *,
    overwrite: bool,
    ttl_seconds: int | None,
    user_metadata: dict[str, str] | None,
    seq_id: int | None,
    result_type: str,
    with_optimizer: bool,
    answer: Callable[[str, int], dict[str, Any]],
) -> models.UntypedAPIFuture:
    """Queue a save under ``name`` (None: a ``step-N`` name of the server's choosing)."""
    service = call.service
    if seq_id is not None:
        existing = await service.futures.existing(f"{slot.model_id}:{seq_id}", call.digest, f"seq_id {seq_id}")
        if existing is not None:
            return _future(existing.request_id, slot.model_id)
    if ttl_seconds is not None and ttl_seconds <= 0:
        raise bad_request("ttl_seconds: must be positive, or null for no expiry")
    name = name if name is not None else _default_name(slot, kind, seq_id)
    holder = _holder(slot, seq_id, call.digest)
    took = await service.reserve_name(slot, kind, name, overwrite, holder)  # holds the name before its first await

    async def work() -> dict[str, Any]:
        try:
            trainer = _trainer(slot)
            tensors = await service.in_thread(
                slot.owner, trainer.state if kind == "weights" else lambda _: trainer.sampler_weights(), with_optimizer
            )
            row = await service.in_thread(
                slot.owner,
                lambda: service.write_checkpoint(
                    slot,
                    kind,
                    name,
                    tensors,
                    with_optimizer=with_optimizer,
                    ttl_seconds=ttl_seconds,
                    user_metadata=user_metadata,
                ),
            )
            await service.record_checkpoint(slot, row)
            return answer(tinker_path(slot.model_id, kind, name), row["size_bytes"])
        finally:
            release_name(slot, kind, name, holder)  # the hold of this request, whichever copy of it queued the work

    try:
        return await submit(call, slot, seq_id, result_type, work)
    except BaseException:
        if took:
            release_name(slot, kind, name, holder)
        raise


def _holder(slot: TrainerSlot, seq_id: int | None, digest: str) -> str:
    """Who holds a name or sampler id for a save: the request (its seq_id and body), so that a resubmission sent
    before the first copy was queued is known for the same request; without a seq_id, each request is its own."""
    return f"{slot.model_id}:{seq_id}:{digest}" if seq_id is not None else uuid.uuid4().hex


def _default_name(slot: TrainerSlot, kind: str, seq_id: int | None) -> str:
    """``step-<seq_id>``; without a seq_id, the first ``step-<n>`` from the next free seq_id on that no save sent
    meanwhile holds (their seq_ids are taken only when they are queued). The caller holds it with no await between."""
    if seq_id is not None:
        return f"step-{seq_id}"
    step = slot.queue.assign(None)
    while (kind, f"step-{step}") in slot.pending_names:
        step += 1
    return f"step-{step}"


async def save_weights(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.SaveWeightsRequest)
    slot = await call.service.slot(request.model_id, call.owner)
    return await _save(
        call,
        slot,
        "weights",
        check_name(request.path) if request.path is not None else None,
        overwrite=request.overwrite,
        ttl_seconds=request.ttl_seconds,
        user_metadata=request.user_metadata,
        seq_id=request.seq_id,
        result_type="SaveWeightsResponse",
        with_optimizer=True,
        answer=lambda path, _: {"path": path, "type": "save_weights"},
    )


async def save_weights_for_sampler(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.SaveWeightsForSamplerRequest)
    service = call.service
    slot = await service.slot(request.model_id, call.owner)
    if request.path is not None and request.sampling_session_seq_id is not None:
        raise bad_request("path: send either path or sampling_session_seq_id, not both")
    if request.path is not None:
        return await _save(
            call,
            slot,
            "sampler_weights",
            check_name(request.path),
            overwrite=True,
            ttl_seconds=request.ttl_seconds,
            user_metadata=request.user_metadata,
            seq_id=request.seq_id,
            result_type="SaveWeightsForSamplerResponseInternal",
            with_optimizer=False,
            answer=lambda path, size: {"path": path, "size_bytes": size, "type": "save_weights_for_sampler"},
        )
    if request.sampling_session_seq_id is None:
        raise bad_request("path: send a path (a name to save under) or a sampling_session_seq_id")
    sampler_id = f"{slot.session_id}:sample:{request.sampling_session_seq_id}"
    holder = _holder(slot, request.seq_id, call.digest)
    resubmitted = request.seq_id is not None and await service.futures.find(f"{slot.model_id}:{request.seq_id}")
    held = service.sampler_holds.get(sampler_id) if service.sampler_held(sampler_id) else None
    repeat = resubmitted or (held is not None and held.holder == holder)  # submit answers with the first's future
    hold = None if repeat else _hold_sampler(service, sampler_id, call.owner, holder)

    def store_sampler(db: Db) -> None:
        if db.scalar("SELECT 1 FROM samplers WHERE sampler_id=?", [sampler_id]):
            raise RequestFailed(
                f"sampling_session_seq_id: sampler {sampler_id!r} was made meanwhile by another request"
            )
        db.insert(
            "samplers",
            {
                "sampler_id": sampler_id,
                "session_id": slot.session_id,
                "owner": call.owner,
                "base_model": slot.base_model,
                "model_path": None,
                "source": "ephemeral",
                "created_at": time.time(),
            },
        )

    async def work() -> dict[str, Any]:
        try:
            trainer = _trainer(slot)
            adapter = await service.in_thread(slot.owner, trainer.sampler_weights)
            engine = await service.engine()
            sampler_slot = SamplerSlot(sampler_id, slot.session_id, call.owner, slot.base_model, None)
            sampler_slot.build = lambda: engine.create_sampler(slot.base_model, slot.lora, adapter)
            await service.store.run(store_sampler)
            service.samplers[sampler_id] = sampler_slot
        finally:  # the hold of this request, whichever copy of it queued the work
            mine = service.sampler_holds.get(sampler_id)
            if mine is not None and mine.holder == holder:
                service.release_sampler(sampler_id, mine)
        return {"sampling_session_id": sampler_id, "type": "save_weights_for_sampler"}

    try:
        if hold is not None and await service.store.scalar("SELECT 1 FROM samplers WHERE sampler_id=?", [sampler_id]):
            raise bad_request(f"sampling_session_seq_id: sampler {sampler_id!r} already exists")
        answer = await submit(call, slot, request.seq_id, "SaveWeightsForSamplerResponseInternal", work)
    except BaseException:
        if hold is not None:
            service.release_sampler(sampler_id, hold)
        raise
    if hold is not None:
        hold.future = service.futures.live(answer.request_id)
    return answer


def _hold_sampler(service: Service, sampler_id: str, owner: str, holder: str) -> SamplerHold:
    """Check the sampler id is free and the tenant has room for one more, and hold both, with no await between:
    the sampler appears only when the queued save runs, so saves sent at once would otherwise all pass."""
    if sampler_id in service.samplers or service.sampler_held(sampler_id):
        raise bad_request(f"sampling_session_seq_id: sampler {sampler_id!r} already exists")
    check_sampler_room(service, owner)
    return service.hold_sampler(sampler_id, owner, "save", holder)


async def _load_into(service: Service, slot: TrainerSlot, checkpoint: dict[str, Any], optimizer: bool) -> None:
    if optimizer and not checkpoint["with_optimizer"]:
        raise RequestFailed("optimizer: these are sampler weights, which hold no optimizer state", "user")
    tensors = await service.in_thread(slot.owner, service.read_checkpoint, checkpoint)
    await service.in_thread(slot.owner, _trainer(slot).load_state, tensors, optimizer)


def _check_compatible(slot_base: str, slot_lora: LoraSpec, run: dict[str, Any], path: str) -> None:
    lora = lora_from_row(run)
    if run["base_model"] != slot_base or (lora.rank, lora.train_attn, lora.train_mlp, lora.train_unembed) != (
        slot_lora.rank,
        slot_lora.train_attn,
        slot_lora.train_mlp,
        slot_lora.train_unembed,
    ):
        raise bad_request(
            f"path: {path!r} was trained on {run['base_model']} with LoRA rank {lora.rank}; this model is "
            f"{slot_base} with rank {slot_lora.rank}"
        )


async def load_weights(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.LoadWeightsRequest)
    service = call.service
    checkpoint, source = await service.checkpoint_and_run(request.path, call.owner)
    if request.optimizer and not checkpoint["with_optimizer"]:
        raise bad_request("optimizer: sampler weights hold no optimizer state; load them with optimizer=false")
    _check_optimizer(request.optimizer_config)

    async def loaded(slot: TrainerSlot) -> dict[str, Any]:
        await _load_into(service, slot, checkpoint, request.optimizer)
        await service.store.audit(call.owner, "load_weights", model_id=slot.model_id, tinker_path=request.path)
        return {"path": request.path, "model_id": slot.model_id, "type": "load_weights"}

    if request.session_id is not None or request.model_seq_id is not None:
        if request.session_id is None or request.model_seq_id is None or request.model_id is not None:
            raise bad_request("session_id: create-via-load needs session_id and model_seq_id, and no model_id")
        await service.session(request.session_id, call.owner)
        model_id = f"{request.session_id}:train:{request.model_seq_id}"
        base_model = request.base_model or source["base_model"]
        if base_model != source["base_model"]:
            raise bad_request(f"base_model: {request.path!r} was trained on {source['base_model']}, not {base_model}")
        return await _start_model(
            call,
            model_id,
            request.session_id,
            base_model,
            lora_from_row(source),
            "LoadWeightsResponse",
            request.user_metadata,
            loaded,
        )
    if request.model_id is None:
        raise bad_request("model_id: send model_id (and seq_id), or session_id and model_seq_id")
    slot = await service.slot(request.model_id, call.owner)
    _check_compatible(slot.base_model, slot.lora, source, request.path)
    return await submit(call, slot, request.seq_id, "LoadWeightsResponse", lambda: loaded(slot))


async def get_weights_info(call: Call) -> models.WeightsInfoResponse:
    request = call.model(models.WeightsInfoRequest)
    service = call.service
    _, run = await service.checkpoint_and_run(request.tinker_path, call.owner, "tinker_path")
    lora = lora_from_row(run)
    return models.WeightsInfoResponse(
        base_model=run["base_model"],
        is_lora=True,
        lora_rank=lora.rank,
        train_unembed=lora.train_unembed,
        train_mlp=lora.train_mlp,
        train_attn=lora.train_attn,
    )


async def save_weights_external(call: Call) -> models.UntypedAPIFuture:
    request = call.model(models.SaveWeightsExternalRequest)
    slot = await call.service.slot(request.model_id, call.owner)
    if request.age_encryption_recipients:
        raise bad_request("age_encryption_recipients: this server does not support encrypted exports")
    return await _save(
        call,
        slot,
        "external_weights",
        check_name(request.path),
        overwrite=True,
        ttl_seconds=request.ttl_seconds,
        user_metadata=None,
        seq_id=request.seq_id,
        result_type="SaveWeightsExternalResponseInternal",
        with_optimizer=False,
        answer=lambda path, size: {"path": path, "size_bytes": size, "type": "save_weights_external"},
    )


async def copy_weights(call: Call) -> models.CopyWeightsResponse:
    """Copies a checkpoint (one's own or a published one) into a training run of the caller's."""
    import shutil

    request = call.model(models.CopyWeightsRequest)
    service = call.service
    source, origin = await service.checkpoint_and_run(request.source_path, call.owner, "source_path")
    if request.session_id is not None and request.model_seq_id is not None:
        await service.session(request.session_id, call.owner)
        run_id = f"{request.session_id}:train:{request.model_seq_id}"
    elif request.session_id is None and request.model_seq_id is None:
        run_id = f"copy-{service.new_session_id()}:train:0"
    else:
        raise bad_request("session_id: send session_id and model_seq_id together, or neither")
    now = time.time()
    run = {
        "model_id": run_id,
        "session_id": request.session_id or run_id.split(":")[0],
        "owner": call.owner,
        "base_model": origin["base_model"],
        "lora": origin["lora"],
        "created_at": now,
        "last_request_time": now,
        "user_metadata": None,
    }

    def store_run(db: Db) -> None:
        """Checked and stored in one hop, so that copies sent at once cannot both pass the check."""
        if db.scalar("SELECT 1 FROM training_runs WHERE model_id=?", [run_id]):
            raise taken
        db.insert("training_runs", run)

    taken = bad_request(f"model_seq_id: training run {run_id!r} already exists")
    if run_id in service.trainers:  # being created: its queued work stores it only if no copy did meanwhile
        raise taken
    await service.store.run(store_run)
    target = service.checkpoint_file(run_id, source["kind"], source["name"])
    target.parent.mkdir(parents=True, exist_ok=True)
    await service.in_thread(call.owner, shutil.copyfile, source["file"], target)
    copy = {
        **source,
        "training_run_id": run_id,
        "owner": call.owner,
        "created_at": now,
        "public": 0,
        "file": str(target),
        "expires_at": now + request.ttl_seconds if request.ttl_seconds else None,
    }
    path = tinker_path(run_id, source["kind"], source["name"])

    def record(db: Db) -> None:
        db.insert("checkpoints", copy)
        db.audit(call.owner, "copy_weights", model_id=run_id, tinker_path=path, source=request.source_path)

    await service.store.run(record)
    return models.CopyWeightsResponse(tinker_path=path)


async def create_custom_loss(call: Call) -> None:
    raise bad_request(
        "loss_fn: this server does not support server-side custom losses (client/config says "
        "custom_loss_server_side: false); use forward_backward_custom, which runs the loss client-side"
    )


HANDLERS: dict[str, Handler] = {
    "create_model": create_model,
    "get_info": get_info,
    "unload_model": consumes_seq_id(unload_model),
    "forward_backward": forward_backward,
    "forward": consumes_seq_id(forward),
    "optim_step": consumes_seq_id(optim_step),
    "save_weights": consumes_seq_id(save_weights),
    "save_weights_for_sampler": consumes_seq_id(save_weights_for_sampler),
    "load_weights": consumes_seq_id(load_weights),
    "get_weights_info": get_weights_info,
    "save_weights_external": consumes_seq_id(save_weights_external),
    "copy_weights": copy_weights,
    "create_custom_loss": create_custom_loss,
}
