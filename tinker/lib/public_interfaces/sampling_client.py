"""SamplingClient: completions and logprobs from a base model or from saved weights.

Each sample gets its own ``seq_id``; a sample that the server could not keep (410) or refused for load (429)
is sent again with a new one, with backoff, a bounded number of times. A client can be pickled and used in
another process: it reconnects to the same sampler there. One made before ``os.fork()`` works in the child too:
there its seq_ids start far from the parent's, and its concurrency limit is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import itertools
import logging
import os
import queue
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, cast

import httpx
import pydantic
from httpx_sse import EventSource, ServerSentEvent, SSEError

from tinker import types
from tinker_api.api.sampling import asample, create_sampling_session, get_sampler, stream_sample
from tinker_api.types import EncodedBody

from ..._base_client import ClientSettings
from ..._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    ProgressTimeoutError,
    RequestFailedError,
    connection_error,
    unrouted,
)
from .._deprecation import deprecated_async
from .._encoding import json_body, plain
from .._holder import Holder
from .._per_process import PerProcess, shadow_seq_start
from .._polling import wait_result
from .._resilience import Attempts, Backoff, Progress
from ..retry_handler import RetryConfig
from ..telemetry import Telemetry
from .api_future import APIFuture, AwaitableConcurrentFuture

if TYPE_CHECKING:
    from .backcompat_sampling_client_future import BackcompatSamplingClientFuture

log = logging.getLogger("tinker")

__all__ = ["SamplingClient"]

_END = object()
PUMP_CHECK_SECONDS = 1.0  # how often a stream's reader checks that its pump still runs
SampleStreamEvent = types.SampleStreamToken | types.SampleStreamDone


@dataclasses.dataclass
class _Here:
    """What one process's use of a sampling client has of its own."""

    seq: Iterator[int]
    slots: asyncio.Semaphore | None
    seq_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    @classmethod
    def start(cls, first_pid: int, limit: int | None) -> _Here:
        """The first process numbers samples from 0; a later one (a forked child, sampling from the same sampler)
        far from any other's."""
        seq = itertools.count(0 if os.getpid() == first_pid else shadow_seq_start())
        return cls(seq, asyncio.Semaphore(limit) if limit else None)


class SamplingClient:
    """Samples from one sampler (a sampling session); create one with ``ServiceClient.create_sampling_client``."""

    def __init__(
        self,
        holder: Holder,
        sampling_session_id: str,
        *,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
    ) -> None:
        self.holder = holder
        self.sampling_session_id = sampling_session_id
        self.retry_config = retry_config or RetryConfig()
        self.record_stability_info = record_stability_info
        limit = self.retry_config.max_connections or holder.known_config().sample_max_concurrent_requests
        stuck_detection = (
            self.retry_config.enable_stuck_detection and holder.known_config().sample_enable_stuck_detection
        )
        self._progress = Progress(self.retry_config.progress_timeout if stuck_detection else None)
        self._here = PerProcess(functools.partial(_Here.start, os.getpid(), limit))
        self._base_model: str | None = None

    def __repr__(self) -> str:
        return f"SamplingClient(sampling_session_id={self.sampling_session_id!r})"

    @staticmethod
    def create(
        holder: Holder,
        *,
        model_path: str | None = None,
        base_model: str | None = None,
        sampling_session_id: str | None = None,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
    ) -> BackcompatSamplingClientFuture:
        """A future of a new sampler for ``model_path`` (saved weights) or ``base_model``, or of an existing one."""
        from .backcompat_sampling_client_future import BackcompatSamplingClientFuture

        if sampling_session_id is None and model_path is None and base_model is None:
            raise ValueError("pass model_path or base_model (with both, the weights at model_path are sampled)")
        if model_path is not None and not model_path.startswith("tinker://"):
            raise ValueError(f"model_path must be a tinker:// path, got {model_path!r}")

        async def run() -> SamplingClient:
            session_id = sampling_session_id
            if session_id is None:
                request = types.CreateSamplingSessionRequest(
                    session_id=await holder.session_id(),
                    sampling_session_seq_id=holder.next_sampling_seq_id(),
                    base_model=base_model,
                    model_path=model_path,
                )
                answer = await holder.request(
                    create_sampling_session.build_request(body=json_body(request)), types.CreateSamplingSessionResponse
                )
                session_id = answer.sampling_session_id
            return SamplingClient(
                holder, session_id, retry_config=retry_config, record_stability_info=record_stability_info
            )

        return BackcompatSamplingClientFuture(holder.submit(run()))

    # --- sampling --------------------------------------------------------------------------------------
    @property
    def _slots(self) -> asyncio.Semaphore | None:
        return self._here.get().slots

    def _next_seq(self) -> int:
        here = self._here.get()
        with here.seq_lock:
            return next(here.seq)

    async def _sample(self, request: dict[str, Any]) -> types.SampleResponse:
        """Send one sample and wait for it; sent again with a new seq_id after a failure that may pass (as
        ``retry_config`` says), and bounded as ``_resilience`` decides: the failure streak by
        ``RetryConfig.max_attempts``, backpressure (429) and "not yet" by the sampler's progress timeout.

        A submission whose answer was lost (no answer at all) is sent again as it was, with the same seq_id and
        idempotency key: the server may have taken it, and then answers with the same future instead of sampling
        twice."""
        config = self.retry_config
        attempts = Attempts(
            "sample",
            max_retries=max(config.max_attempts - 1, 0) if config.enable_retry_logic else 0,
            backoff=Backoff(config.retry_delay_base, config.retry_delay_max, config.jitter_factor),
            progress=self._progress,
            sleep=self.holder.sleep,
            clock=self._progress.clock,
        )
        self._progress.begin()
        moved = False
        resend: tuple[EncodedBody, str] | None = None
        try:
            while True:
                attempts.started()
                body, key = resend or (self._sample_body(request), f"tinker-openapi-{uuid.uuid4()}")
                resend = None
                future: types.UntypedAPIFuture | None = None
                try:
                    future = await self.holder.request(
                        asample.build_request(body=body, x_idempotency_key=key, x_tinker_sampling_backpressure="1"),
                        types.UntypedAPIFuture,
                        options={"max_retries": 0},
                    )
                    attempts.request_id = future.request_id
                    result = await wait_result(
                        self.holder, future, types.SampleResponse, "Sample", self.on_queue_state_change, self._progress
                    )
                except Exception as error:
                    if not config.enable_retry_logic or isinstance(error, ProgressTimeoutError):
                        raise
                    if isinstance(error, APIStatusError):
                        if error.status_code in (408, 429):
                            await attempts.backpressure(error, response=error.response)
                        elif _retryable(error):
                            await attempts.failed(error, response=error.response)
                        else:
                            raise
                    elif isinstance(error, config.retryable_exceptions):
                        if future is None and isinstance(error, APIConnectionError):
                            resend = (body, key)
                        await attempts.failed(error)
                    else:
                        raise
                    continue
                moved = True
                return _with_sequence_ids(result, future.sample_sequence_ids)
        finally:
            self._progress.end(moved=moved)
            attempts.ended()

    def _sample_body(self, request: dict[str, Any]) -> EncodedBody:
        body = types.SampleRequest.model_validate(
            {**request, "sampling_session_id": self.sampling_session_id, "seq_id": self._next_seq()}
        )
        return json_body(body)

    def sample(
        self,
        prompt: types.ModelInput,
        num_samples: int,
        sampling_params: types.SamplingParams,
        include_prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
        topk_sample_logprobs: int = 0,
        target_prompt_logprobs: types.TensorData | None = None,
        prompt_alt_tokens_k: int = 0,
        prompt_logprobs_last_n: int | None = None,
    ) -> APIFuture[types.SampleResponse]:
        """``num_samples`` completions of ``prompt``; awaitable, or ``.result()`` from sync code."""
        request = {
            "prompt": prompt,
            "num_samples": num_samples,
            "sampling_params": sampling_params,
            "prompt_logprobs": include_prompt_logprobs,
            "topk_prompt_logprobs": topk_prompt_logprobs,
            "topk_sample_logprobs": topk_sample_logprobs,
            "target_prompt_logprobs": None if target_prompt_logprobs is None else plain(target_prompt_logprobs),
            "prompt_alt_tokens_k": prompt_alt_tokens_k,
            "prompt_logprobs_last_n": prompt_logprobs_last_n,
            "record_stability_info": self.record_stability_info or None,
        }
        types.SampleRequest.model_validate(request)  # fail here, naming the field, before anything is sent

        async def run() -> types.SampleResponse:
            if self._slots is None:
                return await self._sample(request)
            async with self._slots:
                return await self._sample(request)

        return AwaitableConcurrentFuture(self.holder.io.submit(run()))

    def compute_logprobs(
        self, prompt: types.ModelInput, prompt_logprobs_last_n: int | None = None
    ) -> APIFuture[list[float | None]]:
        """The logprob of each prompt token given the ones before it (``None`` for the first)."""
        sampled = self.sample(
            prompt,
            1,
            types.SamplingParams(max_tokens=1),
            include_prompt_logprobs=True,
            prompt_logprobs_last_n=prompt_logprobs_last_n,
        )

        async def run() -> list[float | None]:
            result = await sampled.result_async()
            return list(result.prompt_logprobs or [])

        return AwaitableConcurrentFuture(self.holder.io.submit(run()))

    # --- streaming (this SDK's extension) ---------------------------------------------------------------
    async def _pump(self, request: dict[str, Any], push: Callable[[object], None]) -> None:
        """Stream one sample into ``push``: events, then an exception if it failed, then ``_END``. Cancelling it
        (the consumer left) closes the response at once instead of reading it to the end."""
        try:
            body = types.SampleRequest.model_validate({**request, "sampling_session_id": self.sampling_session_id})
            try:
                async with self.holder.client.stream(stream_sample.build_request(body=json_body(body))) as response:
                    await _read_events(response, request["num_samples"], push)
                return
            except APIStatusError as error:
                if not unrouted(error):  # no stream_sample on this server (not a 404 about the sampler)
                    raise
            log.info("the server has no stream_sample; sampling without streaming instead")
            result = await self._sample(request)
            tokenizer = await self._replay_tokenizer() if result.sequences else None
            for item in _replay(result, tokenizer):
                push(item)
        except Exception as error:
            push(error)
        finally:
            push(_END)

    async def _replay_tokenizer(self) -> Any | None:
        """The tokenizer that gives replayed tokens their text, loaded off the I/O loop. The tokens and logprobs
        are the result and the text only a convenience: a tokenizer that cannot be loaded here (offline, no
        transformers) costs the text, with a warning that says why, not the sample."""
        from .._tokenizer import load_tokenizer

        base_model = await self._get_base_model()
        try:
            return await asyncio.to_thread(load_tokenizer, None, base_model)
        except Exception as error:  # whatever transformers raises for a tokenizer it cannot load
            log.warning(
                "the tokenizer of %s cannot be loaded (%s); the streamed tokens have no text", base_model, error
            )
            return None

    def _stream_request(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> dict[str, Any]:
        request = {"prompt": prompt, "num_samples": num_samples, "sampling_params": sampling_params}
        types.SampleRequest.model_validate(request)
        return request

    def sample_stream(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> Iterator[SampleStreamEvent]:
        """Tokens as the server generates them: a ``SampleStreamToken`` per token and a ``SampleStreamDone`` per
        sample. Servers without the stream_sample extension (the hosted service) get a normal sample, whose
        tokens are then yielded at the end. Leaving the loop early (or dropping the iterator) closes the stream."""
        request = self._stream_request(prompt, num_samples, sampling_params)
        items: queue.Queue[object] = queue.Queue()
        pump = self.holder.io.submit(self._pump(request, items.put))
        try:
            while (item := _next_item(items, pump)) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield cast(SampleStreamEvent, item)
        finally:
            pump.cancel()

    async def sample_stream_async(
        self, prompt: types.ModelInput, num_samples: int, sampling_params: types.SamplingParams
    ) -> AsyncIterator[SampleStreamEvent]:
        """``sample_stream`` for async code: an async iterator of the same events."""
        request = self._stream_request(prompt, num_samples, sampling_params)
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[object] = asyncio.Queue()

        def push(item: object) -> None:
            with contextlib.suppress(RuntimeError):  # the caller's loop has closed: nobody reads any more
                loop.call_soon_threadsafe(items.put_nowait, item)

        pump = self.holder.io.submit(self._pump(request, push))
        try:
            while (item := await _next_item_async(items, pump)) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield cast(SampleStreamEvent, item)
        finally:
            pump.cancel()

    # --- information -----------------------------------------------------------------------------------
    async def _get_base_model(self) -> str:
        if self._base_model is None:
            answer = await self.holder.request(
                get_sampler.build_request(sampler_id=self.sampling_session_id), types.GetSamplerResponse
            )
            self._base_model = answer.base_model
        return self._base_model

    def get_base_model(self) -> str:
        return self.holder.call(self._get_base_model())

    def get_tokenizer(self) -> Any:
        """The base model's tokenizer (offline for the local server's models)."""
        from .._tokenizer import load_tokenizer

        return load_tokenizer(None, self.get_base_model())

    def get_sampler_handle(self) -> str:
        """A string from which ``from_sampler_handle`` rebuilds this client, in this or another process."""
        return self.sampling_session_id

    @staticmethod
    def from_sampler_handle(handle: str, *, api_key: str | None = None, base_url: str | None = None) -> SamplingClient:
        """A client for an existing sampler; the key and URL come from the arguments or the environment."""
        holder = Holder(ClientSettings.resolve(api_key=api_key, base_url=base_url), session_id=handle.split(":")[0])
        client = SamplingClient(holder, handle)
        # another client of the same sampler: its seq_ids start far from any other's (as the official SDK does)
        client._here.get().seq = itertools.count(shadow_seq_start())
        return client

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles the sampler's id and the service URL; the receiving process takes the key from its own
        environment (TINKER_API_KEY), so no secret is written into the pickle."""
        return (_unpickle, (self.sampling_session_id, self.holder.settings.base_url, self.retry_config))

    def on_queue_state_change(self, queue_state: str, queue_state_reason: str | None) -> None:
        """Called when the server reports that this sampler's requests wait in a queue."""
        if queue_state != "active":
            log.warning("sampler %s is waiting: %s", self.sampling_session_id, queue_state_reason or queue_state)

    def get_telemetry(self) -> Telemetry | None:
        """The telemetry reporter this client sends through, or None when reporting is off (``TINKER_TELEMETRY=0``)."""
        return self.holder.telemetry

    # --- deprecated async variants ---------------------------------------------------------------------
    @deprecated_async("sample")
    async def sample_async(
        self,
        prompt: types.ModelInput,
        num_samples: int,
        sampling_params: types.SamplingParams,
        include_prompt_logprobs: bool = False,
        topk_prompt_logprobs: int = 0,
        topk_sample_logprobs: int = 0,
        target_prompt_logprobs: types.TensorData | None = None,
        prompt_alt_tokens_k: int = 0,
        prompt_logprobs_last_n: int | None = None,
    ) -> types.SampleResponse:
        return await self.sample(
            prompt,
            num_samples,
            sampling_params,
            include_prompt_logprobs,
            topk_prompt_logprobs,
            topk_sample_logprobs,
            target_prompt_logprobs,
            prompt_alt_tokens_k,
            prompt_logprobs_last_n,
        )

    @deprecated_async("compute_logprobs")
    async def compute_logprobs_async(
        self, prompt: types.ModelInput, prompt_logprobs_last_n: int | None = None
    ) -> list[float | None]:
        return await self.compute_logprobs(prompt, prompt_logprobs_last_n)

    @deprecated_async("get_base_model")
    async def get_base_model_async(self) -> str:
        return await asyncio.wrap_future(self.holder.io.submit(self._get_base_model()))


async def _read_events(response: httpx.Response, num_samples: int, push: Callable[[object], None]) -> None:
    """Push each event of a stream_sample answer as it arrives. A connection that fails mid-stream, or ends
    before every sample is done, is the pipeline's typed error (``APITimeoutError``, ``APIConnectionError``); an
    answer that is no event stream, or an event that is not what the document says, is
    ``APIResponseValidationError``."""
    done: set[int] = set()
    events = EventSource(response).aiter_sse()
    try:
        async for event in events:
            item = _stream_item(response, event)
            if item is not None:
                if isinstance(item, types.SampleStreamDone):
                    done.add(item.sample_index)
                push(item)
    except SSEError as error:  # before TransportError, of which it is a kind
        raise APIResponseValidationError(response, None, message=f"stream_sample: {error}") from error
    except httpx.TransportError as error:
        raise connection_error(response.request, error) from error
    finally:
        await events.aclose()
    if len(done) < num_samples:
        raise APIConnectionError(
            message=f"stream_sample ended after {len(done)} of {num_samples} samples", request=response.request
        )


_EVENT_TYPES: dict[str, type[pydantic.BaseModel]] = {
    "token": types.SampleStreamToken,
    "done": types.SampleStreamDone,
    "error": types.SampleStreamError,
}


def _stream_item(response: httpx.Response, event: ServerSentEvent) -> SampleStreamEvent | None:
    """An event as its type; events of other names (a newer server's) are skipped, an ``error`` event raised."""
    model = _EVENT_TYPES.get(event.event)
    if model is None:
        return None
    try:
        item = model.model_validate_json(event.data)
    except pydantic.ValidationError as error:
        raise APIResponseValidationError(
            response, event.data, message=f"stream_sample sent a {event.event!r} event that is not valid: {error}"
        ) from error
    if isinstance(item, types.SampleStreamError):
        raise RequestFailedError(f"Request failed: {item.error}", request_id="stream", category=item.category)
    return cast(SampleStreamEvent, item)


def _replay(result: types.SampleResponse, tokenizer: Any | None) -> Iterator[SampleStreamEvent]:
    """A finished sample as stream events (the fallback for servers without stream_sample); without a tokenizer
    the tokens have no text."""
    for index, sequence in enumerate(result.sequences):
        logprobs = sequence.logprobs or [0.0] * len(sequence.tokens)
        for position, (token, logprob) in enumerate(zip(sequence.tokens, logprobs, strict=True)):
            text = tokenizer.decode([token]) if tokenizer is not None else ""
            yield types.SampleStreamToken(
                sample_index=index, token_id=token, text=text, logprob=logprob, position=position
            )
        yield types.SampleStreamDone(
            sample_index=index, stop_reason=sequence.stop_reason, num_tokens=len(sequence.tokens)
        )


def _next_item(items: queue.Queue[object], pump: Future[None]) -> object:
    """The pump's next item; a pump that ended without its end marker (cancelled before it ran) ends the wait."""
    while True:
        try:
            return items.get(timeout=PUMP_CHECK_SECONDS)
        except queue.Empty:
            if pump.done() and items.empty():
                return RuntimeError("the stream ended before its end marker")


async def _next_item_async(items: asyncio.Queue[object], pump: Future[None]) -> object:
    while True:
        try:
            return await asyncio.wait_for(items.get(), PUMP_CHECK_SECONDS)
        except TimeoutError:
            if pump.done() and items.empty():
                return RuntimeError("the stream ended before its end marker")


def _retryable(error: APIStatusError) -> bool:
    """A failure a new try may get past: the sampler lost the request (409, 410) or failed (5xx)."""
    return error.status_code in (409, 410) or error.status_code >= 500


def _unpickle(sampling_session_id: str, base_url: str, retry_config: RetryConfig) -> SamplingClient:
    client = SamplingClient.from_sampler_handle(sampling_session_id, base_url=base_url)
    client.retry_config = retry_config
    return client


def _with_sequence_ids(result: types.SampleResponse, sequence_ids: list[str] | None) -> types.SampleResponse:
    """Give each sequence its id from the submit answer when the result lacks one (and the server sent them)."""
    if not sequence_ids or len(sequence_ids) != len(result.sequences):
        return result
    sequences = [
        seq if seq.sequence_id else dataclasses.replace(seq, sequence_id=sequence_id)
        for seq, sequence_id in zip(result.sequences, sequence_ids, strict=True)
    ]
    return dataclasses.replace(result, sequences=sequences)
