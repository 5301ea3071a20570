"""Helper methods of the public types, wired into the generated pydantic models as base classes.

scripts/generate.py passes these classes to datamodel-code-generator (``--base-class-map``), so
``tinker.types.ModelInput`` and every nested ``ModelInput`` field carry ``from_ints`` and friends.
This module is the only part of ``tinker`` that ``tinker_api`` imports: it must import nothing else
of ``tinker``, and the generated classes it needs are looked up on ``type(self)``'s module at call time.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from pydantic import BaseModel

if TYPE_CHECKING:
    import torch

_NUMPY_DTYPES: dict[str, type[np.generic]] = {"int64": np.int64, "float32": np.float32}


def _generated(model: type[BaseModel], name: str) -> Any:
    """A sibling class from the module that defines ``model`` (the generated pydantic module)."""
    return getattr(sys.modules[model.__module__], name)


class ModelInputMixin(BaseModel):
    """Token-level helpers of ``ModelInput``."""

    if TYPE_CHECKING:  # declared by the generated subclass
        chunks: list[Any]

    @classmethod
    def from_ints(cls, tokens: Sequence[int]) -> Self:
        """A model input of one text chunk holding ``tokens``."""
        chunk = _generated(cls, "EncodedTextChunk")(tokens=list(tokens))
        return cls(chunks=[chunk])

    @classmethod
    def empty(cls) -> Self:
        """A model input with no chunks."""
        return cls(chunks=[])

    def to_ints(self) -> list[int]:
        """The tokens of all chunks, in order; only text chunks can be read back as tokens."""
        tokens: list[int] = []
        for chunk in self.chunks:
            if getattr(chunk, "type", None) != "encoded_text":
                raise ValueError(f"to_ints() needs text chunks only; found a {getattr(chunk, 'type', chunk)!r} chunk")
            tokens.extend(chunk.tokens)
        return tokens

    @property
    def length(self) -> int:
        """The number of positions the model sees: tokens, plus the expected tokens of other chunks."""
        total = 0
        for chunk in self.chunks:
            if getattr(chunk, "type", None) == "encoded_text":
                total += len(chunk.tokens)
            elif getattr(chunk, "expected_tokens", None) is not None:
                total += chunk.expected_tokens
            else:
                raise ValueError(f"the length of a {getattr(chunk, 'type', chunk)!r} chunk needs expected_tokens")
        return total

    def append(self, chunk: Any) -> Self:
        """A new model input with ``chunk`` added at the end."""
        return type(self)(chunks=[*self.chunks, chunk])

    def append_int(self, token: int) -> Self:
        """A new model input with one more token, merged into a trailing text chunk."""
        chunks = list(self.chunks)
        if chunks and getattr(chunks[-1], "type", None) == "encoded_text":
            last = chunks.pop()
            chunks.append(type(last)(tokens=[*last.tokens, token]))
        else:
            chunks.append(_generated(type(self), "EncodedTextChunk")(tokens=[token]))
        return type(self)(chunks=chunks)


class TensorDataMixin(BaseModel):
    """numpy and torch conversions of ``TensorData``."""

    if TYPE_CHECKING:  # declared by the generated subclass
        data: list[float] | list[int]
        dtype: Any
        shape: list[int] | None

    @classmethod
    def from_numpy(cls, array: np.ndarray[Any, Any]) -> Self:
        """A dense tensor from a numpy array: floats become float32, integers int64."""
        kind = array.dtype.kind
        if kind == "f":
            dtype = "float32"
        elif kind == "i":
            dtype = "int64"
        else:
            raise ValueError(f"TensorData holds float32 or int64 values; got a numpy array of dtype {array.dtype}")
        flat = np.ascontiguousarray(array, dtype=_NUMPY_DTYPES[dtype]).reshape(-1)
        return cls(data=flat.tolist(), dtype=dtype, shape=list(array.shape))

    @classmethod
    def from_torch(cls, tensor: torch.Tensor) -> Self:
        """A dense tensor from a torch tensor (bfloat16 and half are widened to float32)."""
        tensor = tensor.detach().cpu()
        if tensor.is_floating_point():
            tensor = tensor.float()
        return cls.from_numpy(tensor.numpy())

    def to_numpy(self) -> np.ndarray[Any, Any]:
        """The values as a numpy array of the declared dtype and shape."""
        dtype = str(getattr(self.dtype, "value", self.dtype))
        array = np.asarray(self.data, dtype=_NUMPY_DTYPES[dtype])
        return array.reshape(self.shape) if self.shape is not None else array

    def to_torch(self) -> torch.Tensor:
        """The values as a torch tensor (torch is an optional dependency)."""
        import torch

        return torch.from_numpy(self.to_numpy())

    def tolist(self) -> list[Any]:
        """The values as (nested) Python lists, shaped like ``to_numpy()``."""
        result: list[Any] = self.to_numpy().tolist()
        return result
