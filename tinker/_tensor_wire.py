"""The wire forms of the numpy-backed types (``tinker.types.Datum``, ``TensorData``, ``SampleResponse``…), both ways.

Neutral ground below the client layer and the local server: it imports only the types, the generated models and
protobuf modules, never a client or the server. The server reads request tensors with the same functions the client
reads result tensors with (``tensor_from_proto``, ``tensor_from_model``: one dtype table, one CSR check) and makes them
dense with ``to_dense``, which refuses a shape past the caller's limit before it allocates anything.

Protobuf requests are written straight into the wire format rather than through the generated message classes:
building the nested messages costs more than the payload itself, and this way a tensor's array goes in as a view of
its own memory, copied once, into the one output buffer when the request is joined (a token list is packed by one
C call). The field numbers come from the generated descriptors (``tinker_api.proto.tinker_public_pb2``), so the
writer cannot drift from the schema; the tests parse its output with those classes. Protobuf results are parsed
with the generated classes straight into arrays. The JSON forms go through the generated pydantic models, which
check them against the document's schemas.
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.descriptor import FieldDescriptor

from tinker import _mixins, types
from tinker._mixins import MASK_LOGPROB
from tinker.types._dataclasses import TopkLogprobs
from tinker_api import pydantic_models as models
from tinker_api.proto import tinker_public_pb2 as pb
from tinker_api.pydantic_models import TensorDtype

__all__ = [
    "PROTO_CODES",
    "PROTO_DTYPES",
    "EncodedData",
    "decode_forward_backward_output",
    "decode_sample_response",
    "encode_data",
    "encode_forward_backward_request",
    "forward_backward_output_from_json",
    "json_fields",
    "proto_array",
    "sample_response_from_json",
    "tensor_from_model",
    "tensor_from_proto",
    "to_dense",
]

_LEN_TYPES = {FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES, FieldDescriptor.TYPE_MESSAGE}
_FIXED64_TYPES = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64}
_MASK64 = (1 << 64) - 1
_SMALL_VARINTS = [bytes((n,)) for n in range(128)]


def _field(message: Any, name: str) -> FieldDescriptor:
    """A field of a generated message class or of a message descriptor."""
    field: FieldDescriptor = getattr(message, "DESCRIPTOR", message).fields_by_name[name]
    return field


def _tag(message: Any, name: str) -> bytes:
    """The key of a field: its number from the descriptor, and the wire type its declared type implies."""
    field = _field(message, name)
    if field.type in _LEN_TYPES or field.is_repeated:  # repeated scalars of proto3 are packed
        wire_type = 2
    elif field.type in _FIXED64_TYPES:
        wire_type = 1
    elif field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32):
        wire_type = 5
    else:
        wire_type = 0
    return _varint(field.number << 3 | wire_type)


def _entry_tags(message: Any, name: str) -> tuple[bytes, bytes, bytes]:
    """The tags of a map field and of its entries' key and value."""
    entry = _field(message, name).message_type
    return _tag(message, name), _tag(entry, "key"), _tag(entry, "value")


def _varint(value: int) -> bytes:
    if 0 <= value < 0x80:
        return _SMALL_VARINTS[value]
    if 0 < value < 0x4000:  # most lengths: a few kilobytes
        return bytes((value & 0x7F | 0x80, value >> 7))
    value &= _MASK64  # negative ints go as their 64-bit two's complement, as protobuf does
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _ld(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: bytes, a string, a sub-message or a packed array."""
    return tag + _varint(len(payload)) + payload


_REQ_MODEL_ID = _tag(pb.ForwardBackwardRequest, "model_id")
_REQ_SEQ_ID = _tag(pb.ForwardBackwardRequest, "seq_id")
_REQ_DATA = _tag(pb.ForwardBackwardRequest, "data")
_REQ_LOSS_FN = _tag(pb.ForwardBackwardRequest, "loss_fn")
_REQ_FORWARD_ONLY = _tag(pb.ForwardBackwardRequest, "forward_only")
_REQ_CONFIG, _CONFIG_KEY, _CONFIG_VALUE = _entry_tags(pb.ForwardBackwardRequest, "loss_fn_config")
_REQ_CONFIG_V2, _CONFIG_V2_KEY, _CONFIG_V2_VALUE = _entry_tags(pb.ForwardBackwardRequest, "loss_fn_config_v2")
_VALUE_NUMBER = _tag(pb.LossConfigValue, "number")
_VALUE_TEXT = _tag(pb.LossConfigValue, "text")
_DATUM_CHUNK = _tag(pb.Datum, "model_input")
_DATUM_INPUT, _INPUT_KEY, _INPUT_VALUE = _entry_tags(pb.Datum, "loss_fn_inputs")
_DATUM_INPUT_SPAN = _tag(pb.Datum, "model_input_spans")
_DATUM_LOSS_SPAN = _tag(pb.Datum, "loss_fn_input_spans")
_SPAN_PROMPT = _tag(pb.ProvenanceSpan, "prompt_tokens")
_SPAN_SAMPLED = _tag(pb.ProvenanceSpan, "sampled_tokens")
_SPAN_SEQUENCE = _tag(pb.PromptProvenanceSpan, "sequence_id")
_SPAN_OFFSET = _tag(pb.PromptProvenanceSpan, "offset")
_SPAN_LENGTH = _tag(pb.PromptProvenanceSpan, "length")
_CHUNK_TEXT = _tag(pb.Chunk, "encoded_text")
_CHUNK_IMAGE = _tag(pb.Chunk, "image")
_CHUNK_DMEL = _tag(pb.Chunk, "dmel")
_TEXT_TOKENS = _tag(pb.EncodedTextChunk, "tokens")
_IMAGE_DATA = _tag(pb.ImageChunk, "data")
_IMAGE_FORMAT = _tag(pb.ImageChunk, "format")
_IMAGE_EXPECTED = _tag(pb.ImageChunk, "expected_tokens")
_IMAGE_DIMENSIONS = _tag(pb.ImageChunk, "override_dimensions")
_DIM_WIDTH = _tag(pb.ImageDimensions, "width")
_DIM_HEIGHT = _tag(pb.ImageDimensions, "height")
_DMEL_DATA = _tag(pb.DmelChunk, "dmel")
_TENSOR_DENSE = _tag(pb.Tensor, "dense")
_TENSOR_SPARSE = _tag(pb.Tensor, "sparse_csr")
_TENSOR_DTYPE = _tag(pb.Tensor, "dtype")
_TENSOR_SHAPE = _tag(pb.Tensor, "shape")
_CSR_VALUES = _tag(pb.SparseCsr, "values")
_CSR_CROW = _tag(pb.SparseCsr, "crow_indices")
_CSR_COL = _tag(pb.SparseCsr, "col_indices")
assert _field(pb.PromptProvenanceSpan, "offset").number == _field(pb.SampledProvenanceSpan, "offset").number
assert _field(pb.PromptProvenanceSpan, "length").number == _field(pb.SampledProvenanceSpan, "length").number

PROTO_DTYPES: dict[int, tuple[np.dtype[Any], TensorDtype]] = {
    pb.DTYPE_FLOAT32: (np.dtype("<f4"), "float32"),
    pb.DTYPE_INT64: (np.dtype("<i8"), "int64"),
    pb.DTYPE_INT32: (np.dtype("<i4"), "int64"),
    pb.DTYPE_BFLOAT16: (np.dtype("<u2"), "float32"),
}
"""The one table of protobuf dtypes: each code's bytes and the TensorData dtype they are read as (int32 widens to
int64, bfloat16 to float32), for requests the server reads and results the client reads."""
PROTO_CODES: dict[TensorDtype, pb.DType] = {"int64": pb.DTYPE_INT64, "float32": pb.DTYPE_FLOAT32}
"""The code each TensorData dtype is written with: the public wire writes these two only."""

_STRUCT_CODES: dict[TensorDtype, str] = {"int64": "q", "float32": "f"}
# TensorData dtype -> (struct code, numpy dtype, the Tensor's dtype field)
_DTYPES: dict[str, tuple[str, np.dtype[Any], bytes]] = {
    name: (_STRUCT_CODES[name], PROTO_DTYPES[code][0], _TENSOR_DTYPE + _varint(code))
    for name, code in PROTO_CODES.items()
}
_INT64 = np.dtype("<i8")
_INT32 = np.dtype("<i4")
_STRUCTS: dict[tuple[int, str], struct.Struct] = {}


Buffer = bytes | memoryview
"""A piece of a request: bytes, or a view of an array's memory that ``bytes.join`` reads in place (no ``tobytes``
copy)."""


def _pack(values: Sequence[Any] | np.ndarray[Any, Any], code: str, dtype: np.dtype[Any]) -> Buffer:
    """Little-endian values of ``dtype``: a contiguous array of that dtype as itself (copied once, by the join), a
    list by one C call (``struct`` packs a list faster than numpy converts it)."""
    if isinstance(values, np.ndarray):
        if values.dtype != dtype or not values.flags.c_contiguous:
            values = np.ascontiguousarray(values, dtype=dtype)
        return values.data
    key = (len(values), code)
    packer = _STRUCTS.get(key)
    if packer is None:
        if len(_STRUCTS) >= 4096:
            _STRUCTS.clear()
        packer = _STRUCTS[key] = struct.Struct(f"<{key[0]}{code}")
    try:
        return packer.pack(*values)
    except (struct.error, OverflowError, TypeError):
        pass
    array = np.asarray(values)
    if code == "f" and array.dtype.kind in "fiu":
        with np.errstate(over="ignore"):  # beyond float32's range is inf, as numpy and the server's JSON path make it
            return array.astype(dtype).tobytes()
    raise ValueError(f"the values do not all fit in {dtype.name}")


# The writers below append the pieces of a message to ``out`` and return its size, so a payload is copied once,
# when the request is joined, however deep it sits; a length prefix goes in a slot reserved before the content.


def _put(out: list[Buffer], tag: bytes, payload: Buffer) -> int:
    size = payload.nbytes if isinstance(payload, memoryview) else len(payload)
    header = tag + _varint(size)
    out.append(header)
    out.append(payload)
    return len(header) + size


def _tensor(out: list[Buffer], tensor: types.TensorData) -> int:
    """A TensorData as ``tinker_public.Tensor``: its array's bytes, dense or CSR."""
    code, dtype, dtype_field = _DTYPES[tensor.dtype]
    values = tensor._numpy
    if tensor.sparse_crow_indices is None or tensor.sparse_col_indices is None:
        size = _put(out, _TENSOR_DENSE, _pack(values, code, dtype))
    else:
        slot = len(out)
        out.append(b"")
        inner = _put(out, _CSR_VALUES, _pack(values, code, dtype))
        inner += _put(out, _CSR_CROW, _pack(tensor.sparse_crow_indices, "q", _INT64))
        inner += _put(out, _CSR_COL, _pack(tensor.sparse_col_indices, "q", _INT64))
        out[slot] = header = _TENSOR_SPARSE + _varint(inner)
        size = len(header) + inner
    shape = tensor.shape
    if shape is not None:
        dims = _varint(shape[0]) if len(shape) == 1 else b"".join(_varint(dim) for dim in shape)
        dtype_field += _TENSOR_SHAPE + _varint(len(dims)) + dims
    out.append(dtype_field)
    return size + len(dtype_field)


def _chunk(out: list[Buffer], chunk: Any) -> int:
    if isinstance(chunk, types.EncodedTextChunk):
        try:
            tokens = _pack(chunk.tokens, "i", _INT32)
        except ValueError:
            raise ValueError("token ids must fit in int32") from None
        size = tokens.nbytes if isinstance(tokens, memoryview) else len(tokens)
        inner = _TEXT_TOKENS + _varint(size)
        header = _CHUNK_TEXT + _varint(len(inner) + size)
        out += (header, inner, tokens)
        return len(header) + len(inner) + size
    if isinstance(chunk, types.ImageChunk):
        image = _ld(_IMAGE_DATA, base64.b64decode(chunk.data)) + _ld(_IMAGE_FORMAT, chunk.format.encode())
        if chunk.expected_tokens is not None:
            image += _IMAGE_EXPECTED + _varint(chunk.expected_tokens)
        if chunk.override_dimensions is not None:
            dims = chunk.override_dimensions
            image += _ld(_IMAGE_DIMENSIONS, _DIM_WIDTH + _varint(dims.width) + _DIM_HEIGHT + _varint(dims.height))
        return _put(out, _CHUNK_IMAGE, image)
    if isinstance(chunk, types.DmelChunk):
        return _put(out, _CHUNK_DMEL, _ld(_DMEL_DATA, base64.b64decode(chunk.dmel)))
    raise ValueError(
        f"a {type(chunk).__name__} chunk cannot be sent to forward_backward (encoded_text, image and dmel chunks can)"
    )


def _span(tag: bytes, span: Any) -> bytes:
    arm = _SPAN_SAMPLED if isinstance(span, types.SampledProvenanceSpan) else _SPAN_PROMPT
    fields = _ld(_SPAN_SEQUENCE, span.sequence_id.encode()) + _SPAN_OFFSET + _varint(span.offset)
    return _ld(tag, _ld(arm, fields + _SPAN_LENGTH + _varint(span.length)))


def _datum(out: list[Buffer], datum: types.Datum) -> int:
    """One Datum message; a part that cannot be sent raises ValueError naming where it is in the datum."""
    size = 0
    for index, chunk in enumerate(datum.model_input.chunks):
        slot = len(out)
        out.append(b"")
        try:
            inner = _chunk(out, chunk)
        except ValueError as error:
            raise ValueError(f"model_input.chunks[{index}]: {error}") from None
        out[slot] = header = _DATUM_CHUNK + _varint(inner)
        size += len(header) + inner
    for name, tensor in datum.loss_fn_inputs.items():
        slot = len(out)
        out.append(b"")
        key = _ld(_INPUT_KEY, name.encode())
        out += (key, b"")
        try:
            value = _tensor(out, tensor)
        except ValueError as error:
            raise ValueError(f"loss_fn_inputs[{name!r}]: {error}") from None
        out[slot + 2] = value_header = _INPUT_VALUE + _varint(value)
        entry = len(key) + len(value_header) + value
        out[slot] = header = _DATUM_INPUT + _varint(entry)
        size += len(header) + entry
    for tag, spans in ((_DATUM_INPUT_SPAN, datum.model_input_spans), (_DATUM_LOSS_SPAN, datum.loss_fn_input_spans)):
        for span in spans or ():
            encoded = _span(tag, span)
            out.append(encoded)
            size += len(encoded)
    return size


def _config(loss_fn_config: Mapping[str, float | str] | None) -> list[bytes]:
    """Numbers go in both maps (servers before v2 read the first); text exists in v2 only."""
    parts = []
    for key, value in (loss_fn_config or {}).items():
        name = _ld(_CONFIG_KEY, key.encode())
        if isinstance(value, str):
            v2 = _ld(_VALUE_TEXT, value.encode())
        else:
            number = struct.pack("<d", float(value))
            parts.append(_ld(_REQ_CONFIG, name + _CONFIG_VALUE + number))
            v2 = _VALUE_NUMBER + number
        parts.append(_ld(_REQ_CONFIG_V2, _ld(_CONFIG_V2_KEY, key.encode()) + _ld(_CONFIG_V2_VALUE, v2)))
    return parts


@dataclass(frozen=True)
class EncodedData:
    """The ``data`` fields of a ForwardBackwardRequest, as pieces joined once with the rest of the request.

    Array pieces are the tensors' own arrays, read when the request is joined: the client joins at once, in the
    call that encoded them, so no later change to a caller's array can slip in between.
    """

    parts: list[Buffer]


def encode_data(data: Sequence[types.Datum]) -> EncodedData:
    """The costly part of a request, and the one that can fail (ValueError naming the datum and field).

    Kept apart so that a batch is encoded before its seq_ids are taken (a seq_id never sent would stall the run).
    """
    out: list[Buffer] = []
    for index, datum in enumerate(data):
        slot = len(out)
        out.append(b"")
        try:
            size = _datum(out, datum)
        except ValueError as error:
            raise ValueError(f"data[{index}].{error}") from None
        out[slot] = _REQ_DATA + _varint(size)
    return EncodedData(out)


def encode_forward_backward_request(
    *,
    model_id: str,
    seq_id: int,
    data: Sequence[types.Datum] | EncodedData,
    loss_fn: str,
    loss_fn_config: Mapping[str, float | str] | None,
    forward_only: bool,
) -> bytes:
    """A ``tinker_public.ForwardBackwardRequest``, serialized; ``data`` as datums or as ``encode_data`` gave it."""
    encoded = data if isinstance(data, EncodedData) else encode_data(data)
    parts = [_ld(_REQ_MODEL_ID, model_id.encode()), _REQ_SEQ_ID + _varint(seq_id), *encoded.parts]
    parts.append(_ld(_REQ_LOSS_FN, loss_fn.encode()))
    parts += _config(loss_fn_config)
    if forward_only:
        parts.append(_REQ_FORWARD_ONLY + b"\x01")
    return b"".join(parts)


# --- reading tensors: results on the client, requests on the server ---------------------------------------


def proto_array(raw: bytes, dtype_code: int, what: str) -> tuple[np.ndarray[Any, Any], TensorDtype]:
    """``raw`` as a flat array in its public dtype (int32 widened to int64, bfloat16 to float32)."""
    known = PROTO_DTYPES.get(dtype_code)
    if known is None:
        raise ValueError(f"{what}: unsupported protobuf dtype {dtype_code}")
    dtype, public = known
    if len(raw) % dtype.itemsize:
        raise ValueError(f"{what}: {len(raw)} bytes are not a whole number of {dtype.name} values")
    array = np.frombuffer(raw, dtype=dtype)
    if dtype_code == pb.DTYPE_BFLOAT16:
        return (array.astype(np.uint32) << 16).view(np.float32), public
    return array.astype(_mixins.NUMPY_DTYPES[public]), public


def tensor_from_proto(message: Any, what: str) -> types.TensorData:
    """A ``tinker_public.Tensor`` as TensorData, checked (ValueError naming ``what``); a CSR tensor stays CSR."""
    shape = list(message.shape)
    try:
        if message.WhichOneof("encoding") == "sparse_csr":
            values, dtype = proto_array(message.sparse_csr.values, message.dtype, "values")
            crow, _ = proto_array(message.sparse_csr.crow_indices, pb.DTYPE_INT64, "crow_indices")
            col, _ = proto_array(message.sparse_csr.col_indices, pb.DTYPE_INT64, "col_indices")
            return types.TensorData(
                data=values,
                dtype=dtype,
                shape=shape,
                sparse_crow_indices=crow.tolist(),
                sparse_col_indices=col.tolist(),
            )
        values, dtype = proto_array(message.dense, message.dtype, "dense")
        return types.TensorData(data=values, dtype=dtype, shape=shape or None)
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None


def tensor_from_model(tensor: models.TensorData) -> types.TensorData:
    """A validated JSON tensor as TensorData, a CSR tensor staying CSR; its ``pad_value`` is the caller's to use."""
    return types.TensorData(
        data=tensor.data,
        dtype=tensor.dtype,
        shape=tensor.shape,
        sparse_crow_indices=tensor.sparse_crow_indices,
        sparse_col_indices=tensor.sparse_col_indices,
    )


def to_dense(tensor: types.TensorData, pad: float, max_cells: int | None) -> np.ndarray[Any, Any]:
    """The tensor as a dense array, the cells a CSR tensor leaves out set to ``pad``.

    A CSR tensor of a few bytes may declare any shape, so its cell count is held against ``max_cells`` (ValueError
    naming both) before anything is allocated; None trusts the sender. A dense tensor holds every cell already.
    """
    if tensor.sparse_crow_indices is None or tensor.sparse_col_indices is None or tensor.shape is None:
        return tensor._numpy
    cells = math.prod(tensor.shape)
    if max_cells is not None and cells > max_cells:
        raise ValueError(f"the sparse shape {tensor.shape} holds {cells} cells, more than the {max_cells} allowed")
    return _mixins.densify(tensor._numpy, tensor.shape, tensor.sparse_crow_indices, tensor.sparse_col_indices, pad)


# --- results --------------------------------------------------------------------------------------------

_STOP_REASONS = {pb.STOP_REASON_STOP: "stop", pb.STOP_REASON_LENGTH: "length"}


def _raw(raw: bytes, dtype: np.dtype[Any], what: str) -> np.ndarray[Any, Any]:
    """``raw`` as a writable flat array of ``dtype`` (a copy: the message's buffer is read-only)."""
    if len(raw) % dtype.itemsize:
        raise ValueError(f"{what}: {len(raw)} bytes are not a whole number of {dtype.name} values")
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))


def _per_datum(tensor: Any, what: str) -> list[np.ndarray[Any, Any]]:
    """A BatchedTensor cut at its byte offsets: each datum's values, shaped [n, *trailing_shape]."""
    values, _ = proto_array(tensor.data, tensor.dtype, what)
    itemsize = PROTO_DTYPES[tensor.dtype][0].itemsize
    offsets, _ = proto_array(tensor.offsets, pb.DTYPE_INT64, f"{what}.offsets")
    trailing = list(tensor.trailing_shape)
    width = math.prod(trailing)
    out = []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        if start % itemsize or end % itemsize or not 0 <= start <= end <= len(tensor.data):
            raise ValueError(f"{what}: byte offsets {start}..{end} do not fall on values of the data")
        part = values[start // itemsize : end // itemsize]
        rows, rest = divmod(part.size, width) if width else (0, part.size)
        if rest:
            raise ValueError(f"{what}: {part.size} values do not fill rows of shape {trailing}")
        out.append(part.reshape([rows, *trailing]))
    return out


def decode_forward_backward_output(raw: bytes) -> types.ForwardBackwardOutput:
    """A ``tinker_public.ForwardBackwardOutput``: one map of tensors per datum, in order.

    Several records (ragged chunks) follow one another; a datum count of 0 everywhere falls back to the
    number of datums in the first field.
    """
    message = pb.ForwardBackwardOutput()
    message.ParseFromString(raw)
    metrics = {key: float(value) for key, value in message.metrics.items()}
    if not message.loss_fn_outputs:
        return types.ForwardBackwardOutput(message.loss_fn_output_type or "ArrayRecord", [], metrics)
    fields: dict[str, list[np.ndarray[Any, Any]]] = {}
    for index, record in enumerate(message.loss_fn_outputs):
        for name, tensor in record.fields.items():
            fields.setdefault(name, []).extend(_per_datum(tensor, f"loss_fn_outputs[{index}].fields[{name!r}]"))
    count = sum(record.num_datums for record in message.loss_fn_outputs)
    if count == 0 and fields:
        count = len(next(iter(fields.values())))
    for name, parts in fields.items():
        if len(parts) != count:
            raise ValueError(f"loss_fn_outputs: field {name!r} has {len(parts)} datums, the records say {count}")
    outputs = [{name: types.TensorData.from_numpy(parts[i]) for name, parts in fields.items()} for i in range(count)]
    return types.ForwardBackwardOutput(message.loss_fn_output_type.rsplit(":", 1)[-1], outputs, metrics)


def _topk(message: Any, what: str) -> TopkLogprobs | None:
    """A TopkLogprobs table as its two ``(length, k)`` matrices; None when it has no cells."""
    rows, k = message.length, message.k
    if rows == 0 or k == 0:
        return None
    ids = _raw(message.token_ids, np.dtype("<i4"), f"{what}.token_ids")
    logprobs = _raw(message.logprobs, np.dtype("<f4"), f"{what}.logprobs")
    if ids.size != rows * k or logprobs.size != rows * k:
        raise ValueError(f"{what}: expected {rows} x {k} cells, got {ids.size} ids and {logprobs.size} logprobs")
    return TopkLogprobs(token_ids=ids.reshape(rows, k), logprobs=logprobs.reshape(rows, k))


def decode_sample_response(raw: bytes) -> types.SampleResponse:
    """A ``tinker_public.SampleResponse``; the sequence ids come from the submit answer and are set by the client.

    Prompt logprobs arrive as float32 with NaN where there is none, as ``prompt_logprobs_np`` holds them.
    """
    message = pb.SampleResponse()
    message.ParseFromString(raw)
    sequences = []
    for index, seq in enumerate(message.sequences):
        what = f"sequences[{index}]"
        stop_reason = _STOP_REASONS.get(seq.stop_reason)
        if stop_reason is None:
            raise ValueError(f"{what}.stop_reason: unknown value {seq.stop_reason}")
        sequences.append(
            types.SampledSequence(
                stop_reason,  # type: ignore[arg-type]
                "",
                tokens_np=_raw(seq.tokens, np.dtype("<i4"), f"{what}.tokens"),
                logprobs_np=(
                    _raw(seq.logprobs, np.dtype("<f4"), f"{what}.logprobs") if seq.HasField("logprobs") else None
                ),
                topk_logprobs_np=(
                    _topk(seq.topk_sampled_logprobs, f"{what}.topk_sampled_logprobs")
                    if seq.HasField("topk_sampled_logprobs")
                    else None
                ),
            )
        )
    alt = None
    if message.HasField("prompt_alt_tokens"):
        alt = types.PromptAltTokens(
            tokens=tensor_from_proto(message.prompt_alt_tokens.tokens, "prompt_alt_tokens.tokens"),
            logprobs=tensor_from_proto(message.prompt_alt_tokens.logprobs, "prompt_alt_tokens.logprobs"),
        )
    return types.SampleResponse(
        sequences=sequences,
        prompt_logprobs_np=(
            _raw(message.prompt_logprobs, np.dtype("<f4"), "prompt_logprobs")
            if message.HasField("prompt_logprobs")
            else None
        ),
        topk_prompt_logprobs_np=(
            _topk(message.topk_prompt_logprobs, "topk_prompt_logprobs")
            if message.HasField("topk_prompt_logprobs")
            else None
        ),
        target_prompt_logprobs=(
            tensor_from_proto(message.target_prompt_logprobs, "target_prompt_logprobs")
            if message.HasField("target_prompt_logprobs")
            else None
        ),
        prompt_cache_hit_tokens=message.prompt_cache_hit_tokens,
        prompt_alt_tokens=alt,
    )


# --- JSON -----------------------------------------------------------------------------------------------


def json_fields(value: Any) -> dict[str, Any] | None:
    """The JSON object of one of the numpy-backed types, one level deep (nested models are left to the caller's
    encoder; arrays go to orjson as they are); None for any other value. Optional fields that are None stay out."""
    if isinstance(value, types.TensorData):
        fields: dict[str, Any] = {"data": value._numpy.reshape(-1), "dtype": value.dtype}
        for name in ("shape", "sparse_crow_indices", "sparse_col_indices"):
            if getattr(value, name) is not None:
                fields[name] = getattr(value, name)
        return fields
    if isinstance(value, types.PromptProvenanceSpan | types.SampledProvenanceSpan):
        kind = "prompt_tokens" if isinstance(value, types.PromptProvenanceSpan) else "sampled_tokens"
        return {"type": kind, "sequence_id": value.sequence_id, "offset": value.offset, "length": value.length}
    if isinstance(value, types.Datum):
        fields = {"model_input": value.model_input, "loss_fn_inputs": value.loss_fn_inputs}
        if value.model_input_spans is not None:
            fields["model_input_spans"] = value.model_input_spans
            fields["loss_fn_input_spans"] = value.loss_fn_input_spans
        return fields
    return None


def _from_model(tensor: models.TensorData) -> types.TensorData:
    """A validated JSON tensor as TensorData; a sparse one with a pad value other than 0 is made dense, since
    TensorData (as in the official SDK) keeps no pad value."""
    result = tensor_from_model(tensor)
    if result.sparse_crow_indices is not None and tensor.pad_value:
        return types.TensorData.from_numpy(to_dense(result, tensor.pad_value, max_cells=None))
    return result


def forward_backward_output_from_json(answer: Any) -> types.ForwardBackwardOutput:
    """A JSON ForwardBackwardOutput, checked against its schema (pydantic.ValidationError if it does not fit)."""
    result = models.ForwardBackwardOutput.model_validate(answer)
    outputs = [{name: _from_model(tensor) for name, tensor in record.items()} for record in result.loss_fn_outputs]
    return types.ForwardBackwardOutput(result.loss_fn_output_type, outputs, dict(result.metrics or {}))


def _topk_from_rows(rows: list[list[tuple[int, float]] | None] | None) -> TopkLogprobs | None:
    """Rows of ``(token id, logprob)`` pairs as the two matrices, empty cells masked."""
    if not rows:
        return None
    k = max((len(row) for row in rows if row), default=0)
    ids = np.zeros((len(rows), k), dtype=np.int32)
    logprobs = np.full((len(rows), k), MASK_LOGPROB, dtype=np.float32)
    for index, row in enumerate(rows):
        if row:
            ids[index, : len(row)] = [token for token, _ in row]
            logprobs[index, : len(row)] = [logprob for _, logprob in row]
    return TopkLogprobs(token_ids=ids, logprobs=logprobs)


def sample_response_from_json(answer: Any) -> types.SampleResponse:
    """A JSON SampleResponse, checked against its schema (pydantic.ValidationError if it does not fit); the lists
    it holds are kept as the list views, and the arrays made from them."""
    result = models.SampleResponse.model_validate(answer)
    sequences = [
        types.SampledSequence(
            seq.stop_reason,
            seq.sequence_id or "",
            tokens_np=np.asarray(seq.tokens, dtype=np.int32),
            logprobs_np=None if seq.logprobs is None else np.asarray(seq.logprobs, dtype=np.float32),
            topk_logprobs_np=_topk_from_rows(seq.topk_logprobs),
            _tokens_list=seq.tokens,
            _logprobs_list=seq.logprobs,
            _topk_logprobs_list=seq.topk_logprobs,
        )
        for seq in result.sequences
    ]
    prompt = result.prompt_logprobs
    alt = result.prompt_alt_tokens
    return types.SampleResponse(
        sequences,
        prompt_logprobs_np=(
            None if prompt is None else np.asarray([math.nan if v is None else v for v in prompt], dtype=np.float32)
        ),
        topk_prompt_logprobs_np=_topk_from_rows(result.topk_prompt_logprobs),
        target_prompt_logprobs=(
            None if result.target_prompt_logprobs is None else _from_model(result.target_prompt_logprobs)
        ),
        prompt_cache_hit_tokens=result.prompt_cache_hit_tokens or 0,
        prompt_alt_tokens=None
        if alt is None
        else types.PromptAltTokens(_from_model(alt.tokens), _from_model(alt.logprobs)),
        _prompt_logprobs_list=prompt,
        _topk_prompt_logprobs_list=result.topk_prompt_logprobs,
    )
