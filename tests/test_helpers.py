"""The handwritten helper methods that generation wires into the pydantic models."""

from __future__ import annotations

import numpy as np
import pytest

from tinker import types
from tinker_api import pydantic_models


def test_helpers_are_base_classes_of_the_generated_models() -> None:
    from tinker._mixins import ModelInputMixin, TensorDataMixin

    assert issubclass(pydantic_models.ModelInput, ModelInputMixin)
    assert issubclass(pydantic_models.TensorData, TensorDataMixin)
    assert types.ModelInput is pydantic_models.ModelInput


def test_model_input_tokens() -> None:
    model_input = types.ModelInput.from_ints([1, 2, 3])
    assert model_input.to_ints() == [1, 2, 3]
    assert model_input.length == 3
    assert model_input.append_int(4).to_ints() == [1, 2, 3, 4]
    assert model_input.append(types.EncodedTextChunk(tokens=[5])).to_ints() == [1, 2, 3, 5]
    assert types.ModelInput.empty().length == 0
    # nested fields carry the helpers too
    datum = types.Datum(model_input={"chunks": [{"type": "encoded_text", "tokens": [7, 8]}]})
    assert datum.model_input.to_ints() == [7, 8]


def test_model_input_length_needs_expected_tokens_for_images() -> None:
    image = types.ImageChunk(data="aGVsbG8=", format="png")
    with pytest.raises(ValueError, match="expected_tokens"):
        types.ModelInput(chunks=[image]).length  # noqa: B018
    with pytest.raises(ValueError, match="text chunks"):
        types.ModelInput(chunks=[image]).to_ints()


def test_tensor_data_numpy_round_trip() -> None:
    array = np.arange(6, dtype=np.float64).reshape(2, 3)
    tensor = types.TensorData.from_numpy(array)
    assert tensor.dtype == "float32" and tensor.shape == [2, 3]
    back = tensor.to_numpy()
    assert back.dtype == np.float32 and back.shape == (2, 3)
    np.testing.assert_array_equal(back, array)
    assert types.TensorData.from_numpy(np.array([1, 2], dtype=np.int32)).to_numpy().dtype == np.int64
    assert tensor.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(ValueError, match="uint8"):
        types.TensorData.from_numpy(np.array([1], dtype=np.uint8))
