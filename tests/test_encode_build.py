"""Building a batch's parts without checking twice: ``ModelInput.from_ints`` validates its chunk once and gives the
very model (equality, repr, fields set, dumps, pickles) that validating the whole input gives."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pydantic
import pytest

from tinker import types
from tinker_api import pydantic_models as models


def validated(tokens: list[int]) -> types.ModelInput:
    """The input as validating each model gives it (as 0.38's ``from_ints`` builds it)."""
    return types.ModelInput(chunks=[types.EncodedTextChunk(tokens=tokens)])


@pytest.mark.parametrize(
    "tokens",
    [
        [5, 2**40, 0, -1],
        (5, 2**40, 0, -1),
        np.array([5, 2**40, 0, -1], dtype=np.int64),
        np.array([5, 2**40, 0, -1], dtype=np.int64)[::1],
        [np.int64(5), 2**40, 0, -1],
        iter([5, 2**40, 0, -1]),
    ],
    ids=["list", "tuple", "int64-array", "view", "numpy-scalars", "iterator"],
)
def test_from_ints_is_the_validated_model(tokens: Any) -> None:
    built = types.ModelInput.from_ints(tokens)
    expected = validated([5, 2**40, 0, -1])
    assert built == expected
    assert repr(built) == repr(expected)
    assert built.model_fields_set == expected.model_fields_set
    assert built.chunks[0].model_fields_set == expected.chunks[0].model_fields_set
    assert built.model_dump() == expected.model_dump()
    assert built.model_dump_json() == expected.model_dump_json()
    assert pickle.loads(pickle.dumps(built)) == expected
    assert all(type(token) is int for token in built.chunks[0].tokens)


def test_from_ints_copies_what_it_is_given() -> None:
    tokens = [1, 2, 3]
    array = np.array([1, 2, 3])
    from_list, from_array = types.ModelInput.from_ints(tokens), types.ModelInput.from_ints(array)
    tokens.append(4)
    array[0] = 9
    assert from_list.to_ints() == from_array.to_ints() == [1, 2, 3]


def test_from_ints_converts_and_refuses_as_validation_does() -> None:
    assert types.ModelInput.from_ints([1, True, 3.0]).to_ints() == [1, 1, 3]
    assert types.ModelInput.from_ints(np.array([True, False])).to_ints() == [1, 0]
    assert types.ModelInput.from_ints(np.array([7], dtype=np.uint8)).to_ints() == [7]
    with pytest.raises(pydantic.ValidationError):
        types.ModelInput.from_ints([1.5])
    with pytest.raises(pydantic.ValidationError):
        types.ModelInput.from_ints(np.array([1.5]))
    with pytest.raises(pydantic.ValidationError):
        types.ModelInput.from_ints(np.zeros((2, 2), dtype=np.int64))


def test_a_subclass_gets_its_own_validators_run() -> None:
    class Short(models.ModelInput):
        @pydantic.model_validator(mode="after")
        def _short(self) -> Short:
            if self.length > 2:
                raise ValueError("too long")
            return self

    assert isinstance(Short.from_ints([1, 2]), Short)
    with pytest.raises(pydantic.ValidationError, match="too long"):
        Short.from_ints([1, 2, 3])


def test_a_datum_keeps_the_tensors_it_is_given() -> None:
    """A TensorData already built is taken as it is: not checked or copied again."""
    targets = types.TensorData.from_numpy(np.arange(3))
    weights = np.ones(3, dtype=np.float32)
    datum = types.Datum(types.ModelInput.from_ints([1, 2, 3]), {"target_tokens": targets, "weights": weights})
    assert datum.loss_fn_inputs["target_tokens"] is targets
    assert datum.loss_fn_inputs["weights"].to_numpy() is weights
