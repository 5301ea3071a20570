"""The local server's engine: small transformers trained with LoRA and sampled, in plain torch and numpy.

The server hands it numpy and torch values (see ``_types``) and maps :class:`EngineInputError` to a 400 response.
The torch-backed classes load on first use (PEP 562), so that importing the types does not import torch and the
server starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tinker._byte_tokenizer import ByteTokenizer

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
    SamplingStopped,
)

if TYPE_CHECKING:
    from ._engine import Engine
    from ._sampler import Sampler
    from ._trainer import Trainer

_LAZY = {"Engine": "._engine", "Sampler": "._sampler", "Trainer": "._trainer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "SamplingStopped",
    "Trainer",
]
