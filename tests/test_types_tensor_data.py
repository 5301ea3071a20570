"""TensorData: numpy and torch conversions, dtype rules, sparse (CSR) tensors and layout checks.

What it shares with the official 0.38 TensorData is pinned by tests/compat/test_types_parity.py (run against both
SDKs); this file adds the checks and conversions where this SDK does more.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from tinker.types import TensorData


@pytest.fixture
def torch() -> Any:
    """torch is optional: its tests skip without it."""
    return pytest.importorskip("torch")


def test_numpy_round_trip() -> None:
    array = np.arange(6, dtype=np.float64).reshape(2, 3)
    tensor = TensorData.from_numpy(array)
    assert tensor.dtype == "float32" and tensor.shape == [2, 3]
    back = tensor.to_numpy()
    assert back.dtype == np.float32 and back.shape == (2, 3)
    np.testing.assert_array_equal(back, array)
    assert tensor.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, "float32"), (np.float64, "float32"), (np.int8, "int64"), (np.int32, "int64"), (np.int64, "int64")],
)
def test_numpy_dtype_rules(dtype: Any, expected: str) -> None:
    tensor = TensorData.from_numpy(np.array([1, 2], dtype=dtype))
    assert tensor.dtype == expected
    assert tensor.to_numpy().dtype == (np.float32 if expected == "float32" else np.int64)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint64, np.bool_, np.complex64])
def test_numpy_dtypes_without_a_wire_dtype_are_refused(dtype: Any) -> None:
    with pytest.raises(ValueError, match=np.dtype(dtype).name):
        TensorData.from_numpy(np.zeros(2, dtype=dtype))


def test_int64_data_holds_ints() -> None:
    tensor = TensorData(data=[1, 2.0, 3], dtype="int64")
    assert tensor.data == [1, 2, 3] and all(type(value) is int for value in tensor.data)
    assert TensorData.from_numpy(np.array([2**40], dtype=np.int64)).data == [2**40]
    with pytest.raises(ValueError, match="int64"):
        TensorData(data=[0.0, 9.3e18], dtype="int64")


def test_data_may_be_a_numpy_array_which_is_kept() -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    tensor = TensorData(data=array, dtype="float32")
    assert tensor.shape is None and tensor.data == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert tensor.to_numpy() is array
    assert TensorData(data=array.reshape(-1), dtype="float32", shape=[3, 2]).to_numpy().shape == (3, 2)


def test_replace_keeps_the_array_under_a_new_shape() -> None:
    """0.38 raises TypeError here: its constructor does not take the ``_numpy`` field replace passes."""
    tensor = TensorData.from_numpy(np.arange(6))
    reshaped = dataclasses.replace(tensor, shape=[2, 3])
    assert reshaped.tolist() == [[0, 1, 2], [3, 4, 5]] and tensor.shape == [6]


def test_from_torch_detaches_a_tensor_that_requires_grad(torch: Any) -> None:
    """0.38 raises RuntimeError (numpy() of a tensor that requires grad); a loss's logprobs often do."""
    tensor = TensorData.from_torch(torch.tensor([1.0, 2.0], requires_grad=True) * 2)
    assert tensor.tolist() == [2.0, 4.0]


def test_torch_round_trip_and_dtypes(torch: Any) -> None:
    tensor = TensorData.from_torch(torch.tensor([[1.5, 2.5]], dtype=torch.bfloat16, requires_grad=True))
    assert tensor.dtype == "float32" and tensor.shape == [1, 2] and tensor.data == [1.5, 2.5]
    back = tensor.to_torch()
    assert back.dtype == torch.float32 and back.shape == (1, 2)
    ints = TensorData.from_torch(torch.tensor([1, 2], dtype=torch.int32))
    assert ints.dtype == "int64" and ints.to_torch().dtype == torch.int64
    assert TensorData.from_torch(torch.tensor([1.0], dtype=torch.float64)).to_torch().dtype == torch.float32
    with pytest.raises(ValueError, match="uint8"):
        TensorData.from_torch(torch.tensor([1], dtype=torch.uint8))
    with pytest.raises(ValueError, match="bool"):
        TensorData.from_torch(torch.tensor([True]))


def test_sparse_round_trip_with_a_pad_value(torch: Any) -> None:
    dense = torch.full((4, 6), -1, dtype=torch.int64)
    dense[1, 2], dense[3, 0], dense[3, 5] = 5, 7, 0
    tensor = TensorData.from_torch_sparse(dense, pad_value=-1)
    assert tensor.sparse_crow_indices == [0, 0, 1, 1, 3]
    assert tensor.sparse_col_indices == [2, 0, 5]
    assert tensor.data == [5, 7, 0] and tensor.shape == [4, 6]
    assert torch.equal(tensor.to_torch(pad_value=-1), dense)
    np.testing.assert_array_equal(tensor.to_numpy(pad_value=-1), dense.numpy())
    assert tensor.tolist(pad_value=-1) == dense.tolist()
    zero_padded = tensor.to_numpy()
    assert zero_padded[0, 0] == 0 and zero_padded[1, 2] == 5


def test_sparse_float_tensor_with_the_default_pad(torch: Any) -> None:
    dense = torch.zeros(5, 8)
    dense[0, 7], dense[4, 1] = 0.25, -3.0
    tensor = TensorData.from_torch_sparse(dense)
    assert tensor.dtype == "float32"
    assert tensor.sparse_crow_indices == [0, 1, 1, 1, 1, 2] and tensor.sparse_col_indices == [7, 1]
    assert torch.equal(tensor.to_torch(), dense)


@pytest.mark.parametrize("array", [np.arange(12).reshape(3, 4), np.zeros(8, dtype=np.int64), np.eye(2)])
def test_sparse_falls_back_to_dense_when_csr_is_not_smaller(torch: Any, array: Any) -> None:
    dense = torch.from_numpy(array)
    tensor = TensorData.from_torch_sparse(dense)
    assert tensor.sparse_crow_indices is None and tensor.sparse_col_indices is None
    assert torch.equal(tensor.to_torch(), dense.float() if dense.is_floating_point() else dense)


@pytest.mark.parametrize("pad", [0.5, True, "0"])
def test_pad_value_must_be_an_integer(torch: Any, pad: Any) -> None:
    with pytest.raises(TypeError, match="pad_value"):
        TensorData.from_torch_sparse(torch.zeros(4, 4), pad_value=pad)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"data": [1.0, 2.0, 3.0], "shape": [2, 2]}, "shape"),
        ({"data": [1.0], "shape": [-1]}, "shape"),
        ({"data": [1.0], "shape": [1, 1], "sparse_crow_indices": [0, 1]}, "sparse_col_indices"),
        ({"data": [1.0], "shape": [2], "sparse_crow_indices": [0, 1], "sparse_col_indices": [0]}, "shape"),
        ({"data": [1.0], "shape": [2, 2], "sparse_crow_indices": [0, 1], "sparse_col_indices": [0]}, "crow"),
        ({"data": [1.0], "shape": [2, 2], "sparse_crow_indices": [0, 1, 2], "sparse_col_indices": [0]}, "crow"),
        ({"data": [1.0, 2.0], "shape": [2, 2], "sparse_crow_indices": [0, 2, 1], "sparse_col_indices": [0, 1]}, "crow"),
        ({"data": [1.0], "shape": [2, 2], "sparse_crow_indices": [0, 1, 1], "sparse_col_indices": [0, 1]}, "col"),
        ({"data": [1.0], "shape": [2, 2], "sparse_crow_indices": [0, 1, 1], "sparse_col_indices": [2]}, "col"),
        ({"data": [1.0, 2.0], "shape": [2, 3], "sparse_crow_indices": [0, 2, 2], "sparse_col_indices": [1, 1]}, "col"),
        ({"data": [1.0, 2.0], "shape": [2, 3], "sparse_crow_indices": [0, 2, 2], "sparse_col_indices": [2, 0]}, "col"),
    ],
)
def test_bad_layouts_fail_where_built_naming_the_field(fields: dict[str, Any], named: str) -> None:
    """0.38 builds these and fails only when densifying (a RuntimeError from torch), far from the mistake."""
    with pytest.raises(ValueError) as caught:
        TensorData(dtype="float32", **fields)
    message = str(caught.value)
    assert "TensorData." in message and named in message


def test_good_csr_with_empty_rows_and_unsorted_rows_between() -> None:
    tensor = TensorData(
        data=[1.0, 2.0, 3.0],
        dtype="float32",
        shape=[3, 3],
        sparse_crow_indices=[0, 2, 2, 3],
        sparse_col_indices=[0, 2, 0],
    )
    assert tensor.tolist() == [[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.0]]
