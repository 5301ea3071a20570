"""The base transformer as plain tensors and functions, so one frozen copy serves every trainer and sampler."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ._config import UNEMBED, ModelConfig, attn_name, linear_shapes, mlp_name
from ._lora import Adapter, lora_linear


class BaseModel:
    """Frozen float32 weights built deterministically from ``config.seed``, plus the rotary tables."""

    def __init__(self, config: ModelConfig, device: torch.device) -> None:
        self.config = config
        self.device = device
        self.weights = {name: tensor.to(device) for name, tensor in _init_weights(config).items()}
        self.rope_cos, self.rope_sin = (table.to(device) for table in _rope_tables(config))


def _init_weights(config: ModelConfig) -> dict[str, torch.Tensor]:
    """Scaled normal init on the CPU (same numbers on every device): unit-variance activations, residual
    projections shrunk by the depth, and an unembedding that gives logits of about unit scale."""
    generator = torch.Generator().manual_seed(config.seed)
    residual_scale = (2 * config.n_layers) ** -0.5

    def normal(shape: tuple[int, ...], std: float) -> torch.Tensor:
        return torch.randn(shape, generator=generator) * std

    weights = {"embed": normal((config.vocab_size, config.d_model), 1.0)}
    for name, (out_features, in_features) in linear_shapes(config).items():
        std = in_features**-0.5
        if name.endswith((".attn.o", ".mlp.down")):
            std *= residual_scale
        weights[name] = normal((out_features, in_features), std)
    for layer in range(config.n_layers):
        weights[f"layers.{layer}.attn_norm"] = torch.ones(config.d_model)
        weights[f"layers.{layer}.mlp_norm"] = torch.ones(config.d_model)
    weights["final_norm"] = torch.ones(config.d_model)
    return weights


def _rope_tables(config: ModelConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of shape (max_context_length, head_dim), each half-frequency repeated for the rotate-half form."""
    half = config.head_dim // 2
    inv_freq = config.rope_base ** (-torch.arange(half, dtype=torch.float64) / half)
    angles = torch.outer(torch.arange(config.max_context_length, dtype=torch.float64), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().float(), angles.sin().float()


class KVCache:
    """Keys and values per layer for ``batch`` sequences of up to ``length`` positions, filled in place.

    ``zeroed`` for a cache read under ``RowPositions``' mask: a masked position still multiplies its value by a
    zero weight, and memory never written could hold NaN."""

    def __init__(
        self, config: ModelConfig, batch: int, length: int, device: torch.device, *, zeroed: bool = False
    ) -> None:
        shape = (batch, config.n_heads, length, config.head_dim)
        make = torch.zeros if zeroed else torch.empty
        self.keys = [make(shape, dtype=torch.float32, device=device) for _ in range(config.n_layers)]
        self.values = [make(shape, dtype=torch.float32, device=device) for _ in range(config.n_layers)]

    def rows(self, start: int, stop: int) -> KVCache:
        """A view of sequences ``start:stop``: what is written through it lands in this cache."""
        view = KVCache.__new__(KVCache)
        view.keys = [keys[start:stop] for keys in self.keys]
        view.values = [values[start:stop] for values in self.values]
        return view

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only the sequences ``rows`` (indices, in their new order), freeing the others' memory."""
        self.keys = [keys.index_select(0, rows) for keys in self.keys]
        self.values = [values.index_select(0, rows) for values in self.values]


@dataclass(frozen=True)
class RowPositions:
    """One decode step in which each sequence is at its own position (a batch of prompts of different lengths).

    ``index`` (batch,) int64: each sequence's position, where its key and value are written; ``end``: one past the
    largest, the cache prefix attention reads; ``mask`` (batch, 1, 1, end): the positions each sequence attends to
    (its own, up to its position), so that what lies past a shorter sequence's end is never read.
    """

    index: torch.Tensor
    end: int
    mask: torch.Tensor
    rows: torch.Tensor

    @classmethod
    def of(cls, index: torch.Tensor, end: int) -> RowPositions:
        """``end`` must be ``int(index.max()) + 1`` (given, so that building this needs no device round trip)."""
        positions = torch.arange(end, device=index.device)
        mask = (positions[None, :] <= index[:, None])[:, None, None, :]
        return cls(index, end, mask, torch.arange(index.shape[0], device=index.device))


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def _attention(
    model: BaseModel,
    adapter: Adapter | None,
    layer: int,
    x: torch.Tensor,
    start: int | RowPositions,
    cache: KVCache | None,
) -> torch.Tensor:
    config = model.config
    batch, length, _ = x.shape
    if isinstance(start, RowPositions):
        if cache is None or length != 1:
            raise ValueError("per-sequence positions are decoded one token at a time through a cache")
        cos = model.rope_cos[start.index][:, None, None, :]
        sin = model.rope_sin[start.index][:, None, None, :]
    else:
        cos = model.rope_cos[start : start + length]
        sin = model.rope_sin[start : start + length]

    def heads(projection: str) -> torch.Tensor:
        name = attn_name(layer, projection)
        out = lora_linear(x, model.weights[name], adapter, name)
        return out.view(batch, length, config.n_heads, config.head_dim).transpose(1, 2)

    q, k, v = _rotate(heads("q"), cos, sin), _rotate(heads("k"), cos, sin), heads("v")
    if isinstance(start, RowPositions):
        assert cache is not None
        cache.keys[layer][start.rows, :, start.index] = k[:, :, 0]
        cache.values[layer][start.rows, :, start.index] = v[:, :, 0]
        end = start.end
        keys, values = cache.keys[layer][:, :, :end], cache.values[layer][:, :, :end]
        out = F.scaled_dot_product_attention(q, keys, values, attn_mask=start.mask)
        out = out.transpose(1, 2).reshape(batch, length, config.d_model)
        name = attn_name(layer, "o")
        return lora_linear(out, model.weights[name], adapter, name)
    if cache is not None:
        # A one-sequence prompt broadcasts into every sample's cache row.
        cache.keys[layer][:, :, start : start + length] = k
        cache.values[layer][:, :, start : start + length] = v
    if start == 0:
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:
        if cache is None or length != 1:
            raise ValueError("positions after the start are decoded one token at a time through a cache")
        end = start + 1
        out = F.scaled_dot_product_attention(q, cache.keys[layer][:, :, :end], cache.values[layer][:, :, :end])
    out = out.transpose(1, 2).reshape(batch, length, config.d_model)
    name = attn_name(layer, "o")
    return lora_linear(out, model.weights[name], adapter, name)


def _mlp(model: BaseModel, adapter: Adapter | None, layer: int, x: torch.Tensor) -> torch.Tensor:
    up, down = mlp_name(layer, "up"), mlp_name(layer, "down")
    hidden = F.gelu(lora_linear(x, model.weights[up], adapter, up))
    return lora_linear(hidden, model.weights[down], adapter, down)


def hidden_states(
    model: BaseModel,
    adapter: Adapter | None,
    tokens: torch.Tensor,
    start: int | RowPositions = 0,
    cache: KVCache | None = None,
) -> torch.Tensor:
    """Final-normed hidden states (batch, length, d_model) of ``tokens`` placed at positions ``start...``.

    Without a cache the attention is causal over ``tokens`` alone, so right padding never changes real positions.
    With ``RowPositions`` each sequence's one token is at its own position (a decode step of prompts of different
    lengths).
    """
    config = model.config
    shape = (config.d_model,)
    x = F.embedding(tokens, model.weights["embed"])
    for layer in range(config.n_layers):
        normed = F.rms_norm(x, shape, model.weights[f"layers.{layer}.attn_norm"], config.norm_eps)
        x = x + _attention(model, adapter, layer, normed, start, cache)
        normed = F.rms_norm(x, shape, model.weights[f"layers.{layer}.mlp_norm"], config.norm_eps)
        x = x + _mlp(model, adapter, layer, normed)
    return F.rms_norm(x, shape, model.weights["final_norm"], config.norm_eps)


def logits(model: BaseModel, adapter: Adapter | None, hidden: torch.Tensor) -> torch.Tensor:
    return lora_linear(hidden, model.weights[UNEMBED], adapter, UNEMBED)
