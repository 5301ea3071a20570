"""Streaming sampling over Server-Sent Events: the decoder, the stream, and the fallback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import tinker
from tinker import types
from tinker.lib._sse import SSEDecoder, iter_events
from tinker.local import LocalServer
from tinker.local.engine import _sampler

from .conftest import KEY, TINY
from .test_futures import Script, json

PROMPT = types.ModelInput.from_ints(list(b"Once upon"))


def test_decoder_follows_the_event_stream_format() -> None:
    text = ': keep-alive\r\nid: 7\r\nevent: token\r\ndata: {"a":\r\ndata: 1}\r\n\r\nretry: 50\ndata: plain\n\n'
    chunks = [text[i : i + 3] for i in range(0, len(text), 3)]
    events = list(iter_events(chunks))
    assert [(e.event, e.data, e.id) for e in events] == [("token", '{"a":\n1}', "7"), ("message", "plain", "7")]
    assert events[1].retry == 50
    assert SSEDecoder().feed("data: no end yet\n") == []


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
            on_token(*args)
            first_sent.set()
            assert release.wait(30), "the client never saw the first token"

        return original(self, spec, hold if on_token is not None else None)

    monkeypatch.setattr(_sampler.Sampler, "sample", held)
    stream: Iterator[Any] = sampler.sample_stream(PROMPT, 1, types.SamplingParams(max_tokens=5, seed=1))
    first = next(stream)
    assert isinstance(first, types.SampleStreamToken) and first.position == 0
    assert first_sent.is_set() and not release.is_set()
    release.set()
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


def test_servers_without_streaming_get_a_normal_sample() -> None:
    sample = {"type": "sample", "sequences": [{"tokens": [104, 105], "logprobs": [-0.1, -0.2], "stop_reason": "stop"}]}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/stream_sample"):
            return json(404, {"detail": "Not Found"})
        if path.endswith("/asample"):
            return json(200, {"request_id": "s:0", "model_id": "s"})
        if path.endswith("/retrieve_future"):
            return json(200, sample)
        return json(200, {"sampler_id": "x:sample:0", "base_model": "other/model"})

    holder = Script(answer).holder()
    client = tinker.SamplingClient(holder, "x:sample:0")
    events = list(client.sample_stream(PROMPT, 1, types.SamplingParams(max_tokens=2)))
    assert [e.token_id for e in events if isinstance(e, types.SampleStreamToken)] == [104, 105]
    assert isinstance(events[-1], types.SampleStreamDone) and events[-1].stop_reason == "stop"
