"""What the server hands the engine and gets back: plain numpy and torch values, no wire types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np


class EngineInputError(ValueError):
    """Input the engine cannot use; the server answers 400 and names ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SamplingStopped(Exception):
    """Sampling stopped early because its caller asked (the client went away or cancelled); there is no result."""

    def __init__(self) -> None:
        super().__init__("sampling stopped at the caller's request")


@dataclass(frozen=True)
class BaseModelInfo:
    name: str
    arch: str
    tokenizer_id: str
    vocab_size: int
    max_context_length: int
    eos_token_id: int


@dataclass(frozen=True)
class LoraSpec:
    rank: int
    seed: int | None = None
    train_attn: bool = True
    train_mlp: bool = True
    train_unembed: bool = True


@dataclass
class Example:
    """One datum: the model input's tokens and its dense loss inputs (int64 or float32 arrays)."""

    tokens: np.ndarray
    loss_fn_inputs: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ForwardBackwardResult:
    outputs: list[dict[str, np.ndarray]]
    metrics: dict[str, float]


@dataclass(frozen=True)
class AdamSpec:
    learning_rate: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-12
    weight_decay: float = 0.0
    grad_clip_norm: float = 0.0


@dataclass(frozen=True)
class SampleSpec:
    """``stop_tokens=None`` stops at EOS; an empty ``stop_tokens`` with no ``stop_strings`` disables EOS."""

    prompt: np.ndarray
    num_samples: int = 1
    max_tokens: int | None = None
    temperature: float = 1.0
    top_k: int = -1
    top_p: float = 1.0
    stop_strings: tuple[str, ...] = ()
    stop_tokens: tuple[int, ...] | None = None
    seed: int | None = None
    prompt_logprobs: bool = False
    topk_prompt_logprobs: int = 0


@dataclass
class SampledSequence:
    tokens: np.ndarray
    logprobs: np.ndarray
    stop_reason: Literal["stop", "length"]


@dataclass
class SampleResult:
    sequences: list[SampledSequence]
    prompt_logprobs: np.ndarray | None = None
    topk_prompt_token_ids: np.ndarray | None = None
    topk_prompt_logprobs: np.ndarray | None = None
