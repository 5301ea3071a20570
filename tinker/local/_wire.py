"""Between the wire (JSON and protobuf) and the engine's numpy arrays.

Results are kept in their JSON form (what JSON clients get and what the store keeps); the protobuf answer
for official SDKs is built from it on request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinker_api import pydantic_models as models
from tinker_api.proto import tinker_public_pb2 as pb

from ._errors import bad_request, invalid
from .engine._types import Example, ForwardBackwardResult, SampleResult

_PROTO_DTYPES: dict[int, np.dtype[Any]] = {
    pb.DTYPE_FLOAT32: np.dtype("<f4"),
    pb.DTYPE_INT64: np.dtype("<i8"),
    pb.DTYPE_INT32: np.dtype("<i4"),
    pb.DTYPE_BFLOAT16: np.dtype("<u2"),
}
MASK_LOGPROB = -99999.0


@dataclass
class ForwardBackwardCall:
    model_id: str
    seq_id: int | None
    examples: list[Example]
    loss_fn: str
    loss_fn_config: dict[str, float]
    forward_only: bool


def _densify_csr(
    values: np.ndarray, crow: np.ndarray, col: np.ndarray, shape: Sequence[int], pad: float, field: str
) -> np.ndarray:
    if len(shape) != 2:
        raise bad_request(f"{field}: a sparse tensor needs a 2-D shape, got {list(shape)}")
    rows, cols = shape
    if len(crow) != rows + 1 or len(col) != len(values) or (len(crow) and crow[-1] != len(values)):
        raise bad_request(f"{field}: sparse_crow_indices / sparse_col_indices do not match the values and shape")
    if (len(col) and (col.min() < 0 or col.max() >= cols)) or np.any(np.diff(crow) < 0):
        raise bad_request(f"{field}: sparse indices out of range")
    dense = np.full((rows, cols), pad, dtype=values.dtype)
    dense[np.repeat(np.arange(rows), np.diff(crow)), col] = values
    return dense


def _shaped(array: np.ndarray, shape: Sequence[int] | None, field: str) -> np.ndarray:
    if not shape:
        return array
    if any(d < 0 for d in shape) or math.prod(shape) != array.size:
        raise bad_request(f"{field}: {array.size} values do not fill shape {list(shape)}")
    return array.reshape(tuple(shape))


def tensor_from_json(tensor: models.TensorData, field: str) -> np.ndarray:
    dtype = np.int64 if tensor.dtype == "int64" else np.float32
    raw = np.asarray(tensor.data, dtype=np.float64)
    if dtype is np.int64 and not np.all(np.isfinite(raw) & (raw == np.round(raw))):
        raise bad_request(f"{field}: int64 data must hold whole numbers")
    values = raw.astype(dtype)
    if tensor.sparse_crow_indices is not None or tensor.sparse_col_indices is not None:
        crow = np.asarray(tensor.sparse_crow_indices or [], dtype=np.int64)
        col = np.asarray(tensor.sparse_col_indices or [], dtype=np.int64)
        return _densify_csr(values, crow, col, tensor.shape or [], tensor.pad_value or 0, field)
    return _shaped(values, tensor.shape, field)


def _proto_array(data: bytes, dtype_code: int, field: str) -> np.ndarray:
    dtype = _PROTO_DTYPES.get(dtype_code)
    if dtype is None:
        raise bad_request(f"{field}: unsupported dtype {dtype_code}")
    if len(data) % dtype.itemsize:
        raise bad_request(f"{field}: {len(data)} bytes are not a whole number of {dtype} values")
    array = np.frombuffer(data, dtype=dtype)
    if dtype_code == pb.DTYPE_BFLOAT16:
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.int64 if dtype.kind == "i" else np.float32)


def tensor_from_proto(tensor: Any, field: str) -> np.ndarray:
    if tensor.WhichOneof("encoding") == "sparse_csr":
        csr = tensor.sparse_csr
        values = _proto_array(csr.values, tensor.dtype, field)
        crow = _proto_array(csr.crow_indices, pb.DTYPE_INT64, field)
        col = _proto_array(csr.col_indices, pb.DTYPE_INT64, field)
        return _densify_csr(values, crow, col, list(tensor.shape), 0, field)
    return _shaped(_proto_array(tensor.dense, tensor.dtype, field), list(tensor.shape), field)


def _unsupported_chunk(kind: str, field: str) -> Exception:
    return bad_request(f"{field}: '{kind}' chunks are not supported: the local models read text tokens only")


def tokens_from_model_input(model_input: models.ModelInput, field: str) -> np.ndarray:
    parts = []
    for index, chunk in enumerate(model_input.chunks):
        if not isinstance(chunk, models.EncodedTextChunk):
            raise _unsupported_chunk(chunk.type, f"{field}.chunks[{index}]")
        parts.append(np.asarray(chunk.tokens, dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _numeric_config(config: Mapping[str, Any] | None) -> dict[str, float]:
    numbers = {}
    for key, value in (config or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f"loss_fn_config.{key}: the local server takes numbers only, got {value!r}")
        numbers[key] = float(value)
    return numbers


def forward_backward_from_json(
    request: models.ForwardBackwardRequest | models.ForwardRequest,
) -> ForwardBackwardCall:
    if isinstance(request, models.ForwardRequest):
        fb_input, forward_only = request.forward_input, True
    else:
        fb_input, forward_only = request.forward_backward_input, request.forward_only
    examples = [
        Example(
            tokens=tokens_from_model_input(datum.model_input, f"data[{i}].model_input"),
            loss_fn_inputs={
                name: tensor_from_json(tensor, f"data[{i}].loss_fn_inputs.{name}")
                for name, tensor in datum.loss_fn_inputs.items()
            },
        )
        for i, datum in enumerate(fb_input.data)
    ]
    return ForwardBackwardCall(
        model_id=request.model_id,
        seq_id=request.seq_id,
        examples=examples,
        loss_fn=str(fb_input.loss_fn),
        loss_fn_config=_numeric_config(fb_input.loss_fn_config),
        forward_only=forward_only,
    )


def forward_backward_from_proto(raw: bytes) -> ForwardBackwardCall:
    message = pb.ForwardBackwardRequest()
    try:
        message.ParseFromString(raw)
    except Exception:  # a body that is not the declared message fails validation, as malformed JSON does
        raise invalid(["body"], "not a valid tinker_public.ForwardBackwardRequest protobuf message") from None
    if not message.model_id:  # proto3 has no required fields: an empty model_id is a message, a wrong one
        raise bad_request("model_id: required")
    examples = []
    for i, datum in enumerate(message.data):
        parts = []
        for j, chunk in enumerate(datum.model_input):
            kind = chunk.WhichOneof("chunk")
            if kind != "encoded_text":
                raise _unsupported_chunk(kind or "empty", f"data[{i}].model_input.chunks[{j}]")
            parts.append(_proto_array(chunk.encoded_text.tokens, pb.DTYPE_INT32, f"data[{i}].model_input"))
        tokens = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        inputs = {
            name: tensor_from_proto(tensor, f"data[{i}].loss_fn_inputs.{name}")
            for name, tensor in datum.loss_fn_inputs.items()
        }
        examples.append(Example(tokens=tokens, loss_fn_inputs=inputs))
    config: dict[str, Any] = dict(message.loss_fn_config)
    for key, value in message.loss_fn_config_v2.items():
        config[key] = value.number if value.WhichOneof("value") == "number" else value.text
    return ForwardBackwardCall(
        model_id=message.model_id,
        seq_id=message.seq_id,
        examples=examples,
        loss_fn=message.loss_fn,
        loss_fn_config=_numeric_config(config),
        forward_only=message.forward_only,
    )


def _tensor_json(array: np.ndarray) -> dict[str, Any]:
    dtype = "int64" if array.dtype.kind in "iu" else "float32"
    return {"data": array.reshape(-1).tolist(), "dtype": dtype, "shape": list(array.shape)}


def forward_backward_output_json(result: ForwardBackwardResult) -> dict[str, Any]:
    return {
        "loss_fn_output_type": "ArrayRecord",
        "loss_fn_outputs": [
            {name: _tensor_json(array) for name, array in outputs.items()} for outputs in result.outputs
        ],
        "metrics": dict(result.metrics),
    }


def _json_array(tensor: Mapping[str, Any]) -> np.ndarray:
    dtype = np.int64 if tensor["dtype"] == "int64" else np.float32
    return np.asarray(tensor["data"], dtype=dtype).reshape(tensor.get("shape") or [-1])


def forward_backward_output_proto(output: Mapping[str, Any]) -> bytes:
    """One ArrayRecord whose fields hold every datum's tensors back to back, with byte offsets."""
    message = pb.ForwardBackwardOutput(loss_fn_output_type=output["loss_fn_output_type"])
    message.metrics.update(output["metrics"])
    per_datum = output["loss_fn_outputs"]
    if per_datum:
        record = message.loss_fn_outputs.add(type_tag="ArrayRecord", num_datums=len(per_datum))
        for name in per_datum[0]:
            arrays = [_json_array(outputs[name]) for outputs in per_datum]
            field = record.fields[name]
            field.dtype = pb.DTYPE_INT64 if arrays[0].dtype == np.int64 else pb.DTYPE_FLOAT32
            field.trailing_shape.extend(arrays[0].shape[1:])
            field.data = b"".join(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes() for a in arrays)
            field.offsets = np.cumsum([0, *(a.nbytes for a in arrays)], dtype="<i8").tobytes()
    return message.SerializeToString()


def _topk_rows(ids: np.ndarray, logprobs: np.ndarray) -> list[list[list[float]] | None]:
    rows: list[list[list[float]] | None] = [None]
    for row_ids, row_lps in zip(ids[1:], logprobs[1:], strict=True):
        rows.append([[int(i), float(lp)] for i, lp in zip(row_ids, row_lps, strict=True) if lp > MASK_LOGPROB])
    return rows


def sample_output_json(result: SampleResult, sequence_ids: Sequence[str]) -> dict[str, Any]:
    output: dict[str, Any] = {
        "type": "sample",
        "sequences": [
            {
                "tokens": seq.tokens.astype(np.int64).tolist(),
                "logprobs": seq.logprobs.astype(np.float32).tolist(),
                "stop_reason": seq.stop_reason,
                "sequence_id": sequence_id,
            }
            for seq, sequence_id in zip(result.sequences, sequence_ids, strict=True)
        ],
        "prompt_cache_hit_tokens": 0,
    }
    if result.prompt_logprobs is not None:
        output["prompt_logprobs"] = [None if math.isnan(x) else x for x in result.prompt_logprobs.tolist()]
    if result.topk_prompt_token_ids is not None and result.topk_prompt_logprobs is not None:
        output["topk_prompt_logprobs"] = _topk_rows(result.topk_prompt_token_ids, result.topk_prompt_logprobs)
    return output


def _le(values: Iterable[Any], dtype: str) -> bytes:
    return np.asarray(list(values), dtype=dtype).tobytes()


def sample_output_proto(output: Mapping[str, Any]) -> bytes:
    message = pb.SampleResponse(prompt_cache_hit_tokens=output.get("prompt_cache_hit_tokens", 0))
    for seq in output["sequences"]:
        message.sequences.add(
            stop_reason=pb.STOP_REASON_LENGTH if seq["stop_reason"] == "length" else pb.STOP_REASON_STOP,
            tokens=_le(seq["tokens"], "<i4"),
            logprobs=_le(seq["logprobs"] or [], "<f4"),
        )
    prompt_logprobs = output.get("prompt_logprobs")
    if prompt_logprobs is not None:
        message.prompt_logprobs = _le((math.nan if x is None else x for x in prompt_logprobs), "<f4")
    topk = output.get("topk_prompt_logprobs")
    if topk is not None:
        k = max((len(row) for row in topk if row), default=0)
        ids = np.zeros((len(topk), k), dtype="<i4")
        lps = np.full((len(topk), k), MASK_LOGPROB, dtype="<f4")
        for r, row in enumerate(topk):
            for c, (token, logprob) in enumerate(row or []):
                ids[r, c], lps[r, c] = token, logprob
        message.topk_prompt_logprobs.CopyFrom(
            pb.TopkLogprobs(token_ids=ids.tobytes(), logprobs=lps.tobytes(), k=k, length=len(topk))
        )
    return message.SerializeToString()
