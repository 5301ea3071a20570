"""AdamW over the adapter, written out so its whole state is a few named tensors that save and load bit for bit."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from ._types import AdamSpec, EngineInputError

_PREFIX = "optimizer."
_STEP = _PREFIX + "step"


def check_adam(adam: AdamSpec) -> None:
    checks = (
        ("learning_rate", adam.learning_rate >= 0),
        ("beta1", 0 <= adam.beta1 < 1),
        ("beta2", 0 <= adam.beta2 < 1),
        ("eps", adam.eps > 0),
        ("weight_decay", adam.weight_decay >= 0),
        ("grad_clip_norm", adam.grad_clip_norm >= 0),
    )
    for name, ok in checks:
        value = getattr(adam, name)
        if not (ok and math.isfinite(value)):
            raise EngineInputError(f"adam_params.{name}", f"out of range: {value!r}")


class AdamW:
    """Decoupled weight decay: ``p -= lr * wd * p`` then the bias-corrected Adam step.

    Parameters without a gradient (no forward_backward since the last step) count as a zero gradient.
    """

    def __init__(self, params: Mapping[str, torch.Tensor]) -> None:
        self.params = dict(params)
        self.steps = 0
        self.exp_avg = {name: torch.zeros_like(p) for name, p in self.params.items()}
        self.exp_avg_sq = {name: torch.zeros_like(p) for name, p in self.params.items()}

    @torch.no_grad()
    def step(self, adam: AdamSpec) -> dict[str, float]:
        """One update; the gradients are cleared afterwards. ``grad_norm`` is the global norm before clipping."""
        check_adam(adam)
        grads = {name: p.grad if p.grad is not None else torch.zeros_like(p) for name, p in self.params.items()}
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads.values()]))
        grad_norm = float(norm)
        if adam.grad_clip_norm > 0 and grad_norm > adam.grad_clip_norm:
            coefficient = adam.grad_clip_norm / (grad_norm + 1e-6)
            grads = {name: g * coefficient for name, g in grads.items()}
        self.steps += 1
        lr, beta1, beta2 = adam.learning_rate, adam.beta1, adam.beta2
        step_size = lr / (1 - beta1**self.steps)
        bias_correction2 = 1 - beta2**self.steps
        for name, p in self.params.items():
            g, m, v = grads[name], self.exp_avg[name], self.exp_avg_sq[name]
            p.mul_(1 - lr * adam.weight_decay)
            m.mul_(beta1).add_(g, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v / bias_correction2).sqrt_().add_(adam.eps)
            p.addcdiv_(m, denom, value=-step_size)
            p.grad = None
        return {"grad_norm:mean": grad_norm, "learning_rate:mean": lr}

    def state(self) -> dict[str, torch.Tensor]:
        """``optimizer.<param>.exp_avg``, ``optimizer.<param>.exp_avg_sq`` and ``optimizer.step`` (int64)."""
        tensors: dict[str, torch.Tensor] = {}
        for name in self.params:
            tensors[f"{_PREFIX}{name}.exp_avg"] = self.exp_avg[name]
            tensors[f"{_PREFIX}{name}.exp_avg_sq"] = self.exp_avg_sq[name]
        tensors[_STEP] = torch.tensor(self.steps, dtype=torch.int64)
        return tensors

    def check_state(self, tensors: Mapping[str, torch.Tensor]) -> list[str]:
        """Problems that would stop :meth:`load` (missing keys, shapes, dtypes); empty when it can load."""
        problems: list[str] = []
        for key, expected in self.state().items():
            given = tensors.get(key)
            if given is None:
                problems.append(f"missing {key}")
            elif given.shape != expected.shape or given.dtype != expected.dtype:
                problems.append(
                    f"{key}: expected {expected.dtype} {tuple(expected.shape)}, got {given.dtype} {tuple(given.shape)}"
                )
        return problems

    @torch.no_grad()
    def load(self, tensors: Mapping[str, torch.Tensor] | None) -> None:
        """Restores a :meth:`state` (checked first with :meth:`check_state`), or resets to a fresh optimizer."""
        self.steps = int(tensors[_STEP]) if tensors is not None else 0
        for name in self.params:
            if tensors is None:
                self.exp_avg[name].zero_()
                self.exp_avg_sq[name].zero_()
            else:
                self.exp_avg[name].copy_(tensors[f"{_PREFIX}{name}.exp_avg"])
                self.exp_avg_sq[name].copy_(tensors[f"{_PREFIX}{name}.exp_avg_sq"])


def is_optimizer_key(key: str) -> bool:
    return key.startswith(_PREFIX)
