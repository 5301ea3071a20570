"""SamplingClient against the local server."""

from __future__ import annotations

import asyncio
import math
import pickle

import pytest
import torch

import tinker
from tinker import types

from .conftest import TEXT, TINY

PROMPT = types.ModelInput.from_ints(list(TEXT.encode())[:8])


@pytest.fixture(scope="module")
def sampler(service: tinker.ServiceClient) -> tinker.SamplingClient:
    return service.create_sampling_client(base_model=TINY).result()


def test_sample_is_awaitable_and_has_result(sampler: tinker.SamplingClient) -> None:
    params = types.SamplingParams(max_tokens=5, temperature=1.0, seed=3)
    future = sampler.sample(PROMPT, 3, params)
    assert isinstance(future, tinker.APIFuture)
    result = future.result()
    assert len(result.sequences) == 3 and all(len(s.tokens) == 5 for s in result.sequences)
    assert all(s.stop_reason == "length" and len(s.logprobs or []) == 5 for s in result.sequences)
    assert all(s.sequence_id for s in result.sequences)

    async def again() -> types.SampleResponse:
        return await sampler.sample(PROMPT, 3, params)

    assert [s.tokens for s in asyncio.run(again()).sequences] == [s.tokens for s in result.sequences]


def test_stop_sequences_and_prompt_logprobs(sampler: tinker.SamplingClient) -> None:
    greedy = types.SamplingParams(
        max_tokens=20,
        temperature=0.0,
        stop=[
            int(
                sampler.sample(PROMPT, 1, types.SamplingParams(max_tokens=1, temperature=0.0))
                .result()
                .sequences[0]
                .tokens[0]
            )
        ],
    )
    stopped = sampler.sample(PROMPT, 1, greedy).result().sequences[0]
    assert stopped.stop_reason == "stop" and len(stopped.tokens) == 1
    result = sampler.sample(
        PROMPT, 1, types.SamplingParams(max_tokens=1), include_prompt_logprobs=True, topk_prompt_logprobs=3
    ).result()
    assert result.prompt_logprobs is not None and result.prompt_logprobs[0] is None
    assert len(result.prompt_logprobs) == PROMPT.length
    assert result.topk_prompt_logprobs is not None and len(result.topk_prompt_logprobs[1] or []) == 3


def test_compute_logprobs(sampler: tinker.SamplingClient) -> None:
    logprobs = sampler.compute_logprobs(PROMPT).result()
    assert logprobs[0] is None and len(logprobs) == PROMPT.length
    assert all(lp is not None and lp < 0 and math.isfinite(lp) for lp in logprobs[1:])


def test_base_model_tokenizer_and_handle(sampler: tinker.SamplingClient) -> None:
    assert sampler.get_base_model() == TINY
    assert sampler.get_tokenizer().encode("ab") == [97, 98]
    handle = sampler.get_sampler_handle()
    other = tinker.SamplingClient.from_sampler_handle(
        handle, api_key=sampler.holder.settings.api_key, base_url=sampler.holder.settings.base_url
    )
    assert other.get_base_model() == TINY


def test_pickled_sampler_works_in_the_same_way(sampler: tinker.SamplingClient, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = pickle.dumps(sampler)
    assert sampler.holder.settings.api_key.encode() not in payload
    monkeypatch.setenv("TINKER_API_KEY", sampler.holder.settings.api_key)
    restored = pickle.loads(payload)
    params = types.SamplingParams(max_tokens=4, temperature=0.0)
    assert restored.sample(PROMPT, 1, params).result().sequences[0].tokens == (
        sampler.sample(PROMPT, 1, params).result().sequences[0].tokens
    )


def test_bad_input_fails_before_sending(sampler: tinker.SamplingClient) -> None:
    with pytest.raises(ValueError, match="num_samples"):
        sampler.sample(PROMPT, "two", types.SamplingParams())  # type: ignore[arg-type]
    with pytest.raises(tinker.BadRequestError, match="prompt"):
        sampler.sample(types.ModelInput.from_ints([70000]), 1, types.SamplingParams(max_tokens=1)).result()


def test_target_prompt_logprobs_goes_in_its_json_form(sampler: tinker.SamplingClient) -> None:
    """A TensorData (a dataclass, as in 0.38) reaches the server as the document's JSON tensor, sparse as built and
    with no pad value, as the official SDK sends it; the local server has no use for it and says so by name."""
    ids = torch.full((len(PROMPT.to_ints()) - 1, 4), -1, dtype=torch.int64)
    ids[2, 0] = 65
    target = types.TensorData.from_torch_sparse(ids, pad_value=-1)
    assert target.sparse_crow_indices is not None
    with pytest.raises(tinker.BadRequestError, match="target_prompt_logprobs"):
        sampler.sample(PROMPT, 1, types.SamplingParams(max_tokens=1), target_prompt_logprobs=target).result()


def test_deprecated_styles(service: tinker.ServiceClient, sampler: tinker.SamplingClient) -> None:
    async def run() -> None:
        with pytest.warns(FutureWarning, match="sample_async is deprecated"):
            result = await sampler.sample_async(PROMPT, 1, types.SamplingParams(max_tokens=2))
        assert len(result.sequences[0].tokens) == 2
        with pytest.warns(FutureWarning):
            assert len(await sampler.compute_logprobs_async(PROMPT)) == PROMPT.length
        with pytest.warns(FutureWarning):
            client = await service.create_sampling_client_async(base_model=TINY)
        assert isinstance(client, tinker.SamplingClient)

    asyncio.run(run())
    future = service.create_sampling_client(base_model=TINY)
    with pytest.warns(FutureWarning, match="Using the future as the SamplingClient"):
        assert future.get_base_model() == TINY
