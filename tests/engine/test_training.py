"""Training: the model learns, steps are deterministic, gradients accumulate, and checkpoints restore bit for bit."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import safetensors.torch
import torch

from tinker.local.engine import AdamSpec, Engine, EngineInputError, Example, LoraSpec, SampleSpec, Trainer
from tinker.local.engine._optim import AdamW

from ._helpers import TINY, TOKENIZER, next_token_example, perturbed_trainer, random_tokens
from .conftest import Trained

ADAM = AdamSpec(learning_rate=1e-2, weight_decay=0.01)


def _batch(seed: int, count: int = 4, length: int = 24) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [next_token_example(random_tokens(rng, length + 1)) for _ in range(count)]


def _train(trainer: Trainer, steps: int, seed: int = 0) -> list[float]:
    losses = []
    for step in range(steps):
        result = trainer.forward_backward(_batch(seed + step), "cross_entropy", {}, forward_only=False)
        trainer.optim_step(ADAM)
        losses.append(result.metrics["loss:sum"])
    return losses


def _logprobs(trainer: Trainer, data: list[Example]) -> list[np.ndarray]:
    return [out["logprobs"] for out in trainer.forward_backward(data, "cross_entropy", {}, True).outputs]


def _assert_same_tensors(left: dict[str, torch.Tensor], right: dict[str, torch.Tensor]) -> None:
    assert left.keys() == right.keys()
    for key in left:
        assert torch.equal(left[key], right[key]), key


def test_thirty_steps_learn_a_sentence_that_greedy_sampling_then_reproduces(engine: Engine, trained: Trained) -> None:
    assert trained.losses[-1] <= 0.2 * trained.losses[0]
    sampler = engine.create_sampler(TINY, adapter=trained.trainer.sampler_weights())
    prompt = trained.sequence[:4]
    result = sampler.sample(SampleSpec(prompt=np.array(prompt), max_tokens=100, temperature=0.0))
    (sequence,) = result.sequences
    assert TOKENIZER.decode(prompt + sequence.tokens.tolist()) == TOKENIZER.decode(trained.sequence)
    assert sequence.stop_reason == "stop"


def test_same_seeds_give_the_same_losses_and_samples_in_separate_engines() -> None:
    runs = []
    for _ in range(2):
        engine = Engine(device="cpu")
        trainer = engine.create_trainer(TINY, LoraSpec(rank=4, seed=7))
        losses = _train(trainer, 3)
        sampler = engine.create_sampler(TINY, adapter=trainer.sampler_weights())
        spec = SampleSpec(prompt=np.array([5, 6, 7]), num_samples=3, max_tokens=12, stop_tokens=(), seed=11)
        runs.append((losses, [s.tokens.tolist() for s in sampler.sample(spec).sequences]))
    assert runs[0] == runs[1]
    other = Engine(device="cpu").create_trainer(TINY, LoraSpec(rank=4, seed=8))
    assert _train(other, 3)[1:] != runs[0][0][1:]


def test_the_adapter_seed_defaults_to_zero(engine: Engine) -> None:
    unset = engine.create_trainer(TINY, LoraSpec(rank=4)).state(False)
    zero = engine.create_trainer(TINY, LoraSpec(rank=4, seed=0)).state(False)
    _assert_same_tensors(unset, zero)


def test_gradients_accumulate_until_the_step_and_forward_only_adds_none(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    data = _batch(1)
    trainer.forward_backward(data, "cross_entropy", {}, forward_only=False)
    single = trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"]
    trainer.forward_backward(data, "cross_entropy", {}, forward_only=False)
    trainer.forward_backward(data, "cross_entropy", {}, forward_only=True)
    trainer.forward_backward(data, "cross_entropy", {}, forward_only=False)
    double = trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"]
    assert single > 0
    assert double == pytest.approx(2 * single, rel=1e-5)
    assert trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"] == 0.0


def test_forward_only_changes_nothing(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    before = trainer.state(with_optimizer=True)
    trainer.forward_backward(_batch(2), "cross_entropy", {}, forward_only=True)
    _assert_same_tensors(before, trainer.state(with_optimizer=True))


def test_optim_step_reports_metrics_and_rejects_bad_hyperparameters(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    trainer.forward_backward(_batch(3), "cross_entropy", {}, forward_only=False)
    metrics = trainer.optim_step(AdamSpec(learning_rate=3e-4))
    assert metrics["learning_rate:mean"] == pytest.approx(3e-4)
    assert metrics["grad_norm:mean"] > 0
    assert all(key.count(":") == 1 for key in metrics)
    with pytest.raises(EngineInputError) as raised:
        trainer.optim_step(AdamSpec(beta2=1.0))
    assert raised.value.field == "adam_params.beta2"


@pytest.mark.parametrize("clip", [0.0, 0.5])
def test_adamw_matches_torch_adamw_with_clipping_and_weight_decay(clip: float) -> None:
    generator = torch.Generator().manual_seed(0)
    mine = {"a": torch.randn(4, 3, generator=generator), "b": torch.randn(5, generator=generator)}
    theirs = {name: tensor.clone().requires_grad_() for name, tensor in mine.items()}
    mine = {name: tensor.requires_grad_() for name, tensor in mine.items()}
    spec = AdamSpec(learning_rate=0.1, beta1=0.8, beta2=0.9, eps=1e-8, weight_decay=0.05, grad_clip_norm=clip)
    optimizer = AdamW(mine)
    reference = torch.optim.AdamW(theirs.values(), lr=0.1, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.05, foreach=False)
    for _ in range(4):
        grads = {name: torch.randn(t.shape, generator=generator) * 3 for name, t in mine.items()}
        for name in mine:
            mine[name].grad = grads[name].clone()
            theirs[name].grad = grads[name].clone()
        norm = optimizer.step(spec)["grad_norm:mean"]
        assert norm == pytest.approx(float(torch.cat([g.flatten() for g in grads.values()]).norm()), rel=1e-5)
        if clip:
            torch.nn.utils.clip_grad_norm_(theirs.values(), clip)
        reference.step()
        for name in mine:
            torch.testing.assert_close(mine[name], theirs[name], rtol=1e-5, atol=1e-6)
            assert mine[name].grad is None


def test_weights_only_checkpoint_restores_the_adapter_exactly(engine: Engine) -> None:
    trainer = engine.create_trainer(TINY, LoraSpec(rank=4, seed=1))
    _train(trainer, 3)
    state = trainer.state(with_optimizer=False)
    assert all(tensor.device.type == "cpu" and tensor.is_contiguous() for tensor in state.values())
    expected = _logprobs(trainer, _batch(50))
    restored = engine.create_trainer(TINY, LoraSpec(rank=4, seed=2))
    # Through safetensors bytes, as the server stores checkpoints.
    restored.load_state(safetensors.torch.load(safetensors.torch.save(state)), with_optimizer=False)
    for left, right in zip(expected, _logprobs(restored, _batch(50)), strict=True):
        assert np.array_equal(left, right)
    _assert_same_tensors(restored.state(False), state)
    assert int(restored.state(True)["optimizer.step"]) == 0


def test_full_checkpoint_resumes_training_bit_for_bit(engine: Engine) -> None:
    trainer = engine.create_trainer(TINY, LoraSpec(rank=4, seed=1))
    _train(trainer, 3)
    state = safetensors.torch.load(safetensors.torch.save(trainer.state(with_optimizer=True)))
    assert int(state["optimizer.step"]) == 3
    resumed = engine.create_trainer(TINY, LoraSpec(rank=4, seed=9))
    _train(resumed, 1, seed=99)  # state to be overwritten, including gradients left over
    resumed.forward_backward(_batch(98), "cross_entropy", {}, forward_only=False)
    resumed.load_state(state, with_optimizer=True)
    for run in (trainer, resumed):
        _train(run, 2, seed=3)
    _assert_same_tensors(trainer.state(True), resumed.state(True))


def test_state_is_a_snapshot(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    state = trainer.state(with_optimizer=False)
    copy = {name: tensor.clone() for name, tensor in state.items()}
    _train(trainer, 1)
    _assert_same_tensors(state, copy)
    next(iter(state.values())).add_(1.0)
    assert not torch.equal(next(iter(trainer.state(False).values())), next(iter(state.values())))


def _mismatches(engine: Engine) -> dict[str, tuple[dict[str, torch.Tensor], bool, str]]:
    source = engine.create_trainer(TINY, LoraSpec(rank=4, seed=1))
    full = source.state(with_optimizer=True)
    weights = source.state(with_optimizer=False)
    first = next(iter(weights))
    other_rank = engine.create_trainer(TINY, LoraSpec(rank=8)).state(False)
    attn_only = engine.create_trainer(TINY, LoraSpec(rank=4, train_mlp=False, train_unembed=False)).state(False)
    return {
        "missing": ({k: v for k, v in weights.items() if k != first}, False, f"missing {first}"),
        "unexpected": ({**weights, "extra.lora_A": torch.zeros(1)}, False, "unexpected extra.lora_A"),
        "other rank": (other_rank, False, "rank 4"),
        "fewer layers": (attn_only, False, "missing layers.0.mlp.up.lora_A"),
        "dtype": ({**weights, first: weights[first].double()}, False, "float64"),
        "no optimizer": (weights, True, "no optimizer state"),
        "optimizer step": ({**full, "optimizer.step": torch.tensor(1.0)}, True, "optimizer.step"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "unexpected", "other rank", "fewer layers", "dtype", "no optimizer", "optimizer step"]
)
def test_a_checkpoint_that_does_not_fit_is_refused_and_changes_nothing(engine: Engine, case: str) -> None:
    tensors, with_optimizer, words = _mismatches(engine)[case]
    trainer = perturbed_trainer(engine, rank=4)
    before = trainer.state(with_optimizer=True)
    with pytest.raises(EngineInputError) as raised:
        trainer.load_state(tensors, with_optimizer=with_optimizer)
    assert raised.value.field == "path"
    assert words in raised.value.message
    _assert_same_tensors(before, trainer.state(with_optimizer=True))


def test_trainers_in_threads_match_the_same_work_done_in_turn(engine: Engine) -> None:
    def work(seed: int, out: dict[int, list[float]]) -> None:
        out[seed] = _train(engine.create_trainer(TINY, LoraSpec(rank=4, seed=seed)), 4, seed=seed)

    sequential: dict[int, list[float]] = {}
    for seed in (1, 2, 3):
        work(seed, sequential)
    threaded: dict[int, list[float]] = {}
    threads = [threading.Thread(target=work, args=(seed, threaded)) for seed in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert threaded == sequential
