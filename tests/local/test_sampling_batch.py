"""Sampling requests that arrive together run as one engine call: the engine's batched sample, the scheduler's
batching, and the server putting them together. Behaviour only (what ran with what, what came out), no timing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tinker.local._scheduler import Batchable, EngineScheduler, Ticket, WorkCancelled
from tinker.local._service import Service
from tinker.local.engine import Engine
from tinker.local.engine._sampler import Sampler
from tinker.local.engine._types import SampledSequence, SampleResult, SampleSpec, SamplingStopped

from .conftest import KEY_A, KEY_B
from .helpers import TINY, tokens_of
from .test_load_engine import _hold_engine, _in_process, _post, _resolved, _until


@pytest.fixture(scope="module")
def sampler() -> Sampler:
    return Engine(device="cpu").create_sampler(TINY)


def _prompt(text: str) -> np.ndarray:
    return np.asarray(tokens_of(text), dtype=np.int64)


def _same(alone: SampleResult, batched: SampleResult | Exception) -> None:
    assert isinstance(batched, SampleResult), batched
    assert len(alone.sequences) == len(batched.sequences)
    for one, other in zip(alone.sequences, batched.sequences, strict=True):
        assert other.tokens.dtype == np.int32 and other.logprobs.dtype == np.float32
        np.testing.assert_array_equal(one.tokens, other.tokens)
        np.testing.assert_allclose(one.logprobs, other.logprobs, atol=1e-4)
        assert one.stop_reason == other.stop_reason
    for name in ("prompt_logprobs", "topk_prompt_token_ids", "topk_prompt_logprobs"):
        expected, got = getattr(alone, name), getattr(batched, name)
        assert (expected is None) == (got is None), name
        if expected is not None:
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(expected, got, atol=1e-4, equal_nan=True)


# --- the engine --------------------------------------------------------------------------------------------


def test_a_batched_request_at_temperature_0_equals_the_same_request_alone(sampler: Sampler) -> None:
    texts = ["a", "the quick brown", "hello there, how are you", "xy", "the lazy dog jumps", "q"]
    specs = [
        SampleSpec(
            prompt=_prompt(text),
            num_samples=1 + index % 3,
            max_tokens=[5, 12, 1, 0, 20, 7][index],
            temperature=0.0,
            stop_tokens=(),
            prompt_logprobs=index % 2 == 0,
            topk_prompt_logprobs=3 if index % 3 == 0 else 0,
        )
        for index, text in enumerate(texts)
    ]
    outcomes = sampler.sample_batch([(spec, None) for spec in specs])
    for spec, outcome in zip(specs, outcomes, strict=True):
        _same(sampler.sample(spec), outcome)


def test_each_request_of_a_batch_keeps_its_own_parameters(sampler: Sampler) -> None:
    greedy = sampler.sample(SampleSpec(prompt=_prompt("the"), max_tokens=10, temperature=0.0, stop_tokens=()))
    tokens = [int(t) for t in greedy.sequences[0].tokens]
    specs = [
        SampleSpec(prompt=_prompt("the"), max_tokens=10, temperature=0.0, stop_tokens=()),
        # top_k=1 leaves only the most likely token, whatever the temperature
        SampleSpec(prompt=_prompt("the"), max_tokens=10, temperature=5.0, top_k=1, stop_tokens=(), num_samples=2),
        # a stop token: the greedy third token ends it, and is kept
        SampleSpec(prompt=_prompt("the"), max_tokens=10, temperature=0.0, stop_tokens=(tokens[2],)),
        SampleSpec(prompt=_prompt("the"), max_tokens=3, temperature=0.0, stop_tokens=()),
        # a tiny top_p keeps only the most likely token too
        SampleSpec(prompt=_prompt("the"), max_tokens=10, temperature=1.0, top_p=1e-6, stop_tokens=()),
        SampleSpec(prompt=_prompt("a longer prompt than the others"), max_tokens=4, temperature=1.0, stop_tokens=()),
    ]
    outcomes = sampler.sample_batch([(spec, None) for spec in specs])
    results: list[SampleResult] = []
    for outcome in outcomes:
        assert isinstance(outcome, SampleResult), outcome
        results.append(outcome)

    def only(result: SampleResult) -> list[SampledSequence]:
        return result.sequences

    assert [s.tokens.tolist() for s in only(results[1])] == [tokens, tokens]
    stopped = only(results[2])[0]
    assert stopped.tokens.tolist() == tokens[: tokens.index(tokens[2]) + 1] and stopped.stop_reason == "stop"
    short = only(results[3])[0]
    assert short.tokens.tolist() == tokens[:3] and short.stop_reason == "length"
    assert only(results[4])[0].tokens.tolist() == tokens
    drawn = only(results[5])[0]
    assert len(drawn.tokens) == 4 and drawn.stop_reason == "length"
    assert np.all(drawn.logprobs <= 0)


def test_a_request_that_stops_in_a_batch_ends_alone(sampler: Sampler) -> None:
    """Its on_token asking to stop (a cancel, a stream whose client left) ends that request only."""
    specs = [SampleSpec(prompt=_prompt(t), max_tokens=30, temperature=0.0, stop_tokens=()) for t in ("ab", "cd", "ef")]
    seen: list[int] = []

    def leaves(index: int, token: int, logprob: float, position: int) -> bool:
        seen.append(position)
        return position < 2

    def raises(index: int, token: int, logprob: float, position: int) -> bool:
        raise ValueError("the callback broke")

    outcomes = sampler.sample_batch([(specs[0], leaves), (specs[1], None), (specs[2], raises)])
    assert isinstance(outcomes[0], SamplingStopped)
    assert seen == [0, 1, 2]  # no token after it asked to stop
    _same(sampler.sample(specs[1]), outcomes[1])
    assert isinstance(outcomes[2], ValueError)


def test_seeded_requests_in_a_batch_are_reproducible(sampler: Sampler) -> None:
    seeded = SampleSpec(prompt=_prompt("the"), max_tokens=12, temperature=1.0, seed=7, num_samples=3)
    other = SampleSpec(prompt=_prompt("other"), max_tokens=12, temperature=1.0)
    first = sampler.sample_batch([(other, None), (seeded, None), (other, None)])[1]
    second = sampler.sample_batch([(seeded, None)])[0]
    alone = sampler.sample(seeded)
    for outcome in (first, second):
        assert isinstance(outcome, SampleResult)
        for expected, got in zip(alone.sequences, outcome.sequences, strict=True):
            np.testing.assert_array_equal(expected.tokens, got.tokens)
            np.testing.assert_array_equal(expected.logprobs, got.logprobs)


def test_a_bad_request_fails_alone_in_a_batch(sampler: Sampler) -> None:
    good = SampleSpec(prompt=_prompt("ok"), max_tokens=3, temperature=0.0, stop_tokens=())
    bad = SampleSpec(prompt=np.asarray([999_999]), max_tokens=3)
    outcomes = sampler.sample_batch([(good, None), (bad, None)])
    _same(sampler.sample(good), outcomes[0])
    assert isinstance(outcomes[1], ValueError) and "prompt" in str(outcomes[1])


# --- the scheduler -----------------------------------------------------------------------------------------


def test_the_scheduler_runs_queued_batchable_items_in_one_call() -> None:
    """Round-robin order picks the head; queued items of its key join it (from every lane, within the limit);
    other work keeps its turn, and a cancelled queued item is not run."""
    scheduler = EngineScheduler()
    calls: list[list[str]] = []

    def batched(payloads: Sequence[Any]) -> list[Any]:
        calls.append(list(payloads))
        return [f"{payload}!" if payload != "fails" else ValueError(payload) for payload in payloads]

    def item(lane: str, name: str, key: str = "k", cost: int = 1) -> tuple[str, Any]:
        def alone() -> str:
            calls.append([name])
            return f"{name} alone"

        return lane, (alone, Batchable(key, name, batched, (cost,), (4,)))

    async def scenario() -> None:
        gate, held = threading.Event(), threading.Event()

        def hold() -> None:
            held.set()
            gate.wait(30)

        blocker = asyncio.ensure_future(scheduler.run(None, hold))
        await _until(held.is_set, "the engine thread to be held")
        jobs = [
            item("a", "a0"),
            item("b", "b0"),
            item("c", "fails"),
            item("a", "a1"),
            item("b", "other key", key="other"),
            item("c", "too big", cost=4),
            item("a", "cancelled"),
            item("b", "b1"),
        ]
        tickets = [Ticket() for _ in jobs]
        waits = [
            asyncio.ensure_future(scheduler.run(lane, call, ticket, batch))
            for (lane, (call, batch)), ticket in zip(jobs, tickets, strict=True)
        ]
        await _until(lambda: sum(scheduler.queued().values()) == len(jobs), "the jobs to queue")
        assert scheduler.cancel(tickets[6])
        before = scheduler.calls
        gate.set()
        await blocker
        outcomes = await asyncio.gather(*waits, return_exceptions=True)
        # a's head, then one per lane in turn (b, c, a), up to the limit of 4: b1 and "too big" do not fit
        assert calls[0] == ["a0", "b0", "fails", "a1"]
        assert [outcomes[i] for i in (0, 1, 3)] == ["a0!", "b0!", "a1!"] and isinstance(outcomes[2], ValueError)
        assert calls[1:] == [["other key"], ["too big"], ["b1"]]  # b's turn, c's turn, then b's again
        assert [outcomes[i] for i in (4, 5, 7)] == ["other key alone", "too big alone", "b1 alone"]
        assert isinstance(outcomes[6], WorkCancelled)
        assert scheduler.calls - before == 4
        assert all(ticket.engine_seconds > 0 for index, ticket in enumerate(tickets) if index != 6)

    try:
        asyncio.run(scenario())
    finally:
        scheduler.close()


# --- through the server ------------------------------------------------------------------------------------


def test_samples_sent_together_run_in_one_engine_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []
    sample_batch = Sampler.sample_batch

    def counting(self: Sampler, requests: Sequence[Any]) -> Any:
        batches.append(len(requests))
        return sample_batch(self, requests)

    monkeypatch.setattr(Sampler, "sample_batch", counting)

    async def scenario(service: Service, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
        prompt = {"chunks": [{"type": "encoded_text", "tokens": tokens_of("the")}]}
        greedy = {"max_tokens": 6, "temperature": 0.0, "stop": []}
        sample = {"base_model": TINY, "prompt": prompt, "sampling_params": greedy}
        alone = await _resolved(service, (await _post(a, "asample", sample))["request_id"])  # builds A's sampler
        await _resolved(service, (await _post(b, "asample", sample))["request_id"])  # and B's (same weights)
        batches.clear()
        gate, blocker = await _hold_engine(service)
        bodies = [
            sample,
            {**sample, "sampling_params": {**greedy, "max_tokens": 3}},
            {**sample, "num_samples": 2},
            {**sample, "sampling_params": {**greedy, "seed": 3}},  # seeded: runs alone
        ]
        ids = [(await _post(client, "asample", body))["request_id"] for client in (a, b) for body in bodies]
        owners = {service.authenticate(key) for key in (KEY_A, KEY_B)}
        await _until(lambda: sum(service.scheduler.queued()[o] for o in owners) == len(ids), "the samples to queue")
        assert service.samples_on_the_way == 0
        gate.set()
        await blocker
        results = [await _resolved(service, request_id) for request_id in ids]
        assert batches == [6]  # both tenants' unseeded requests in one call; the seeded ones each alone
        expected = alone["sequences"][0]["tokens"]
        for body, result in zip(bodies * 2, results, strict=True):
            count = body.get("num_samples", 1)
            assert [s["tokens"] for s in result["sequences"]] == [
                expected[: body["sampling_params"]["max_tokens"]]
            ] * count

    _in_process(tmp_path, scenario)


@pytest.mark.parametrize("operation", ["asample", "stream_sample"])
def test_a_refused_sample_is_no_longer_on_its_way(tmp_path: Path, operation: str) -> None:
    """A sample refused at the tenant's sampling limit (429) stops counting as on its way at once: otherwise every
    later batch on the engine thread would wait for it."""

    async def scenario(service: Service, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
        prompt = {"chunks": [{"type": "encoded_text", "tokens": tokens_of("the")}]}
        sample = {"base_model": TINY, "prompt": prompt, "sampling_params": {"max_tokens": 2, "temperature": 0.0}}
        service.sampling.limit = 0
        response = await a.post(f"/api/v1/{operation}", json=sample)
        assert response.status_code == 429, response.text
        assert service.samples_on_the_way == 0

    _in_process(tmp_path, scenario)
