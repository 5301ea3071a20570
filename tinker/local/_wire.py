"""Between the wire (JSON and protobuf) and the engine's numpy arrays.

Request tensors are read by the codec the client uses too (``tinker._tensor_wire``: one dtype table, one CSR check)
and stay as they came, CSR included, until the model they are for is known; each is made dense only once its shape
fits that model (``ForwardBackwardCall.examples``). Results are kept in their JSON form (what JSON clients get and
what the store keeps); the protobuf answer for official SDKs is built from it on request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinker import types
from tinker._mixins import MASK_LOGPROB, NUMPY_DTYPES, wire_dtype
from tinker._tensor_wire import PROTO_CODES, proto_array, tensor_from_model, tensor_from_proto, to_dense
from tinker_api import pydantic_models as models
from tinker_api.proto import tinker_public_pb2 as pb

from ._errors import bad_request, invalid
from ._limits import check_dense_cells
from .engine._loss_inputs import loss_inputs
from .engine._types import BaseModelInfo, Example, ForwardBackwardResult, SampleResult

LossInput = tuple[types.TensorData, float]
"""A loss input as it came, and the value of the cells it leaves out if it is CSR (JSON's ``pad_value``, else 0)."""


@dataclass
class Datum:
    """A datum as decoded: its loss inputs stay as they came, CSR included, until the model is known."""

    tokens: np.ndarray
    loss_fn_inputs: dict[str, LossInput]


@dataclass
class ForwardBackwardCall:
    model_id: str
    seq_id: int | None
    data: list[Datum]
    loss_fn: str
    loss_fn_config: dict[str, float]
    forward_only: bool

    def examples(self, info: BaseModelInfo, max_body_bytes: int) -> list[Example]:
        """The datums as the engine takes them, each loss input dense.

        Nothing is made dense before the whole request passes these checks, each a 400 naming the field: every
        input name is one the loss takes (an unknown loss is refused here too); a loss input has one row per
        position of the model input and at most one column per vocabulary entry (top-k targets); and all the
        inputs together, once dense, hold no more cells than ``_limits.check_dense_cells`` allows. So a small
        body of CSR tensors cannot make the server allocate much more than a dense body of the largest size it
        takes.
        """
        takes = loss_inputs(self.loss_fn)
        for index, datum in enumerate(self.data):
            for name in datum.loss_fn_inputs:
                if name not in takes:
                    raise bad_request(
                        f"data[{index}].loss_fn_inputs.{name}: {self.loss_fn} does not take {name!r} "
                        f"(it takes {', '.join(takes)})"
                    )
        total = sum(
            _cells(index, name, tensor, datum, info)
            for index, datum in enumerate(self.data)
            for name, (tensor, _) in datum.loss_fn_inputs.items()
        )
        check_dense_cells(total, max_body_bytes, info, self.loss_fn, len(takes))
        return [_dense(datum) for datum in self.data]


def _dense(datum: Datum) -> Example:
    inputs = {name: to_dense(tensor, pad, None) for name, (tensor, pad) in datum.loss_fn_inputs.items()}
    return Example(tokens=datum.tokens, loss_fn_inputs=inputs)


def _cells(index: int, name: str, tensor: types.TensorData, datum: Datum, info: BaseModelInfo) -> int:
    """How many cells the input holds once dense; a CSR shape larger than the model allows is refused."""
    if tensor.sparse_crow_indices is None or tensor.shape is None:
        return int(tensor._numpy.size)
    cells = math.prod(tensor.shape)
    positions = min(len(datum.tokens), info.max_context_length)
    if cells > positions * info.vocab_size:
        raise bad_request(
            f"data[{index}].loss_fn_inputs.{name}: the sparse shape {tensor.shape} holds {cells} cells, more than "
            f"the {positions * info.vocab_size} allowed: a loss input has one row per position of the model input "
            f"({positions}) and at most one column per entry of {info.name}'s vocabulary ({info.vocab_size})"
        )
    return cells


def _json_input(tensor: models.TensorData, field: str) -> LossInput:
    try:
        return tensor_from_model(tensor), tensor.pad_value or 0.0
    except ValueError as error:
        raise bad_request(f"{field}: {error}") from None


def _proto_input(tensor: Any, field: str) -> LossInput:
    try:
        return tensor_from_proto(tensor, field), 0.0
    except ValueError as error:
        raise bad_request(str(error)) from None


def _unsupported_chunk(kind: str, field: str) -> Exception:
    return bad_request(f"{field}: this server does not support '{kind}' chunks; its models read text tokens only")


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
    data = [
        Datum(
            tokens=tokens_from_model_input(datum.model_input, f"data[{i}].model_input"),
            loss_fn_inputs={
                name: _json_input(tensor, f"data[{i}].loss_fn_inputs.{name}")
                for name, tensor in datum.loss_fn_inputs.items()
            },
        )
        for i, datum in enumerate(fb_input.data)
    ]
    return ForwardBackwardCall(
        model_id=request.model_id,
        seq_id=request.seq_id,
        data=data,
        loss_fn=str(fb_input.loss_fn),
        loss_fn_config=_numeric_config(fb_input.loss_fn_config),
        forward_only=forward_only,
    )


def forward_backward_message(raw: bytes) -> pb.ForwardBackwardRequest:
    """The body parsed, once: the server reads the model and seq_id it names from this, and then the request."""
    message = pb.ForwardBackwardRequest()
    try:
        message.ParseFromString(raw)
    except Exception:  # a body that is not the declared message fails validation, as malformed JSON does
        raise invalid(["body"], "not a valid tinker_public.ForwardBackwardRequest protobuf message") from None
    return message


def forward_backward_from_proto(raw: bytes | pb.ForwardBackwardRequest) -> ForwardBackwardCall:
    """The request a protobuf body (or the message already parsed from it) carries."""
    message = forward_backward_message(raw) if isinstance(raw, bytes) else raw
    if not message.model_id:  # proto3 has no required fields: an empty model_id is a message, a wrong one
        raise bad_request("model_id: required")
    data = []
    for i, datum in enumerate(message.data):
        parts = []
        for j, chunk in enumerate(datum.model_input):
            kind = chunk.WhichOneof("chunk")
            if kind != "encoded_text":
                raise _unsupported_chunk(kind or "empty", f"data[{i}].model_input.chunks[{j}]")
            try:
                parts.append(proto_array(chunk.encoded_text.tokens, pb.DTYPE_INT32, f"data[{i}].model_input")[0])
            except ValueError as error:
                raise bad_request(str(error)) from None
        tokens = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        inputs = {
            name: _proto_input(tensor, f"data[{i}].loss_fn_inputs.{name}")
            for name, tensor in datum.loss_fn_inputs.items()
        }
        data.append(Datum(tokens=tokens, loss_fn_inputs=inputs))
    config: dict[str, Any] = dict(message.loss_fn_config)
    for key, value in message.loss_fn_config_v2.items():
        config[key] = value.number if value.WhichOneof("value") == "number" else value.text
    return ForwardBackwardCall(
        model_id=message.model_id,
        seq_id=message.seq_id,
        data=data,
        loss_fn=message.loss_fn,
        loss_fn_config=_numeric_config(config),
        forward_only=message.forward_only,
    )


def _tensor_json(array: np.ndarray) -> dict[str, Any]:
    return {"data": array.reshape(-1).tolist(), "dtype": wire_dtype(array.dtype), "shape": list(array.shape)}


def forward_backward_output_json(result: ForwardBackwardResult) -> dict[str, Any]:
    return {
        "loss_fn_output_type": "ArrayRecord",
        "loss_fn_outputs": [
            {name: _tensor_json(array) for name, array in outputs.items()} for outputs in result.outputs
        ],
        "metrics": dict(result.metrics),
    }


def _json_array(tensor: Mapping[str, Any]) -> np.ndarray:
    return np.asarray(tensor["data"], dtype=NUMPY_DTYPES[tensor["dtype"]]).reshape(tensor.get("shape") or [-1])


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
            field.dtype = PROTO_CODES[wire_dtype(arrays[0].dtype)]
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
