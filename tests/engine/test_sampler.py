"""Sampling: reproducibility, the sampling rules, stopping, prompt logprobs, and agreement with the trainer."""

from __future__ import annotations

import numpy as np
import pytest

from tinker.local.engine import Engine, EngineInputError, Example, Sampler, SampleSpec

from ._helpers import TINY, TOKENIZER, perturbed_trainer
from .conftest import Trained

PROMPT = np.array([72, 101, 108, 108, 111, 32], dtype=np.int64)


@pytest.fixture(scope="module")
def sampler(engine: Engine) -> Sampler:
    return engine.create_sampler(TINY, adapter=perturbed_trainer(engine).sampler_weights())


@pytest.fixture(scope="module")
def trained_sampler(engine: Engine, trained: Trained) -> Sampler:
    return engine.create_sampler(TINY, adapter=trained.trainer.sampler_weights())


def _tokens(result_tokens: list[np.ndarray]) -> list[list[int]]:
    return [tokens.tolist() for tokens in result_tokens]


def _next_token_logprobs(sampler: Sampler, prompt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The full distribution after ``prompt``, best first, read back through topk_prompt_logprobs."""
    spec = SampleSpec(prompt=np.append(prompt, 0), max_tokens=0, topk_prompt_logprobs=257)
    result = sampler.sample(spec)
    assert result.topk_prompt_token_ids is not None and result.topk_prompt_logprobs is not None
    return result.topk_prompt_token_ids[-1], result.topk_prompt_logprobs[-1]


def test_a_seed_makes_samples_reproducible(sampler: Sampler) -> None:
    spec = SampleSpec(prompt=PROMPT, num_samples=4, max_tokens=20, stop_tokens=(), seed=5)
    first, second = sampler.sample(spec), sampler.sample(spec)
    assert _tokens([s.tokens for s in first.sequences]) == _tokens([s.tokens for s in second.sequences])
    for left, right in zip(first.sequences, second.sequences, strict=True):
        assert np.array_equal(left.logprobs, right.logprobs)
        assert left.tokens.dtype == np.int32 and left.logprobs.dtype == np.float32
        assert left.stop_reason == "length" and len(left.tokens) == 20
    samples = _tokens([s.tokens for s in first.sequences])
    assert len({tuple(s) for s in samples}) == 4
    other = sampler.sample(SampleSpec(prompt=PROMPT, num_samples=4, max_tokens=20, stop_tokens=(), seed=6))
    assert _tokens([s.tokens for s in other.sequences]) != samples
    unseeded = [sampler.sample(SampleSpec(prompt=PROMPT, max_tokens=20, stop_tokens=())) for _ in range(2)]
    assert unseeded[0].sequences[0].tokens.tolist() != unseeded[1].sequences[0].tokens.tolist()


def test_sampled_logprobs_match_a_trainer_forward_of_prompt_and_completion(engine: Engine) -> None:
    trainer = perturbed_trainer(engine, seed=4)
    sampler = engine.create_sampler(TINY, adapter=trainer.sampler_weights())
    spec = SampleSpec(prompt=PROMPT, num_samples=3, max_tokens=40, stop_tokens=(), seed=1, prompt_logprobs=True)
    result = sampler.sample(spec)
    data = []
    for sequence in result.sequences:
        full = np.concatenate([PROMPT, sequence.tokens.astype(np.int64)])
        data.append(Example(full[:-1], {"target_tokens": full[1:]}))
    outputs = trainer.forward_backward(data, "cross_entropy", {}, forward_only=True).outputs
    assert result.prompt_logprobs is not None
    for sequence, output in zip(result.sequences, outputs, strict=True):
        np.testing.assert_allclose(output["logprobs"][len(PROMPT) - 1 :], sequence.logprobs, atol=1e-5)
        np.testing.assert_allclose(output["logprobs"][: len(PROMPT) - 1], result.prompt_logprobs[1:], atol=1e-5)


def test_greedy_picks_the_most_likely_token_every_time(sampler: Sampler) -> None:
    spec = SampleSpec(prompt=PROMPT, num_samples=3, max_tokens=8, temperature=0.0, stop_tokens=())
    result = sampler.sample(spec)
    tokens = _tokens([s.tokens for s in result.sequences])
    assert tokens[0] == tokens[1] == tokens[2]
    prompt = PROMPT
    for token, logprob in zip(tokens[0], result.sequences[0].logprobs, strict=True):
        ids, logprobs = _next_token_logprobs(sampler, prompt)
        assert token == ids[0]
        assert logprob == pytest.approx(logprobs[0], abs=1e-5)
        prompt = np.append(prompt, token)
    for narrow in (
        SampleSpec(prompt=PROMPT, max_tokens=8, top_k=1, stop_tokens=(), seed=3),
        SampleSpec(prompt=PROMPT, max_tokens=8, top_p=1e-6, stop_tokens=(), seed=3),
        SampleSpec(prompt=PROMPT, max_tokens=8, temperature=1e-6, stop_tokens=(), seed=3),
    ):
        assert sampler.sample(narrow).sequences[0].tokens.tolist() == tokens[0]


def test_top_k_and_top_p_only_draw_from_their_nucleus(sampler: Sampler) -> None:
    ids, logprobs = _next_token_logprobs(sampler, PROMPT)
    probs = np.exp(logprobs.astype(np.float64))
    top_k = sampler.sample(SampleSpec(prompt=PROMPT, num_samples=200, max_tokens=1, top_k=3, seed=0))
    drawn = {s.tokens[0] for s in top_k.sequences}
    assert drawn <= set(ids[:3].tolist()) and len(drawn) > 1
    nucleus = int(np.searchsorted(np.cumsum(probs), 0.3) + 1)
    top_p = sampler.sample(SampleSpec(prompt=PROMPT, num_samples=200, max_tokens=1, top_p=0.3, seed=0))
    assert {s.tokens[0] for s in top_p.sequences} <= set(ids[:nucleus].tolist())
    wide = sampler.sample(SampleSpec(prompt=PROMPT, num_samples=200, max_tokens=1, temperature=2.0, seed=0))
    assert len({s.tokens[0] for s in wide.sequences}) > nucleus + 3


def test_eos_stops_by_default_and_is_kept(trained_sampler: Sampler, trained: Trained) -> None:
    prompt = np.array(trained.sequence[:4])
    (sequence,) = trained_sampler.sample(SampleSpec(prompt=prompt, max_tokens=100, temperature=0.0)).sequences
    assert sequence.tokens.tolist() == trained.sequence[4:]
    assert sequence.tokens[-1] == TOKENIZER.eos_token_id and sequence.stop_reason == "stop"


def test_empty_stops_disable_eos(trained_sampler: Sampler, trained: Trained) -> None:
    prompt = np.array(trained.sequence[:4])
    spec = SampleSpec(prompt=prompt, max_tokens=60, temperature=0.0, stop_tokens=(), stop_strings=())
    (sequence,) = trained_sampler.sample(spec).sequences
    assert sequence.stop_reason == "length" and len(sequence.tokens) == 60
    assert sequence.tokens[: len(trained.sequence) - 4].tolist() == trained.sequence[4:]


def test_stop_tokens_replace_eos(trained_sampler: Sampler, trained: Trained) -> None:
    prompt = np.array(trained.sequence[:4])
    spec = SampleSpec(prompt=prompt, max_tokens=60, temperature=0.0, stop_tokens=(ord("x"),))
    (sequence,) = trained_sampler.sample(spec).sequences
    assert TOKENIZER.decode(sequence.tokens.tolist()) == "quick brown fox"
    assert sequence.stop_reason == "stop"
    spec = SampleSpec(prompt=prompt, max_tokens=60, temperature=0.0, stop_tokens=(ord("%"),))
    (sequence,) = trained_sampler.sample(spec).sequences
    assert sequence.stop_reason == "length" and TOKENIZER.eos_token_id in sequence.tokens.tolist()


def test_stop_strings_stop_once_the_text_contains_them(trained_sampler: Sampler, trained: Trained) -> None:
    prompt = np.array(trained.sequence[:4])
    spec = SampleSpec(prompt=prompt, max_tokens=60, temperature=0.0, stop_strings=("jumps", "lazy"))
    (sequence,) = trained_sampler.sample(spec).sequences
    assert TOKENIZER.decode(sequence.tokens.tolist()) == "quick brown fox jumps"
    assert sequence.stop_reason == "stop"
    # With stop strings and stop_tokens None, EOS still stops.
    spec = SampleSpec(prompt=prompt, max_tokens=60, temperature=0.0, stop_strings=("never",))
    (sequence,) = trained_sampler.sample(spec).sequences
    assert sequence.tokens[-1] == TOKENIZER.eos_token_id and sequence.stop_reason == "stop"


def test_max_tokens_and_the_context_bound_the_length(sampler: Sampler) -> None:
    (five,) = sampler.sample(SampleSpec(prompt=PROMPT, max_tokens=5, stop_tokens=(), seed=0)).sequences
    assert len(five.tokens) == 5 and five.stop_reason == "length"
    long_prompt = np.arange(500, dtype=np.int64) % 256
    (rest,) = sampler.sample(SampleSpec(prompt=long_prompt, stop_tokens=(), seed=0)).sequences
    assert len(rest.tokens) == 12 and rest.stop_reason == "length"
    none = sampler.sample(SampleSpec(prompt=PROMPT, num_samples=2, max_tokens=0))
    assert [len(s.tokens) for s in none.sequences] == [0, 0]


def test_prompt_logprobs_and_top_k_prompt_logprobs(sampler: Sampler) -> None:
    result = sampler.sample(SampleSpec(prompt=PROMPT, max_tokens=1, prompt_logprobs=True, topk_prompt_logprobs=4))
    lp, ids, top = result.prompt_logprobs, result.topk_prompt_token_ids, result.topk_prompt_logprobs
    assert lp is not None and ids is not None and top is not None
    assert lp.shape == (len(PROMPT),) and lp.dtype == np.float32
    assert np.isnan(lp[0]) and np.isfinite(lp[1:]).all() and (lp[1:] < 0).all()
    assert ids.shape == top.shape == (len(PROMPT), 4) and ids.dtype == np.int32 and top.dtype == np.float32
    assert (ids[0] == 0).all() and (top[0] == -99999.0).all()
    assert (np.diff(top[1:], axis=1) <= 0).all()
    assert (top[1:, 0] >= lp[1:] - 1e-6).all()
    for position in range(1, len(PROMPT)):
        if PROMPT[position] in ids[position]:
            column = ids[position].tolist().index(PROMPT[position])
            assert top[position, column] == pytest.approx(lp[position], abs=1e-6)
    plain = sampler.sample(SampleSpec(prompt=PROMPT, max_tokens=1))
    assert plain.prompt_logprobs is None and plain.topk_prompt_token_ids is None


BAD_SPECS = [
    pytest.param({"prompt": np.zeros(0, np.int64)}, "prompt", "empty", id="empty prompt"),
    pytest.param({"prompt": np.array([1, 257])}, "prompt", "257", id="token too large"),
    pytest.param({"prompt": np.array([1.5])}, "prompt", "integer", id="float prompt"),
    pytest.param({"prompt": np.zeros(512, np.int64), "max_tokens": None}, "prompt", "no room", id="full context"),
    pytest.param({"prompt": np.zeros(513, np.int64)}, "prompt", "no room", id="prompt past the context"),
    pytest.param({"max_tokens": 507}, "sampling_params.max_tokens", "between 0 and 506", id="past the context"),
    pytest.param({"max_tokens": -1}, "sampling_params.max_tokens", "between", id="negative max_tokens"),
    pytest.param({"num_samples": 0}, "num_samples", "at least 1", id="no samples"),
    pytest.param({"temperature": -0.5}, "sampling_params.temperature", ">= 0", id="negative temperature"),
    pytest.param({"temperature": float("nan")}, "sampling_params.temperature", "finite", id="nan temperature"),
    pytest.param({"top_p": 0.0}, "sampling_params.top_p", "(0, 1]", id="zero top_p"),
    pytest.param({"top_p": 1.5}, "sampling_params.top_p", "(0, 1]", id="big top_p"),
    pytest.param({"top_k": -2}, "sampling_params.top_k", "-1", id="top_k"),
    pytest.param({"stop_tokens": (300,)}, "sampling_params.stop", "[0, 257)", id="stop token"),
    pytest.param({"stop_strings": ("",)}, "sampling_params.stop", "empty", id="empty stop string"),
    pytest.param({"topk_prompt_logprobs": 258}, "topk_prompt_logprobs", "between 0 and 257", id="topk"),
]


@pytest.mark.parametrize(("changes", "field", "words"), BAD_SPECS)
def test_bad_sampling_requests_name_their_field(
    engine: Engine, sampler: Sampler, changes: dict[str, object], field: str, words: str
) -> None:
    spec = SampleSpec(**{"prompt": PROMPT, "max_tokens": 4, **changes})  # type: ignore[arg-type]
    with pytest.raises(EngineInputError) as raised:
        sampler.sample(spec)
    assert raised.value.field == field
    assert words in raised.value.message
    with pytest.raises(EngineInputError) as checked:
        engine.check_sample(TINY, spec)
    assert (checked.value.field, checked.value.message) == (field, raised.value.message)


def test_check_sample_accepts_good_requests_and_knows_the_base_models(engine: Engine) -> None:
    engine.check_sample(TINY, SampleSpec(prompt=PROMPT, max_tokens=4, stop_strings=("x",), top_k=5))
    engine.check_sample("tinker-local/small", SampleSpec(prompt=np.zeros(600, np.int64), max_tokens=400))
    with pytest.raises(EngineInputError) as raised:
        engine.check_sample(TINY, SampleSpec(prompt=np.zeros(600, np.int64), max_tokens=4))
    assert raised.value.field == "prompt"
    with pytest.raises(EngineInputError) as raised:
        engine.check_sample("nope", SampleSpec(prompt=PROMPT))
    assert raised.value.field == "base_model"


def test_a_sampler_keeps_the_weights_it_was_made_with(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    sampler = engine.create_sampler(TINY, adapter=trainer.sampler_weights())
    spec = SampleSpec(prompt=PROMPT, max_tokens=10, stop_tokens=(), seed=2, prompt_logprobs=True)
    before = sampler.sample(spec)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 256, 30)
    from tinker.local.engine import AdamSpec

    for _ in range(3):
        trainer.forward_backward([Example(tokens[:-1], {"target_tokens": tokens[1:]})], "cross_entropy", {}, False)
        trainer.optim_step(AdamSpec(learning_rate=0.05))
    after = sampler.sample(spec)
    assert before.prompt_logprobs is not None and after.prompt_logprobs is not None
    assert np.array_equal(before.prompt_logprobs, after.prompt_logprobs, equal_nan=True)
    assert before.sequences[0].tokens.tolist() == after.sequences[0].tokens.tolist()
    fresh = engine.create_sampler(TINY, adapter=trainer.sampler_weights()).sample(spec)
    assert fresh.prompt_logprobs is not None
    assert not np.allclose(fresh.prompt_logprobs[1:], before.prompt_logprobs[1:])
