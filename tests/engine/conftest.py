"""One CPU engine for the whole suite (base weights built once and shared, as in the server) and a trained adapter."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tinker.local.engine import AdamSpec, Engine, LoraSpec, Trainer

from ._helpers import TEXT, TINY, TOKENIZER, next_token_example


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(device="cpu")


@dataclass
class Trained:
    """The tiny model after 30 cross-entropy steps on TEXT followed by EOS."""

    trainer: Trainer
    sequence: list[int]
    losses: list[float]


@pytest.fixture(scope="session")
def trained(engine: Engine) -> Trained:
    sequence = [*TOKENIZER.encode(TEXT), TOKENIZER.eos_token_id]
    trainer = engine.create_trainer(TINY, LoraSpec(rank=16, seed=0))
    example = next_token_example(sequence)
    losses = []
    for _ in range(30):
        result = trainer.forward_backward([example], "cross_entropy", {}, forward_only=False)
        trainer.optim_step(AdamSpec(learning_rate=1e-2))
        losses.append(result.metrics["loss:sum"])
    return Trained(trainer, sequence, losses)
