"""The protobuf wire of the numpy-backed types (tinker/_tensor_wire.py), checked against the generated message classes.

The request writer emits the wire format itself, so each request is compared with the same request built field
by field through ``tinker_public_pb2`` (an independent writer), and decoded by the local server as well.
Results are decoded from messages built here and from the local server's own protobuf answers.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import tracemalloc
from typing import Any

import numpy as np
import pydantic
import pytest
import torch

from tinker import types
from tinker._tensor_wire import (
    decode_forward_backward_output,
    decode_sample_response,
    encode_data,
    encode_forward_backward_request,
    forward_backward_output_from_json,
    sample_response_from_json,
)
from tinker.lib._encoding import json_body
from tinker.local import _wire
from tinker.local._errors import HTTPError
from tinker.local.engine._types import BaseModelInfo
from tinker_api import pydantic_models as models
from tinker_api.proto import tinker_public_pb2 as pb

_DTYPES = {"int64": (pb.DTYPE_INT64, "<i8"), "float32": (pb.DTYPE_FLOAT32, "<f4")}


def _reference_tensor(tensor: types.TensorData, message: Any) -> None:
    code, dtype = _DTYPES[tensor.dtype]
    message.dtype = code
    if tensor.sparse_crow_indices is not None:
        message.sparse_csr.values = np.asarray(tensor.data, dtype=dtype).tobytes()
        message.sparse_csr.crow_indices = np.asarray(tensor.sparse_crow_indices, dtype="<i8").tobytes()
        message.sparse_csr.col_indices = np.asarray(tensor.sparse_col_indices, dtype="<i8").tobytes()
        message.shape.extend(tensor.shape or [])
    else:
        message.dense = np.asarray(tensor.data, dtype=dtype).tobytes()
        if tensor.shape is not None:
            message.shape.extend(tensor.shape)


def _reference_span(span: Any, message: Any) -> None:
    arm = message.sampled_tokens if isinstance(span, types.SampledProvenanceSpan) else message.prompt_tokens
    arm.sequence_id, arm.offset, arm.length = span.sequence_id, span.offset, span.length


def reference(
    model_id: str,
    seq_id: int,
    data: list[types.Datum],
    loss_fn: str,
    config: dict[str, float | str] | None,
    forward_only: bool,
) -> pb.ForwardBackwardRequest:
    """The request built with the generated classes, as an independent check of the hand-written encoder."""
    message = pb.ForwardBackwardRequest(model_id=model_id, seq_id=seq_id, loss_fn=loss_fn, forward_only=forward_only)
    for key, value in (config or {}).items():
        if isinstance(value, str):
            message.loss_fn_config_v2[key].text = value
        else:
            message.loss_fn_config[key] = float(value)
            message.loss_fn_config_v2[key].number = float(value)
    for datum in data:
        item = message.data.add()
        for chunk in datum.model_input.chunks:
            out = item.model_input.add()
            if chunk.type == "encoded_text":
                out.encoded_text.tokens = np.asarray(chunk.tokens, dtype="<i4").tobytes()
            elif chunk.type == "image":
                out.image.data = base64.b64decode(chunk.data)
                out.image.format = chunk.format
                if chunk.expected_tokens is not None:
                    out.image.expected_tokens = chunk.expected_tokens
                if chunk.override_dimensions is not None:
                    out.image.override_dimensions.width = chunk.override_dimensions.width
                    out.image.override_dimensions.height = chunk.override_dimensions.height
            else:
                out.dmel.dmel = base64.b64decode(chunk.dmel)
        for name, tensor in datum.loss_fn_inputs.items():
            _reference_tensor(tensor, item.loss_fn_inputs[name])
        for span in datum.model_input_spans or []:
            _reference_span(span, item.model_input_spans.add())
        for span in datum.loss_fn_input_spans or []:
            _reference_span(span, item.loss_fn_input_spans.add())
    return message


def parse(raw: bytes) -> pb.ForwardBackwardRequest:
    message = pb.ForwardBackwardRequest()
    message.ParseFromString(raw)
    return message


def text_datum(tokens: list[int]) -> types.Datum:
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": np.asarray(tokens[1:], dtype=np.int64),
            "weights": np.linspace(0, 1, len(tokens) - 1, dtype=np.float32),
        },
    )


def varied_data() -> list[types.Datum]:
    sparse = torch.zeros(4, 6, dtype=torch.int64)
    sparse[0, 1], sparse[2, 3] = 5, 7
    dmel = bytes([0, 2, 3, 1]) + b"\x00" * 12  # a TensorContainer header: dtype 0, 2 dims (3, 1)
    image = types.ImageChunk(
        data=b"\x89PNG raw",
        format="png",
        expected_tokens=2,
        override_dimensions=types.ImageDimensions(width=8, height=4),
    )
    span = types.SampledProvenanceSpan(sequence_id="seq-1", offset=2, length=3)
    return [
        text_datum(list(range(40, 80))),
        types.Datum(
            model_input=types.ModelInput(
                chunks=[types.EncodedTextChunk(tokens=[1, 2]), image, types.DmelChunk(dmel=dmel)]
            ),
            loss_fn_inputs={
                "target_tokens": types.TensorData.from_torch_sparse(sparse),
                "weights": types.TensorData.from_torch_sparse(torch.full((4, 6), 3.0), pad_value=3),
                "advantages": types.TensorData(data=[0.5, -1.0], dtype="float32"),  # no shape
                "logprobs": types.TensorData(data=[], dtype="float32", shape=[0]),
                "mask": np.ones((2, 3), dtype=np.float32),
            },
        ),
        types.Datum(
            model_input=types.ModelInput.from_ints([7, 8, 9, 2**31 - 1, -1]),
            loss_fn_inputs={"target_tokens": np.array([1, 2, 3, 4, 2**40], dtype=np.int64)},
        ).with_provenance(
            [types.PromptProvenanceSpan(sequence_id="seq-0", length=2), span],
            [types.PromptProvenanceSpan(sequence_id="seq-0", length=5)],
        ),
    ]


@pytest.mark.parametrize(
    ("config", "forward_only", "seq_id"),
    [
        (None, False, 1),
        ({"clip_low_threshold": 0.8, "clip_high_threshold": 1.2}, True, 2**31 - 1),
        ({"k": "v"}, False, 0),
    ],
)
def test_the_request_equals_the_one_the_generated_classes_build(
    config: dict[str, float | str] | None, forward_only: bool, seq_id: int
) -> None:
    data = varied_data()
    raw = encode_forward_backward_request(
        model_id="s:train:0", seq_id=seq_id, data=data, loss_fn="ppo", loss_fn_config=config, forward_only=forward_only
    )
    assert parse(raw) == reference("s:train:0", seq_id, data, "ppo", config, forward_only)
    pre_encoded = encode_forward_backward_request(
        model_id="s:train:0",
        seq_id=seq_id,
        data=encode_data(data),
        loss_fn="ppo",
        loss_fn_config=config,
        forward_only=forward_only,
    )
    assert pre_encoded == raw


def test_a_sparse_tensor_stays_sparse() -> None:
    message = parse(
        encode_forward_backward_request(
            model_id="m", seq_id=1, data=varied_data(), loss_fn="x", loss_fn_config=None, forward_only=False
        )
    )
    inputs = message.data[1].loss_fn_inputs
    assert inputs["target_tokens"].WhichOneof("encoding") == "sparse_csr"
    assert inputs["weights"].WhichOneof("encoding") == "sparse_csr"  # every cell was the pad: no values
    assert inputs["weights"].sparse_csr.values == b"" and list(inputs["weights"].shape) == [4, 6]


def top_k_datum(positions: int, k: int) -> types.Datum:
    """Top-k targets as CSR: most rows list fewer than k tokens, the cells past them pad 0 with weight 0."""
    targets = torch.zeros(positions, k, dtype=torch.int64)
    weights = torch.zeros(positions, k)
    for row in range(0, positions, 3):
        targets[row, : 1 + row % k] = torch.arange(1 + row % k) + 40 + row
        weights[row, : 1 + row % k] = 0.5
    return types.Datum(
        model_input=types.ModelInput.from_ints(list(range(60, 60 + positions))),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_torch_sparse(targets),
            "weights": types.TensorData.from_torch_sparse(weights),
        },
    )


INFO = BaseModelInfo("test/model", "llama", "bytes", vocab_size=300, max_context_length=64, eos_token_id=1)
MAX_BODY_BYTES = 64 << 20


def test_the_server_reads_the_same_batch_from_protobuf_and_from_json() -> None:
    data = [text_datum(list(range(n, n + 12))) for n in range(3)] + [
        dataclasses.replace(varied_data()[2], model_input_spans=None, loss_fn_input_spans=None),
        top_k_datum(9, 4),
    ]
    assert data[-1].loss_fn_inputs["target_tokens"].sparse_crow_indices is not None
    raw = encode_forward_backward_request(
        model_id="m:train:0", seq_id=4, data=data, loss_fn="cross_entropy", loss_fn_config={"a": 1.5}, forward_only=True
    )
    from_proto = _wire.forward_backward_from_proto(raw)
    json_request = models.ForwardBackwardRequest.model_validate_json(
        json_body(
            {
                "forward_backward_input": {"data": data, "loss_fn": "cross_entropy", "loss_fn_config": {"a": 1.5}},
                "model_id": "m:train:0",
                "seq_id": 4,
                "forward_only": True,
            }
        ).content
    )
    from_json = _wire.forward_backward_from_json(json_request)
    assert (from_proto.model_id, from_proto.seq_id, from_proto.loss_fn) == ("m:train:0", 4, "cross_entropy")
    assert from_proto.forward_only and from_proto.loss_fn_config == from_json.loss_fn_config == {"a": 1.5}
    for left, right, datum in zip(
        from_proto.examples(INFO, MAX_BODY_BYTES), from_json.examples(INFO, MAX_BODY_BYTES), data, strict=True
    ):
        assert np.array_equal(left.tokens, right.tokens)
        assert left.loss_fn_inputs.keys() == right.loss_fn_inputs.keys()
        for name in left.loss_fn_inputs:
            assert np.array_equal(left.loss_fn_inputs[name], right.loss_fn_inputs[name])
            assert np.array_equal(left.loss_fn_inputs[name], datum.loss_fn_inputs[name].to_numpy())


# --- what the server refuses, before it allocates ---------------------------------------------------------


def csr(shape: list[int], values: list[int], crow: list[int], col: list[int]) -> dict[str, Any]:
    return {"shape": shape, "data": values, "sparse_crow_indices": crow, "sparse_col_indices": col}


BOMBS = {
    "rows x huge cols": csr([3, 2_000_000_000], [7], [0, 1, 1, 1], [5]),
    "one row of 2**62": csr([1, 2**62], [7], [0, 1], [2**61]),
}
MALFORMED = {
    "2**31 x 2**31 with 2 row offsets": csr([2**31, 2**31], [7], [0, 1], [5]),
    "crow starts past 0": csr([2, 5], [7], [1, 1, 1], [0]),
    "crow decreases": csr([2, 5], [7], [0, 2, 1], [0]),
    "crow ends short of the values": csr([2, 5], [7, 8], [0, 1, 1], [0, 1]),
    "crow of the wrong length": csr([2, 5], [7], [0, 1], [0]),
    "col out of range": csr([2, 5], [7], [0, 1, 1], [5]),
    "negative col": csr([2, 5], [7], [0, 1, 1], [-1]),
    "more cols than values": csr([2, 5], [7], [0, 1, 1], [0, 1]),
    "col unsorted in a row": csr([2, 5], [7, 8], [0, 2, 2], [3, 1]),
    "1-D shape": csr([5], [7], [0, 1], [0]),
    "3-D shape": csr([1, 1, 5], [7], [0, 1], [0]),
    "no shape": csr([], [7], [0, 1], [0]),
}


def proto_body(tensor: dict[str, Any]) -> bytes:
    """A forward_backward request of one datum of 3 tokens whose target_tokens is ``tensor`` (int64, CSR)."""
    message = pb.ForwardBackwardRequest(model_id="m:train:0", seq_id=1, loss_fn="cross_entropy")
    item = message.data.add()
    item.model_input.add().encoded_text.tokens = np.array([1, 2, 3], "<i4").tobytes()
    target = item.loss_fn_inputs["target_tokens"]
    target.dtype = pb.DTYPE_INT64
    target.shape.extend(tensor["shape"])
    target.sparse_csr.values = np.array(tensor["data"], "<i8").tobytes()
    target.sparse_csr.crow_indices = np.array(tensor["sparse_crow_indices"], "<i8").tobytes()
    target.sparse_csr.col_indices = np.array(tensor["sparse_col_indices"], "<i8").tobytes()
    return message.SerializeToString()


def json_request(tensor: dict[str, Any]) -> dict[str, Any]:
    datum = {
        "model_input": {"chunks": [{"type": "encoded_text", "tokens": [1, 2, 3]}]},
        "loss_fn_inputs": {"target_tokens": {"dtype": "int64", **tensor}},
    }
    return {
        "model_id": "m:train:0",
        "seq_id": 1,
        "forward_backward_input": {"data": [datum], "loss_fn": "cross_entropy"},
    }


def decode(wire: str, tensor: dict[str, Any]) -> list[Any]:
    if wire == "protobuf":
        return _wire.forward_backward_from_proto(proto_body(tensor)).examples(INFO, MAX_BODY_BYTES)
    request = models.ForwardBackwardRequest.model_validate(json_request(tensor))
    return _wire.forward_backward_from_json(request).examples(INFO, MAX_BODY_BYTES)


@pytest.mark.parametrize("wire", ["protobuf", "json"])
@pytest.mark.parametrize("case", BOMBS)
def test_a_sparse_shape_past_the_model_is_refused_before_anything_is_allocated(wire: str, case: str) -> None:
    tensor = BOMBS[case]
    tracemalloc.start()
    try:
        with pytest.raises(HTTPError) as refused:
            decode(wire, tensor)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.status_code == 400
    assert str(refused.value.detail).startswith("data[0].loss_fn_inputs.target_tokens: ")
    assert str(math.prod(tensor["shape"])) in refused.value.detail and "900 allowed" in refused.value.detail
    assert peak < 2**20, f"decoding took {peak} bytes"


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_csr_is_refused_by_the_one_check_on_both_wires(case: str) -> None:
    tensor = MALFORMED[case]
    with pytest.raises(HTTPError) as refused:
        decode("protobuf", tensor)
    assert refused.value.status_code == 400
    assert str(refused.value.detail).startswith("data[0].loss_fn_inputs.target_tokens: TensorData.")
    with pytest.raises(pydantic.ValidationError) as invalid:  # JSON: checked as the request is validated
        decode("json", tensor)
    assert str(refused.value.detail).split(": ", 1)[1] in str(invalid.value)
    with pytest.raises(ValueError) as built:  # and by the public type, on the client
        types.TensorData(dtype="int64", **tensor)
    assert str(built.value) == str(refused.value.detail).split(": ", 1)[1]


def test_csr_indices_past_int64_are_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="sparse_crow_indices must hold int64 values"):
        types.TensorData(data=[7], dtype="int64", shape=[1, 3], sparse_crow_indices=[0, 2**70], sparse_col_indices=[0])
    with pytest.raises(pydantic.ValidationError, match="sparse_col_indices must hold int64 values"):
        models.TensorData.model_validate(csr([1, 3], [7], [0, 1], [2**70]) | {"dtype": "int64"})


def test_protobuf_tensor_bytes_that_are_no_whole_values_are_refused() -> None:
    message = pb.ForwardBackwardRequest.FromString(proto_body(csr([2, 5], [7], [0, 1, 1], [0])))
    message.data[0].loss_fn_inputs["target_tokens"].sparse_csr.crow_indices += b"\x00"
    with pytest.raises(HTTPError, match=r"target_tokens: crow_indices: 25 bytes are not a whole number of int64"):
        _wire.forward_backward_from_proto(message.SerializeToString())


def test_a_json_pad_value_fills_the_cells_csr_leaves_out() -> None:
    tensor = csr([3, 2], [7, 8], [0, 1, 1, 2], [1, 0]) | {"pad_value": -1}
    (example,) = decode("json", tensor)
    assert example.loss_fn_inputs["target_tokens"].tolist() == [[-1, 7], [-1, -1], [8, -1]]
    (example,) = decode("protobuf", tensor)  # the protobuf form has no pad value: 0
    assert example.loss_fn_inputs["target_tokens"].tolist() == [[0, 7], [0, 0], [8, 0]]


def test_what_cannot_be_sent_fails_naming_the_datum() -> None:
    pointer = types.Datum(
        model_input=types.ModelInput(
            chunks=[types.ImageAssetPointerChunk(format="png", location="gs://bucket/a.png", expected_tokens=3)]
        )
    )
    with pytest.raises(ValueError, match=r"data\[1\].model_input.chunks\[0\]: a ImageAssetPointerChunk chunk"):
        encode_data([text_datum([1, 2, 3]), pointer])
    with pytest.raises(ValueError, match=r"data\[0\].model_input.chunks\[0\]: token ids must fit in int32"):
        encode_data([types.Datum(model_input=types.ModelInput.from_ints([2**31]))])


def test_floats_beyond_float32_become_infinite_without_a_warning() -> None:
    datum = types.Datum(
        model_input=types.ModelInput.from_ints([1, 2]),
        loss_fn_inputs={"weights": types.TensorData(data=[1e300, -1e300, 0.25], dtype="float32")},
    )
    message = parse(
        encode_forward_backward_request(
            model_id="m", seq_id=1, data=[datum], loss_fn="x", loss_fn_config=None, forward_only=False
        )
    )
    values = np.frombuffer(message.data[0].loss_fn_inputs["weights"].dense, dtype="<f4")
    assert values[0] == math.inf and values[1] == -math.inf and values[2] == 0.25


# --- results ---------------------------------------------------------------------------------------------------


def _view(result: Any) -> Any:
    """What a result holds, through its public views (TensorData, as in the official SDK, compares by identity)."""
    if isinstance(result, types.ForwardBackwardOutput):
        records = [{name: tensor.tolist() for name, tensor in record.items()} for record in result.loss_fn_outputs]
        return result.loss_fn_output_type, result.metrics, records
    sequences = [(s.stop_reason, s.tokens, s.logprobs, s.topk_logprobs) for s in result.sequences]
    return sequences, result.prompt_logprobs, result.topk_prompt_logprobs, result.prompt_cache_hit_tokens


def _batched(field: Any, arrays: list[np.ndarray], code: int) -> None:
    field.dtype = code
    field.trailing_shape.extend(arrays[0].shape[1:])
    field.data = b"".join(a.tobytes() for a in arrays)
    field.offsets = np.cumsum([0, *(a.nbytes for a in arrays)], dtype="<i8").tobytes()


def test_forward_backward_output_records_and_dtypes() -> None:
    message = pb.ForwardBackwardOutput(loss_fn_output_type="tinker.types:ArrayRecord")
    message.metrics.update({"loss:sum": 2.5})
    first = message.loss_fn_outputs.add(type_tag="ArrayRecord", num_datums=2)
    _batched(first.fields["logprobs"], [np.array([-0.5, -1.0], "<f4"), np.array([-2.0], "<f4")], pb.DTYPE_FLOAT32)
    _batched(first.fields["ids"], [np.array([[1, 2], [3, 4]], "<i4"), np.array([[5, 6]], "<i4")], pb.DTYPE_INT32)
    second = message.loss_fn_outputs.add(type_tag="ArrayRecord", num_datums=1)
    bf16 = (np.array([-0.75], "<f4").view("<u4") >> 16).astype("<u2")  # -0.75 is exact in bfloat16
    _batched(second.fields["logprobs"], [bf16], pb.DTYPE_BFLOAT16)
    _batched(second.fields["ids"], [np.array([[7, 8, 9]], "<i8")], pb.DTYPE_INT64)
    output = decode_forward_backward_output(message.SerializeToString())
    assert output.loss_fn_output_type == "ArrayRecord" and output.metrics == {"loss:sum": 2.5}
    assert [o["logprobs"].tolist() for o in output.loss_fn_outputs] == [[-0.5, -1.0], [-2.0], [-0.75]]
    assert [o["logprobs"].dtype for o in output.loss_fn_outputs] == ["float32"] * 3
    assert [o["ids"].tolist() for o in output.loss_fn_outputs] == [[[1, 2], [3, 4]], [[5, 6]], [[7, 8, 9]]]
    assert [o["ids"].dtype for o in output.loss_fn_outputs] == ["int64"] * 3
    for record in message.loss_fn_outputs:
        record.num_datums = 0  # older messages: the count comes from the first field
    assert len(decode_forward_backward_output(message.SerializeToString()).loss_fn_outputs) == 3
    empty = decode_forward_backward_output(pb.ForwardBackwardOutput(metrics={"loss:sum": 0.0}).SerializeToString())
    assert empty.loss_fn_output_type == "ArrayRecord" and empty.loss_fn_outputs == []


def test_bad_offsets_are_refused() -> None:
    message = pb.ForwardBackwardOutput(loss_fn_output_type="ArrayRecord")
    record = message.loss_fn_outputs.add(num_datums=1)
    field = record.fields["logprobs"]
    field.dtype, field.data = pb.DTYPE_FLOAT32, np.zeros(2, "<f4").tobytes()
    field.offsets = np.array([0, 6], "<i8").tobytes()
    with pytest.raises(ValueError, match="offsets"):
        decode_forward_backward_output(message.SerializeToString())


def test_the_servers_protobuf_and_json_results_read_the_same() -> None:
    fb_json = {
        "loss_fn_output_type": "ArrayRecord",
        "loss_fn_outputs": [
            {"logprobs": {"data": [-0.5, -0.25, -4.0], "dtype": "float32", "shape": [3]}},
            {"logprobs": {"data": [-1.5], "dtype": "float32", "shape": [1]}},
        ],
        "metrics": {"loss:sum": 6.25, "num_tokens:sum": 4.0},
    }
    assert _view(decode_forward_backward_output(_wire.forward_backward_output_proto(fb_json))) == _view(
        forward_backward_output_from_json(fb_json)
    )
    sample_json = {
        "type": "sample",
        "sequences": [
            {"tokens": [5, 6, 256], "logprobs": [-0.5, -1.0, -0.125], "stop_reason": "stop"},
            {"tokens": [7], "logprobs": [-2.0], "stop_reason": "length"},
        ],
        "prompt_logprobs": [None, -0.75, -3.5],
        "topk_prompt_logprobs": [None, [[4, -0.5], [9, -1.5]], [[3, -0.25]]],
        "prompt_cache_hit_tokens": 2,
    }
    decoded = decode_sample_response(_wire.sample_output_proto(sample_json))
    assert _view(decoded) == _view(sample_response_from_json(sample_json))
    assert decoded.topk_prompt_logprobs == [None, [(4, -0.5), (9, -1.5)], [(3, -0.25)]]


def test_sample_response_fields() -> None:
    message = pb.SampleResponse(prompt_cache_hit_tokens=0)
    seq = message.sequences.add(stop_reason=pb.STOP_REASON_LENGTH, tokens=np.array([3, 4], "<i4").tobytes())
    seq.topk_sampled_logprobs.CopyFrom(
        pb.TopkLogprobs(
            token_ids=np.array([[3, 8], [4, 0]], "<i4").tobytes(),
            logprobs=np.array([[-0.5, -2.0], [-0.25, -99999.0]], "<f4").tobytes(),
            k=2,
            length=2,
        )
    )
    message.sequences.add(stop_reason=pb.STOP_REASON_STOP, tokens=b"", logprobs=b"")
    message.prompt_logprobs = np.array([math.nan, -1.0], "<f4").tobytes()
    message.target_prompt_logprobs.CopyFrom(
        pb.Tensor(dense=np.array([-1.0, -2.0], "<f4").tobytes(), dtype=pb.DTYPE_FLOAT32, shape=[1, 2])
    )
    message.prompt_alt_tokens.tokens.CopyFrom(
        pb.Tensor(
            sparse_csr=pb.SparseCsr(
                values=np.array([9], "<i8").tobytes(),
                crow_indices=np.array([0, 1], "<i8").tobytes(),
                col_indices=np.array([1], "<i8").tobytes(),
            ),
            dtype=pb.DTYPE_INT64,
            shape=[1, 2],
        )
    )
    message.prompt_alt_tokens.logprobs.CopyFrom(
        pb.Tensor(dense=np.array([-0.5, -0.75], "<f4").tobytes(), dtype=pb.DTYPE_FLOAT32, shape=[1, 2])
    )
    response = decode_sample_response(message.SerializeToString())
    first, second = response.sequences
    assert first.tokens == [3, 4] and first.logprobs is None and first.stop_reason == "length"
    assert first.topk_logprobs == [[(3, -0.5), (8, -2.0)], [(4, -0.25)]]
    assert second.tokens == [] and second.logprobs == [] and second.stop_reason == "stop"
    assert response.prompt_logprobs == [None, -1.0] and response.topk_prompt_logprobs is None
    assert response.target_prompt_logprobs is not None and response.target_prompt_logprobs.tolist() == [[-1.0, -2.0]]
    assert response.prompt_alt_tokens is not None
    assert response.prompt_alt_tokens.tokens.to_numpy().tolist() == [[0, 9]]
    bad = pb.SampleResponse()
    bad.sequences.add(stop_reason=7)
    with pytest.raises(ValueError, match="stop_reason"):
        decode_sample_response(bad.SerializeToString())
