"""Streaming sampling over Server-Sent Events: the stream, its end (early, or by a failure), and the fallback."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import orjson
import pydantic
import pytest

import tinker
from tinker import types
from tinker._exceptions import TinkerError
from tinker.lib import _tokenizer
from tinker.local import LocalServer
from tinker.local.engine import _sampler

from .conftest import KEY, TINY
from .test_futures import Script, json

PROMPT = types.ModelInput.from_ints(list(b"Once upon"))


@pytest.fixture(scope="module")
def sampler(service: tinker.ServiceClient) -> tinker.SamplingClient:
    return service.create_sampling_client(base_model=TINY).result()


def test_streamed_tokens_equal_a_sample_with_the_same_seed(sampler: tinker.SamplingClient) -> None:
    params = types.SamplingParams(max_tokens=12, temperature=1.0, seed=11)
    events = list(sampler.sample_stream(PROMPT, 3, params))
    reference = sampler.sample(PROMPT, 3, params).result()
    for index, sequence in enumerate(reference.sequences):
        tokens = [e for e in events if isinstance(e, types.SampleStreamToken) and e.sample_index == index]
        assert [t.token_id for t in tokens] == sequence.tokens
        assert [t.position for t in tokens] == list(range(len(sequence.tokens)))
        assert [t.logprob for t in tokens] == pytest.approx(sequence.logprobs, abs=1e-6)
        done = [e for e in events if isinstance(e, types.SampleStreamDone) and e.sample_index == index]
        assert done == [
            types.SampleStreamDone(
                sample_index=index, stop_reason=sequence.stop_reason, num_tokens=len(sequence.tokens)
            )
        ]

    async def collect() -> list[Any]:
        return [event async for event in sampler.sample_stream_async(PROMPT, 3, params)]

    assert asyncio.run(collect()) == events


def test_the_first_token_arrives_while_generation_is_still_running(
    sampler: tinker.SamplingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine is held after its first token until the client has that token: no timing involved."""
    first_sent, release = threading.Event(), threading.Event()
    original = _sampler.Sampler.sample

    def held(self: Any, spec: Any, on_token: Any = None) -> Any:
        def hold(*args: Any) -> None:
            first_sent.set()  # before the token goes out: the client may have it before this thread runs again
            on_token(*args)
            assert release.wait(30), "the client never saw the first token"

        return original(self, spec, hold if on_token is not None else None)

    monkeypatch.setattr(_sampler.Sampler, "sample", held)
    stream: Iterator[Any] = sampler.sample_stream(PROMPT, 1, types.SamplingParams(max_tokens=5, seed=1))
    try:
        first = next(stream)
        assert isinstance(first, types.SampleStreamToken) and first.position == 0
        assert first_sent.is_set() and not release.is_set()
    finally:
        release.set()  # also when the test fails: the engine, shared by the tests, is not held for 30 s
    rest = list(stream)
    assert isinstance(rest[-1], types.SampleStreamDone) and rest[-1].num_tokens == 5


def test_bad_input_and_error_events(sampler: tinker.SamplingClient, local: LocalServer) -> None:
    with pytest.raises(tinker.BadRequestError, match="prompt"):
        list(sampler.sample_stream(types.ModelInput.from_ints([70000]), 1, types.SamplingParams(max_tokens=2)))
    with httpx.Client(base_url=local.base_url, headers={"X-API-Key": KEY}) as client:
        body = {
            "prompt": {"chunks": [{"type": "encoded_text", "tokens": [1]}]},
            "num_samples": 1,
            "sampling_params": {"max_tokens": 1},
            "sampling_session_id": sampler.sampling_session_id,
        }
        with client.stream("POST", "/api/v1/stream_sample", json=body) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            text = "".join(response.iter_text())
    assert "event: token" in text and "event: done" in text


# --- on a mock transport: how a stream ends -------------------------------------------------------------------
SSE = {"content-type": "text/event-stream"}


def token_event(position: int) -> bytes:
    data = {"sample_index": 0, "token_id": 104, "text": "h", "logprob": -0.5, "position": position}
    return f"event: token\ndata: {orjson.dumps(data).decode()}\n\n".encode()


class EventStream(httpx.AsyncByteStream):
    """A response body of the given chunks, then ``then``: ``None`` (the end), an exception to raise, or
    ``"forever"`` (a token every 10 ms for as long as it is read). Records when it is closed."""

    def __init__(self, *chunks: bytes, then: BaseException | str | None = None) -> None:
        self.chunks, self.then = chunks, then
        self.closed = threading.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if isinstance(self.then, BaseException):
            raise self.then
        position = len(self.chunks)
        while self.then == "forever":
            await asyncio.sleep(0.01)
            yield token_event(position)
            position += 1

    async def aclose(self) -> None:
        self.closed.set()


def stream_client(body: EventStream, headers: dict[str, str] = SSE) -> tinker.SamplingClient:
    script = Script(lambda request: httpx.Response(200, headers=headers, stream=body))
    return tinker.SamplingClient(script.holder(), "x:sample:0")


def consume(
    client: tinker.SamplingClient, mode: str, stop_after: int | None = None, then: Callable[[], object] = lambda: None
) -> list[Any]:
    """The events of one stream, read by the sync or the async iterator, leaving after ``stop_after`` of them; then
    ``then`` runs (for the async iterator in a thread, while the caller's loop still runs)."""
    events: list[Any] = []
    params = types.SamplingParams(max_tokens=1000)
    if mode == "sync":
        for event in client.sample_stream(PROMPT, 1, params):
            events.append(event)
            if len(events) == stop_after:
                break
        then()
        return events

    async def read() -> None:
        async for event in client.sample_stream_async(PROMPT, 1, params):
            events.append(event)
            if len(events) == stop_after:
                break
        await asyncio.to_thread(then)

    asyncio.run(read())
    return events


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_leaving_a_stream_early_closes_its_response(mode: str) -> None:
    body = EventStream(token_event(0), then="forever")
    closed: list[bool] = []
    events = consume(stream_client(body), mode, stop_after=2, then=lambda: closed.append(body.closed.wait(5)))
    assert [e.position for e in events] == [0, 1]
    assert closed == [True], "the response was still being read after the consumer left"


@MODES
def test_an_exception_in_the_consumer_closes_the_response(mode: str) -> None:
    body = EventStream(then="forever")
    client = stream_client(body)
    params = types.SamplingParams(max_tokens=1000)

    def fail() -> None:
        with pytest.raises(KeyError):
            for _ in client.sample_stream(PROMPT, 1, params):
                raise KeyError("consumer")
        assert body.closed.wait(5)

    async def fail_async() -> None:
        with pytest.raises(KeyError):
            async for _ in client.sample_stream_async(PROMPT, 1, params):
                raise KeyError("consumer")
        assert await asyncio.to_thread(body.closed.wait, 5)

    if mode == "sync":
        fail()
    else:
        asyncio.run(fail_async())


def test_a_dropped_iterator_closes_the_response() -> None:
    body = EventStream(then="forever")
    stream = stream_client(body).sample_stream(PROMPT, 1, types.SamplingParams(max_tokens=1000))
    next(stream)
    del stream
    assert body.closed.wait(5)


@MODES
@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ReadTimeout("slow"), tinker.APITimeoutError),
        (httpx.ReadError("reset"), tinker.APIConnectionError),
        (httpx.RemoteProtocolError("cut"), tinker.APIConnectionError),
    ],
)
def test_a_connection_failing_mid_stream_is_the_typed_error(
    mode: str, failure: httpx.TransportError, expected: type[Exception]
) -> None:
    body = EventStream(token_event(0), then=failure)
    with pytest.raises(expected) as caught:
        consume(stream_client(body), mode)
    assert caught.value.__cause__ is failure
    assert body.closed.is_set()


@MODES
def test_a_stream_that_ends_before_its_samples_are_done_is_a_connection_error(mode: str) -> None:
    with pytest.raises(tinker.APIConnectionError, match="0 of 1 samples"):
        consume(stream_client(EventStream(token_event(0))), mode)


@MODES
def test_a_malformed_event_is_a_validation_error(mode: str) -> None:
    body = EventStream(token_event(0), b"event: token\ndata: {not json\n\n")
    with pytest.raises(tinker.APIResponseValidationError, match="'token' event") as caught:
        consume(stream_client(body), mode)
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)
    assert caught.value.body == "{not json"


def test_an_answer_that_is_no_event_stream_is_a_validation_error() -> None:
    client = stream_client(EventStream(b"{}"), headers={"content-type": "application/json"})
    with pytest.raises(tinker.APIResponseValidationError, match="text/event-stream"):
        consume(client, "sync")


# --- servers without stream_sample: a normal sample, replayed -------------------------------------------------
def no_stream_client(base_model: str) -> tinker.SamplingClient:
    sample = {"type": "sample", "sequences": [{"tokens": [104, 105], "logprobs": [-0.1, -0.2], "stop_reason": "stop"}]}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/stream_sample"):
            return json(404, {"detail": "Not Found"})
        if path.endswith("/asample"):
            return json(200, {"request_id": "s:0", "model_id": "s"})
        if path.endswith("/retrieve_future"):
            return json(200, sample)
        return json(200, {"sampler_id": "x:sample:0", "base_model": base_model})

    return tinker.SamplingClient(Script(answer).holder(), "x:sample:0")


@MODES
def test_servers_without_streaming_get_a_normal_sample_with_its_text(mode: str) -> None:
    events = consume(no_stream_client(TINY), mode)
    tokens = [e for e in events if isinstance(e, types.SampleStreamToken)]
    assert [(t.token_id, t.text, t.position) for t in tokens] == [(104, "h", 0), (105, "i", 1)]
    assert [t.logprob for t in tokens] == pytest.approx([-0.1, -0.2])
    assert isinstance(events[-1], types.SampleStreamDone) and events[-1].stop_reason == "stop"


def test_a_replay_without_its_tokenizer_warns_and_keeps_the_tokens(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable(tokenizer_id: str | None, model_name: str | None) -> Any:
        raise TinkerError(f"cannot load the tokenizer {model_name!r} (offline)")

    monkeypatch.setattr(_tokenizer, "load_tokenizer", unavailable)
    with caplog.at_level(logging.WARNING, logger="tinker"):
        events = consume(no_stream_client("other/model"), "sync")
    assert [(e.token_id, e.text) for e in events if isinstance(e, types.SampleStreamToken)] == [(104, ""), (105, "")]
    assert "other/model" in caplog.text and "offline" in caplog.text
