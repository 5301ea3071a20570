"""The forward_backward request bytes, pinned: equal to what the generated protobuf classes serialize, and to the
bytes this writer gave before it was made faster (digests of seeded random batches), dense and CSR, both dtypes."""

from __future__ import annotations

import hashlib
import tracemalloc
from typing import Any

import numpy as np
import pytest

from tinker import types
from tinker._tensor_wire import encode_data, encode_forward_backward_request
from tinker.lib._encoding import forward_backward_body, prepare_data
from tinker_api.proto import tinker_public_pb2 as pb

_CODES = {"int64": (pb.DTYPE_INT64, "<i8"), "float32": (pb.DTYPE_FLOAT32, "<f4")}


def _csr(dense: np.ndarray[Any, Any]) -> types.TensorData:
    rows, cols = np.nonzero(dense)
    crow = np.zeros(dense.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=crow[1:])
    return types.TensorData(
        data=dense[rows, cols],
        dtype="int64" if dense.dtype.kind == "i" else "float32",
        shape=list(dense.shape),
        sparse_crow_indices=crow.tolist(),
        sparse_col_indices=cols.tolist(),
    )


def random_batch(seed: int) -> list[types.Datum]:
    """Ragged datums; every third one holds CSR top-k targets and weights, the others dense 1-D tensors (one of
    them a strided view, which the writer must copy into order)."""
    rng = np.random.default_rng(seed)
    data = []
    for index in range(12):
        n = int(rng.integers(1, 300))
        tokens = rng.integers(0, 2**31 - 1, size=n + 1, dtype=np.int64)
        if index % 3 == 0:
            targets = np.where(rng.random((n, 4)) < 0.2, rng.integers(1, 1000, (n, 4)), 0)
            weights = np.where(rng.random((n, 4)) < 0.2, rng.random((n, 4)), 0).astype(np.float32)
            inputs = {"target_tokens": _csr(targets), "weights": _csr(weights)}
        else:
            values = rng.random(2 * n, dtype=np.float32)
            inputs = {
                "target_tokens": types.TensorData.from_numpy(tokens[1:]),
                "weights": types.TensorData.from_numpy(values[::2] if index == 4 else values[:n]),
            }
        data.append(types.Datum(model_input=types.ModelInput.from_ints(tokens[:-1].tolist()), loss_fn_inputs=inputs))
    return data


def generated(data: list[types.Datum], seq_id: int) -> bytes:
    """The same request through ``tinker_public_pb2``; map keys sorted (``deterministic``), as the batch has them."""
    message = pb.ForwardBackwardRequest(model_id="m:train:0", seq_id=seq_id, loss_fn="cross_entropy")
    for datum in data:
        item = message.data.add()
        for chunk in datum.model_input.chunks:
            item.model_input.add().encoded_text.tokens = np.asarray(chunk.tokens, dtype="<i4").tobytes()
        for name, tensor in datum.loss_fn_inputs.items():
            out = item.loss_fn_inputs[name]
            code, dtype = _CODES[tensor.dtype]
            out.dtype = code
            out.shape.extend(tensor.shape or [])
            values = np.ascontiguousarray(tensor._numpy, dtype=dtype).tobytes()
            if tensor.sparse_crow_indices is None:
                out.dense = values
            else:
                out.sparse_csr.values = values
                out.sparse_csr.crow_indices = np.asarray(tensor.sparse_crow_indices, dtype="<i8").tobytes()
                out.sparse_csr.col_indices = np.asarray(tensor.sparse_col_indices, dtype="<i8").tobytes()
    return message.SerializeToString(deterministic=True)


DIGESTS = {
    0: "650a8ee38e723584fe8135f296acb4b795526b1afa71f8eabeb5cdf18edc491d",
    1: "039a376e4aa2761fbfb4ad91e7fbfba01ede0e6233799dd937aeb79308d3e66c",
    2: "b09b24b212fc9771908be5535afec84a504fac03ea2fb2b5c179defcac43d153",
}
"""sha256 of each seed's request as the writer wrote it before its pieces became views of the arrays."""


def _request(data: list[types.Datum], seq_id: int) -> bytes:
    return encode_forward_backward_request(
        model_id="m:train:0", seq_id=seq_id, data=data, loss_fn="cross_entropy", loss_fn_config=None, forward_only=False
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_request_bytes_are_those_the_generated_classes_serialize(seed: int) -> None:
    data = random_batch(seed)
    assert _request(data, seed + 1) == generated(data, seed + 1)


@pytest.mark.parametrize("seed", range(6))
def test_the_pipeline_body_is_the_same_bytes(seed: int) -> None:
    """What TrainingClient sends (``prepare_data`` then ``forward_backward_body``, zstd off)."""
    data = random_batch(seed)
    body = forward_backward_body(
        wire_format="protobuf",
        compress=False,
        model_id="m:train:0",
        seq_id=seed + 1,
        data=prepare_data("protobuf", data),
        loss_fn="cross_entropy",
        loss_fn_config=None,
        forward_only=False,
    )
    assert body.content == generated(data, seed + 1) == _request(data, seed + 1)


@pytest.mark.parametrize("seed", sorted(DIGESTS))
def test_the_request_bytes_are_unchanged_from_before(seed: int) -> None:
    raw = _request(random_batch(seed), seed + 1)
    assert hashlib.sha256(raw).hexdigest() == DIGESTS[seed]


def test_pieces_are_the_arrays_own_memory_until_joined() -> None:
    """No per-tensor copy: the encoded pieces of a contiguous tensor are views of its array."""
    weights = np.arange(8, dtype=np.float32)
    datum = types.Datum(model_input=types.ModelInput.from_ints([1, 2]), loss_fn_inputs={"weights": weights})
    views = [part for part in encode_data([datum]).parts if isinstance(part, memoryview)]
    assert len(views) == 1 and np.shares_memory(np.asarray(views[0]), weights)


def test_encoding_copies_each_tensor_once_into_the_body() -> None:
    """The pipeline's encoding allocates the body, the packed token ids (a list has no buffer to view) and little
    more: no per-tensor copy before the join, no second body."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 50_000, size=(64, 1025), dtype=np.int64)
    weights = rng.random((64, 1024), dtype=np.float32)
    data = [
        types.Datum(
            model_input=types.ModelInput.from_ints(tokens[i, :-1]),
            loss_fn_inputs={
                "target_tokens": types.TensorData.from_numpy(tokens[i, 1:]),
                "weights": types.TensorData.from_numpy(weights[i]),
            },
        )
        for i in range(64)
    ]
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        body = forward_backward_body(
            wire_format="protobuf",
            compress=False,
            model_id="m:train:0",
            seq_id=1,
            data=prepare_data("protobuf", data),
            loss_fn="cross_entropy",
            loss_fn_config=None,
            forward_only=False,
        ).content
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    token_bytes = 64 * 1024 * 4
    assert len(body) > tokens[:, 1:].nbytes + weights.nbytes + token_bytes
    assert peak < len(body) + token_bytes + 64 * 4096, f"encoding took {peak} bytes for a {len(body)}-byte body"
