"""TrainingClient: one LoRA training run, driven by futures.

Requests are submitted in the order they are made, each with the next ``seq_id`` (the server runs them in
that order); their results are awaited concurrently. A batch larger than the server's limits goes out in
chunks whose results are joined.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import numpy as np

from tinker import types
from tinker_api import pydantic_models as models
from tinker_api.api.training import forward as forward_op
from tinker_api.api.training import forward_backward as forward_backward_op
from tinker_api.api.training import get_info as get_info_op
from tinker_api.api.training import optim_step as optim_step_op
from tinker_api.api.weights import load_weights, save_weights, save_weights_external, save_weights_for_sampler
from tinker_api.types import EncodedBody, OperationRequest

from ... import telemetry as events
from ..._base_client import RequestOptions
from ..._exceptions import (
    APIStatusError,
    ProgressTimeoutError,
    SequenceConflictError,
    TinkerError,
    error_detail,
    unrouted,
)
from ..._tensor_wire import EncodedData
from .._chunking import chunk, combine
from .._deprecation import deprecated, deprecated_async
from .._encoding import WireFormat, forward_backward_body, json_body, prepare_data
from .._holder import Holder
from .._polling import QueueStateLogger, wait_result
from .._resilience import request_budget
from ..retry_handler import RetryConfig
from ..telemetry import Telemetry
from .api_future import APIFuture, AwaitableConcurrentFuture

if TYPE_CHECKING:
    import torch

    from .backcompat_sampling_client_future import BackcompatSamplingClientFuture
    from .custom_loss import LossHandle
    from .sampling_client import SamplingClient

B = TypeVar("B")
R = TypeVar("R")

CustomLossFnV1 = Callable[[list[types.Datum], list["torch.Tensor"]], tuple["torch.Tensor", dict[str, float]]]

__all__ = ["CustomLossFnV1", "TrainingClient"]

log = logging.getLogger("tinker")


@dataclasses.dataclass(frozen=True)
class _Numbered:
    """A forward_backward body built for its seq_id, and how to build it for another one (see ``_renumbered``).
    A JSON chunk has a ``fallback``, the same chunk as a protobuf forward_backward, sent instead once the server
    shows (``trait``, a field of ``ServerTraits``, False) that it lacks the legacy ``forward`` route or does not read
    JSON forward_backward bodies (TuFT: a bare 404; a 415 naming protobuf)."""

    body: EncodedBody
    remake: Callable[[int], EncodedBody]
    fallback: Callable[[int], _Numbered] | None = None
    trait: Literal["serves_legacy_forward", "reads_json_forward_backward"] | None = None


def _chunk_body(
    seq_id: int, *, wire_format: WireFormat, data: Sequence[types.Datum] | EncodedData, arguments: dict[str, Any]
) -> EncodedBody:
    return forward_backward_body(seq_id=seq_id, wire_format=wire_format, data=data, **arguments)


def _protobuf_chunk(data: Sequence[types.Datum] | EncodedData, arguments: dict[str, Any], seq_id: int) -> _Numbered:
    """A JSON chunk's fallback: the same chunk in protobuf (encoded only when it is needed)."""
    encoded = data if isinstance(data, EncodedData) else prepare_data("protobuf", data)
    remake = functools.partial(_chunk_body, wire_format="protobuf", data=encoded, arguments=arguments)
    return _Numbered(remake(seq_id), remake)


def _renumbered(body: Any, seq_id: int, wire_seq_id: int) -> Any:
    """The body as it goes out with ``wire_seq_id`` in place of the ``seq_id`` it was built with."""
    if isinstance(body, _Numbered):
        return body.body if wire_seq_id == seq_id else body.remake(wire_seq_id)
    return body if wire_seq_id == seq_id else body.model_copy(update={"seq_id": wire_seq_id})


def _refused(error: APIStatusError) -> bool:
    """A refusal of the request itself (what is never retried), as opposed to "not now"."""
    return 400 <= error.status_code < 500 and error.status_code not in (408, 409, 429)


def _sequence_conflict(error: APIStatusError) -> bool:
    return error.status_code == 409 and "seq" in str(error.body or error.message).lower()


_NUMBER = r"[\s:=#]*(?:seq(?:uence)?[\s_-]*(?:id|number)?[\s:=#]*)?(\d+)"
_EXPECTED = re.compile(r"\bexpected" + _NUMBER, re.IGNORECASE)
_GOT = re.compile(r"\b(?:got|received)" + _NUMBER, re.IGNORECASE)


def _conflict_numbers(error: APIStatusError) -> tuple[int, int] | None:
    """``(expected, got)`` of a 409 sequence conflict that names both numbers (TuFT: "Failed to retrieve future:
    Sequence conflict: expected 25, got 26."); None for any other error or wording."""
    if not _sequence_conflict(error):
        return None
    text = error_detail(error) or error.message
    expected, got = _EXPECTED.search(text), _GOT.search(text)
    if expected is None or got is None:
        return None
    return int(expected.group(1)), int(got.group(1))


@dataclasses.dataclass(eq=False)
class _Flight:
    """A request the server accepted, until its result is in: what ``TrainingClient._resync`` needs to send it again.
    ``wire`` is the seq_id it went out with (``seq_id`` less the refusals the server did not count), ``round`` the
    resync it went out after, ``future`` its latest future; ``failure`` is set when it will not be sent again."""

    seq_id: int
    build: Callable[..., OperationRequest]
    body: Any
    future: types.UntypedAPIFuture
    wire: int
    round: int
    replays: int = 0
    failure: Exception | None = None


class _Turns:
    """Lets submissions go out strictly in seq_id order, whatever order their coroutines start in.

    A wait ends with ``ProgressTimeoutError`` only when the seq_id it waits for has not even started to be sent
    for ``patience`` seconds (one being sent is bounded by the pipeline itself): only a seq_id that was taken and
    never sent can do that. The waiting seq_id is then given up, and the turns skip it when they reach it, so one
    such failure does not hold up every later call; ``on_skip`` hears of each seq_id skipped so (never sent, it
    used up no number on any server).

    ``hold`` keeps every turn waiting (once the request being sent is out) while earlier requests are sent again."""

    def __init__(self, patience: float | None, on_skip: Callable[[int], None] | None = None) -> None:
        self._on_skip = on_skip
        self._next = 1
        self._sending = False
        self._held = False
        self._given_up: set[int] = set()
        self._changed = asyncio.Condition()
        self._patience = patience

    async def wait(self, seq_id: int) -> None:
        async with self._changed:
            while self._next != seq_id or self._sending or self._held:
                waiting_for = self._next
                try:
                    await asyncio.wait_for(self._changed.wait(), self._patience)
                except TimeoutError:
                    if self._next == waiting_for and not self._sending and not self._held:
                        self._given_up.add(seq_id)
                        raise ProgressTimeoutError(
                            timeout=self._patience or 0.0,
                            operation=f"request with seq_id {seq_id}",
                            request_id=None,
                            last_status=None,
                            reason=f"The request with seq_id {waiting_for} was never sent",
                        ) from None
            self._sending = True

    @property
    def next_seq_id(self) -> int:
        """The first seq_id not yet sent (nor given up)."""
        return self._next

    async def hold(self) -> None:
        """Stop the turns once the request being sent is out (bounded by the pipeline), until ``release``."""
        async with self._changed:
            self._held = True
            while self._sending:
                await self._changed.wait()

    async def release(self) -> None:
        async with self._changed:
            self._held = False
            self._changed.notify_all()

    async def give_up(self, seq_ids: Sequence[int]) -> None:
        async with self._changed:
            self._given_up.update(seq_ids)

    async def done(self, last_seq_id: int) -> None:
        async with self._changed:
            self._next = last_seq_id + 1
            self._sending = False
            while self._next in self._given_up:
                self._given_up.discard(self._next)
                if self._on_skip is not None:
                    self._on_skip(self._next)
                self._next += 1
            self._changed.notify_all()


class TrainingClient:
    """A LoRA training run; create one with ``ServiceClient.create_lora_training_client``."""

    def __init__(self, holder: Holder, model_seq_id: int, model_id: types.ModelID | str) -> None:
        self.holder = holder
        self.model_seq_id = model_seq_id
        self.model_id = str(model_id)
        self._next_seq = 1
        self._seq_lock = threading.Lock()
        self._pid = os.getpid()
        self._turns = _Turns(request_budget(holder.settings.timeout, holder.settings.max_retries), self._skipped)
        self._uncounted = 0  # refused requests whose seq_ids the server did not use up: later ones go out that lower
        self._unsettled = 0  # refusals since the server last showed how it counts them (while that is unknown)
        self._flights: dict[int, _Flight] = {}  # accepted requests whose results are awaited, by seq_id
        self._round = 0  # resyncs so far (``_resync``)
        self._resync_lock = asyncio.Lock()
        self._progress = holder.progress()
        self._queue_state = QueueStateLogger(f"training run {self.model_id}")
        self._info: types.GetInfoResponse | None = None

    def __repr__(self) -> str:
        return f"TrainingClient(model_id={self.model_id!r})"

    # --- plumbing --------------------------------------------------------------------------------------
    def _own_process(self) -> None:
        """Requests of a run are numbered in one sequence that the server runs in order; a forked child numbering
        its own would clash with the parent's (and the parent's turns do not exist in the child)."""
        if os.getpid() != self._pid:
            raise TinkerError(
                f"TrainingClient {self.model_id} was made in process {self._pid}, before a fork; its requests "
                "are numbered in that process. Make a training client in this process instead (for instance "
                "ServiceClient().create_training_client_from_state(path) after a save_state)."
            )

    def _reserve(self, count: int = 1) -> list[int]:
        self._own_process()
        with self._seq_lock:
            first = self._next_seq
            self._next_seq += count
        return list(range(first, first + count))

    def _take(self, build: Callable[[int], B]) -> tuple[int, B]:
        """The next seq_id and the request ``build`` makes with it. A request that cannot be built (a bad argument)
        gives its seq_id back, so no turn is left that nothing will send and the next call proceeds."""
        self._own_process()
        with self._seq_lock:
            body = build(self._next_seq)
            self._next_seq += 1
            return self._next_seq - 1, body

    async def _submit_all(
        self, seq_ids: Sequence[int], build: Callable[..., OperationRequest], bodies: Sequence[Any]
    ) -> list[_Flight | Exception]:
        """Send each request when its turn comes, all of them even if one fails, and always pass the turn on:
        a later request must neither overtake an earlier one nor wait for one that will never be sent."""
        answers: list[_Flight | Exception] = []
        for index, (seq_id, body) in enumerate(zip(seq_ids, bodies, strict=True)):
            try:
                await self._turns.wait(seq_id)
            except ProgressTimeoutError as error:
                await self._turns.give_up(seq_ids[index + 1 :])  # the rest of this batch will not go out either
                answers.extend([error] * (len(seq_ids) - index))
                break
            try:
                future, wire, build_sent, body_sent = await self._send(seq_id, build, body)
                self._flights[seq_id] = _Flight(seq_id, build_sent, body_sent, future, wire, self._round)
                answers.append(self._flights[seq_id])
            except Exception as error:
                answers.append(error)
            finally:
                await self._turns.done(seq_id)
        return answers

    def _post(
        self,
        build: Callable[..., OperationRequest],
        body: Any,
        seq_id: int,
        wire: int,
        options: RequestOptions | None = None,
    ) -> Awaitable[types.UntypedAPIFuture]:
        encoded = _renumbered(body, seq_id, wire)
        encoded = encoded if isinstance(encoded, EncodedBody) else json_body(encoded)
        return self.holder.request(build(body=encoded), types.UntypedAPIFuture, options=options)

    async def _send(
        self, seq_id: int, build: Callable[..., OperationRequest], body: Any
    ) -> tuple[types.UntypedAPIFuture, int, Callable[..., OperationRequest], Any]:
        """One request, numbered as the server counts, the seq_id it went out with, and the operation and body that
        went (a JSON chunk goes as its ``fallback`` where the server showed it must): servers differ on whether a
        refused request used up its seq_id. The first request after refusals shows it (accepted; or a 409 sequence
        conflict, which is not retried then but answered by taking the refused seq_ids again); the holder keeps what
        it showed for all its training clients, so later refusals cost no 409. A server that checks the seq_id only
        when it runs the request (TuFT) accepts that request whatever its number: its future then fails with the
        conflict, and ``_resync`` corrects what was concluded here. A request that reached no handler (the server
        lacks the route) used up no seq_id on any server, and shows nothing."""
        traits = self.holder.traits
        json_chunk = body if isinstance(body, _Numbered) and body.fallback and body.trait else None
        if json_chunk and json_chunk.fallback and getattr(traits, str(json_chunk.trait)) is False:
            return await self._send(seq_id, forward_backward_op.build_request, json_chunk.fallback(seq_id))
        self._settle_refusals()
        testing = self._unsettled > 0
        options: RequestOptions = {"final_statuses": frozenset({409})} if testing else {}
        try:
            try:
                wire = seq_id - self._uncounted
                answer = await self._post(build, body, seq_id, wire, options)
            except APIStatusError as error:
                if not (testing and error.status_code == 409):
                    raise
                options = {}  # retried as any 409 is, from here on
                if _sequence_conflict(error):
                    traits.counts_refused_seq_ids = False
                    self._settle_refusals()
                wire = seq_id - self._uncounted
                answer = await self._post(build, body, seq_id, wire, options)
        except APIStatusError as error:
            if json_chunk and json_chunk.fallback and (unrouted(error) or error.status_code == 415):
                # the server did not read the body (no such route, or not its content type), so not its seq_id
                # either: the chunk goes at once, in its turn, as protobuf, and later ones go so from the start
                setattr(traits, str(json_chunk.trait), False)
                log.info("%s: %s is False (%s): the JSON chunks go as protobuf", self.model_id, json_chunk.trait, error)
                return await self._send(seq_id, forward_backward_op.build_request, json_chunk.fallback(seq_id))
            if unrouted(error):
                self._uncounted += 1
            elif _refused(error):
                self._unsettled += 1
                self._settle_refusals()
            raise
        if testing and self._unsettled:
            if traits.counts_refused_seq_ids is None:
                traits.counts_refused_seq_ids = True
            self._unsettled = 0  # counted, as this request went out (a conflict on its future says otherwise)
        return answer, wire, build, body

    def _skipped(self, seq_id: int) -> None:
        """A seq_id given up and never sent used up no number on any server: later requests go out one lower, so
        that the server is not left waiting for it (or failing the next request as out of order)."""
        self._uncounted += 1

    def _settle_refusals(self) -> None:
        """Count the refusals not yet counted, once the server has shown (to any client of the holder) how it does."""
        counted = self.holder.traits.counts_refused_seq_ids
        if counted is not None:
            self._uncounted += 0 if counted else self._unsettled
            self._unsettled = 0

    async def _submit(
        self, seq_ids: Sequence[int], build: Callable[..., OperationRequest], bodies: Sequence[Any]
    ) -> list[_Flight]:
        """Submit shielded from cancellation (a caller's timeout must not leave a hole in the seq_id order);
        raise the first refusal once every request is out (the accepted ones are then not followed)."""
        sending = asyncio.ensure_future(self._submit_all(seq_ids, build, bodies))
        try:
            answers = await asyncio.shield(sending)
        except asyncio.CancelledError:  # the caller is gone: nobody will wait for these results, so forget them
            sending.add_done_callback(self._forget)
            raise
        for answer in answers:
            if isinstance(answer, Exception):
                for flight in answers:
                    if isinstance(flight, _Flight):
                        self._flights.pop(flight.seq_id, None)
                raise answer
        return cast(list[_Flight], answers)

    def _forget(self, sending: asyncio.Future[list[_Flight | Exception]]) -> None:
        if not sending.cancelled() and sending.exception() is None:
            for flight in sending.result():
                if isinstance(flight, _Flight):
                    self._flights.pop(flight.seq_id, None)

    async def _result(self, flight: _Flight, cast_to: type[R], request_type: str) -> R:
        """The accepted request's result. When its future fails with a sequence conflict, ``_resync`` decides, and
        the request sent again is waited for (a request is sent again at most once: at most two futures)."""
        try:
            while True:
                future = flight.future
                try:
                    return await wait_result(
                        self.holder, future, cast_to, request_type, self._queue_state, self._progress
                    )
                except APIStatusError as error:
                    numbers = _conflict_numbers(error)
                    if numbers is None:
                        raise
                    await asyncio.shield(self._resync(flight, future, numbers, error))
                    if flight.failure is not None:
                        raise flight.failure from error
                    if flight.future is future:
                        raise
        finally:
            self._flights.pop(flight.seq_id, None)

    async def _resync(
        self, flight: _Flight, future: types.UntypedAPIFuture, numbers: tuple[int, int], error: APIStatusError
    ) -> None:
        """The one place that acts on a future failed with a sequence conflict, "expected N, got M" (M the number
        ``flight`` went out with): a server that checks seq_ids when it runs a request (TuFT), in the order it
        accepted them, and did not count refused requests, which this client took it to count.

        The server then still expects N, so every request of this client it accepted after the one that should have
        had N fails the same way: all of those still followed that went out in the same round (numbered alike) with
        N or above are sent again, in seq_id order, numbered N, N+1, ..., while no other request goes out; later ones
        follow on from there; the holder remembers that the server does not count refusals. A request is sent again
        only once; one that cannot be (sent again already, or numbers that do not fit what it was sent with) fails
        with ``SequenceConflictError`` (later requests are numbered without it). A resend that gets no answer may
        have run: its number is taken as used, it fails with ``SequenceConflictError(ran=None)``, and the requests
        after it are not sent again (they fail with ``SequenceConflictError``: not run)."""
        expected, got = numbers
        async with self._resync_lock:
            if flight.future is not future or flight.failure is not None:
                return  # sent again (or given up) by the resync of another request's conflict
            problem: str | None = None
            ran: bool | None = False
            if got != flight.wire:
                problem = f"the server names seq_id {got}, but it went out as {flight.wire}"
            elif not 1 <= expected < got:
                problem, ran = (
                    f"the server expects seq_id {expected}, not a lower one: it ran a request this client did not "
                    "count (a submission that reached it twice?), and sending this one again could run it out of order",
                    None,
                )
            elif flight.round != self._round:
                problem = "it went out before this client last renumbered its requests"
            if problem is not None:
                flight.failure = SequenceConflictError(
                    error, seq_id=flight.seq_id, expected=expected, got=got, reason=problem, ran=ran
                )
                return
            await self._turns.hold()
            try:
                self.holder.traits.counts_refused_seq_ids = False
                self._round += 1
                doomed = sorted(
                    (f for f in self._flights.values() if f.round == flight.round and f.wire >= expected),
                    key=lambda f: f.seq_id,
                )
                wire = expected
                unanswered: Exception | None = None
                for each in doomed:
                    if each.replays or unanswered is not None:
                        reason = (
                            "it was sent again once already and still not run in order"
                            if each.replays
                            else f"sending an earlier request again got no answer ({unanswered!r})"
                        )
                        each.failure = SequenceConflictError(
                            error, seq_id=each.seq_id, expected=expected, got=each.wire, reason=reason
                        )
                        continue
                    try:
                        each.future = await self._post(each.build, each.body, each.seq_id, wire)
                    except Exception as failure:
                        if isinstance(failure, APIStatusError) and _refused(failure):
                            each.failure = failure  # refused: not run, its number is free (this server counts none)
                            continue
                        # no answer (or only "not now" ones): it may have run as ``wire``, so that number is taken as
                        # used and nothing later is sent again (were it not run, the next conflict resyncs from there)
                        unanswered = failure
                        each.failure = SequenceConflictError(
                            error,
                            seq_id=each.seq_id,
                            expected=expected,
                            got=each.wire,
                            reason=f"sending it again as {wire} got no answer ({failure!r})",
                            ran=None,
                        )
                        wire += 1
                        continue
                    each.wire, each.round, each.replays = wire, self._round, each.replays + 1
                    wire += 1
                # the requests not yet sent follow on from there; every refusal so far is counted in
                self._uncounted, self._unsettled = self._turns.next_seq_id - wire, 0
                log.info(
                    "training run %s: the server did not run seq_id %d (sent as %d, it expected %d): it does not "
                    "count refused requests; %d request(s) sent again, numbered from %d",
                    self.model_id,
                    flight.seq_id,
                    got,
                    expected,
                    sum(1 for f in doomed if f.round == self._round),
                    expected,
                )
            finally:
                await self._turns.release()

    async def _call(
        self, seq_id: int, build: Callable[..., OperationRequest], body: Any, cast_to: type[R], request_type: str
    ) -> R:
        (flight,) = await self._submit([seq_id], build, [body])
        return await self._result(flight, cast_to, request_type)

    def _one(
        self,
        seq_id: int,
        build: Callable[..., OperationRequest],
        body: Any,
        cast_to: type[Any],
        request_type: str,
        what: str,
    ) -> AwaitableConcurrentFuture[Any]:
        """One request and its result, as a future named for errors."""
        return self._run(self._call(seq_id, build, body, cast_to, request_type), what, [seq_id])

    def _run(self, coroutine: Any, what: str, seq_ids: Sequence[int]) -> AwaitableConcurrentFuture[Any]:
        ids = ", ".join(map(str, seq_ids))
        return self.holder.submit(coroutine, f"{what} on {self.model_id} (seq_id {ids})")

    # --- forward / backward ----------------------------------------------------------------------------
    def _prepare(
        self,
        data: Sequence[types.Datum],
        loss_fn: str,
        loss_fn_config: Mapping[str, float | str] | None,
        forward_only: bool,
        seq_ids: Sequence[int] | None = None,
    ) -> tuple[list[int], list[Any]]:
        """The batch in chunks by the server's limits, encoded, each with its seq_id (taken now, in call order)."""
        if not data:
            raise ValueError("No data provided")
        for index, datum in enumerate(data):
            if not isinstance(datum, types.Datum):
                raise TypeError(f"data[{index}] must be a tinker.types.Datum, got {type(datum).__name__}")
        models.ForwardBackwardInput.model_validate({"data": [], "loss_fn": loss_fn, "loss_fn_config": loss_fn_config})
        config = self.holder.known_config()
        chunks = chunk(data, config.fwdbwd_max_chunk_len, config.fwdbwd_max_chunk_bytes_count)
        if seq_ids is None:  # (a rebuild for new seq_ids splits the same way again)
            events.emit(
                "chunking.split",
                {"datums": len(data), "chunks": len(chunks)},
                {"operation": "forward" if forward_only else "forward_backward", "model_id": self.model_id},
                registry=self.holder.metrics,
            )
        # encoded here, in the caller's thread, so that a large batch does not hold up the I/O loop; and before
        # the seq_ids are taken, so that a datum that cannot be sent fails the call without leaving a gap
        wire_format = self.holder.wire_format
        trait: Literal["serves_legacy_forward", "reads_json_forward_backward"] | None = None
        if wire_format == "json":  # a forward then goes to the legacy route: forward_only is read in protobuf only
            trait = "serves_legacy_forward" if forward_only else "reads_json_forward_backward"
            if getattr(self.holder.traits, trait) is False:
                wire_format, trait = "protobuf", None
        prepared = [prepare_data(wire_format, part) for part in chunks]
        if seq_ids is None:
            seq_ids = self._reserve(len(chunks))
        elif len(seq_ids) != len(chunks):
            raise AssertionError("the batch was chunked differently from when its seq_ids were taken")
        bodies = []
        for seq_id, part in zip(seq_ids, prepared, strict=True):
            arguments: dict[str, Any] = {
                "compress": config.proto_compress_fwdbwd,
                "model_id": self.model_id,
                "loss_fn": loss_fn,
                "loss_fn_config": loss_fn_config,
                "forward_only": forward_only,
            }
            remake = functools.partial(_chunk_body, wire_format=wire_format, data=part, arguments=arguments)
            fallback = functools.partial(_protobuf_chunk, part, arguments) if trait else None
            bodies.append(_Numbered(remake(seq_id), remake, fallback, trait))
        return list(seq_ids), bodies

    async def _run_chunks(
        self, seq_ids: list[int], bodies: list[Any], forward_only: bool
    ) -> types.ForwardBackwardOutput:
        request_type = "Forward" if forward_only else "ForwardBackward"
        legacy_forward = any(body.trait == "serves_legacy_forward" for body in bodies)  # see forward_backward_body
        build = forward_op.build_request if legacy_forward else forward_backward_op.build_request
        flights = await self._submit(seq_ids, build, bodies)
        results = await asyncio.gather(*(self._result(f, types.ForwardBackwardOutput, request_type) for f in flights))
        return combine(results)

    def _forward_backward(
        self,
        data: Sequence[types.Datum],
        loss_fn: str,
        loss_fn_config: Mapping[str, float | str] | None,
        forward_only: bool,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        seq_ids, bodies = self._prepare(data, loss_fn, loss_fn_config, forward_only)
        return self._run(
            self._run_chunks(seq_ids, bodies, forward_only), "forward" if forward_only else "forward_backward", seq_ids
        )

    def forward(
        self,
        data: list[types.Datum],
        loss_fn: types.LossFnType,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        """Loss and per-token logprobs without gradients."""
        return self._forward_backward(data, loss_fn, loss_fn_config, forward_only=True)

    def forward_backward(
        self,
        data: list[types.Datum],
        loss_fn: types.LossFnType,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        """Loss, logprobs and gradients, which add up until ``optim_step``."""
        return self._forward_backward(data, loss_fn, loss_fn_config, forward_only=False)

    def forward_backward_custom(
        self,
        data: list[types.Datum],
        loss_fn: CustomLossFnV1 | LossHandle,
        *,
        loss_type_input: Literal["logprobs"] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        """A loss computed here in torch from the server's logprobs, applied through cross_entropy weights.

        A forward pass gets each datum's logprobs; ``loss_fn(data, logprobs)`` returns ``(loss, metrics)``; its
        gradient with respect to the logprobs, negated, becomes the weights of a cross_entropy forward_backward,
        whose gradient is then that of the custom loss. ``loss_fn`` may also be a ``LossHandle`` from
        ``ServiceClient.create_custom_loss`` of this client's session: its traced loss runs here once per datum
        (after each datum was checked for the inputs it declared), the losses summed and its metrics summed or
        averaged by their ``:sum`` / ``:mean`` suffix. Needs torch.
        """
        from .custom_loss import LossHandle, batch_loss, check_loss_inputs

        if isinstance(loss_fn, LossHandle):
            # a handle from create_custom_loss: its per-datum loss, summed over the batch, runs here like a Python
            # loss function (this SDK runs every custom loss client-side, even where 0.38 would upload it)
            if loss_fn.session_id != self.holder.known_session_id:
                raise ValueError(
                    f"LossHandle {loss_fn.name!r} was made in session {loss_fn.session_id}; only clients of that "
                    "session can use it"
                )
            check_loss_inputs(loss_fn, data)
            loss_fn = batch_loss(loss_fn)
        import torch

        prepared = [_surrogate_datum(d) for d in data]
        forward = self.forward(prepared, "cross_entropy")
        # the backward pass's seq_ids are taken now, so that calls made after this one (optim_step) run after it;
        # one per chunk, counted without encoding the batch a second time
        config = self.holder.known_config()
        backward_seq_ids = self._reserve(
            len(chunk(prepared, config.fwdbwd_max_chunk_len, config.fwdbwd_max_chunk_bytes_count))
        )

        def weighted(gradients: list[Any]) -> list[types.Datum]:
            return [
                dataclasses.replace(
                    d,
                    loss_fn_inputs={
                        "target_tokens": d.loss_fn_inputs["target_tokens"],
                        "weights": types.TensorData.from_torch(-gradient),
                    },
                )
                for d, gradient in zip(prepared, gradients, strict=True)
            ]

        async def backward(data: list[types.Datum]) -> types.ForwardBackwardOutput:
            seq_ids, bodies = self._prepare(data, "cross_entropy", None, False, backward_seq_ids)
            return await self._run_chunks(seq_ids, bodies, forward_only=False)

        async def run() -> types.ForwardBackwardOutput:
            try:
                output = await forward.result_async()
                logprobs = [
                    torch.tensor(o["logprobs"].to_numpy())
                    .reshape(d.loss_fn_inputs["target_tokens"].shape or [-1])
                    .requires_grad_(True)
                    for o, d in zip(output.loss_fn_outputs, prepared, strict=True)
                ]

                def compute() -> tuple[dict[str, float], float]:
                    loss, metrics = loss_fn(list(data), logprobs)
                    cast(Any, loss).backward()
                    return metrics, float(loss.detach().sum().item())

                # keep the I/O loop free
                metrics, loss_sum = await asyncio.get_running_loop().run_in_executor(None, compute)
            except BaseException:
                # the reserved backward still goes out, with zero weights (no gradient), so the order holds
                zeros = [torch.zeros(d.loss_fn_inputs["target_tokens"].shape or [-1]) for d in prepared]
                await asyncio.shield(backward(weighted(zeros)))
                raise
            gradients = [lp.grad if lp.grad is not None else torch.zeros_like(lp) for lp in logprobs]
            result = await backward(weighted(gradients))
            # as 0.38 reports it: loss:sum is the custom loss, the cross_entropy pass's is surrogate_loss:sum
            surrogate = {"surrogate_loss:sum": result.metrics["loss:sum"]} if "loss:sum" in result.metrics else {}
            return dataclasses.replace(result, metrics={**result.metrics, **metrics, "loss:sum": loss_sum, **surrogate})

        return self._run(run(), "forward_backward_custom", backward_seq_ids)

    # --- optimizer and weights -------------------------------------------------------------------------
    def optim_step(
        self,
        optim_params: types.AdamParams | types.DimuonParams | types.OptimParams | None = None,
        *,
        adam_params: types.AdamParams | None = None,
    ) -> APIFuture[types.OptimStepResponse]:
        """One optimizer step on the accumulated gradients."""
        params = optim_params.root if isinstance(optim_params, types.OptimParams) else optim_params
        params = params if params is not None else adam_params
        if params is None:
            raise TypeError("optim_step() needs optim_params or adam_params")
        field = "optimizer_params" if isinstance(params, types.DimuonParams) else "adam_params"
        seq_id, body = self._take(
            lambda seq_id: types.OptimStepRequest.model_validate(
                {field: params, "model_id": self.model_id, "seq_id": seq_id}
            )
        )
        return self._one(seq_id, optim_step_op.build_request, body, types.OptimStepResponse, "OptimStep", "optim_step")

    def save_state(
        self,
        name: str,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[types.SaveWeightsResponse]:
        """Save weights and optimizer state as ``tinker://<model_id>/weights/<name>``."""
        seq_id, body = self._take(
            lambda seq_id: types.SaveWeightsRequest(
                model_id=self.model_id,
                path=name,
                seq_id=seq_id,
                ttl_seconds=ttl_seconds,
                overwrite=overwrite,
                user_metadata=user_metadata,
            )
        )
        return self._one(
            seq_id, save_weights.build_request, body, types.SaveWeightsResponse, "SaveWeights", "save_state"
        )

    def _load(self, path: str, optimizer: bool, token: str | None) -> APIFuture[types.LoadWeightsResponse]:
        seq_id, body = self._take(
            lambda seq_id: types.LoadWeightsRequest(
                model_id=self.model_id, seq_id=seq_id, path=path, optimizer=optimizer, weights_access_token=token
            )
        )
        return self._one(
            seq_id, load_weights.build_request, body, types.LoadWeightsResponse, "LoadWeights", "load_state"
        )

    @deprecated("use ServiceClient.create_training_client_from_state instead")
    def load_state(self, path: str, weights_access_token: str | None = None) -> APIFuture[types.LoadWeightsResponse]:
        """Load saved weights into this run (the optimizer starts afresh)."""
        return self._load(path, False, weights_access_token)

    @deprecated("use ServiceClient.create_training_client_from_state_with_optimizer instead")
    def load_state_with_optimizer(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[types.LoadWeightsResponse]:
        """Load saved weights and optimizer state into this run."""
        return self._load(path, True, weights_access_token)

    def save_weights_for_sampler(
        self, name: str, ttl_seconds: int | None = None, user_metadata: dict[str, str] | None = None
    ) -> APIFuture[types.SaveWeightsForSamplerResponse]:
        """Save the weights for sampling as ``tinker://<model_id>/sampler_weights/<name>``."""
        seq_id, body = self._take(
            lambda seq_id: types.SaveWeightsForSamplerRequest(
                model_id=self.model_id, path=name, seq_id=seq_id, ttl_seconds=ttl_seconds, user_metadata=user_metadata
            )
        )

        async def run() -> types.SaveWeightsForSamplerResponse:
            answer = await self._call(
                seq_id,
                save_weights_for_sampler.build_request,
                body,
                types.SaveWeightsForSamplerResponseInternal,
                "SaveWeightsForSampler",
            )
            if answer.path is None:
                raise ValueError("the server saved the weights but sent no path")
            return types.SaveWeightsForSamplerResponse(path=answer.path, type=answer.type)

        return self._run(run(), "save_weights_for_sampler", [seq_id])

    def save_weights_external(
        self, name: str, ttl_seconds: int | None = None, age_encryption_recipients: list[str] | None = None
    ) -> APIFuture[types.SaveWeightsExternalResponse]:
        """Export the weights for download (see RestClient.get_external_weights_urls)."""
        seq_id, body = self._take(
            lambda seq_id: types.SaveWeightsExternalRequest(
                model_id=self.model_id,
                path=name,
                seq_id=seq_id,
                ttl_seconds=ttl_seconds,
                age_encryption_recipients=age_encryption_recipients,
            )
        )

        async def run() -> types.SaveWeightsExternalResponse:
            answer = await self._call(
                seq_id,
                save_weights_external.build_request,
                body,
                types.SaveWeightsExternalResponseInternal,
                "SaveWeightsExternal",
            )
            if answer.path is None:
                raise ValueError("the server exported the weights but sent no path")
            return types.SaveWeightsExternalResponse(path=answer.path, type=answer.type)

        return self._run(run(), "save_weights_external", [seq_id])

    def save_weights_and_get_sampling_client(
        self,
        name: str | None = None,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
        kind: types.SamplingClientKind = "snapshot",
    ) -> BackcompatSamplingClientFuture:
        """Snapshot the current weights into a new sampler (nothing is kept after the session; ``name`` is
        ignored, as in the official SDK)."""
        from .backcompat_sampling_client_future import BackcompatSamplingClientFuture
        from .sampling_client import SamplingClient

        sampling_seq_id = self.holder.next_sampling_seq_id()
        seq_id, body = self._take(
            lambda seq_id: types.SaveWeightsForSamplerRequest(
                model_id=self.model_id, seq_id=seq_id, kind=kind, sampling_session_seq_id=sampling_seq_id
            )
        )

        async def run() -> SamplingClient:
            answer = await self._call(
                seq_id,
                save_weights_for_sampler.build_request,
                body,
                types.SaveWeightsForSamplerResponseInternal,
                "SaveWeightsForSampler",
            )
            if answer.sampling_session_id is None:
                raise ValueError("the server saved the weights but sent no sampling_session_id")
            return SamplingClient(
                self.holder,
                answer.sampling_session_id,
                retry_config=retry_config,
                record_stability_info=record_stability_info,
            )

        return BackcompatSamplingClientFuture(self._run(run(), "save_weights_and_get_sampling_client", [seq_id]))

    def create_sampling_client(
        self, model_path: str, retry_config: RetryConfig | None = None, record_stability_info: bool = False
    ) -> BackcompatSamplingClientFuture:
        """A sampler for saved weights (a ``tinker://`` path)."""
        from .sampling_client import SamplingClient

        return SamplingClient.create(
            self.holder, model_path=model_path, retry_config=retry_config, record_stability_info=record_stability_info
        )

    # --- information -----------------------------------------------------------------------------------
    async def _get_info(self) -> types.GetInfoResponse:
        if self._info is None:
            body = types.GetInfoRequest(model_id=self.model_id)
            self._info = await self.holder.request(
                get_info_op.build_request(body=json_body(body)), types.GetInfoResponse
            )
        return self._info

    def get_info(self) -> types.GetInfoResponse:
        """The model behind this run: base model, tokenizer id, LoRA rank."""
        return self.holder.call(self._get_info())

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (offline for the local server's models)."""
        from .._tokenizer import load_tokenizer

        info = self.get_info()
        return load_tokenizer(info.model_data.tokenizer_id, info.model_data.model_name)

    def get_console_url(self) -> str:
        return f"{self.holder.settings.base_url}training_runs/{self.model_id}"

    def get_telemetry(self) -> Telemetry | None:
        """The telemetry reporter this client sends through, or None when reporting is off (``TINKER_TELEMETRY=0``)."""
        return self.holder.telemetry

    # --- deprecated async variants ---------------------------------------------------------------------
    @deprecated_async("forward")
    async def forward_async(
        self,
        data: list[types.Datum],
        loss_fn: types.LossFnType,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        return self.forward(data, loss_fn, loss_fn_config)

    @deprecated_async("forward_backward")
    async def forward_backward_async(
        self,
        data: list[types.Datum],
        loss_fn: types.LossFnType,
        loss_fn_config: Mapping[str, float | str] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        return self.forward_backward(data, loss_fn, loss_fn_config)

    @deprecated_async("forward_backward_custom")
    async def forward_backward_custom_async(
        self,
        data: list[types.Datum],
        loss_fn: CustomLossFnV1 | LossHandle,
        *,
        loss_type_input: Literal["logprobs"] | None = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        return self.forward_backward_custom(data, loss_fn, loss_type_input=loss_type_input)

    @deprecated_async("optim_step")
    async def optim_step_async(
        self,
        optim_params: types.AdamParams | types.DimuonParams | None = None,
        *,
        adam_params: types.AdamParams | None = None,
    ) -> APIFuture[types.OptimStepResponse]:
        return self.optim_step(optim_params, adam_params=adam_params)

    @deprecated_async("save_state")
    async def save_state_async(
        self,
        name: str,
        ttl_seconds: int | None = None,
        overwrite: bool = False,
        user_metadata: dict[str, str] | None = None,
    ) -> APIFuture[types.SaveWeightsResponse]:
        return self.save_state(name, ttl_seconds, overwrite, user_metadata)

    @deprecated_async("ServiceClient.create_training_client_from_state")
    async def load_state_async(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[types.LoadWeightsResponse]:
        return self._load(path, False, weights_access_token)

    @deprecated_async("ServiceClient.create_training_client_from_state_with_optimizer")
    async def load_state_with_optimizer_async(
        self, path: str, weights_access_token: str | None = None
    ) -> APIFuture[types.LoadWeightsResponse]:
        return self._load(path, True, weights_access_token)

    @deprecated_async("save_weights_for_sampler")
    async def save_weights_for_sampler_async(
        self, name: str, ttl_seconds: int | None = None, user_metadata: dict[str, str] | None = None
    ) -> APIFuture[types.SaveWeightsForSamplerResponse]:
        return self.save_weights_for_sampler(name, ttl_seconds, user_metadata)

    @deprecated_async("save_weights_external")
    async def save_weights_external_async(
        self, name: str, ttl_seconds: int | None = None, age_encryption_recipients: list[str] | None = None
    ) -> APIFuture[types.SaveWeightsExternalResponse]:
        return self.save_weights_external(name, ttl_seconds, age_encryption_recipients)

    @deprecated_async("get_info")
    async def get_info_async(self) -> types.GetInfoResponse:
        return await asyncio.wrap_future(self.holder.io.submit(self._get_info()))

    @deprecated_async("save_weights_and_get_sampling_client")
    async def save_weights_and_get_sampling_client_async(
        self,
        name: str | None = None,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
        kind: types.SamplingClientKind = "snapshot",
    ) -> SamplingClient:
        return await self.save_weights_and_get_sampling_client(name, retry_config, record_stability_info, kind)

    @deprecated_async("create_sampling_client")
    async def create_sampling_client_async(
        self, model_path: str, retry_config: RetryConfig | None = None, record_stability_info: bool = False
    ) -> SamplingClient:
        return await self.create_sampling_client(model_path, retry_config, record_stability_info)


def _surrogate_datum(datum: types.Datum) -> types.Datum:
    """The datum as forward_backward_custom sends it: target_tokens, and float32 weights (zeros when absent). Other
    loss inputs (a target distribution…) are for the user's loss function only and stay here, as in 0.38.

    The weights are float32 like the gradients that replace them in the backward pass, so that both passes cost the
    same bytes and split into the same chunks: the backward's seq_ids are reserved, one per chunk, before it is built.
    """
    inputs = datum.loss_fn_inputs
    if "target_tokens" not in inputs:
        raise ValueError(f"forward_backward_custom needs loss_fn_inputs['target_tokens']; got {sorted(inputs)}")
    targets = inputs["target_tokens"]
    weights = inputs.get("weights")
    if weights is None:
        weights = types.TensorData.from_numpy(np.zeros(targets.to_numpy().shape, dtype=np.float32))
    elif weights.dtype != "float32":
        weights = types.TensorData.from_numpy(weights.to_numpy().astype(np.float32))
    if inputs.keys() == {"target_tokens", "weights"} and weights is inputs["weights"]:
        return datum
    return dataclasses.replace(datum, loss_fn_inputs={"target_tokens": targets, "weights": weights})
