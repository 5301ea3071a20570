"""JSON and protobuf wires against the local server: the choice, what goes over the wire, identical results."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import orjson
import pytest

import tinker
from tinker import types
from tinker._base_client import BaseClient, ClientSettings
from tinker._exceptions import APIResponseValidationError
from tinker.lib._encoding import resolve_wire_format
from tinker.lib._holder import Holder
from tinker.lib._loop import io_loop
from tinker.lib._polling import wait_result
from tinker.local import LocalServer, _wire

from .conftest import KEY, TEXT, TINY, text_datum

PROTOBUF = "application/x-protobuf"


class Recorder:
    """An httpx client that keeps the headers of every exchange."""

    def __init__(self) -> None:
        self.exchanges: list[dict[str, str]] = []
        self.client = httpx.AsyncClient(timeout=60.0, event_hooks={"response": [self._response]})

    async def _response(self, response: httpx.Response) -> None:
        request = response.request
        self.exchanges.append(
            {
                "operation": request.url.path.rsplit("/", 1)[-1],
                "content_type": request.headers.get("content-type", ""),
                "content_encoding": request.headers.get("content-encoding", ""),
                "accept": request.headers.get("accept", ""),
                "request_type": request.headers.get("x-tinker-request-type", ""),
                "answer_type": response.headers.get("content-type", ""),
            }
        )

    def of(self, operation: str, request_type: str | None = None) -> list[dict[str, str]]:
        return [
            e
            for e in self.exchanges
            if e["operation"] == operation and (request_type is None or e["request_type"] == request_type)
        ]


@pytest.fixture(scope="module")
def clients(local: LocalServer) -> Iterator[dict[str, tuple[tinker.ServiceClient, Recorder]]]:
    made = {}
    for wire_format in ("protobuf", "json"):
        recorder = Recorder()
        service = tinker.ServiceClient(
            base_url=local.base_url, api_key=KEY, http_client=recorder.client, wire_format=wire_format
        )
        made[wire_format] = (service, recorder)
    yield made
    for service, recorder in made.values():
        service.close("success").result()
        io_loop().submit(recorder.client.aclose()).result()  # the SDK leaves a caller's client to the caller


def batch() -> list[types.Datum]:
    data = [text_datum(TEXT[: 5 + 7 * n]) for n in range(4)]
    rng = np.random.default_rng(0)
    tokens = [*TEXT.encode()[:20]]
    data.append(
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[:-1]),
            loss_fn_inputs={
                "target_tokens": np.asarray(tokens[1:], dtype=np.int64),
                "weights": rng.random(len(tokens) - 1, dtype=np.float32),
            },
        )
    )
    return data


def test_protobuf_is_the_default_and_json_a_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINKER_WIRE_FORMAT", raising=False)
    assert resolve_wire_format() == "protobuf"
    monkeypatch.setenv("TINKER_WIRE_FORMAT", "JSON")
    assert resolve_wire_format() == "json"
    assert resolve_wire_format("protobuf") == "protobuf"
    assert tinker.ServiceClient(base_url="http://127.0.0.1:9", api_key=KEY).holder.wire_format == "json"
    monkeypatch.setenv("TINKER_WIRE_FORMAT", "xml")
    with pytest.raises(ValueError, match="TINKER_WIRE_FORMAT must be 'protobuf' or 'json'"):
        resolve_wire_format()
    with pytest.raises(ValueError, match="wire_format must be"):
        tinker.ServiceClient(base_url="http://127.0.0.1:9", api_key=KEY, wire_format="yaml")  # type: ignore[arg-type]


def test_both_wires_give_identical_training_and_sampling(
    clients: dict[str, tuple[tinker.ServiceClient, Recorder]],
) -> None:
    outcomes: dict[str, list[Any]] = {}
    for wire_format, (service, _) in clients.items():
        training = service.create_lora_training_client(TINY, rank=4, seed=11).result()
        first = training.forward_backward(batch(), "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-2)).result()
        after = training.forward(batch(), "cross_entropy").result()
        sampler = training.save_weights_and_get_sampling_client().result()
        sampled = sampler.sample(
            types.ModelInput.from_ints(list(TEXT.encode()[:6])),
            2,
            types.SamplingParams(max_tokens=6, temperature=1.0, seed=5),
            include_prompt_logprobs=True,
            topk_prompt_logprobs=3,
        ).result()
        outcomes[wire_format] = [first, after, sampled]
    protobuf, json = outcomes["protobuf"], outcomes["json"]
    for left, right in zip(protobuf[:2], json[:2], strict=True):
        assert left.metrics == right.metrics
        assert [o["logprobs"].tolist() for o in left.loss_fn_outputs] == [
            o["logprobs"].tolist() for o in right.loss_fn_outputs
        ]
    assert protobuf[1].metrics["loss:sum"] < protobuf[0].metrics["loss:sum"]
    left, right = protobuf[2], json[2]
    assert [s.tokens for s in left.sequences] == [s.tokens for s in right.sequences]
    assert [s.logprobs for s in left.sequences] == [s.logprobs for s in right.sequences]
    assert [s.stop_reason for s in left.sequences] == [s.stop_reason for s in right.sequences]
    assert all(s.sequence_id for s in left.sequences)  # from the submit answer: protobuf carries no ids
    assert left.prompt_logprobs is not None and left.prompt_logprobs[0] is None
    assert left.prompt_logprobs == right.prompt_logprobs
    assert left.topk_prompt_logprobs is not None and right.topk_prompt_logprobs is not None
    assert left.topk_prompt_logprobs[0] is None and right.topk_prompt_logprobs[0] is None
    for row_left, row_right in zip(left.topk_prompt_logprobs[1:], right.topk_prompt_logprobs[1:], strict=True):
        assert row_left == row_right


def test_what_goes_over_each_wire(clients: dict[str, tuple[tinker.ServiceClient, Recorder]]) -> None:
    for wire_format, (service, recorder) in clients.items():
        training = service.create_lora_training_client(TINY, rank=4).result()
        training.forward_backward([text_datum()], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=1e-3)).result()
        sent = recorder.of("forward_backward")[-1]
        fb_polls = recorder.of("retrieve_future", "ForwardBackward")
        optim_polls = recorder.of("retrieve_future", "OptimStep")
        if wire_format == "protobuf":
            assert (sent["content_type"], sent["content_encoding"]) == (PROTOBUF, "zstd")  # client/config asks
            assert {p["accept"] for p in fb_polls} == {PROTOBUF}
            assert PROTOBUF in fb_polls[-1]["answer_type"]
        else:
            assert (sent["content_type"], sent["content_encoding"]) == ("application/json", "")
            assert {p["accept"] for p in fb_polls} == {"application/json"}
            assert "application/json" in fb_polls[-1]["answer_type"]
        assert {p["accept"] for p in optim_polls} == {"application/json"}


def test_a_json_forward_is_the_legacy_forward_operation(
    clients: dict[str, tuple[tinker.ServiceClient, Recorder]],
) -> None:
    """Servers that speak JSON ignore a JSON forward_only (SkyRL tx trained on such forwards): in JSON a forward is
    POST /forward, and forward_only goes only in protobuf."""
    for wire_format, (service, recorder) in clients.items():
        training = service.create_lora_training_client(TINY, rank=4).result()
        before = len(recorder.exchanges)
        first = training.forward([text_datum()], "cross_entropy").result()
        training.optim_step(types.AdamParams(learning_rate=0.5)).result()  # no gradient was accumulated
        again = training.forward([text_datum()], "cross_entropy").result()
        sent = [e["operation"] for e in recorder.exchanges[before:] if e["operation"] != "retrieve_future"]
        expected = "forward" if wire_format == "json" else "forward_backward"
        assert sent.count(expected) == 2 and "forward_backward" not in set(sent) - {expected}, sent
        assert again.metrics == first.metrics  # a forward trained nothing


def test_a_json_forward_goes_through_the_documents_recorder(local: LocalServer) -> None:
    """The same forward on a client of the SDK's own making, whose exchanges are checked against the document."""
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY, wire_format="json")
    training = service.create_lora_training_client(TINY, rank=4).result()
    assert training.forward([text_datum()], "cross_entropy").result().loss_fn_outputs


def test_uncompressed_protobuf_when_the_server_does_not_ask(
    clients: dict[str, tuple[tinker.ServiceClient, Recorder]],
) -> None:
    service, recorder = clients["protobuf"]
    training = service.create_lora_training_client(TINY, rank=4).result()
    config = training.holder.known_config()
    training.holder._config = config.model_copy(update={"proto_compress_fwdbwd": False})
    try:
        output = training.forward([text_datum()], "cross_entropy").result()
    finally:
        training.holder._config = config
    assert len(output.loss_fn_outputs) == 1
    assert (recorder.of("forward_backward")[-1]["content_encoding"]) == ""


def test_a_datum_that_cannot_be_sent_fails_the_call_and_takes_no_seq_id(
    clients: dict[str, tuple[tinker.ServiceClient, Recorder]],
) -> None:
    service, _ = clients["protobuf"]
    training = service.create_lora_training_client(TINY, rank=4).result()
    pointer = types.Datum(
        model_input=types.ModelInput(
            chunks=[types.ImageAssetPointerChunk(format="png", location="gs://b/i.png", expected_tokens=2)]
        ),
    )
    with pytest.raises(ValueError, match="ImageAssetPointerChunk"):
        training.forward_backward([text_datum(), pointer], "cross_entropy")
    assert training.forward([text_datum()], "cross_entropy").result(timeout=30).loss_fn_outputs


# --- polling, on a mock transport ------------------------------------------------------------------------------


def _poll(answer: httpx.Response, cast_to: type[Any], wire_format: str = "protobuf") -> tuple[Any, httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/client/config"):  # asked for once, before the poll
            return httpx.Response(200, json={})
        seen.append(request)
        return answer

    settings = ClientSettings.resolve(api_key="tml-test", base_url="http://test")
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    holder = Holder(settings, client=BaseClient(settings, http_client=http), wire_format=wire_format)
    future = types.UntypedAPIFuture(request_id="m:1", model_id="m")
    try:
        return holder.submit(wait_result(holder, future, cast_to, "ForwardBackward")).result(timeout=10), seen[0]
    except Exception:
        asyncio.run(http.aclose())
        raise


FB_JSON = {
    "loss_fn_output_type": "ArrayRecord",
    "loss_fn_outputs": [{"logprobs": {"data": [-0.5, -1.0], "dtype": "float32", "shape": [2]}}],
    "metrics": {"loss:sum": 1.5},
}


def _view(output: types.ForwardBackwardOutput) -> Any:
    """What a result holds, as plain data (TensorData, as in the official SDK, compares by identity)."""
    records = [{name: tensor.tolist() for name, tensor in record.items()} for record in output.loss_fn_outputs]
    return output.loss_fn_output_type, output.metrics, records


def test_a_protobuf_or_a_json_answer_reads_the_same() -> None:
    expected = _view(
        types.ForwardBackwardOutput(
            "ArrayRecord", [{"logprobs": types.TensorData([-0.5, -1.0], "float32", [2])}], {"loss:sum": 1.5}
        )
    )
    proto = httpx.Response(
        200, content=_wire.forward_backward_output_proto(FB_JSON), headers={"content-type": PROTOBUF}
    )
    result, request = _poll(proto, types.ForwardBackwardOutput)
    assert _view(result) == expected and request.headers["accept"] == PROTOBUF
    plain = httpx.Response(200, content=orjson.dumps(FB_JSON), headers={"content-type": "application/json"})
    result, request = _poll(plain, types.ForwardBackwardOutput)
    assert _view(result) == expected
    result, request = _poll(plain, types.ForwardBackwardOutput, wire_format="json")
    assert _view(result) == expected and request.headers["accept"] == "application/json"


def test_a_bad_or_unexpected_protobuf_answer_is_a_validation_error() -> None:
    garbage = httpx.Response(200, content=b"\xff\xff\xff", headers={"content-type": PROTOBUF})
    with pytest.raises(APIResponseValidationError, match="bad protobuf result"):
        _poll(garbage, types.ForwardBackwardOutput)
    proto = httpx.Response(
        200, content=_wire.forward_backward_output_proto(FB_JSON), headers={"content-type": PROTOBUF}
    )
    with pytest.raises(APIResponseValidationError, match="OptimStepResponse"):
        _poll(proto, types.OptimStepResponse)
