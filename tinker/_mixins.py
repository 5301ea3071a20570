"""Helper methods of the public types, wired into the generated pydantic models as base classes.

scripts/generate.py passes these classes to datamodel-code-generator (``--base-class-map``), so
``tinker.types.ModelInput`` and every nested ``ModelInput`` field carry ``from_ints`` and friends.
This module is the only part of ``tinker`` that ``tinker_api`` imports: it must import nothing else
of ``tinker``, and the generated classes it needs are looked up through ``type(self)`` at call time.
torch is optional: it is imported only inside the methods that return torch tensors.
"""

from __future__ import annotations

import base64
import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr, field_serializer, model_validator

if TYPE_CHECKING:
    import torch

NUMPY_DTYPES: dict[str, type[np.generic]] = {"int64": np.int64, "float32": np.float32}
"""The numpy type of each TensorData dtype, for the client, the types and the server alike."""

MASK_LOGPROB = -99999.0
"""The logprob in the cells of a top-k matrix past a position's real entries (their token id is 0); the engine
writes it, the server leaves such cells out of its JSON answers, and the client fills them with it again."""

LIST_DTYPES: dict[str, str] = {
    "target_tokens": "int64",
    "weights": "float32",
    "advantages": "float32",
    "logprobs": "float32",
    "clip_low_threshold": "float32",
    "clip_high_threshold": "float32",
    "sequence_ratio_mask": "float32",
}
"""The dtype a plain list takes under each loss input key the service knows; a list gives no dtype of its own."""

SPARSE_KEYS = frozenset({"target_tokens", "weights"})
"""Loss inputs whose 2-D torch tensors (top-k distillation) go as CSR when that is smaller, as in the official SDK."""

_CHECKPOINT_SEGMENTS = {"weights": "training", "sampler_weights": "sampler", "external_weights": "external"}


_GENERATED: dict[tuple[type[BaseModel], str], Any] = {}


def _generated(model: type[BaseModel], name: str) -> Any:
    """A class of the generated module that defines ``model`` (or the generated class a user subclassed); looked
    up once per class, as ``from_ints`` runs per datum."""
    found = _GENERATED.get((model, name))
    if found is not None:
        return found
    for klass in model.__mro__:
        if any(base.__module__ == __name__ for base in klass.__bases__):
            found = _GENERATED[model, name] = getattr(sys.modules[klass.__module__], name)
            return found
    raise TypeError(f"{model.__name__} is not a generated model")


def wire_dtype(dtype: np.dtype[Any]) -> Literal["int64", "float32"]:
    """The TensorData dtype of a numpy dtype: floats go as float32, signed integers as int64."""
    if dtype.kind == "f":
        return "float32"
    if dtype.kind == "i":
        return "int64"
    raise ValueError(
        f"TensorData holds float32 or int64 values; an array of dtype {dtype} must be converted first "
        "(unsigned and bool arrays have no lossless TensorData dtype)"
    )


def torch_to_numpy(tensor: torch.Tensor) -> np.ndarray[Any, Any]:
    """A CPU numpy copy of ``tensor``; floating tensors become float32 (numpy has no bfloat16)."""
    tensor = tensor.detach().cpu()
    if tensor.is_floating_point():
        tensor = tensor.float()
    return tensor.numpy()


def integer_pad(pad_value: Any) -> int:
    """``pad_value`` as an int; like the official SDK, only integers pad sparse tensors."""
    if isinstance(pad_value, bool) or not isinstance(pad_value, int | np.integer):
        raise TypeError(f"pad_value must be an integer, got {type(pad_value).__name__} {pad_value!r}")
    return int(pad_value)


def _whole_numbers(values: Sequence[float], field: str) -> list[int]:
    """``values`` as ints; the schema types ``data`` as numbers, so int64 values arrive as floats."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array) & (array == np.round(array))):
        raise ValueError(f"TensorData.{field} of an int64 tensor must hold whole numbers")
    if not np.all((array >= -(2.0**63)) & (array < 2.0**63)):  # past this, the cast below makes garbage
        raise ValueError(f"TensorData.{field} of an int64 tensor must hold numbers in the int64 range")
    result: list[int] = array.astype(np.int64).tolist()
    return result


def _check_dense_shape(shape: list[int] | None, count: int) -> None:
    if shape is None:
        return
    if any(dim < 0 for dim in shape) or math.prod(shape) != count:
        raise ValueError(f"TensorData.shape {shape} does not fit the {count} values in data")


def _int64s(values: list[int], field: str) -> np.ndarray[Any, Any]:
    try:
        return np.asarray(values, dtype=np.int64)
    except (OverflowError, TypeError, ValueError):  # numpy raises OverflowError past int64, which no caller expects
        raise ValueError(f"TensorData.{field} must hold int64 values") from None


def check_csr(
    shape: list[int] | None, crow_indices: list[int] | None, col_indices: list[int] | None, count: int
) -> None:
    """The CSR invariants torch checks, so a bad sparse tensor fails where it is built, and the server refuses one
    before it is made dense (the one check of both). Costs O(rows + values): nothing the shape declares is allocated."""
    if crow_indices is None or col_indices is None:
        raise ValueError("TensorData.sparse_crow_indices and sparse_col_indices are set together (CSR) or not at all")
    if shape is None or len(shape) != 2 or min(shape) < 0:
        raise ValueError(f"TensorData.shape of a sparse (CSR) tensor must have 2 dimensions, got {shape}")
    rows, cols = shape
    crow = _int64s(crow_indices, "sparse_crow_indices")
    falls = np.flatnonzero(np.diff(crow) < 0)
    if len(crow) != rows + 1 or crow[0] != 0 or crow[-1] != count or len(falls):
        got = f"{len(crow)} offsets from {crow[0]} to {crow[-1]}" if len(crow) else "none"
        raise ValueError(
            f"TensorData.sparse_crow_indices must be {rows + 1} row offsets (shape {shape}) rising from 0 to "
            f"{count}, the number of values in data; got {got}"
            + (f", falling after offset {falls[0]}" if len(falls) else "")
        )
    if len(col_indices) != count:
        raise ValueError(
            f"TensorData.sparse_col_indices needs one entry per value in data ({count}), got {len(col_indices)}"
        )
    col = _int64s(col_indices, "sparse_col_indices")
    if count and (col.min() < 0 or col.max() >= cols):
        raise ValueError(f"TensorData.sparse_col_indices must lie in [0, {cols}), got {col.min()}..{col.max()}")
    row_starts = np.zeros(count, dtype=bool)
    row_starts[crow[:-1][crow[:-1] < count]] = True
    if np.any((np.diff(col) <= 0) & ~row_starts[1:]):
        raise ValueError("TensorData.sparse_col_indices must increase within each row (sorted, no repeats)")


def sparse_csr(array: np.ndarray[Any, Any], pad: int) -> tuple[np.ndarray[Any, Any], list[int], list[int]] | None:
    """The CSR parts (values, row offsets, column indices) of the cells of a 2-D ``array`` that differ from ``pad``;
    None when the array is not 2-D or CSR would not be smaller (``rows + 1 + 2 * nnz >= rows * cols``), as the
    official SDK decides."""
    if array.ndim != 2:
        return None
    rows, cols = array.shape
    kept = array != pad
    if rows + 1 + 2 * int(np.count_nonzero(kept)) >= rows * cols:
        return None
    row_of, col_of = np.nonzero(kept)
    crow = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=rows), out=crow[1:])
    return array[kept].astype(NUMPY_DTYPES[wire_dtype(array.dtype)]), crow.tolist(), col_of.tolist()


def densify(
    values: np.ndarray[Any, Any], shape: list[int], crow: list[int], col: list[int], pad: float
) -> np.ndarray[Any, Any]:
    dense = np.full(tuple(shape), pad, dtype=values.dtype)
    dense[np.repeat(np.arange(shape[0]), np.diff(crow)), col] = values
    return dense


class TensorDataMixin(BaseModel):
    """numpy and torch conversions of the generated ``TensorData`` model (the JSON form; the public type is the
    dataclass in tinker/types/_dataclasses.py), dense or sparse (CSR), and the checks of its layout."""

    if TYPE_CHECKING:  # declared by the generated subclass (as numbers; int64 tensors hold ints after validation)
        data: list[float] | list[int]
        dtype: Any
        shape: list[int] | None = None
        sparse_crow_indices: list[int] | None = None
        sparse_col_indices: list[int] | None = None
        pad_value: float | None = None

    # pydantic runs "after" validators again whenever a model holding this tensor is validated; a tensor
    # checked once (or built from a typed array) is not checked again, so a big batch is not walked twice
    _layout_checked: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _accept_numpy_data(cls, values: Any) -> Any:
        """``data`` may be a numpy array, as the official SDK allows; its shape fills a missing ``shape``."""
        if isinstance(values, dict) and isinstance(values.get("data"), np.ndarray):
            array = values["data"]
            values = {**values, "data": array.reshape(-1).tolist()}
            if values.get("shape") is None and array.ndim != 1 and values.get("sparse_crow_indices") is None:
                values["shape"] = list(array.shape)
        return values

    @model_validator(mode="after")
    def _check_layout(self) -> Self:
        if self._layout_checked:
            return self
        if self.dtype == "int64":
            self.data = _whole_numbers(self.data, "data")
            if self.pad_value is not None:
                self.pad_value = _whole_numbers([self.pad_value], "pad_value")[0]
        if self.sparse_crow_indices is None and self.sparse_col_indices is None:
            _check_dense_shape(self.shape, len(self.data))
        else:
            check_csr(self.shape, self.sparse_crow_indices, self.sparse_col_indices, len(self.data))
        self._layout_checked = True
        return self

    @field_serializer("data", "pad_value", check_fields=False)
    def _as_stored(self, value: Any) -> Any:
        """Values as the validator left them: int64 tensors dump whole numbers as ints, as the official SDK."""
        return value

    @classmethod
    def from_numpy(cls, array: np.ndarray[Any, Any]) -> Self:
        """A dense tensor from a numpy array: floats become float32, signed integers int64."""
        array = np.asarray(array)
        dtype = wire_dtype(array.dtype)
        flat = np.array(array, dtype=NUMPY_DTYPES[dtype], order="C").reshape(-1)  # a copy the caller cannot change
        # built from a typed array, so it holds by construction what validation would check element by element
        tensor = cls.model_construct(data=flat.tolist(), dtype=dtype, shape=list(array.shape))
        tensor._layout_checked = True
        return cast(Self, tensor)

    @classmethod
    def from_torch(cls, tensor: torch.Tensor) -> Self:
        """A dense tensor from a torch tensor (bfloat16 and half are widened to float32)."""
        return cls.from_numpy(torch_to_numpy(tensor))

    @classmethod
    def from_torch_sparse(cls, tensor: torch.Tensor, pad_value: int = 0) -> Self:
        """A CSR tensor of the cells of a 2-D ``tensor`` that differ from ``pad_value``.

        Dense instead when CSR would not be smaller (``rows + 1 + 2 * nnz >= rows * cols``) or the tensor
        is not 2-D, as the official SDK does. A non-zero ``pad_value`` is kept on the tensor, so ``to_numpy()``
        and the server fill the left-out cells with it.
        """
        pad = integer_pad(pad_value)
        array = torch_to_numpy(tensor)
        csr = sparse_csr(array, pad)
        if csr is None:
            return cls.from_numpy(array)
        values, crow, col = csr
        return cls(
            data=values.tolist(),
            dtype=wire_dtype(array.dtype),
            shape=list(array.shape),
            sparse_crow_indices=crow,
            sparse_col_indices=col,
            pad_value=pad or None,
        )

    def to_numpy(self, pad_value: int | None = None) -> np.ndarray[Any, Any]:
        """The values as a numpy array of the declared dtype and shape.

        A sparse tensor is made dense with ``pad_value`` in the cells it leaves out; by default the tensor's
        own ``pad_value``, else 0.
        """
        values = np.asarray(self.data, dtype=NUMPY_DTYPES[str(self.dtype)])
        if self.sparse_crow_indices is None or self.sparse_col_indices is None or self.shape is None:
            return values.reshape(self.shape) if self.shape is not None else values
        pad = self.pad_value if pad_value is None else integer_pad(pad_value)
        return densify(values, self.shape, self.sparse_crow_indices, self.sparse_col_indices, pad or 0)

    def to_torch(self, pad_value: int | None = None) -> torch.Tensor:
        """The values as a dense torch tensor (torch is an optional dependency)."""
        import torch

        return torch.from_numpy(self.to_numpy(pad_value))

    def tolist(self, pad_value: int | None = None) -> list[Any]:
        """The values as (nested) Python lists, shaped like ``to_numpy()``."""
        result: list[Any] = self.to_numpy(pad_value).tolist()
        return result


def check_tiling(argument: str, spans: Sequence[Any], expected: int) -> None:
    covered = sum(span.length for span in spans)
    if covered != expected:
        raise ValueError(
            f"with_provenance({argument}=...) spans cover {covered} positions, but the field has {expected}: "
            "the spans must tile it exactly"
        )


class DatumMixin(BaseModel):
    """The check of the generated ``Datum`` (the JSON form the server validates) that the schema cannot make."""

    if TYPE_CHECKING:  # declared by the generated subclass
        model_input_spans: list[Any] | None = None
        loss_fn_input_spans: list[Any] | None = None

    @model_validator(mode="after")
    def _spans_come_in_pairs(self) -> Self:
        if (self.model_input_spans is None) != (self.loss_fn_input_spans is None):
            raise ValueError("Datum.model_input_spans and loss_fn_input_spans are set together or not at all")
        return self


class ProvenanceSpanMixin(BaseModel):
    """The check the official spans make that the schema cannot: a span names a sequence."""

    if TYPE_CHECKING:  # declared by the generated subclass
        sequence_id: str

    @model_validator(mode="after")
    def _names_a_sequence(self) -> Self:
        if not self.sequence_id:
            raise ValueError(f"{type(self).__name__}.sequence_id must not be empty")
        return self


class ModelInputMixin(BaseModel):
    """Token-level helpers of ``ModelInput``, which is frozen as in the official SDK (it sits in frozen Datums)."""

    model_config = ConfigDict(frozen=True)

    if TYPE_CHECKING:  # declared by the generated subclass
        chunks: list[Any]

    @classmethod
    def from_ints(cls, tokens: Sequence[int]) -> Self:
        """A model input of one text chunk holding ``tokens`` (a list, or any iterable of ints: a 1-D integer
        array is read by one ``tolist``, since its dtype already guarantees what validation would check).

        The chunk is validated once; the model input around it is not validated again.
        """
        chunk_type = _generated(cls, "EncodedTextChunk")
        if isinstance(tokens, np.ndarray) and tokens.ndim == 1 and tokens.dtype.kind in "iu":
            chunk = chunk_type.model_construct(tokens=tokens.tolist())
        else:  # pydantic copies a list as it checks it
            chunk = chunk_type(tokens=tokens if isinstance(tokens, list | tuple) else list(tokens))
        if cls is not _generated(cls, "ModelInput"):  # a subclass may add validators of its own
            return cls(chunks=[chunk])
        return cast(Self, cls.model_construct(chunks=[chunk]))

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
        """The number of positions the model sees: the sum of the chunks' lengths."""
        return sum(chunk.length for chunk in self.chunks)

    def append(self, chunk: Any) -> Self:
        """A new model input with ``chunk`` added at the end."""
        return type(self)(chunks=[*self.chunks, chunk])

    def append_int(self, token: int) -> Self:
        """A new model input with one more token, in a chunk of its own as the official SDK adds it."""
        return self.append(_generated(type(self), "EncodedTextChunk")(tokens=[token]))


class EncodedTextChunkMixin(BaseModel):
    """``length`` of a text chunk."""

    if TYPE_CHECKING:  # declared by the generated subclass
        tokens: list[int]

    @property
    def length(self) -> int:
        """The number of tokens."""
        return len(self.tokens)


class ImageAssetPointerChunkMixin(BaseModel):
    """``length`` of an image chunk, which only its ``expected_tokens`` can tell locally."""

    if TYPE_CHECKING:  # declared by the generated subclass
        type: str
        expected_tokens: int | None

    @property
    def length(self) -> int:
        """The token count the image takes: ``expected_tokens``, which must be set."""
        if self.expected_tokens is None:
            raise ValueError(f"the length of an {self.type!r} chunk needs expected_tokens")
        return self.expected_tokens


def _base64_field(values: Any, field: str) -> Any:
    """Raw bytes under ``field`` as standard base64: the official types take bytes, the JSON form base64 text."""
    if isinstance(values, dict) and isinstance(values.get(field), bytes | bytearray | memoryview):
        return {**values, field: base64.b64encode(bytes(values[field])).decode("ascii")}
    return values


class ImageChunkMixin(ImageAssetPointerChunkMixin):
    """An inline image chunk also takes its ``data`` as raw bytes."""

    @model_validator(mode="before")
    @classmethod
    def _encode_data(cls, values: Any) -> Any:
        return _base64_field(values, "data")


def _read_varint(raw: bytes, position: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 64, 7):
        if position >= len(raw):
            raise ValueError("DmelChunk.dmel: the TensorContainer header is cut short")
        byte = raw[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
    raise ValueError("DmelChunk.dmel: a TensorContainer header varint is too long")


def _tensor_container_shape(raw: bytes) -> list[int]:
    """The shape in a TensorContainer header: [254 for a constant tensor], dtype byte 0-7, varint ndim, dims."""
    position = 1 if raw[:1] == b"\xfe" else 0
    if position >= len(raw) or raw[position] > 7:
        raise ValueError("DmelChunk.dmel is not a TensorContainer: it lacks a dtype byte (0-7)")
    ndim, position = _read_varint(raw, position + 1)
    shape = []
    for _ in range(ndim):
        dim, position = _read_varint(raw, position)
        shape.append(dim)
    return shape


class DmelChunkMixin(BaseModel):
    """``length`` of an audio chunk, read from its tensor header; ``dmel`` also takes raw bytes."""

    if TYPE_CHECKING:  # declared by the generated subclass
        dmel: str

    @model_validator(mode="before")
    @classmethod
    def _encode_dmel(cls, values: Any) -> Any:
        return _base64_field(values, "dmel")

    @property
    def length(self) -> int:
        """Dimension 0 of the tensor: the number of positions the audio takes."""
        shape = _tensor_container_shape(base64.b64decode(self.dmel))
        if not shape:
            raise ValueError("DmelChunk.dmel holds a 0-dimensional tensor, which has no length")
        return shape[0]


class ParsedCheckpointTinkerPathMixin(BaseModel):
    """Parsing of ``tinker://`` checkpoint paths."""

    @classmethod
    def from_tinker_path(cls, tinker_path: str) -> Self:
        """The parts of ``tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>``."""
        prefix = "tinker://"
        parts = (
            tinker_path[len(prefix) :].split("/")
            if isinstance(tinker_path, str) and tinker_path.startswith(prefix)
            else []
        )
        if len(parts) != 3 or parts[1] not in _CHECKPOINT_SEGMENTS or not (parts[0] and parts[2]):
            raise ValueError(
                f"Invalid tinker path {tinker_path!r}: expected "
                "tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>"
            )
        return cls.model_validate(
            {
                "tinker_path": tinker_path,
                "training_run_id": parts[0],
                "checkpoint_type": _CHECKPOINT_SEGMENTS[parts[1]],
                "checkpoint_id": f"{parts[1]}/{parts[2]}",
            }
        )
