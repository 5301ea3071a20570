"""LoRA adapters: low-rank updates ``scale * B @ A`` on the frozen base model's linear layers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._config import ModelConfig, linear_shapes
from ._types import EngineInputError, LoraSpec

LORA_ALPHA = 32.0
"""The update is scaled by ``LORA_ALPHA / rank`` so the learning rate that suits one rank roughly suits others."""

_A, _B = ".lora_A", ".lora_B"


@dataclass
class Adapter:
    """Factors by linear layer name: ``a[name]`` is (rank, in), ``b[name]`` is (out, rank)."""

    a: dict[str, torch.Tensor]
    b: dict[str, torch.Tensor]
    rank: int

    @property
    def scale(self) -> float:
        return LORA_ALPHA / self.rank

    def named_tensors(self) -> dict[str, torch.Tensor]:
        """The factors under their checkpoint names (``<layer>.lora_A`` / ``<layer>.lora_B``), in a fixed order."""
        named: dict[str, torch.Tensor] = {}
        for name in self.a:
            named[name + _A] = self.a[name]
            named[name + _B] = self.b[name]
        return named


def lora_linear(x: torch.Tensor, weight: torch.Tensor, adapter: Adapter | None, name: str) -> torch.Tensor:
    """``x @ W.T`` plus the adapter's update when it adapts ``name``.

    The scale is applied on the narrow rank side, and the update accumulates into the base product in place (one
    GEMM with beta = 1 instead of a separate full-size add; the product is not saved for backward, so this is safe).
    """
    if adapter is None or name not in adapter.a:
        return F.linear(x, weight)
    flat = x.reshape(-1, x.shape[-1])
    low = F.linear(flat, adapter.a[name]) * adapter.scale
    out = F.linear(flat, weight).addmm_(low, adapter.b[name].t())
    return out.view(*x.shape[:-1], weight.shape[0])


def check_spec(lora: LoraSpec) -> None:
    if lora.rank < 1:
        raise EngineInputError("lora_config", f"rank must be at least 1, got {lora.rank}")
    if not (lora.train_attn or lora.train_mlp or lora.train_unembed):
        raise EngineInputError(
            "lora_config", "nothing to train: at least one of train_attn, train_mlp, train_unembed must be true"
        )


def init_adapter(config: ModelConfig, lora: LoraSpec, device: torch.device) -> Adapter:
    """A reproducible adapter from ``lora.seed`` (None means 0): A uniform in +-1/sqrt(in) and B zero (a no-op)."""
    check_spec(lora)
    shapes = linear_shapes(config, attn=lora.train_attn, mlp=lora.train_mlp, unembed=lora.train_unembed)
    generator = torch.Generator().manual_seed(0 if lora.seed is None else lora.seed)
    a: dict[str, torch.Tensor] = {}
    b: dict[str, torch.Tensor] = {}
    for name, (out_features, in_features) in shapes.items():
        bound = in_features**-0.5
        init_a = (torch.rand(lora.rank, in_features, generator=generator) * 2 - 1) * bound
        a[name] = init_a.to(device).requires_grad_(True)
        b[name] = torch.zeros(out_features, lora.rank, dtype=torch.float32, device=device, requires_grad=True)
    return Adapter(a=a, b=b, rank=lora.rank)


def adapter_from_tensors(
    config: ModelConfig, tensors: Mapping[str, torch.Tensor], device: torch.device, field: str
) -> Adapter:
    """An inference-only adapter from checkpoint tensors, checked against the base model's layers."""
    shapes = linear_shapes(config)
    parts: dict[str, set[str]] = {}
    unknown: list[str] = []
    for key in tensors:
        split = _split(key)
        if split is None or split[0] not in shapes:
            unknown.append(key)
        else:
            parts.setdefault(split[0], set()).add(split[1])
    if unknown:
        raise EngineInputError(field, f"not LoRA tensors of {config.name}: {', '.join(sorted(unknown)[:5])}")
    if not parts:
        raise EngineInputError(field, "the adapter has no LoRA tensors")
    unpaired = sorted(name for name, found in parts.items() if len(found) != 2)
    if unpaired:
        raise EngineInputError(field, f"layers without both lora_A and lora_B: {', '.join(unpaired[:5])}")
    first_a = tensors[next(iter(parts)) + _A]
    rank = int(first_a.shape[0]) if first_a.ndim == 2 else 0
    if rank < 1:
        raise EngineInputError(field, f"lora_A tensors must be (rank, in) with rank >= 1, got {tuple(first_a.shape)}")
    a: dict[str, torch.Tensor] = {}
    b: dict[str, torch.Tensor] = {}
    for name in (name for name in shapes if name in parts):
        out_features, in_features = shapes[name]
        tensor_a, tensor_b = tensors[name + _A], tensors[name + _B]
        if tuple(tensor_a.shape) != (rank, in_features) or tuple(tensor_b.shape) != (out_features, rank):
            raise EngineInputError(
                field,
                f"{name}: expected lora_A {(rank, in_features)} and lora_B {(out_features, rank)}, "
                f"got {tuple(tensor_a.shape)} and {tuple(tensor_b.shape)}",
            )
        if tensor_a.dtype != torch.float32 or tensor_b.dtype != torch.float32:
            raise EngineInputError(field, f"{name}: LoRA tensors must be float32")
        a[name] = tensor_a.detach().to(device, copy=True)
        b[name] = tensor_b.detach().to(device, copy=True)
    return Adapter(a=a, b=b, rank=rank)


def _split(key: str) -> tuple[str, str] | None:
    """``("layers.0.attn.q", ".lora_A")`` for ``"layers.0.attn.q.lora_A"``; None for other names."""
    for suffix in (_A, _B):
        if key.endswith(suffix):
            return key[: -len(suffix)], suffix
    return None


def copy_to_cpu(tensors: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Detached, contiguous CPU copies that share no memory with the live tensors (safetensors can save them)."""
    return {name: tensor.detach().to("cpu", copy=True).contiguous() for name, tensor in tensors.items()}
