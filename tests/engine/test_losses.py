"""Each loss's ``loss:sum`` against a numpy reference, its gradients where clipping should cut them, and its inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tinker.local.engine import AdamSpec, Engine, EngineInputError, Example, ForwardBackwardResult, Trainer
from tinker.local.engine._losses import LOSSES

from ._helpers import next_token_example, perturbed_trainer, random_tokens

LENGTHS = (9, 17, 5)


def _base_data(seed: int = 0) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [next_token_example(random_tokens(rng, n + 1)) for n in LENGTHS]


def _current_logprobs(trainer: Trainer, data: list[Example]) -> list[np.ndarray]:
    result = trainer.forward_backward(data, "cross_entropy", {}, forward_only=True)
    return [out["logprobs"].astype(np.float64) for out in result.outputs]


def _rl_data(trainer: Trainer, loss_fn: str, seed: int = 1) -> tuple[list[Example], list[dict[str, np.ndarray]]]:
    """Data whose sampler logprobs sit within +-0.5 of the learner's, so ratios land on both sides of the clips."""
    rng = np.random.default_rng(seed)
    base = _base_data()
    data, inputs = [], []
    for example, lp in zip(base, _current_logprobs(trainer, base), strict=True):
        n = len(example.tokens)
        values = {
            "logprobs": (lp + rng.uniform(-0.5, 0.5, n)).astype(np.float32),
            "advantages": rng.normal(size=n).astype(np.float32),
        }
        if loss_fn == "gspo":
            values["sequence_ratio_mask"] = (rng.uniform(size=n) < 0.7).astype(np.float32)
        data.append(Example(example.tokens, {**example.loss_fn_inputs, **values}))
        inputs.append({key: value.astype(np.float64) for key, value in values.items()})
    return data, inputs


def _run(trainer: Trainer, data: list[Example], loss_fn: str, config: dict[str, float]) -> ForwardBackwardResult:
    result = trainer.forward_backward(data, loss_fn, config, forward_only=True)
    assert [out["logprobs"].shape for out in result.outputs] == [(n,) for n in LENGTHS]
    assert all(out["logprobs"].dtype == np.float32 for out in result.outputs)
    return result


def _reference(loss_fn: str, lp: np.ndarray, x: dict[str, np.ndarray], config: dict[str, float]) -> float:
    q, a = x["logprobs"], x["advantages"]
    r = np.exp(lp - q)
    if loss_fn == "importance_sampling":
        return float(-np.sum(r * a))
    if loss_fn == "ppo":
        lo, hi = config.get("clip_low_threshold", 0.8), config.get("clip_high_threshold", 1.2)
        return float(-np.sum(np.minimum(r * a, np.clip(r, lo, hi) * a)))
    if loss_fn == "cispo":
        lo, hi = config.get("clip_low_threshold", 0.0), config.get("clip_high_threshold", 4.0)
        return float(-np.sum(np.clip(r, lo, hi) * lp * a))
    if loss_fn == "dro":
        beta = config.get("beta", 0.05)
        return float(-np.sum(lp * a - 0.5 * beta * (lp - q) ** 2))
    assert loss_fn == "gspo"
    lo, hi = config.get("clip_low_threshold", 0.8), config.get("clip_high_threshold", 1.2)
    m = x["sequence_ratio_mask"]
    s = np.exp(np.sum(m * (lp - q)) / np.sum(m)) if m.sum() > 0 else 1.0
    return float(-np.sum(np.minimum(s * a, np.clip(s, lo, hi) * a)))


def test_cross_entropy_sums_weighted_logprobs_and_padding_changes_nothing(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    rng = np.random.default_rng(3)
    data = [
        next_token_example(random_tokens(rng, n + 1), weights=rng.uniform(0, 2, n).astype(np.float32)) for n in LENGTHS
    ]
    result = _run(trainer, data, "cross_entropy", {})
    expected = sum(
        float(-np.sum(out["logprobs"].astype(np.float64) * ex.loss_fn_inputs["weights"]))
        for out, ex in zip(result.outputs, data, strict=True)
    )
    assert result.metrics["loss:sum"] == pytest.approx(expected, rel=1e-5)
    assert result.metrics["num_tokens:sum"] == sum(LENGTHS)
    assert all(key.count(":") == 1 for key in result.metrics)
    assert all((out["logprobs"] < 0).all() for out in result.outputs)
    # The longest datum alone (no padding) and the shortest alone give the same logprobs as inside the batch.
    for index in (1, 2):
        alone = trainer.forward_backward([data[index]], "cross_entropy", {}, forward_only=True)
        np.testing.assert_allclose(alone.outputs[0]["logprobs"], result.outputs[index]["logprobs"], atol=1e-5)


def test_cross_entropy_weights_default_to_one(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    result = _run(trainer, _base_data(), "cross_entropy", {})
    expected = -sum(float(out["logprobs"].astype(np.float64).sum()) for out in result.outputs)
    assert result.metrics["loss:sum"] == pytest.approx(expected, rel=1e-5)


def test_cross_entropy_with_two_dimensional_targets(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    rng = np.random.default_rng(4)
    tokens = random_tokens(rng, 12)
    targets = rng.integers(0, 257, size=(12, 3), dtype=np.int64)
    weights = rng.uniform(0, 1, size=(12, 3)).astype(np.float32)
    distill = Example(tokens, {"target_tokens": targets, "weights": weights})
    plain = Example(random_tokens(rng, 7), {"target_tokens": random_tokens(rng, 7)})
    result = trainer.forward_backward([distill, plain], "cross_entropy", {}, forward_only=True)
    lp = result.outputs[0]["logprobs"]
    assert lp.shape == (12, 3) and lp.dtype == np.float32
    assert result.outputs[1]["logprobs"].shape == (7,)
    expected = -np.sum(lp.astype(np.float64) * weights) - np.sum(result.outputs[1]["logprobs"].astype(np.float64))
    assert result.metrics["loss:sum"] == pytest.approx(float(expected), rel=1e-5)
    # Each column is the logprob of that column's target, as a 1-D target would give it.
    column = trainer.forward_backward(
        [Example(tokens, {"target_tokens": targets[:, 2].copy()})], "cross_entropy", {}, forward_only=True
    )
    np.testing.assert_allclose(column.outputs[0]["logprobs"], lp[:, 2], atol=1e-6)


def test_importance_sampling_at_ratio_one_is_minus_the_advantage_sum(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    base = _base_data()
    rng = np.random.default_rng(5)
    data = [
        Example(ex.tokens, {**ex.loss_fn_inputs, "logprobs": lp.astype(np.float32), "advantages": a})
        for ex, lp, a in zip(
            base,
            _current_logprobs(trainer, base),
            [rng.normal(size=n).astype(np.float32) for n in LENGTHS],
            strict=True,
        )
    ]
    result = _run(trainer, data, "importance_sampling", {})
    expected = -sum(float(ex.loss_fn_inputs["advantages"].astype(np.float64).sum()) for ex in data)
    assert result.metrics["loss:sum"] == pytest.approx(expected, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize(
    ("loss_fn", "config"),
    [
        ("importance_sampling", {}),
        ("ppo", {}),
        ("ppo", {"clip_low_threshold": 0.95, "clip_high_threshold": 1.05}),
        ("cispo", {}),
        ("cispo", {"clip_low_threshold": 0.9, "clip_high_threshold": 1.1}),
        ("dro", {}),
        ("dro", {"beta": 0.7}),
        ("gspo", {}),
        ("gspo", {"clip_low_threshold": 0.99, "clip_high_threshold": 1.01}),
    ],
)
def test_rl_loss_matches_its_formula(engine: Engine, loss_fn: str, config: dict[str, float]) -> None:
    trainer = perturbed_trainer(engine)
    data, inputs = _rl_data(trainer, loss_fn)
    trainer.check_forward_backward(data, loss_fn, config)
    result = _run(trainer, data, loss_fn, config)
    expected = sum(
        _reference(loss_fn, out["logprobs"].astype(np.float64), x, config)
        for out, x in zip(result.outputs, inputs, strict=True)
    )
    assert result.metrics["loss:sum"] == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_clip_thresholds_in_loss_fn_inputs_act_per_token(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    data, _ = _rl_data(trainer, "ppo")
    low = [np.full(n, 0.9, np.float32) for n in LENGTHS]
    with_inputs = [
        Example(ex.tokens, {**ex.loss_fn_inputs, "clip_low_threshold": lo}) for ex, lo in zip(data, low, strict=True)
    ]
    per_token = _run(trainer, with_inputs, "ppo", {"clip_high_threshold": 1.1})
    from_config = _run(trainer, data, "ppo", {"clip_low_threshold": 0.9, "clip_high_threshold": 1.1})
    assert per_token.metrics["loss:sum"] == pytest.approx(from_config.metrics["loss:sum"], rel=1e-6)


def _token_grads(loss_fn: str, lp: list[float], q: list[float], a: list[float], **config: float) -> np.ndarray:
    loss = LOSSES[loss_fn]
    values = {**loss.config, **config}
    lp_tensor = torch.tensor([lp], dtype=torch.float32, requires_grad=True)
    x = {"logprobs": torch.tensor([q]), "advantages": torch.tensor([a])}
    if loss_fn == "gspo":
        x["sequence_ratio_mask"] = torch.ones(1, len(lp))
    torch.autograd.backward(loss.per_token(lp_tensor, x, values).sum())
    assert lp_tensor.grad is not None
    return lp_tensor.grad[0].numpy()


def test_ppo_cuts_the_gradient_exactly_outside_the_thresholds() -> None:
    ratios = np.array([1.19, 1.21, 1.21, 0.81, 0.79, 0.79, 1.0])
    advantages = [1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 2.0]
    lp = [-1.0] * len(ratios)
    q = list(-1.0 - np.log(ratios))
    grads = _token_grads("ppo", lp, q, advantages)
    # Clipped (zero gradient): r > hi with A > 0, and r < lo with A < 0; everything else is -r * A.
    clipped = np.array([False, True, False, False, True, False, False])
    np.testing.assert_allclose(grads[clipped], 0.0)
    np.testing.assert_allclose(grads[~clipped], (-ratios * advantages)[~clipped], rtol=1e-5)


def test_cispo_weights_a_reinforce_gradient_by_the_clipped_ratio() -> None:
    ratios = np.array([0.5, 3.0, 6.0])
    advantages = [1.0, -2.0, 1.0]
    grads = _token_grads("cispo", [-2.0] * 3, list(-2.0 - np.log(ratios)), advantages)
    np.testing.assert_allclose(grads, -np.clip(ratios, 0.0, 4.0) * advantages, rtol=1e-5)


def test_gspo_gives_every_token_the_sequence_ratio_gradient_unless_clipped() -> None:
    lp = [-1.0, -2.0, -0.5]
    inside = _token_grads("gspo", lp, [-1.1, -1.9, -0.55], [1.0, 1.0, 1.0])
    s = np.exp(np.mean(np.array([0.1, -0.1, 0.05])))
    np.testing.assert_allclose(inside, -s * np.ones(3), rtol=1e-5)
    # Geometric-mean ratio exp(0.5) > 1.2 with positive advantages: the whole sequence is clipped.
    outside = _token_grads("gspo", lp, [-1.5, -2.5, -1.0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(outside, 0.0)


def _ppo_example(trainer: Trainer, ratio: float, advantage: float) -> Example:
    (example,) = _base_data()[:1]
    (lp,) = _current_logprobs(trainer, [example])
    n = len(example.tokens)
    inputs = {
        "logprobs": (lp - np.log(ratio)).astype(np.float32),
        "advantages": np.full(n, advantage, np.float32),
    }
    return Example(example.tokens, {**example.loss_fn_inputs, **inputs})


def test_fully_clipped_ppo_batch_produces_no_gradient(engine: Engine) -> None:
    trainer = perturbed_trainer(engine)
    trainer.forward_backward([_ppo_example(trainer, 1.5, 1.0)], "ppo", {}, forward_only=False)
    assert trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"] == 0.0
    trainer.forward_backward([_ppo_example(trainer, 1.5, -1.0)], "ppo", {}, forward_only=False)
    assert trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"] > 0.0


@pytest.mark.parametrize("loss_fn", ["importance_sampling", "ppo", "cispo", "dro", "gspo"])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_update_moves_logprobs_the_way_the_advantage_points(engine: Engine, loss_fn: str, sign: float) -> None:
    trainer = perturbed_trainer(engine)
    (example,) = _base_data()[:1]
    (before,) = _current_logprobs(trainer, [example])
    n = len(example.tokens)
    inputs = {
        "logprobs": before.astype(np.float32),
        "advantages": np.full(n, sign, np.float32),
        "sequence_ratio_mask": np.ones(n, np.float32),
    }
    if loss_fn != "gspo":
        del inputs["sequence_ratio_mask"]
    trainer.forward_backward([Example(example.tokens, {**example.loss_fn_inputs, **inputs})], loss_fn, {}, False)
    trainer.optim_step(AdamSpec(learning_rate=1e-3))
    (after,) = _current_logprobs(trainer, [example])
    assert sign * (after.sum() - before.sum()) > 0.05


def _ex(n: int = 5, /, **inputs: np.ndarray) -> Example:
    tokens = np.arange(n, dtype=np.int64)
    return Example(tokens, {"target_tokens": np.arange(1, n + 1, dtype=np.int64), **inputs})


def _raw(tokens: list[float] | np.ndarray, targets: np.ndarray, **inputs: np.ndarray) -> Example:
    return Example(np.asarray(tokens), {"target_tokens": targets, **inputs})


F32 = np.float32
IS = {"logprobs": np.zeros(5, F32), "advantages": np.ones(5, F32)}
CE = "cross_entropy"

BAD_INPUTS = [
    pytest.param([], CE, {}, "data", "at least one", id="no data"),
    pytest.param([_raw(np.zeros(0, np.int64), np.zeros(0, np.int64))], CE, {}, "model_input", "empty", id="empty"),
    pytest.param([_raw([1, 257], np.array([1, 2]))], CE, {}, "model_input", "257", id="token too large"),
    pytest.param([_raw([1, -1], np.array([1, 2]))], CE, {}, "model_input", "-1", id="negative token"),
    pytest.param([_raw([1.0, 2.0], np.array([1, 2]))], CE, {}, "model_input", "integer", id="float tokens"),
    pytest.param([_ex(513)], CE, {}, "model_input", "context length of 512", id="too long"),
    pytest.param([Example(np.arange(3), {})], CE, {}, "loss_fn_inputs.target_tokens", "needs", id="no targets"),
    pytest.param(
        [_raw([0, 1, 2], np.array([1, 2, 300]))], CE, {}, "loss_fn_inputs.target_tokens", "300", id="target range"
    ),
    pytest.param([_raw([0, 1, 2], np.ones(3, F32))], CE, {}, "loss_fn_inputs.target_tokens", "integers", id="float"),
    pytest.param([_raw([0, 1, 2], np.arange(2))], CE, {}, "loss_fn_inputs.target_tokens", "N = 3", id="short targets"),
    pytest.param(
        [_ex(weights=np.ones(4, F32))], CE, {}, "loss_fn_inputs.weights", "expected shape (N,) = (5,)", id="shape"
    ),
    pytest.param([_ex(weights=np.ones(5, np.int64))], CE, {}, "loss_fn_inputs.weights", "float", id="int weights"),
    pytest.param(
        [_ex(weights=np.array([1, np.nan, 1, 1, 1], F32))], CE, {}, "loss_fn_inputs.weights", "NaN", id="nan weights"
    ),
    pytest.param([_ex(mask=np.ones(5, F32))], CE, {}, "loss_fn_inputs.mask", "does not take", id="unknown input"),
    pytest.param(
        [_ex(advantages=np.ones(5, F32))], CE, {}, "loss_fn_inputs.advantages", "does not take", id="other loss input"
    ),
    pytest.param(
        [_ex(logprobs=np.zeros(5, F32))],
        "importance_sampling",
        {},
        "loss_fn_inputs.advantages",
        "needs",
        id="missing advantages",
    ),
    pytest.param(
        [_ex(logprobs=np.full(5, -np.inf, F32), advantages=np.ones(5, F32))],
        "ppo",
        {},
        "loss_fn_inputs.logprobs",
        "infinite",
        id="infinite logprobs",
    ),
    pytest.param(
        [_raw([0, 1, 2], np.ones((3, 2), np.int64), logprobs=np.zeros(3, F32), advantages=np.ones(3, F32))],
        "ppo",
        {},
        "loss_fn_inputs.target_tokens",
        "(N,)",
        id="2-D targets for ppo",
    ),
    pytest.param([_ex(**IS)], "gspo", {}, "loss_fn_inputs.sequence_ratio_mask", "needs", id="missing mask"),
    pytest.param(
        [_ex(**IS, sequence_ratio_mask=-np.ones(5, F32))],
        "gspo",
        {},
        "loss_fn_inputs.sequence_ratio_mask",
        ">= 0",
        id="negative mask",
    ),
    pytest.param([_ex()], "nope", {}, "loss_fn", "unknown loss", id="unknown loss"),
    pytest.param([_ex()], "stable_reinforce", {}, "loss_fn", "does not support", id="stable_reinforce"),
    pytest.param([_ex()], "custom", {}, "loss_fn", "client-side", id="custom"),
    pytest.param([_ex()], CE, {"beta": 1.0}, "loss_fn_config", "does not take 'beta'", id="config key"),
    pytest.param([_ex(**IS)], "dro", {"beta": float("nan")}, "loss_fn_config", "finite", id="config value"),
    pytest.param(
        [_ex(**IS)], "ppo", {"clip_low_threshold": 1.5}, "loss_fn_config", "clip_low_threshold <=", id="clip order"
    ),
]


@pytest.mark.parametrize(("data", "loss_fn", "config", "field", "words"), BAD_INPUTS)
def test_bad_inputs_are_named_by_the_check_and_the_call_and_leave_no_gradient(
    engine: Engine, data: list[Example], loss_fn: str, config: dict[str, float], field: str, words: str
) -> None:
    trainer = perturbed_trainer(engine)
    with pytest.raises(EngineInputError) as raised:
        trainer.forward_backward(data, loss_fn, config, forward_only=False)
    assert raised.value.field == field
    assert words in raised.value.message
    with pytest.raises(EngineInputError) as checked:
        trainer.check_forward_backward(data, loss_fn, config)
    assert (checked.value.field, checked.value.message) == (field, raised.value.message)
    assert trainer.optim_step(AdamSpec(learning_rate=0.0))["grad_norm:mean"] == 0.0
