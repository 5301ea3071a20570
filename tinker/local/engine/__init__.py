"""The local server's engine: small transformers trained with LoRA and sampled, in plain torch and numpy.

The server hands it numpy and torch values (see ``_types``) and maps :class:`EngineInputError` to a 400 response.
"""

from __future__ import annotations

from ._engine import Engine
from ._sampler import Sampler
from ._trainer import Trainer
from ._types import (
    AdamSpec,
    BaseModelInfo,
    EngineInputError,
    Example,
    ForwardBackwardResult,
    LoraSpec,
    SampledSequence,
    SampleResult,
    SampleSpec,
)
from .tokenizer import ByteTokenizer

__all__ = [
    "AdamSpec",
    "BaseModelInfo",
    "ByteTokenizer",
    "Engine",
    "EngineInputError",
    "Example",
    "ForwardBackwardResult",
    "LoraSpec",
    "SampleResult",
    "SampleSpec",
    "SampledSequence",
    "Sampler",
    "Trainer",
]
