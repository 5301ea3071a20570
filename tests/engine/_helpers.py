"""Shared builders for the engine tests: data, trainers with a non-trivial adapter, and the trained fixture text."""

from __future__ import annotations

import numpy as np
import torch

from tinker.local.engine import ByteTokenizer, Engine, Example, LoraSpec, Trainer

TINY = "tinker-local/tiny"
TEXT = "the quick brown fox jumps over the lazy dog"
TOKENIZER = ByteTokenizer()


def random_tokens(rng: np.random.Generator, length: int) -> np.ndarray:
    return rng.integers(0, 256, size=length, dtype=np.int64)


def next_token_example(sequence: list[int] | np.ndarray, **inputs: np.ndarray) -> Example:
    """Tokens ``sequence[:-1]`` predicting ``sequence[1:]``, plus any per-token inputs (shape N = len - 1)."""
    sequence = np.asarray(sequence, dtype=np.int64)
    return Example(tokens=sequence[:-1], loss_fn_inputs={"target_tokens": sequence[1:], **inputs})


def perturbed_trainer(engine: Engine, rank: int = 8, seed: int = 0, scale: float = 0.05) -> Trainer:
    """A trainer whose adapter is random in both factors, so the adapter really changes the model's outputs."""
    trainer = engine.create_trainer(TINY, LoraSpec(rank=rank, seed=seed))
    generator = torch.Generator().manual_seed(seed + 100)
    state = trainer.state(with_optimizer=False)
    noisy = {name: tensor + scale * torch.randn(tensor.shape, generator=generator) for name, tensor in state.items()}
    trainer.load_state(noisy, with_optimizer=False)
    return trainer
