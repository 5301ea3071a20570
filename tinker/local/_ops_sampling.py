"""Sampling sessions, sampling, and the future operations (retrieve, multi-retrieve, cancel)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import numpy as np
import orjson
import pydantic
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from tinker_api import pydantic_models as models

from . import _wire as wire
from ._call import Call, Handler
from ._errors import HTTPError, bad_request, not_found
from ._futures import Future, running
from ._limits import check_sampled_tokens, check_sampler_room
from ._scheduler import SHUTDOWN_MESSAGE, Batchable, Ticket, WorkCancelled
from ._service import SamplerSlot, Service
from ._store import Db, Row
from .engine._sampler import Sampler, TokenCallback
from .engine._types import EngineInputError, SampleSpec, SamplingStopped

log = logging.getLogger("tinker.local")

PROTO_RESULTS = {
    "ForwardBackwardOutput": wire.forward_backward_output_proto,
    "SampleResponse": wire.sample_output_proto,
}


async def create_sampling_session(call: Call) -> models.CreateSamplingSessionResponse:
    request = call.model(models.CreateSamplingSessionRequest)
    service = call.service
    await service.session(request.session_id, call.owner)
    sampler_id = f"{request.session_id}:sample:{request.sampling_session_seq_id}"
    answer = models.CreateSamplingSessionResponse(sampling_session_id=sampler_id)
    row = await service.store.one("SELECT * FROM samplers WHERE sampler_id=?", [sampler_id])
    if row is None:
        if request.base_model is None and request.model_path is None:
            raise bad_request("model_path: send a model_path or a base_model")
        with _sampler_reserved(service, sampler_id, call.owner):
            slot, source = await _new_sampler(call, request, sampler_id)
            values = {
                "sampler_id": sampler_id,
                "session_id": request.session_id,
                "owner": call.owner,
                "base_model": slot.base_model,
                "model_path": slot.model_path,
                "source": source,
                "created_at": time.time(),
            }

            def create(db: Db) -> Row | None:
                """The sampler another request made meanwhile, else this one, stored."""
                made = db.one("SELECT * FROM samplers WHERE sampler_id=?", [sampler_id])
                if made is None:
                    db.insert("samplers", values)
                return made

            row = await service.store.run(create)
            if row is None:
                service.samplers[sampler_id] = slot
                return answer
    if (row["base_model"], row["model_path"]) == (request.base_model, request.model_path) or (
        request.base_model is None and row["model_path"] == request.model_path
    ):
        return answer
    raise bad_request(f"sampling_session_seq_id: sampler {sampler_id!r} already exists with other weights")


async def _new_sampler(
    call: Call, request: models.CreateSamplingSessionRequest, sampler_id: str
) -> tuple[SamplerSlot, str]:
    """The sampler a request asks for (not yet stored or registered) and its source."""
    service = call.service
    if request.model_path is not None:
        checkpoint, run = await service.checkpoint_and_run(request.model_path, call.owner, "model_path")
        return service.checkpoint_sampler(sampler_id, request.session_id, call.owner, checkpoint, run), "checkpoint"
    assert request.base_model is not None
    await service.base_model(request.base_model)
    return SamplerSlot(sampler_id, request.session_id, call.owner, request.base_model, None), "base"


@contextlib.contextmanager
def _sampler_reserved(service: Service, sampler_id: str, owner: str) -> Iterator[None]:
    """Hold the sampler's place under the tenant's limit while it is made (``Service.sampler_holds``), taken with no
    await after the check. Requests making the same sampler at once share the hold, so that a retry is not refused
    for its own first try; a queued save making it already is a conflict. Given back whatever happens."""
    hold = service.sampler_holds.get(sampler_id) if service.sampler_held(sampler_id) else None
    if hold is not None and hold.kind == "save":
        raise bad_request(f"sampling_session_seq_id: sampler {sampler_id!r} is being made by save_weights_for_sampler")
    if hold is None:
        if sampler_id not in service.samplers:  # a retry of a sampler already made takes no new place
            check_sampler_room(service, owner)
        hold = service.hold_sampler(sampler_id, owner, "session")
    hold.sharers += 1
    try:
        yield
    finally:
        hold.sharers -= 1
        if hold.sharers == 0:
            service.release_sampler(sampler_id, hold)


ADHOC_SAMPLERS = 8


async def _adhoc_slot(service: Service, owner: str, request: models.SampleRequest) -> SamplerSlot:
    """A sampler for a request that names weights or a base model directly.

    The checkpoint's visibility is checked on every request (it may have been unpublished or deleted), and
    the cache key includes the checkpoint's creation time, so overwritten weights get a new sampler.
    """
    if request.model_path is not None:
        checkpoint, run = await service.checkpoint_and_run(request.model_path, owner, "model_path")
        key = f"adhoc:{owner}:{request.model_path}:{checkpoint['created_at']}"
    else:
        assert request.base_model is not None
        checkpoint, run, key = None, None, f"adhoc:{owner}:{request.base_model}"
    slot = service.samplers.get(key)
    if slot is None:
        if checkpoint is not None and run is not None:
            slot = service.checkpoint_sampler(key, "", owner, checkpoint, run)
        else:
            assert request.base_model is not None
            slot = SamplerSlot(key, "", owner, request.base_model, None)
        adhoc = [k for k in service.samplers if k.startswith("adhoc:")]
        for stale in adhoc[: max(0, len(adhoc) - ADHOC_SAMPLERS + 1)]:
            del service.samplers[stale]
        service.samplers[key] = slot
    return slot


_UNSUPPORTED = (
    ("target_prompt_logprobs", lambda r: r.target_prompt_logprobs is not None),
    ("prompt_alt_tokens_k", lambda r: r.prompt_alt_tokens_k > 0),
    ("topk_sample_logprobs", lambda r: r.topk_sample_logprobs > 0),
    ("prompt_logprobs_last_n", lambda r: r.prompt_logprobs_last_n is not None),
    ("record_stability_info", lambda r: bool(r.record_stability_info)),
)


# The samples of one request are decoded as one batch with its own KV cache; the schema does not bound them.
MAX_NUM_SAMPLES = 128


def _spec(request: models.SampleRequest, prompt: np.ndarray) -> SampleSpec:
    params = request.sampling_params
    for name, used in _UNSUPPORTED:
        if used(request):
            raise bad_request(f"{name}: this server does not support the sampling option {name}")
    if not 1 <= request.num_samples <= MAX_NUM_SAMPLES:
        raise bad_request(f"num_samples: must be between 1 and {MAX_NUM_SAMPLES} on the local server")
    if request.topk_prompt_logprobs < 0:
        raise bad_request("topk_prompt_logprobs: must not be negative")
    stop = params.stop
    stop_strings: tuple[str, ...] = ()
    stop_tokens: tuple[int, ...] | None = None
    if isinstance(stop, str):
        stop_strings = (stop,)
    elif isinstance(stop, list):
        if all(isinstance(s, str) for s in stop) and stop:
            stop_strings = tuple(str(s) for s in stop)
        else:
            stop_tokens = tuple(int(s) for s in stop)
    return SampleSpec(
        prompt=prompt,
        num_samples=request.num_samples,
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        top_k=params.top_k,
        top_p=params.top_p,
        stop_strings=stop_strings,
        stop_tokens=stop_tokens,
        seed=params.seed,
        prompt_logprobs=bool(request.prompt_logprobs) or request.topk_prompt_logprobs > 0,
        topk_prompt_logprobs=request.topk_prompt_logprobs,
    )


async def _prepare(call: Call, request: models.SampleRequest) -> tuple[SamplerSlot, SampleSpec]:
    """The sampler a request names and what to sample, checked before anything runs."""
    service = call.service
    if request.sampling_session_id is not None:
        slot = await service.sampler_slot(request.sampling_session_id, call.owner)
    elif request.model_path is not None or request.base_model is not None:
        if request.base_model is not None:
            await service.base_model(request.base_model)
        slot = await _adhoc_slot(service, call.owner, request)
    else:
        raise bad_request("sampling_session_id: name a sampling session, a model_path or a base_model")
    prompt = wire.tokens_from_model_input(request.prompt, "prompt")
    spec = _spec(request, prompt)
    engine = await service.engine()
    engine.check_sample(slot.base_model, spec)
    info = await service.base_model(slot.base_model)
    max_tokens = spec.max_tokens if spec.max_tokens is not None else info.max_context_length - prompt.size
    check_sampled_tokens(service, max_tokens, spec.num_samples)
    return slot, spec


# A batch of sampling requests (one engine call, ``Sampler.sample_batch``) holds at most this many sequences: twice
# the samples of one request, so its KV cache is at most twice what one request may hold today, and each decode
# step still costs about one step of one large request. It also holds at most MAX_NUM_SAMPLES full contexts of
# tokens (prompt and new tokens, summed over sequences), so that a batch of long requests runs about as long as one
# request of the most samples: the tenants waiting behind it wait one such call.
MAX_BATCH_ROWS = 2 * MAX_NUM_SAMPLES


class _OnTheWay:
    """A sampling request counted in ``Service.samples_on_the_way`` until ``arrived()`` (its work is queued for the
    engine, or it ends without: call it on every path; a second call does nothing)."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self._counted = True
        service.samples_on_the_way += 1

    def arrived(self) -> None:
        if self._counted:
            self._counted = False
            self._service.samples_on_the_way -= 1


def _batchable(service: Service, sampler: Sampler, spec: SampleSpec, on_token: TokenCallback) -> Batchable | None:
    """How a sample may share an engine call with other requests on the same weights, waiting briefly for the
    samples on their way; None for a seeded one, which runs alone so that its samples are reproducible (see
    ``Sampler.sample_batch``)."""
    if spec.seed is not None:
        return None
    context = sampler.info.max_context_length
    length = context if spec.max_tokens is None else spec.prompt.size + spec.max_tokens
    return Batchable(
        key=sampler.batch_key,
        payload=(spec, on_token),
        run=sampler.sample_batch,
        cost=(spec.num_samples, spec.num_samples * length),
        limit=(MAX_BATCH_ROWS, MAX_NUM_SAMPLES * context),
        coming=lambda: service.samples_on_the_way,
    )


def _unless(stop: threading.Event) -> Callable[[int, int, float, int], bool]:
    """An on_token callback that only tells the sampler to stop once ``stop`` is set (the request was cancelled)."""
    return lambda *_: not stop.is_set()


async def asample(call: Call) -> models.UntypedAPIFuture:
    service = call.service
    arrived = _OnTheWay(service).arrived  # from the start: batches wait for requests still being checked
    try:
        return await _asample(call, arrived)
    except BaseException:
        arrived()
        raise


async def _asample(call: Call, arrived: Callable[[], None]) -> models.UntypedAPIFuture:
    request = call.model(models.SampleRequest)
    service = call.service
    slot, spec = await _prepare(call, request)
    request_id = f"{slot.sampler_id}:{request.seq_id if request.seq_id is not None else uuid.uuid4().hex}"
    sequence_ids = [f"{request_id}:{i}" for i in range(request.num_samples)]
    answer = models.UntypedAPIFuture(request_id=request_id, model_id=slot.sampler_id, sample_sequence_ids=sequence_ids)
    if await service.futures.existing(request_id, call.digest, f"seq_id {request.seq_id}") is not None:
        arrived()
        return answer
    service.sampling.start(call.owner)
    future = service.futures.add(request_id, call.owner, "SampleResponse", slot.sampler_id, call.digest)
    try:
        await service.futures.save(future)
    except BaseException:
        service.sampling.finish(call.owner)
        raise

    async def work() -> dict[str, Any]:
        sampler = await service.sampler(slot)
        on_token = _unless(future.ticket.stop)
        batch = _batchable(service, sampler, spec, on_token)
        arrived()  # queued in the next call, with no await between
        result = await service.in_thread(call.owner, sampler.sample, spec, on_token, batch=batch)
        return wire.sample_output_json(result, sequence_ids)

    async def job() -> None:
        try:
            await service.futures.run(future, work)
        finally:  # whatever happened, the sampler's pollers hear of it
            arrived()
            service.sampling.finish(call.owner)
            slot.completions.append(future.request_id, future.state)
            slot.changed.set()

    asyncio.get_running_loop().create_task(job())
    return answer


def _event(kind: str, data: pydantic.BaseModel, event_id: int) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, kind.encode(), data.model_dump_json().encode())


async def stream_sample(call: Call) -> StreamingResponse:
    """Sampling with each token sent as a Server-Sent Event the moment the engine picks it.

    When the client goes away (the response ends before the sample does, even before its first event), sampling
    that waits for the engine is dropped and sampling that runs stops before its next token: nobody's engine time
    goes to tokens nobody reads.
    """
    request = call.model(models.SampleRequest)
    service = call.service
    arrived = _OnTheWay(service).arrived  # from the start: batches wait for requests still being checked
    try:  # every step up to the task that calls arrived() itself: a refusal (429) or a tokenizer error counts out
        slot, spec = await _prepare(call, request)
        engine = await service.engine()
        decoders = [engine.tokenizer(slot.base_model).stream_decoder() for _ in range(spec.num_samples)]
        return _stream(call, slot, spec, decoders, arrived)
    except BaseException:
        arrived()
        raise


def _stream(
    call: Call, slot: SamplerSlot, spec: SampleSpec, decoders: list[Callable[[int], str]], arrived: Callable[[], None]
) -> StreamingResponse:
    """The event stream of ``stream_sample`` once the request was checked (``sampling.start`` may still refuse it)."""
    service = call.service
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[bytes | None] = asyncio.Queue()
    ids = itertools.count()
    ticket = Ticket()

    def send(kind: str, data: pydantic.BaseModel) -> None:
        events.put_nowait(_event(kind, data, next(ids)))

    def on_token(index: int, token: int, logprob: float, position: int) -> bool:
        data = models.SampleStreamToken(
            sample_index=index, token_id=token, text=decoders[index](token), logprob=logprob, position=position
        )
        loop.call_soon_threadsafe(send, "token", data)
        return not ticket.stop.is_set()

    async def generate() -> None:
        try:
            with running(ticket):
                sampler = await service.sampler(slot)
                batch = _batchable(service, sampler, spec, on_token)
                arrived()  # queued in the next call, with no await between
                result = await service.in_thread(call.owner, sampler.sample, spec, on_token, batch=batch)
            for index, sequence in enumerate(result.sequences):
                send(
                    "done",
                    models.SampleStreamDone(
                        sample_index=index, stop_reason=sequence.stop_reason, num_tokens=len(sequence.tokens)
                    ),
                )
        except SamplingStopped:  # read only when the server stopped it: a client that left reads nothing
            send("error", models.SampleStreamError(error=SHUTDOWN_MESSAGE, category="server"))
        except WorkCancelled as exc:
            send("error", models.SampleStreamError(error=exc.message, category=exc.category))
        except Exception as exc:
            category = "user" if isinstance(exc, HTTPError | EngineInputError) else "server"
            send("error", models.SampleStreamError(error=str(exc), category=category))
        finally:
            arrived()
            service.sampling.finish(call.owner)
            events.put_nowait(None)

    service.sampling.start(call.owner)
    task = loop.create_task(generate())

    async def body() -> AsyncIterator[bytes]:
        while (event := await events.get()) is not None:
            yield event
        await task

    def stop() -> None:
        if not task.done():  # the client went away: its engine work is dropped, or stops at the next token
            service.scheduler.cancel(ticket)

    return _EventStream(body(), stop)


class _EventStream(StreamingResponse):
    """Server-Sent Events that call ``stop`` once the response is over, however it ended.

    Not in the body iterator's ``finally``: a client that is gone before the body starts gets its response
    cancelled before the iterator ever runs, and then that ``finally`` never runs either.
    """

    def __init__(self, body: AsyncIterator[bytes], stop: Callable[[], None]) -> None:
        super().__init__(body, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        self._stop = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._stop()


async def get_sampler(call: Call) -> models.GetSamplerResponse:
    sampler_id = call.path["sampler_id"]
    row = await call.service.store.one(
        "SELECT * FROM samplers WHERE sampler_id=? AND owner=?", [sampler_id, call.owner]
    )
    if row is None:
        raise not_found(f"sampler {sampler_id!r} not found")
    return models.GetSamplerResponse(sampler_id=sampler_id, base_model=row["base_model"], model_path=row["model_path"])


async def join_sampling_session(call: Call) -> models.JoinSamplingSessionResponse:
    request = call.model(models.JoinSamplingSessionRequest)
    slot = await call.service.sampler_slot(request.sampling_session_id, call.owner)
    slot.clients += 1
    return models.JoinSamplingSessionResponse(client_counter=slot.clients)


async def _own_future(call: Call, request_id: str) -> Future:
    future = await call.service.futures.find(request_id)
    if future is None or future.owner != call.owner:
        raise not_found(f"request {request_id!r} not found")
    return future


async def retrieve_future(call: Call) -> Any:
    request = call.model(models.FutureRetrieveRequest)
    service = call.service
    future = await _own_future(call, request.request_id)
    if not future.event.is_set():  # set once the outcome is stored
        try:
            await asyncio.wait_for(future.event.wait(), timeout=service.config.long_poll_seconds)
        except TimeoutError:
            return models.TryAgainResponse(request_id=future.request_id, queue_state="active")
    assert future.result is not None
    # what the engine spent on it, so that a client can tell its own and the network's time from the server's (known
    # while the future is in memory)
    engine = future.ticket.engine_seconds
    timing = {"Server-Timing": f"engine;dur={engine * 1000:.3f}"} if engine else {}
    encode = PROTO_RESULTS.get(future.result_type)
    if future.state == "done" and encode is not None and call.accepts_protobuf():
        return Response(encode(future.result), media_type="application/x-protobuf", headers=timing)
    body = orjson.dumps(future.result, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json", headers=timing)


async def retrieve_futures(call: Call) -> models.FuturesRetrieveResponse:
    request = call.model(models.FuturesRetrieveRequest)
    service = call.service
    slot = await service.sampler_slot(request.target.sampling_session_id, call.owner)
    timeout = service.config.long_poll_seconds if request.timeout is None else min(request.timeout, 60.0)
    if slot.completions.end <= request.prev_cursor and timeout > 0:
        slot.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(slot.changed.wait(), timeout=timeout)
    completions: list[models.FutureFinished | models.FutureFailed] = [
        models.FutureFinished(request_id=request_id) if state == "done" else models.FutureFailed(request_id=request_id)
        for request_id, state in slot.completions.since(request.prev_cursor)
    ]
    return models.FuturesRetrieveResponse(completions=completions, cursor=slot.completions.end)


async def cancel_future(call: Call) -> None:
    """Drop a request whose work has not started; it never runs and its future fails as cancelled.

    The document allows only an empty 204, so a cancel that came too late answers the same: the future then
    resolves with its real result (a running sample stops at its next token and resolves as cancelled).
    """
    future = await _own_future(call, call.model(models.CancelFutureRequest).request_id)
    if not await call.service.cancel(future) and future.state == "pending":
        log.info("cancel of %s came after its work started; it resolves with its result", future.request_id)


HANDLERS: dict[str, Handler] = {
    "create_sampling_session": create_sampling_session,
    "asample": asample,
    "stream_sample": stream_sample,
    "get_sampler": get_sampler,
    "join_sampling_session": join_sampling_session,
    "retrieve_future": retrieve_future,
    "retrieve_futures": retrieve_futures,
    "cancel_future": cancel_future,
}
