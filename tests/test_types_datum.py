"""Datum: numpy, torch and list loss inputs become TensorData; provenance spans via with_provenance.

What it shares with the official 0.38 Datum is pinned by tests/compat/test_types_parity.py (run against both SDKs);
this file checks the error messages, which name the field, and the JSON form.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest

from tinker import types
from tinker.lib._encoding import plain
from tinker_api import pydantic_models as models

TOKENS = types.ModelInput.from_ints([1, 2, 3, 4])


@pytest.fixture
def torch() -> Any:
    """torch is optional: its tests skip without it."""
    return pytest.importorskip("torch")


def datum(**loss_fn_inputs: Any) -> types.Datum:
    return types.Datum(model_input=TOKENS, loss_fn_inputs=loss_fn_inputs)


def test_numpy_inputs_follow_the_array_dtype() -> None:
    inputs = datum(target_tokens=np.array([2, 3, 4, 5], dtype=np.int32), weights=np.ones(4)).loss_fn_inputs
    assert isinstance(inputs["target_tokens"], types.TensorData)
    assert inputs["target_tokens"].dtype == "int64" and inputs["target_tokens"].data == [2, 3, 4, 5]
    assert inputs["weights"].dtype == "float32" and inputs["weights"].shape == [4]
    with pytest.raises(ValueError, match="uint8"):
        datum(weights=np.ones(4, dtype=np.uint8))


def test_nested_lists_keep_their_shape_and_ragged_ones_fail() -> None:
    assert datum(target_tokens=[[1, 2], [3, 4]]).loss_fn_inputs["target_tokens"].shape == [2, 2]
    with pytest.raises(ValueError, match=r"loss_fn_inputs\['weights'\] must be a rectangular list"):
        datum(weights=[[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match=r"loss_fn_inputs\['weights'\]"):
        datum(weights=["heavy"])


def test_a_list_under_an_unknown_key_fails_naming_the_key() -> None:
    with pytest.raises(KeyError, match=r"loss_fn_inputs\['mask'\] is a plain list"):
        datum(mask=[1.0, 1.0, 1.0, 1.0])
    assert datum(mask=np.ones(4)).loss_fn_inputs["mask"].dtype == "float32"


def test_torch_inputs(torch: Any) -> None:
    inputs = datum(
        target_tokens=torch.tensor([2, 3, 4, 5]),
        logprobs=torch.tensor([-1.0, -2.0, -0.5, -0.25], dtype=torch.bfloat16, requires_grad=True),
    ).loss_fn_inputs
    assert inputs["target_tokens"].dtype == "int64" and inputs["target_tokens"].data == [2, 3, 4, 5]
    assert inputs["logprobs"].dtype == "float32" and inputs["logprobs"].data == [-1.0, -2.0, -0.5, -0.25]


def test_sparse_2d_torch_targets_and_weights_go_as_csr(torch: Any) -> None:
    top_k = torch.zeros(4, 8, dtype=torch.int64)
    top_k[:, 0] = torch.tensor([5, 6, 7, 8])
    weights = torch.zeros(4, 8)
    weights[:, 0] = 1.0
    inputs = datum(target_tokens=top_k, weights=weights, advantages=weights).loss_fn_inputs
    for key, dense in (("target_tokens", top_k), ("weights", weights)):
        assert inputs[key].sparse_crow_indices == [0, 1, 2, 3, 4], key
        assert torch.equal(inputs[key].to_torch(), dense)
    assert inputs["advantages"].sparse_crow_indices is None
    dense_enough = datum(target_tokens=torch.ones(2, 2, dtype=torch.int64)).loss_fn_inputs["target_tokens"]
    assert dense_enough.sparse_crow_indices is None


def test_the_json_form_is_the_documents() -> None:
    tensor = types.TensorData(data=[1.0] * 4, dtype="float32")
    made = datum(weights=tensor, target_tokens=[2, 3, 4, 5]).with_provenance(
        model_input=[types.SampledProvenanceSpan(sequence_id="s", length=4)],
        loss_fn_inputs=[types.PromptProvenanceSpan(sequence_id="s", offset=1, length=4)],
    )
    assert made.loss_fn_inputs["weights"] is tensor
    as_json = orjson.loads(orjson.dumps(plain(made), option=orjson.OPT_SERIALIZE_NUMPY))
    assert as_json["loss_fn_inputs"]["target_tokens"] == {"data": [2, 3, 4, 5], "dtype": "int64", "shape": [4]}
    assert as_json["loss_fn_input_spans"] == [{"type": "prompt_tokens", "sequence_id": "s", "offset": 1, "length": 4}]
    parsed = models.Datum.model_validate(as_json)
    assert parsed.loss_fn_inputs["weights"].data == [1.0] * 4
    assert parsed.model_input_spans is not None and parsed.model_input_spans[0].type == "sampled_tokens"
    with pytest.raises(TypeError, match="weights"):
        datum(weights="heavy")


def spans(*lengths: int) -> list[types.PromptProvenanceSpan | types.SampledProvenanceSpan]:
    first, *rest = lengths
    return [
        types.PromptProvenanceSpan(sequence_id="seq-1", length=first),
        *(types.SampledProvenanceSpan(sequence_id="seq-1", offset=i, length=n) for i, n in enumerate(rest)),
    ]


def test_with_provenance_returns_a_copy_with_both_span_lists() -> None:
    original = datum(target_tokens=[2, 3, 4, 5], weights=[0, 0, 1, 1])
    tagged = original.with_provenance(model_input=spans(2, 2), loss_fn_inputs=spans(1, 3))
    assert isinstance(tagged, types.Datum) and tagged is not original
    assert original.model_input_spans is None and original.loss_fn_input_spans is None
    assert [span.length for span in tagged.model_input_spans or []] == [2, 2]
    assert [type(span) for span in tagged.loss_fn_input_spans or []] == [
        types.PromptProvenanceSpan,
        types.SampledProvenanceSpan,
    ]
    assert tagged.loss_fn_inputs == original.loss_fn_inputs and tagged.model_input == original.model_input


def test_with_provenance_checks_the_tiling() -> None:
    original = datum(target_tokens=[2, 3, 4, 5])
    with pytest.raises(ValueError, match=r"model_input=\.\.\.\) spans cover 3 positions, but the field has 4"):
        original.with_provenance(model_input=spans(1, 2), loss_fn_inputs=spans(4))
    with pytest.raises(ValueError, match=r"loss_fn_inputs=\.\.\.\) spans cover 5 positions, but the field has 4"):
        original.with_provenance(model_input=spans(4), loss_fn_inputs=spans(2, 3))
    two_d = datum(target_tokens=np.zeros((4, 2), dtype=np.int64))
    assert two_d.with_provenance(model_input=spans(4), loss_fn_inputs=spans(7)).loss_fn_input_spans is not None
    with pytest.raises(ValueError, match="sequence_id"):
        types.PromptProvenanceSpan(sequence_id="", length=4)


def test_provenance_spans_come_in_pairs() -> None:
    with pytest.raises(ValueError, match="set together or not at all"):
        types.Datum(model_input=TOKENS, model_input_spans=spans(4))
