"""The base models the local server offers, by name."""

from __future__ import annotations

from tinker._byte_tokenizer import ByteTokenizer

from ._config import ModelConfig
from ._types import BaseModelInfo, EngineInputError

ARCH = "tinker-local-transformer"

_VOCAB = ByteTokenizer.vocab_size

MODELS: dict[str, ModelConfig] = {
    config.name: config
    for config in (
        # For tests: a training step on a few short sequences takes milliseconds.
        ModelConfig(
            name="tinker-local/tiny",
            vocab_size=_VOCAB,
            d_model=64,
            n_layers=2,
            n_heads=4,
            max_context_length=512,
            seed=1001,
        ),
        # For demos: still trains at a useful pace on a laptop CPU.
        ModelConfig(
            name="tinker-local/small",
            vocab_size=_VOCAB,
            d_model=256,
            n_layers=4,
            n_heads=8,
            max_context_length=1024,
            seed=1002,
        ),
    )
}


def model_config(name: str) -> ModelConfig:
    config = MODELS.get(name)
    if config is None:
        raise EngineInputError("base_model", f"unknown base model {name!r}; available: {', '.join(MODELS)}")
    return config


def model_info(config: ModelConfig) -> BaseModelInfo:
    return BaseModelInfo(
        name=config.name,
        arch=ARCH,
        tokenizer_id=ByteTokenizer.name,
        vocab_size=config.vocab_size,
        max_context_length=config.max_context_length,
        eos_token_id=ByteTokenizer.eos_token_id,
    )
