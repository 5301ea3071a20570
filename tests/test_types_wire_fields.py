"""The handwritten dataclasses of tinker.types held against the document's schemas.

The types 0.38 defines as frozen dataclasses are written by hand (tinker/types/_dataclasses.py) and marked
``x-tinker-python: dataclass`` in the document. Each field must stand for a property of its schema, and each
property must be a field or a known, explained gap; the schemas' own examples must survive a trip through the
dataclass and back into the JSON form.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest

from tinker import types
from tinker._tensor_wire import forward_backward_output_from_json, sample_response_from_json
from tinker.lib._encoding import plain
from tinker.types import _dataclasses
from tinker_api import openapi_document
from tinker_api import pydantic_models as models

SCHEMAS: dict[str, Any] = openapi_document()["components"]["schemas"]
MARKED = sorted(name for name, schema in SCHEMAS.items() if schema.get("x-tinker-python") == "dataclass")

# A field named for its numpy form stands for the wire property without the suffix; the private list form
# (``_tokens_list``) for the one without the underscore and suffix; TensorData's array is its ``data``.
RENAMED = {"_numpy": "data"}

# Wire properties a dataclass has no field for, and why.
NOT_FIELDS = {
    ("TensorData", "pad_value"): "the JSON reader makes such a tensor dense; 0.38's TensorData keeps no pad",
    ("SampleResponse", "type"): "the union tag of a future's result, implied by the class",
    ("PromptProvenanceSpan", "type"): "the union tag, implied by the class",
    ("SampledProvenanceSpan", "type"): "the union tag, implied by the class",
    ("ForwardBackwardRequest", "forward_only"): "0.38's dataclass lacks it; the client sends it in the body",
}


def wire_name(field: str) -> str:
    if field in RENAMED:
        return RENAMED[field]
    name = field.removeprefix("_").removesuffix("_list") if field.endswith("_list") else field
    return name.removesuffix("_np")


def test_the_marked_schemas_are_the_dataclasses() -> None:
    aliases = {"LossFnInputs", "LossFnOutput", "ProvenanceSpans"}
    assert set(MARKED) == {*_dataclasses.__all__, "TopkLogprobs"}
    for name in set(MARKED) - aliases:
        assert dataclasses.is_dataclass(getattr(_dataclasses, name)), name
    assert not set(MARKED) & set(models.__all__), "the generated models of these stay out of tinker.types"


@pytest.mark.parametrize(
    "name", [name for name in MARKED if SCHEMAS[name].get("type") == "object" and name in dir(types)]
)
def test_every_field_is_a_wire_property_and_back(name: str) -> None:
    properties = set(SCHEMAS[name].get("properties", {}))
    if not properties:
        pytest.skip(f"{name} is a map in the document")
    fields = {wire_name(field.name) for field in dataclasses.fields(getattr(types, name))}
    assert fields <= properties, f"{name}: fields without a wire property: {fields - properties}"
    missing = {prop for prop in properties - fields if (name, prop) not in NOT_FIELDS}
    assert not missing, f"{name}: wire properties without a field: {missing}"


def test_topk_logprobs_is_the_matrix_form_of_the_documents_rows() -> None:
    """The document's TopkLogprobs is the JSON form (rows of pairs); 0.38's dataclass holds two matrices."""
    assert SCHEMAS["TopkLogprobs"]["type"] == "array"
    rows = [None, [(4, -0.5), (9, -1.5)], [(3, -0.25)]]
    response = sample_response_from_json({"sequences": [], "topk_prompt_logprobs": rows})
    topk = response.topk_prompt_logprobs_np
    assert topk is not None and topk.token_ids.shape == (3, 2)
    assert _dataclasses.topk_to_lists(topk) == rows


def _first_example(name: str) -> Any:
    return SCHEMAS[name]["examples"][0]


def _json(value: Any) -> Any:
    return orjson.loads(orjson.dumps(plain(value), option=orjson.OPT_SERIALIZE_NUMPY))


def test_the_datum_example_round_trips() -> None:
    example = _first_example("Datum")
    parsed = models.Datum.model_validate(example)
    datum = types.Datum(
        parsed.model_input,
        {
            key: types.TensorData(t.data, t.dtype, t.shape, t.sparse_crow_indices, t.sparse_col_indices)
            for key, t in parsed.loss_fn_inputs.items()
        },
    )
    assert models.Datum.model_validate(_json(datum)) == models.Datum.model_validate(
        {**example, "model_input_spans": None, "loss_fn_input_spans": None}
    )


def test_the_result_examples_read_into_the_dataclasses() -> None:
    output = forward_backward_output_from_json(_first_example("ForwardBackwardOutput"))
    assert isinstance(output, types.ForwardBackwardOutput) and output.loss_fn_outputs
    response = sample_response_from_json(_first_example("SampleResponse"))
    assert isinstance(response, types.SampleResponse) and response.sequences
    sequence = _first_example("SampleResponse")["sequences"][0]
    assert response.sequences[0].tokens == sequence["tokens"]
    assert (
        response.sequences[0].tokens_np is not None and response.sequences[0].tokens_np.tolist() == sequence["tokens"]
    )
