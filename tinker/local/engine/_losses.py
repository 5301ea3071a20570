"""The server-side losses: what each takes, its loss_fn_config defaults, and its per-token formula.

Notation: lp = learner logprob of the target token, q = sampler logprob (input ``logprobs``), A = ``advantages``,
r = exp(lp - q), sg = stop-gradient, lo/hi = the clip thresholds. Every loss is summed over tokens by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from ._loss_inputs import LOSS_INPUTS, loss_inputs
from ._types import EngineInputError

TokenInputs = Mapping[str, torch.Tensor]
PerToken = Callable[[torch.Tensor, TokenInputs, Mapping[str, float]], torch.Tensor]


@dataclass(frozen=True)
class LossDef:
    """``required``/``optional`` name loss_fn_inputs besides ``target_tokens``; ``config`` holds the defaults."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    config: Mapping[str, float]
    per_token: PerToken
    multi_target: bool = False

    @property
    def inputs(self) -> tuple[str, ...]:
        return ("target_tokens", *self.required, *self.optional)


def _ratio(lp: torch.Tensor, x: TokenInputs) -> torch.Tensor:
    return torch.exp(lp - x["logprobs"])


def _clip(value: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """Clamps into [lo, hi]; per-token ``clip_*_threshold`` inputs, when sent, take the place of the config values."""
    low = x.get("clip_low_threshold")
    high = x.get("clip_high_threshold")
    low_bound = low if low is not None else torch.full_like(value, config["clip_low_threshold"])
    high_bound = high if high is not None else torch.full_like(value, config["clip_high_threshold"])
    return torch.minimum(torch.maximum(value, low_bound), high_bound)


def _cross_entropy(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """sum(-lp * weights); ``lp`` may be (B, T, K) for distillation targets."""
    return -lp * x["weights"]


def _importance_sampling(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """-sum(r * A)."""
    return -_ratio(lp, x) * x["advantages"]


def _ppo(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """-sum(min(r * A, clip(r, lo, hi) * A)): no gradient where the clipped term is the smaller one."""
    ratio = _ratio(lp, x)
    advantages = x["advantages"]
    return -torch.minimum(ratio * advantages, _clip(ratio, x, config) * advantages)


def _cispo(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """-sum(sg(clip(r, lo, hi)) * lp * A): the clipped ratio only weights a REINFORCE gradient."""
    weight = _clip(_ratio(lp, x), x, config).detach()
    return -weight * lp * x["advantages"]


def _dro(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """-sum(lp * A - 0.5 * beta * (lp - q)^2)."""
    return -(lp * x["advantages"] - 0.5 * config["beta"] * (lp - x["logprobs"]) ** 2)


def _gspo(lp: torch.Tensor, x: TokenInputs, config: Mapping[str, float]) -> torch.Tensor:
    """GSPO-token: the PPO objective on a sequence-level ratio with a per-token gradient.

    With m = sequence_ratio_mask (per token, >= 0) and each sequence's s = exp(sum(m * (lp - q)) / sum(m))
    (the geometric mean of r over the masked tokens; s = 1 when sum(m) = 0), every token t uses
    s_t = sg(s) * exp(lp_t - sg(lp_t)), which equals s in value while d s_t / d lp_t = s, and
    loss = -sum_t min(s_t * A_t, clip(s_t, lo, hi) * A_t). Tokens enter the loss through their advantages (the
    mask only chooses which tokens form the ratio), so prompt tokens should carry A = 0 as for ppo.
    """
    mask = x["sequence_ratio_mask"]
    total = mask.sum(dim=-1, keepdim=True)
    log_ratio = (mask * (lp - x["logprobs"])).detach().sum(dim=-1, keepdim=True) / total.clamp_min(1e-30)
    log_ratio = torch.where(total > 0, log_ratio, torch.zeros_like(log_ratio))
    ratio = torch.exp(log_ratio + lp - lp.detach())
    advantages = x["advantages"]
    return -torch.minimum(ratio * advantages, _clip(ratio, x, config) * advantages)


_CLIP_DEFAULTS = {"clip_low_threshold": 0.8, "clip_high_threshold": 1.2}

LOSSES: dict[str, LossDef] = {
    loss.name: loss
    for loss in (
        LossDef("cross_entropy", *LOSS_INPUTS["cross_entropy"], {}, _cross_entropy, multi_target=True),
        LossDef("importance_sampling", *LOSS_INPUTS["importance_sampling"], {}, _importance_sampling),
        LossDef("ppo", *LOSS_INPUTS["ppo"], _CLIP_DEFAULTS, _ppo),
        LossDef("cispo", *LOSS_INPUTS["cispo"], {"clip_low_threshold": 0.0, "clip_high_threshold": 4.0}, _cispo),
        LossDef("dro", *LOSS_INPUTS["dro"], {"beta": 0.05}, _dro),
        LossDef("gspo", *LOSS_INPUTS["gspo"], _CLIP_DEFAULTS, _gspo),
    )
}


def resolve_loss(name: str, config: Mapping[str, object] | None) -> tuple[LossDef, dict[str, float]]:
    """The loss and its full config; unknown losses and unknown, non-numeric or out-of-range config values raise."""
    loss_inputs(name)  # an unknown loss raises here
    loss = LOSSES[name]
    values = dict(loss.config)
    for key, value in (config or {}).items():
        if key not in loss.config:
            accepted = ", ".join(loss.config) or "no keys"
            raise EngineInputError("loss_fn_config", f"{name} does not take {key!r} (it takes {accepted})")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise EngineInputError("loss_fn_config", f"{key} must be a finite number, got {value!r}")
        values[key] = float(value)
    if "clip_low_threshold" in values and not 0.0 <= values["clip_low_threshold"] <= values["clip_high_threshold"]:
        raise EngineInputError(
            "loss_fn_config",
            f"need 0 <= clip_low_threshold <= clip_high_threshold, got {values['clip_low_threshold']} "
            f"and {values['clip_high_threshold']}",
        )
    if values.get("beta", 0.0) < 0:
        raise EngineInputError("loss_fn_config", f"beta must be >= 0, got {values['beta']}")
    return loss, values
