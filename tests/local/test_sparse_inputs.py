"""Sparse (CSR) loss inputs on the running server, over both wires.

A CSR tensor of a few bytes may declare any shape: the server checks it with the client's own CSR check and holds
its cell count against the model before making it dense, so a bomb or a malformed one is a 400 naming the field,
answered at once, and a valid one trains exactly as its dense form does.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.test_tensor_wire import BOMBS, MALFORMED, json_request, proto_body
from tinker import _mixins, types
from tinker._tensor_wire import encode_forward_backward_request
from tinker_api.proto import tinker_public_pb2 as pb

from .helpers import TINY, Api

PROTOBUF = {"Content-Type": "application/x-protobuf"}


@pytest.fixture(scope="module")
def model(api: Api) -> str:
    return api.model(api.session(), seq=0, rank=4)


def _with(raw: bytes, model_id: str, seq_id: int) -> bytes:
    message = pb.ForwardBackwardRequest.FromString(raw)
    message.model_id, message.seq_id = model_id, seq_id
    return message.SerializeToString()


# A sparse shape that is not [rows, cols] breaks the document's TensorData schema (its if/then), so on the JSON wire
# it is the schema's 422; protobuf bodies are not checked against the JSON Schema and get the 400 of the CSR check.
SHAPE_NOT_2D = {"1-D shape", "3-D shape", "no shape"}


def test_csr_bombs_and_malformed_csr_are_a_400_naming_the_field_on_both_wires(api: Api, model: str) -> None:
    seq_ids = itertools.count(1)
    for case, tensor in {**BOMBS, **MALFORMED}.items():
        body = {**json_request(tensor), "model_id": model}
        del body["seq_id"]  # a JSON body failing validation never reaches the handler: its seq_id would stay a gap
        started = time.monotonic()
        answers = [
            api.post("forward_backward", body),
            api.post("forward_backward", content=_with(proto_body(tensor), model, next(seq_ids)), headers=PROTOBUF),
        ]
        for wire, answer in zip(("json", "protobuf"), answers, strict=True):
            if wire == "json" and case in SHAPE_NOT_2D:  # the document's TensorData schema says it: a 422
                assert answer.status_code == 422, (case, wire, answer.text)
                assert '"target_tokens","shape"' in answer.text, (case, wire, answer.text)
                continue
            assert answer.status_code == 400, (case, wire, answer.text)
            assert "loss_fn_inputs.target_tokens" in answer.text, (case, wire, answer.text)
            if case in BOMBS:
                assert str(math.prod(tensor["shape"])) in answer.text, (case, wire, answer.text)
        assert time.monotonic() - started < 5, f"{case}: answered slowly"
    tokens = list(b"still answering")
    valid = {"target_tokens": {"dtype": "int64", "data": tokens[1:], "shape": [len(tokens) - 1]}}
    datum = {"model_input": {"chunks": [{"type": "encoded_text", "tokens": tokens[:-1]}]}, "loss_fn_inputs": valid}
    assert api.forward_backward(model, next(seq_ids), [datum])["metrics"]["loss:sum"] > 0


def _top_k(positions: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k targets and weights where most rows list fewer than k tokens: the cells past them are 0."""
    targets = np.zeros((positions, k), dtype=np.int64)
    weights = np.zeros((positions, k), dtype=np.float32)
    for row in range(positions):
        listed = 1 + row % 3 if row % 2 == 0 else 0
        targets[row, :listed] = np.arange(listed) + 97 + row
        weights[row, :listed] = 1.0 / (1 + np.arange(listed))
    return targets, weights


def _tensor(array: np.ndarray, sparse: bool) -> types.TensorData:
    csr = _mixins.sparse_csr(array, 0) if sparse else None
    if csr is None:
        return types.TensorData.from_numpy(array)
    values, crow, col = csr
    dtype = _mixins.wire_dtype(array.dtype)
    return types.TensorData(
        data=values, dtype=dtype, shape=list(array.shape), sparse_crow_indices=crow, sparse_col_indices=col
    )


def _json_tensor(tensor: types.TensorData) -> dict[str, Any]:
    fields: dict[str, Any] = {"data": tensor.data, "dtype": tensor.dtype, "shape": tensor.shape}
    if tensor.sparse_crow_indices is not None:
        fields |= {"sparse_crow_indices": tensor.sparse_crow_indices, "sparse_col_indices": tensor.sparse_col_indices}
    return fields


class Run:
    """One training run fed the same top-k batch, dense or CSR, over one wire."""

    def __init__(self, api: Api, session: str, seq: int, wire: str, sparse: bool) -> None:
        self.api, self.wire = api, wire
        self.model = api.model(session, seq=seq, rank=4, seed=7)
        tokens = list(b"sparse and dense agree")
        targets, weights = _top_k(len(tokens), 8)
        self.datum = types.Datum(
            model_input=types.ModelInput.from_ints(tokens),
            loss_fn_inputs={"target_tokens": _tensor(targets, sparse), "weights": _tensor(weights, sparse)},
        )
        assert (self.datum.loss_fn_inputs["target_tokens"].sparse_crow_indices is not None) == sparse

    def forward_backward(self, seq_id: int) -> dict[str, Any]:
        if self.wire == "protobuf":
            raw = encode_forward_backward_request(
                model_id=self.model,
                seq_id=seq_id,
                data=[self.datum],
                loss_fn="cross_entropy",
                loss_fn_config=None,
                forward_only=False,
            )
            return dict(self.api.value(self.api.ok(self.api.post("forward_backward", content=raw, headers=PROTOBUF))))
        inputs = {name: _json_tensor(tensor) for name, tensor in self.datum.loss_fn_inputs.items()}
        datum = {"model_input": {"chunks": [{"type": "encoded_text", "tokens": self.datum.model_input.to_ints()}]}}
        return self.api.forward_backward(self.model, seq_id, [{**datum, "loss_fn_inputs": inputs}])


@pytest.fixture
def runs(api: Api) -> Iterator[list[Run]]:
    session = api.session()
    yield [
        Run(api, session, 0, "json", sparse=False),
        Run(api, session, 1, "json", sparse=True),
        Run(api, session, 2, "protobuf", sparse=True),
    ]


def test_sparse_top_k_targets_train_exactly_as_their_dense_form(api: Api, runs: list[Run]) -> None:
    results = []
    for run in runs:
        first = run.forward_backward(1)
        api.optim_step(run.model, 2, lr=0.05)
        second = run.forward_backward(3)
        results.append((first, second))
    dense = results[0]
    assert dense[0]["metrics"]["loss:sum"] != dense[1]["metrics"]["loss:sum"]  # the step changed the model
    for other in results[1:]:
        assert other == dense


@pytest.mark.parametrize("operation", ["asample", "stream_sample"])
@pytest.mark.parametrize("case", ["rows x huge cols", "1-D shape", "crow starts past 0"])
def test_a_sample_target_tensor_is_checked_and_never_made_dense(api: Api, operation: str, case: str) -> None:
    tensor = {"dtype": "float32", **{**BOMBS, **MALFORMED}[case]}
    prompt = {"chunks": [{"type": "encoded_text", "tokens": list(b"abc")}]}
    body = {
        "base_model": TINY,
        "prompt": prompt,
        "num_samples": 1,
        "sampling_params": {"max_tokens": 1},
        "target_prompt_logprobs": tensor,
    }
    answer = api.post(operation, body)
    status = 422 if case in SHAPE_NOT_2D else 400
    assert answer.status_code == status and "target_prompt_logprobs" in answer.text, answer.text
