"""The generated endpoint functions and protobuf modules, as the request pipeline uses them."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tinker_api import AuthenticatedClient
from tinker_api.api.futures import retrieve_future
from tinker_api.api.training import forward_backward
from tinker_api.models import ForwardBackwardInput, ForwardBackwardRequest, TryAgainResponse, UntypedAPIFuture
from tinker_api.proto import tinker_public_pb2 as pb
from tinker_api.types import EncodedBody


def client(handler: httpx.MockTransport) -> AuthenticatedClient:
    api = AuthenticatedClient(base_url="http://test", token="tml-test", prefix="", auth_header_name="X-API-Key")
    headers = {"X-API-Key": "tml-test"}
    api.set_httpx_client(httpx.Client(base_url="http://test", headers=headers, transport=handler))
    return api


def test_endpoint_modules_name_their_operation() -> None:
    assert (forward_backward.OPERATION_ID, forward_backward.METHOD, forward_backward.PATH) == (
        "forward_backward",
        "POST",
        "/api/v1/forward_backward",
    )


def test_an_encoded_body_is_sent_as_is() -> None:
    message = pb.ForwardBackwardRequest(model_id="s:train:0", seq_id=1, loss_fn="cross_entropy")
    body = EncodedBody(message.SerializeToString(), "application/x-protobuf", content_encoding="zstd")
    request = forward_backward.build_request(body=body, x_idempotency_key="key-1")
    assert (request.operation_id, request.method, request.url) == (
        "forward_backward",
        "POST",
        "/api/v1/forward_backward",
    )
    assert request.content == message.SerializeToString()
    assert request.headers == {
        "X-Idempotency-Key": "key-1",
        "Content-Type": "application/x-protobuf",
        "Content-Encoding": "zstd",
    }


def test_json_bodies_are_encoded_with_orjson() -> None:
    body = ForwardBackwardRequest(
        forward_backward_input=ForwardBackwardInput(data=[], loss_fn="cross_entropy"), model_id="s:train:0", seq_id=1
    )
    request = forward_backward.build_request(body=body)
    assert request.content is not None and orjson.loads(request.content) == body.to_dict()
    assert request.headers["Content-Type"] == "application/json"


def test_round_trip_through_a_mock_transport() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v1/forward_backward":
            return httpx.Response(200, json={"request_id": "s:train:0:1", "model_id": "s:train:0"})
        return httpx.Response(408, json={"type": "try_again", "request_id": "s:train:0:1", "queue_state": "active"})

    api = client(httpx.MockTransport(handle))
    submitted = forward_backward.sync_detailed(client=api, body=EncodedBody(b"\x0a\x01x", "application/x-protobuf"))
    assert isinstance(submitted.parsed, UntypedAPIFuture) and submitted.parsed.request_id == "s:train:0:1"
    polled = retrieve_future.sync_detailed(client=api, body=EncodedBody(b'{"request_id":"s:train:0:1"}'))
    assert polled.status_code == 408 and isinstance(polled.parsed, TryAgainResponse)
    assert seen[0].headers["X-API-Key"] == "tml-test"
    assert seen[0].content == b"\x0a\x01x"


# (message, field) -> field number, from the wire facts; a renumbered field breaks every peer.
FIELD_NUMBERS = {
    ("ForwardBackwardRequest", "model_id"): 1,
    ("ForwardBackwardRequest", "seq_id"): 2,
    ("ForwardBackwardRequest", "data"): 3,
    ("ForwardBackwardRequest", "loss_fn"): 4,
    ("ForwardBackwardRequest", "loss_fn_config"): 5,
    ("ForwardBackwardRequest", "forward_only"): 6,
    ("ForwardBackwardRequest", "loss_fn_config_v2"): 7,
    ("Datum", "model_input"): 1,
    ("Datum", "loss_fn_inputs"): 2,
    ("Datum", "model_input_spans"): 3,
    ("Datum", "loss_fn_input_spans"): 4,
    ("Chunk", "encoded_text"): 1,
    ("Chunk", "image"): 2,
    ("Chunk", "dmel"): 3,
    ("Tensor", "dense"): 1,
    ("Tensor", "sparse_csr"): 2,
    ("Tensor", "dtype"): 3,
    ("Tensor", "shape"): 4,
    ("BatchedTensor", "data"): 1,
    ("BatchedTensor", "offsets"): 2,
    ("BatchedTensor", "dtype"): 3,
    ("BatchedTensor", "trailing_shape"): 4,
    ("ArrayRecord", "type_tag"): 1,
    ("ArrayRecord", "fields"): 2,
    ("ArrayRecord", "num_datums"): 3,
    ("ForwardBackwardOutput", "loss_fn_output_type"): 1,
    ("ForwardBackwardOutput", "loss_fn_outputs"): 2,
    ("ForwardBackwardOutput", "metrics"): 3,
    ("SampleResponse", "sequences"): 1,
    ("SampleResponse", "prompt_logprobs"): 2,
    ("SampleResponse", "topk_prompt_logprobs"): 3,
    ("SampleResponse", "prompt_cache_hit_tokens"): 4,
    ("SampleResponse", "target_prompt_logprobs"): 5,
    ("SampleResponse", "prompt_alt_tokens"): 6,
    ("SampledSequence", "stop_reason"): 1,
    ("SampledSequence", "tokens"): 2,
    ("SampledSequence", "logprobs"): 3,
    ("SampledSequence", "topk_sampled_logprobs"): 4,
    ("TopkLogprobs", "token_ids"): 1,
    ("TopkLogprobs", "logprobs"): 2,
    ("TopkLogprobs", "k"): 3,
    ("TopkLogprobs", "length"): 4,
    ("ImageChunk", "expected_tokens"): 3,
    ("ImageChunk", "override_dimensions"): 4,
    ("SamplingParams", "seed"): 2,
    ("SamplingParams", "stop_strs"): 6,
    ("SamplingParams", "stop_tokens"): 7,
}


@pytest.mark.parametrize(("message", "field"), list(FIELD_NUMBERS))
def test_protobuf_field_numbers(message: str, field: str) -> None:
    descriptor = pb.DESCRIPTOR.message_types_by_name[message]
    assert descriptor.fields_by_name[field].number == FIELD_NUMBERS[message, field]


def test_protobuf_enums() -> None:
    assert pb.StopReason.Value("STOP_REASON_STOP") == 0 and pb.StopReason.Value("STOP_REASON_LENGTH") == 1
    names = ("DTYPE_FLOAT32", "DTYPE_INT64", "DTYPE_INT32", "DTYPE_BFLOAT16")
    assert [pb.DType.Value(name) for name in names] == [1, 2, 3, 4]
