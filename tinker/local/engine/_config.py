"""A base model's shape, and the names of the linear layers a LoRA adapter can attach to."""

from __future__ import annotations

from dataclasses import dataclass

ATTN_PROJECTIONS = ("q", "k", "v", "o")
UNEMBED = "unembed"


@dataclass(frozen=True)
class ModelConfig:
    """A pre-norm decoder-only transformer with rotary positions, a GELU MLP and an untied unembedding."""

    name: str
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    max_context_length: int
    seed: int
    mlp_ratio: int = 4
    rope_base: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    @property
    def d_mlp(self) -> int:
        return self.mlp_ratio * self.d_model


def attn_name(layer: int, projection: str) -> str:
    return f"layers.{layer}.attn.{projection}"


def mlp_name(layer: int, projection: str) -> str:
    return f"layers.{layer}.mlp.{projection}"


def linear_shapes(
    config: ModelConfig, *, attn: bool = True, mlp: bool = True, unembed: bool = True
) -> dict[str, tuple[int, int]]:
    """The (out, in) shape of every selected linear layer, in a fixed order (adapter init depends on it)."""
    d, f = config.d_model, config.d_mlp
    shapes: dict[str, tuple[int, int]] = {}
    for layer in range(config.n_layers):
        if attn:
            for projection in ATTN_PROJECTIONS:
                shapes[attn_name(layer, projection)] = (d, d)
        if mlp:
            shapes[mlp_name(layer, "up")] = (f, d)
            shapes[mlp_name(layer, "down")] = (d, f)
    if unembed:
        shapes[UNEMBED] = (config.vocab_size, d)
    return shapes
