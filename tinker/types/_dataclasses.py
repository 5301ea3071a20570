"""The public types that the official 0.38 package defines as frozen dataclasses, numpy-backed where they hold arrays.

Real client code builds them positionally, calls ``dataclasses.replace``/``fields``/``asdict`` on them, hashes
provenance spans and reads arrays without a list conversion, so they are dataclasses with 0.38's fields in 0.38's
order and 0.38's constructors, not pydantic models. They are written by hand because their shape is not the JSON
shape of the document: arrays stand where the document has lists (``tokens_np`` for ``tokens``), list forms are
private constructor fields, and views are cached properties. ``tests/test_types_wire_fields.py`` holds their wire
fields against the document's schemas; ``tinker._tensor_wire`` reads and writes them in both wire formats.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from tinker import _mixins
from tinker_api.pydantic_models import LossFnType, ModelInput, StopReason, TensorDtype

if TYPE_CHECKING:
    import torch

__all__ = [
    "Datum",
    "ForwardBackwardInput",
    "ForwardBackwardOutput",
    "ForwardBackwardRequest",
    "ForwardRequest",
    "LossFnInputs",
    "LossFnOutput",
    "PromptAltTokens",
    "PromptProvenanceSpan",
    "ProvenanceSpans",
    "SampleResponse",
    "SampledProvenanceSpan",
    "SampledSequence",
    "TensorData",
]

MASK_LOGPROB = _mixins.MASK_LOGPROB
"""The logprob in the cells of a top-k matrix past a position's real entries (their token id is 0)."""


@dataclass(frozen=True, eq=False, init=False)
class TensorData:
    """A float32 or int64 tensor held as a numpy array, dense or sparse (CSR).

    Compared by identity, as in the official SDK (an array has no single truth value). A sparse tensor keeps its
    listed values in the array and its row offsets and column indices as lists; the cells it leaves out take the
    ``pad_value`` given when it is made dense.
    """

    dtype: TensorDtype
    shape: list[int] | None = None
    """The dense shape; None for a 1-D tensor whose length is that of its data."""
    sparse_crow_indices: list[int] | None = None
    """CSR row offsets (rows + 1 of them); set together with ``sparse_col_indices``."""
    sparse_col_indices: list[int] | None = None
    """CSR column index of each listed value."""
    # no default, after fields with one: fine, as __init__ is written below (mypy checks it as if generated)
    _numpy: np.ndarray[Any, Any] = field(repr=False)  # type: ignore[misc]

    def __init__(
        self,
        data: list[int] | list[float] | np.ndarray[Any, Any] | None = None,
        dtype: TensorDtype | None = None,
        shape: list[int] | None = None,
        sparse_crow_indices: list[int] | None = None,
        sparse_col_indices: list[int] | None = None,
        *,
        _numpy: np.ndarray[Any, Any] | None = None,
    ) -> None:
        # ``_numpy`` is the stored array under its field name, so that ``dataclasses.replace`` works
        if dtype is None:
            raise TypeError("TensorData requires `dtype`")
        numpy_dtype = _mixins.NUMPY_DTYPES.get(dtype)
        if numpy_dtype is None:
            raise ValueError(f"TensorData.dtype must be 'int64' or 'float32', got {dtype!r}")
        source = _numpy if data is None else data
        if isinstance(source, np.ndarray):
            array = source
            if array.dtype != numpy_dtype:
                with np.errstate(over="ignore"):  # beyond float32's range is inf, as on the server
                    array = array.astype(numpy_dtype)
            elif not array.flags.writeable:  # torch.from_numpy warns about read-only buffers
                array = array.copy()
        elif source is None:
            array = np.empty(0, dtype=numpy_dtype)
        else:
            try:
                with np.errstate(over="ignore"):
                    array = np.asarray(source, dtype=numpy_dtype)
            except (TypeError, ValueError, OverflowError) as error:
                raise ValueError(f"TensorData.data must be a list of numbers that fit {dtype}: {error}") from error
        if sparse_crow_indices is None and sparse_col_indices is None:
            if shape is not None and list(array.shape) != list(shape):
                if any(dim < 0 for dim in shape) or math.prod(shape) != array.size:
                    raise ValueError(f"TensorData.shape {list(shape)} does not fit the {array.size} values in data")
                array = array.reshape(shape)
        else:
            _mixins.check_csr(shape, sparse_crow_indices, sparse_col_indices, array.size)
            array = array.reshape(-1)
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "sparse_crow_indices", sparse_crow_indices)
        object.__setattr__(self, "sparse_col_indices", sparse_col_indices)
        object.__setattr__(self, "_numpy", array)

    @property
    def data(self) -> list[Any]:
        """The values as a flat list (for a sparse tensor, the listed values only)."""
        values: list[Any] = self._numpy.reshape(-1).tolist()
        return values

    @classmethod
    def from_numpy(cls, array: np.ndarray[Any, Any]) -> Self:
        """A dense tensor of ``array`` (not copied): floats become float32, signed integers int64."""
        return cls(data=array, dtype=_mixins.wire_dtype(array.dtype), shape=list(array.shape))

    @classmethod
    def from_torch(cls, tensor: torch.Tensor) -> Self:
        """A dense tensor of ``tensor`` (bfloat16 and half are widened to float32)."""
        return cls.from_numpy(_mixins.torch_to_numpy(tensor))

    @classmethod
    def from_torch_sparse(cls, tensor: torch.Tensor, pad_value: int = 0) -> Self:
        """A CSR tensor of the cells of a 2-D ``tensor`` that differ from ``pad_value``.

        Dense instead when CSR would not be smaller (``rows + 1 + 2 * nnz >= rows * cols``) or the tensor is not
        2-D. The pad is not stored: pass the same ``pad_value`` to ``to_numpy``/``to_torch``.
        """
        array = _mixins.torch_to_numpy(tensor)
        csr = _mixins.sparse_csr(array, _mixins.integer_pad(pad_value))
        if csr is None:
            return cls.from_numpy(array)
        values, crow, col = csr
        return cls(
            data=values,
            dtype=_mixins.wire_dtype(array.dtype),
            shape=list(array.shape),
            sparse_crow_indices=crow,
            sparse_col_indices=col,
        )

    def to_numpy(self, pad_value: int = 0) -> np.ndarray[Any, Any]:
        """The tensor as a numpy array; a sparse one made dense with ``pad_value`` in the cells it leaves out.

        A dense tensor gives its own array, not a copy.
        """
        if self.sparse_crow_indices is None or self.sparse_col_indices is None or self.shape is None:
            return self._numpy
        pad = _mixins.integer_pad(pad_value)
        return _mixins.densify(self._numpy, self.shape, self.sparse_crow_indices, self.sparse_col_indices, pad)

    def to_torch(self, pad_value: int = 0) -> torch.Tensor:
        """The tensor as a dense torch tensor sharing memory with ``to_numpy`` (torch is optional)."""
        import torch

        return torch.from_numpy(self.to_numpy(pad_value))

    def tolist(self, pad_value: int = 0) -> list[Any]:
        """The values as (nested) lists, shaped like ``to_numpy()``."""
        values: list[Any] = self.to_numpy(pad_value).tolist()
        return values


LossFnInputs = dict[str, TensorData]
"""The loss function's input tensors of one datum, by name (``target_tokens``, ``weights``…)."""

LossFnOutput = dict[str, TensorData]
"""The loss function's output tensors of one datum, by name (``logprobs``, ``elementwise_loss``…)."""


@dataclass(frozen=True, kw_only=True)
class _ProvenanceSpan:
    sequence_id: str
    offset: int = 0
    length: int

    def __post_init__(self) -> None:
        kind = type(self).__name__
        if self.length < 0:
            raise ValueError(f"{kind}.length must be >= 0, got {self.length}")
        if not self.sequence_id:
            raise ValueError(f"{kind}.sequence_id must not be empty")
        if self.offset < 0:
            raise ValueError(f"{kind}.offset must be >= 0, got {self.offset}")


@dataclass(frozen=True, kw_only=True)
class PromptProvenanceSpan(_ProvenanceSpan):
    """A run of datum positions that were positions ``[offset, offset + length)`` of the prompt of the sample
    named by ``sequence_id``."""


@dataclass(frozen=True, kw_only=True)
class SampledProvenanceSpan(_ProvenanceSpan):
    """A run of datum positions that were positions ``[offset, offset + length)`` of the sampled sequence named by
    ``sequence_id``."""


ProvenanceSpans = list[PromptProvenanceSpan | SampledProvenanceSpan]
"""Consecutive runs tiling one field of a Datum; see ``Datum.with_provenance``."""


def _loss_input(key: str, value: Any) -> TensorData:
    """A ``loss_fn_inputs`` value as TensorData: numpy arrays, torch tensors and lists of numbers are converted."""
    if isinstance(value, TensorData):
        return value
    if isinstance(value, np.ndarray):
        return TensorData.from_numpy(value)
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    if torch is not None and isinstance(value, torch.Tensor):
        if key in _mixins.SPARSE_KEYS and value.ndim == 2:
            return TensorData.from_torch_sparse(value)
        return TensorData.from_torch(value)
    if isinstance(value, list):
        dtype = _mixins.LIST_DTYPES.get(key)
        if dtype is None:
            raise KeyError(
                f"loss_fn_inputs[{key!r}] is a plain list, and a list's dtype is known only for the keys "
                f"{sorted(_mixins.LIST_DTYPES)}; pass a numpy array, a torch tensor or a TensorData"
            )
        try:
            array = np.asarray(value, dtype=_mixins.NUMPY_DTYPES[dtype])
        except (TypeError, ValueError) as error:
            raise ValueError(f"loss_fn_inputs[{key!r}] must be a rectangular list of numbers: {error}") from None
        return TensorData.from_numpy(array)
    raise TypeError(f"loss_fn_inputs[{key!r}]: unsupported value of type {type(value).__name__}")


class ProvenancePairError(ValueError, AssertionError):
    """One of a Datum's two span lists set without the other. An AssertionError too, as the official SDK raises."""


def _check_span_types(name: str, spans: Sequence[Any] | None) -> None:
    for span in spans or ():
        if not isinstance(span, PromptProvenanceSpan | SampledProvenanceSpan):
            raise TypeError(f"Datum.{name} holds PromptProvenanceSpan or SampledProvenanceSpan, got {type(span)}")


@dataclass(frozen=True)
class Datum:
    """One training example: the model's input and the loss function's input tensors."""

    model_input: ModelInput
    loss_fn_inputs: LossFnInputs = field(default_factory=dict)
    """Tensors by name; numpy arrays, torch tensors and (for known keys) lists are converted to TensorData."""
    model_input_spans: ProvenanceSpans | None = None
    """Provenance of the input tokens: runs tiling ``model_input``. Set with ``with_provenance``."""
    loss_fn_input_spans: ProvenanceSpans | None = None
    """Provenance of the loss rows: runs tiling ``loss_fn_inputs["target_tokens"]``. Set with ``with_provenance``."""

    def __post_init__(self) -> None:
        inputs = {key: _loss_input(key, value) for key, value in self.loss_fn_inputs.items()}
        object.__setattr__(self, "loss_fn_inputs", inputs)
        _check_span_types("model_input_spans", self.model_input_spans)
        _check_span_types("loss_fn_input_spans", self.loss_fn_input_spans)
        if (self.model_input_spans is None) != (self.loss_fn_input_spans is None):
            raise ProvenancePairError("Datum.model_input_spans and loss_fn_input_spans are set together or not at all")

    def with_provenance(self, model_input: ProvenanceSpans, loss_fn_inputs: ProvenanceSpans) -> Self:
        """A copy carrying provenance: ``model_input`` spans tile the input tokens, ``loss_fn_inputs`` spans the
        rows of ``loss_fn_inputs["target_tokens"]``; a miscount fails here rather than as a request error."""
        _mixins.check_tiling("model_input", model_input, self.model_input.length)
        target = self.loss_fn_inputs.get("target_tokens")
        if target is not None and target.shape is not None and len(target.shape) == 1:
            _mixins.check_tiling("loss_fn_inputs", loss_fn_inputs, target.shape[0])
        return dataclasses.replace(self, model_input_spans=model_input, loss_fn_input_spans=loss_fn_inputs)


@dataclass(frozen=True)
class ForwardBackwardInput:
    data: list[Datum]
    loss_fn: LossFnType
    loss_fn_config: Mapping[str, float | str] | None = None
    """Settings of the loss function (PPO clip thresholds…), by name."""


@dataclass(frozen=True)
class ForwardBackwardRequest:
    forward_backward_input: ForwardBackwardInput
    model_id: str
    seq_id: int | None = None


@dataclass(frozen=True)
class ForwardRequest:
    forward_input: ForwardBackwardInput
    model_id: str
    seq_id: int | None = None


@dataclass(frozen=True)
class ForwardBackwardOutput:
    """The result of forward or forward_backward: per-datum output tensors, in the order of the data, and metrics."""

    loss_fn_output_type: str
    """The class name of the output records, such as ``ArrayRecord``."""
    loss_fn_outputs: list[LossFnOutput]
    metrics: dict[str, float] = field(default_factory=dict)
    """Metrics as ``name:reduction`` keys (``loss:sum``…)."""


@dataclass(frozen=True)
class PromptAltTokens:
    """``k`` draws from the model's next-token distribution at each prompt position after the first."""

    tokens: TensorData
    """int64 token ids, shape ``[len(prompt) - 1, k]``."""
    logprobs: TensorData
    """float32 logprobs of those tokens, same shape."""


@dataclass(frozen=True, slots=True)
class TopkLogprobs:
    """The top-k tokens at each position as two ``(length, k)`` matrices; empty cells hold token 0 and
    ``MASK_LOGPROB``."""

    token_ids: np.ndarray[Any, Any]
    """int32 token ids."""
    logprobs: np.ndarray[Any, Any]
    """float32 logprobs."""


def topk_to_lists(topk: TopkLogprobs) -> list[list[tuple[int, float]] | None]:
    """The matrices as rows of ``(token id, logprob)`` pairs without the empty cells; an empty row is None."""
    if 0 in topk.token_ids.shape:
        return []
    ids: list[list[int]] = topk.token_ids.tolist()
    logprobs: list[list[float]] = topk.logprobs.tolist()
    rows: list[list[tuple[int, float]] | None] = []
    for row_ids, row_logprobs in zip(ids, logprobs, strict=True):
        end = len(row_ids)
        while end and row_ids[end - 1] == 0 and row_logprobs[end - 1] == MASK_LOGPROB:
            end -= 1
        rows.append(list(zip(row_ids[:end], row_logprobs[:end], strict=True)) or None)
    return rows


@dataclass(frozen=True)
class SampledSequence:
    """One sampled sequence: numpy arrays (``tokens_np``…) as they arrived, lists (``tokens``…) made on first use."""

    stop_reason: StopReason
    sequence_id: str
    """Names this sequence in later requests (provenance spans)."""
    tokens_np: np.ndarray[Any, Any] | None = field(default=None, repr=False)
    """The generated token ids, int32, shape ``(num_tokens,)``."""
    logprobs_np: np.ndarray[Any, Any] | None = field(default=None, repr=False)
    """The logprob of each generated token, float32; None when not asked for."""
    topk_logprobs_np: TopkLogprobs | None = field(default=None, repr=False)
    """The top-k tokens at each generated position; None when not asked for."""
    _tokens_list: list[int] | None = field(default=None, repr=False)
    _logprobs_list: list[float] | None = field(default=None, repr=False)
    _topk_logprobs_list: list[list[tuple[int, float]] | None] | None = field(default=None, repr=False)

    @cached_property
    def tokens(self) -> list[int]:
        """The generated token ids as a list."""
        if self._tokens_list is not None:
            return self._tokens_list
        tokens: list[int] = [] if self.tokens_np is None else self.tokens_np.tolist()
        return tokens

    @cached_property
    def logprobs(self) -> list[float] | None:
        """The logprob of each generated token as a list; None when not asked for."""
        if self._logprobs_list is not None:
            return self._logprobs_list
        logprobs: list[float] | None = None if self.logprobs_np is None else self.logprobs_np.tolist()
        return logprobs

    @cached_property
    def topk_logprobs(self) -> list[list[tuple[int, float]] | None] | None:
        """Up to k ``(token id, logprob)`` pairs at each generated position (None where there are none)."""
        if self._topk_logprobs_list is not None:
            return self._topk_logprobs_list
        return None if self.topk_logprobs_np is None else topk_to_lists(self.topk_logprobs_np)


@dataclass(frozen=True)
class SampleResponse:
    """The result of a sample: the sequences, and what was asked for about the prompt."""

    sequences: Sequence[SampledSequence]
    prompt_logprobs_np: np.ndarray[Any, Any] | None = field(default=None, repr=False)
    """The logprob of each prompt token, float32, NaN where there is none (the first token)."""
    topk_prompt_logprobs_np: TopkLogprobs | None = field(default=None, repr=False)
    """The top-k tokens at each prompt position; None when not asked for."""
    target_prompt_logprobs: TensorData | None = None
    """The logprobs of the ids asked for in ``target_prompt_logprobs``, shaped and laid out as they were."""
    prompt_cache_hit_tokens: int = 0
    """Prompt tokens billed as prefix-cache hits."""
    prompt_alt_tokens: PromptAltTokens | None = None
    """The draws ``prompt_alt_tokens_k`` asked for."""
    _prompt_logprobs_list: list[float | None] | None = field(default=None, repr=False)
    _topk_prompt_logprobs_list: list[list[tuple[int, float]] | None] | None = field(default=None, repr=False)

    @cached_property
    def prompt_logprobs(self) -> list[float | None] | None:
        """The logprob of each prompt token as a list, None where there is none; None when not asked for."""
        if self._prompt_logprobs_list is not None:
            return self._prompt_logprobs_list
        if self.prompt_logprobs_np is None:
            return None
        values: list[float | None] = self.prompt_logprobs_np.tolist()
        for index in np.flatnonzero(np.isnan(self.prompt_logprobs_np)).tolist():
            values[index] = None
        return values

    @cached_property
    def topk_prompt_logprobs(self) -> list[list[tuple[int, float]] | None] | None:
        """Up to k ``(token id, logprob)`` pairs at each prompt position (None where there are none)."""
        if self._topk_prompt_logprobs_list is not None:
            return self._topk_prompt_logprobs_list
        return None if self.topk_prompt_logprobs_np is None else topk_to_lists(self.topk_prompt_logprobs_np)


# Where the official SDK defines each type: the reference a pickle stores, so that pickles made by either SDK load
# in the other (``tinker.types`` registers each of these module paths).
for _type, _module in {
    Datum: "tinker",
    TensorData: "tinker",
    SampledSequence: "tinker",
    SampleResponse: "tinker",
    ForwardBackwardOutput: "tinker",
    PromptProvenanceSpan: "tinker",
    SampledProvenanceSpan: "tinker",
    ForwardBackwardInput: "tinker.types.forward_backward_input",
    ForwardBackwardRequest: "tinker.types.forward_backward_request",
    ForwardRequest: "tinker.types.forward_request",
    PromptAltTokens: "tinker.types.prompt_alt_tokens",
    TopkLogprobs: "tinker.types.topk_logprobs",
}.items():
    _type.__module__ = _module
