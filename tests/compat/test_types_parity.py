"""What "the same as tinker 0.38" means for the types 0.38 defines as frozen dataclasses.

In the official 0.38 package ``Datum``, ``TensorData``, ``SampledSequence``, ``SampleResponse``,
``ForwardBackwardOutput``, ``ForwardBackwardInput``, ``ForwardBackwardRequest``, ``ForwardRequest``,
``PromptAltTokens``, ``PromptProvenanceSpan``, ``SampledProvenanceSpan`` (all in ``tinker.types``) and
``TopkLogprobs`` (only in ``tinker.types.topk_logprobs``) are frozen dataclasses; every other public type is a
pydantic model. These tests pin, type by type, the behaviour client code (tinker-cookbook, cookbook-style training
loops) can observe: construction forms, dataclass fields and their order, ``dataclasses.replace``/``asdict``,
frozenness, equality and hashing, repr, pickling and copying, the lazy list views, ``Datum``'s conversion of
``loss_fn_inputs`` and provenance spans. Every assertion holds on the official package; error checks assert
exception types only, never messages.

The file imports nothing of this repository, so it runs unchanged against either SDK:

* this project's SDK: ``.venv/bin/pytest tests/compat/test_types_parity.py -p no:cacheprovider``
* the official package, in an interpreter where ``import tinker`` finds it (``pip install tinker==0.38.0
  torch==2.13.0 pytest``), from any directory: ``python tests/compat/test_types_parity.py [pytest args]``.
  Run as a script, the module calls pytest on itself with ``--noconftest``, no ini file, a rootdir outside
  the repository and ``--import-mode=importlib``, so neither this repository's ``tinker/`` package nor its
  conftest or pytest settings are picked up. The equivalent explicit command is
  ``cd /tmp && python -m pytest /path/to/tests/compat/test_types_parity.py -p no:cacheprovider --noconftest
  -c /dev/null --rootdir /tmp --import-mode=importlib``.

Where this SDK does better on purpose, the behaviour is left out here and tested in tests/test_types_tensor_data.py:
``TensorData.from_torch`` detaches a tensor that requires grad (0.38 raises), a CSR layout is checked where the
tensor is built (0.38 fails only when densifying), and ``dataclasses.replace`` works on a TensorData (0.38 raises).

The first test's id names the ``tinker`` that was imported and its version, so ``-v`` output shows which SDK ran.
Torch-only tests skip when torch is not installed.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest

import tinker
from tinker import types

pytestmark = pytest.mark.filterwarnings("error")

FROZEN_DATACLASSES = (
    "Datum",
    "ForwardBackwardInput",
    "ForwardBackwardOutput",
    "ForwardBackwardRequest",
    "ForwardRequest",
    "PromptAltTokens",
    "PromptProvenanceSpan",
    "SampleResponse",
    "SampledProvenanceSpan",
    "SampledSequence",
    "TensorData",
)

FIELDS = {
    "Datum": ("model_input", "loss_fn_inputs", "model_input_spans", "loss_fn_input_spans"),
    "TensorData": ("dtype", "shape", "sparse_crow_indices", "sparse_col_indices", "_numpy"),
    "SampledSequence": (
        "stop_reason",
        "sequence_id",
        "tokens_np",
        "logprobs_np",
        "topk_logprobs_np",
        "_tokens_list",
        "_logprobs_list",
        "_topk_logprobs_list",
    ),
    "SampleResponse": (
        "sequences",
        "prompt_logprobs_np",
        "topk_prompt_logprobs_np",
        "target_prompt_logprobs",
        "prompt_cache_hit_tokens",
        "prompt_alt_tokens",
        "_prompt_logprobs_list",
        "_topk_prompt_logprobs_list",
    ),
    "ForwardBackwardOutput": ("loss_fn_output_type", "loss_fn_outputs", "metrics"),
    "ForwardBackwardInput": ("data", "loss_fn", "loss_fn_config"),
    "ForwardBackwardRequest": ("forward_backward_input", "model_id", "seq_id"),
    "ForwardRequest": ("forward_input", "model_id", "seq_id"),
    "PromptAltTokens": ("tokens", "logprobs"),
    "PromptProvenanceSpan": ("sequence_id", "offset", "length"),
    "SampledProvenanceSpan": ("sequence_id", "offset", "length"),
}

# The fields that appear in the repr (the others are declared with repr=False).
REPR_FIELDS = {
    "Datum": ("model_input", "loss_fn_inputs", "model_input_spans", "loss_fn_input_spans"),
    "TensorData": ("dtype", "shape", "sparse_crow_indices", "sparse_col_indices"),
    "SampledSequence": ("stop_reason", "sequence_id"),
    "SampleResponse": ("sequences", "target_prompt_logprobs", "prompt_cache_hit_tokens", "prompt_alt_tokens"),
    "ForwardBackwardOutput": ("loss_fn_output_type", "loss_fn_outputs", "metrics"),
    "ForwardBackwardInput": ("data", "loss_fn", "loss_fn_config"),
    "ForwardBackwardRequest": ("forward_backward_input", "model_id", "seq_id"),
    "ForwardRequest": ("forward_input", "model_id", "seq_id"),
    "PromptAltTokens": ("tokens", "logprobs"),
    "PromptProvenanceSpan": ("sequence_id", "offset", "length"),
    "SampledProvenanceSpan": ("sequence_id", "offset", "length"),
}

# ``__module__`` decides the reference a pickle stores, so pickles made by one SDK load with the other only if
# these agree: the types ``tinker`` re-exports claim to live in ``tinker``, the others in their official module.
MODULES = {
    "Datum": "tinker",
    "TensorData": "tinker",
    "SampledSequence": "tinker",
    "SampleResponse": "tinker",
    "ForwardBackwardOutput": "tinker",
    "PromptProvenanceSpan": "tinker",
    "SampledProvenanceSpan": "tinker",
    "ForwardBackwardInput": "tinker.types.forward_backward_input",
    "ForwardBackwardRequest": "tinker.types.forward_backward_request",
    "ForwardRequest": "tinker.types.forward_request",
    "PromptAltTokens": "tinker.types.prompt_alt_tokens",
}

# The official per-type modules user code imports from, and what each must hold.
DEEP_PATHS = (
    ("tinker.types.datum", "Datum"),
    ("tinker.types.tensor_data", "TensorData"),
    ("tinker.types.sampled_sequence", "SampledSequence"),
    ("tinker.types.sample_response", "SampleResponse"),
    ("tinker.types.forward_backward_output", "ForwardBackwardOutput"),
    ("tinker.types.forward_backward_input", "ForwardBackwardInput"),
    ("tinker.types.forward_backward_request", "ForwardBackwardRequest"),
    ("tinker.types.forward_request", "ForwardRequest"),
    ("tinker.types.prompt_alt_tokens", "PromptAltTokens"),
    ("tinker.types.provenance_spans", "PromptProvenanceSpan"),
    ("tinker.types.provenance_spans", "SampledProvenanceSpan"),
    ("tinker.types.model_input", "ModelInput"),
)


def _torch():
    return pytest.importorskip("torch")


def _topk_logprobs_cls():
    from tinker.types.topk_logprobs import TopkLogprobs

    return TopkLogprobs


def _mi(n: int = 3) -> types.ModelInput:
    return types.ModelInput.from_ints(list(range(1, n + 1)))


def _td(values, dtype="float32", shape=None) -> types.TensorData:
    return types.TensorData(data=values, dtype=dtype, shape=shape)


# ---------------------------------------------------------------------------------------------------------------
# Which tinker is under test
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", [f"tinker-{tinker.__version__}-at-{tinker.__file__}"])
def test_reports_which_tinker_is_under_test(where: str) -> None:
    print(f"tinker under test: {where}")
    assert tinker.types is types


# ---------------------------------------------------------------------------------------------------------------
# Which types are dataclasses, their fields, where they live
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FROZEN_DATACLASSES)
def test_is_a_dataclass(name: str) -> None:
    cls = getattr(types, name)
    assert isinstance(cls, type)
    assert dataclasses.is_dataclass(cls)


def test_exactly_these_public_types_are_dataclasses() -> None:
    found = {
        name
        for name, value in vars(types).items()
        if not name.startswith("_") and isinstance(value, type) and dataclasses.is_dataclass(value)
    }
    assert found == set(FROZEN_DATACLASSES)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_names_and_order(name: str) -> None:
    assert tuple(f.name for f in dataclasses.fields(getattr(types, name))) == FIELDS[name]


@pytest.mark.parametrize("name", sorted(REPR_FIELDS))
def test_fields_shown_in_repr(name: str) -> None:
    assert tuple(f.name for f in dataclasses.fields(getattr(types, name)) if f.repr) == REPR_FIELDS[name]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_attribute(name: str) -> None:
    assert getattr(types, name).__module__ == MODULES[name]


@pytest.mark.parametrize(("module", "name"), DEEP_PATHS)
def test_official_deep_import_path(module: str, name: str) -> None:
    import importlib

    assert getattr(importlib.import_module(module), name) is getattr(types, name)


@pytest.mark.parametrize(
    "name",
    [
        "Datum",
        "TensorData",
        "SampledSequence",
        "SampleResponse",
        "ForwardBackwardOutput",
        "PromptProvenanceSpan",
        "SampledProvenanceSpan",
        "ModelInput",
    ],
)
def test_top_level_reexport_is_the_same_class(name: str) -> None:
    assert getattr(tinker, name) is getattr(types, name)


def test_topk_logprobs_is_only_in_its_module() -> None:
    cls = _topk_logprobs_cls()
    assert dataclasses.is_dataclass(cls)
    assert tuple(f.name for f in dataclasses.fields(cls)) == ("token_ids", "logprobs")
    assert not hasattr(types, "TopkLogprobs")


def test_topk_logprobs_has_slots() -> None:
    cls = _topk_logprobs_cls()
    value = cls(np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1), dtype=np.float32))
    assert cls.__slots__ == ("token_ids", "logprobs")
    assert not hasattr(value, "__dict__")


@pytest.mark.parametrize("name", ["Datum", "TensorData", "SampledSequence", "SampleResponse", "PromptProvenanceSpan"])
def test_dataclasses_have_an_instance_dict(name: str) -> None:
    # No slots: cached_property and pickling of the instance dict rely on it.
    assert "__slots__" not in vars(getattr(types, name))


@pytest.mark.parametrize(
    "name", ["ModelInput", "SamplingParams", "SampleRequest", "EncodedTextChunk", "OptimStepResponse"]
)
def test_other_types_stay_pydantic(name: str) -> None:
    cls = getattr(types, name)
    assert not dataclasses.is_dataclass(cls)
    assert hasattr(cls, "model_dump")
    assert hasattr(cls, "model_validate")


def test_dataclasses_have_no_pydantic_api() -> None:
    for name in FROZEN_DATACLASSES:
        cls = getattr(types, name)
        assert not hasattr(cls, "model_dump"), name
        assert not hasattr(cls, "model_validate"), name


def test_dataclasses_fields_of_model_input_raises_type_error() -> None:
    with pytest.raises(TypeError):
        dataclasses.fields(_mi())


# ---------------------------------------------------------------------------------------------------------------
# ModelInput (pydantic) as the dataclasses see it
# ---------------------------------------------------------------------------------------------------------------


def test_model_input_from_ints_is_pydantic() -> None:
    mi = types.ModelInput.from_ints([1, 2, 3])
    assert mi.model_dump() == {"chunks": [{"tokens": [1, 2, 3], "type": "encoded_text"}]}
    assert mi.length == 3
    assert mi.to_ints() == [1, 2, 3]
    assert types.ModelInput.model_validate(mi.model_dump()) == mi


def test_model_input_is_frozen_pydantic() -> None:
    mi = _mi()
    with pytest.raises(ValueError):  # pydantic's ValidationError
        mi.chunks = []


def test_sample_request_target_prompt_logprobs_accepts_a_dict() -> None:
    request = types.SampleRequest(
        prompt=_mi(),
        sampling_params=types.SamplingParams(),
        target_prompt_logprobs={"data": [1, 2], "dtype": "int64", "shape": [1, 2]},
    )
    assert request.target_prompt_logprobs.data == [1, 2]
    assert request.target_prompt_logprobs.tolist() == [[1, 2]]
    dumped = request.model_dump()["target_prompt_logprobs"]
    dumped.pop("pad_value", None)  # this SDK's document has the wire's pad_value, which 0.38's model lacks
    assert dumped == {
        "data": [1, 2],
        "dtype": "int64",
        "shape": [1, 2],
        "sparse_crow_indices": None,
        "sparse_col_indices": None,
    }


# ---------------------------------------------------------------------------------------------------------------
# Datum: construction and loss_fn_inputs conversion
# ---------------------------------------------------------------------------------------------------------------


def test_datum_positional() -> None:
    mi = _mi()
    datum = types.Datum(mi, {})
    assert datum.model_input is mi
    assert datum.loss_fn_inputs == {}
    assert datum.model_input_spans is None
    assert datum.loss_fn_input_spans is None


def test_datum_keywords() -> None:
    mi = _mi()
    weights = _td([1.0, 0.0, 1.0])
    datum = types.Datum(model_input=mi, loss_fn_inputs={"weights": weights})
    assert datum.model_input is mi
    assert datum.loss_fn_inputs["weights"] is weights


def test_datum_loss_fn_inputs_defaults_to_a_fresh_empty_dict() -> None:
    first = types.Datum(model_input=_mi())
    second = types.Datum(model_input=_mi())
    assert first.loss_fn_inputs == {}
    assert type(first.loss_fn_inputs) is dict
    assert first.loss_fn_inputs is not second.loss_fn_inputs


def test_datum_requires_model_input() -> None:
    with pytest.raises(TypeError):
        types.Datum()


def test_datum_unknown_keyword_raises_type_error() -> None:
    with pytest.raises(TypeError):
        types.Datum(model_input=_mi(), bogus=1)


def test_datum_copies_the_callers_dict() -> None:
    inputs = {"weights": [1.0, 0.0, 1.0]}
    datum = types.Datum(_mi(), inputs)
    assert datum.loss_fn_inputs is not inputs
    assert inputs == {"weights": [1.0, 0.0, 1.0]}
    assert isinstance(datum.loss_fn_inputs["weights"], types.TensorData)


def test_datum_keeps_tensor_data_values_as_they_are() -> None:
    weights = _td([1.0, 0.0, 1.0])
    assert types.Datum(_mi(), {"weights": weights}).loss_fn_inputs["weights"] is weights


def test_datum_numpy_arrays_become_tensor_data() -> None:
    datum = types.Datum(
        model_input=_mi(),
        loss_fn_inputs={"target_tokens": np.array([1, 2, 3]), "weights": np.array([1.0, 0.0, 1.0])},
    )
    target, weights = datum.loss_fn_inputs["target_tokens"], datum.loss_fn_inputs["weights"]
    assert isinstance(target, types.TensorData)
    assert isinstance(weights, types.TensorData)
    assert (target.dtype, target.shape, target.data) == ("int64", [3], [1, 2, 3])
    assert (weights.dtype, weights.shape, weights.data) == ("float32", [3], [1.0, 0.0, 1.0])


def test_datum_numpy_dtype_follows_the_array_not_the_key() -> None:
    datum = types.Datum(_mi(), {"weights": np.array([1, 0]), "target_tokens": np.array([1.0, 2.0])})
    assert datum.loss_fn_inputs["weights"].dtype == "int64"
    assert datum.loss_fn_inputs["target_tokens"].dtype == "float32"


def test_datum_numpy_widths_are_normalised() -> None:
    datum = types.Datum(
        _mi(), {"weights": np.array([1.5], dtype=np.float64), "target_tokens": np.array([1], dtype=np.int32)}
    )
    assert datum.loss_fn_inputs["weights"].to_numpy().dtype == np.float32
    assert datum.loss_fn_inputs["target_tokens"].to_numpy().dtype == np.int64


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_])
def test_datum_numpy_unsupported_dtype_raises_value_error(dtype) -> None:
    with pytest.raises(ValueError):
        types.Datum(_mi(), {"weights": np.array([1], dtype=dtype)})


def test_datum_numpy_2d_is_never_sparse() -> None:
    dense = np.zeros((4, 4), dtype=np.int64)
    dense[0, 3] = 5
    target = types.Datum(_mi(), {"target_tokens": dense}).loss_fn_inputs["target_tokens"]
    assert target.sparse_crow_indices is None
    assert target.shape == [4, 4]


@pytest.mark.parametrize(
    ("key", "dtype"),
    [
        ("target_tokens", "int64"),
        ("weights", "float32"),
        ("advantages", "float32"),
        ("logprobs", "float32"),
        ("clip_low_threshold", "float32"),
        ("clip_high_threshold", "float32"),
        ("sequence_ratio_mask", "float32"),
    ],
)
def test_datum_plain_list_dtype_comes_from_the_key(key: str, dtype: str) -> None:
    value = types.Datum(_mi(), {key: [1, 2, 3]}).loss_fn_inputs[key]
    assert isinstance(value, types.TensorData)
    assert value.dtype == dtype
    assert value.shape == [3]
    assert value.to_numpy().dtype == np.dtype(dtype)


def test_datum_plain_list_of_floats_for_target_tokens_becomes_int64() -> None:
    value = types.Datum(_mi(), {"target_tokens": [1.0, 2.0]}).loss_fn_inputs["target_tokens"]
    assert value.dtype == "int64"
    assert value.data == [1, 2]


def test_datum_plain_list_of_ints_for_weights_becomes_float32() -> None:
    value = types.Datum(_mi(), {"weights": [1, 0, 1]}).loss_fn_inputs["weights"]
    assert value.data == [1.0, 0.0, 1.0]
    assert all(type(x) is float for x in value.data)


def test_datum_plain_list_under_an_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        types.Datum(_mi(), {"mask": [1.0, 0.0]})


def test_datum_unknown_key_is_fine_as_tensor_data() -> None:
    mask = types.TensorData.from_numpy(np.array([0.0, 1.0], dtype=np.float32))
    assert types.Datum(_mi(), {"mask": mask}).loss_fn_inputs["mask"] is mask


def test_datum_empty_list() -> None:
    datum = types.Datum(_mi(), {"weights": [], "target_tokens": []})
    assert (datum.loss_fn_inputs["weights"].dtype, datum.loss_fn_inputs["weights"].shape) == ("float32", [0])
    assert (datum.loss_fn_inputs["target_tokens"].dtype, datum.loss_fn_inputs["target_tokens"].shape) == (
        "int64",
        [0],
    )


def test_datum_nested_list_keeps_its_shape() -> None:
    value = types.Datum(_mi(), {"weights": [[1, 2], [3, 4]]}).loss_fn_inputs["weights"]
    assert value.shape == [2, 2]
    assert value.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_datum_ragged_list_raises_value_error() -> None:
    with pytest.raises(ValueError):
        types.Datum(_mi(), {"weights": [[1, 2], [3]]})


def test_datum_list_of_strings_raises_value_error() -> None:
    with pytest.raises(ValueError):
        types.Datum(_mi(), {"weights": ["a", "b"]})


@pytest.mark.parametrize("value", [(1.0, 2.0), 1.0, "x", None], ids=["tuple", "float", "str", "none"])
def test_datum_unsupported_value_raises_type_error(value) -> None:
    with pytest.raises(TypeError):
        types.Datum(_mi(), {"weights": value})


def test_datum_loss_fn_inputs_none_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        types.Datum(_mi(), None)


def test_datum_torch_tensors_become_tensor_data() -> None:
    torch = _torch()
    datum = types.Datum(
        model_input=_mi(),
        loss_fn_inputs={"target_tokens": torch.tensor([1, 2, 3]), "weights": torch.tensor([1.0, 0.0, 1.0])},
    )
    target, weights = datum.loss_fn_inputs["target_tokens"], datum.loss_fn_inputs["weights"]
    assert isinstance(target, types.TensorData)
    assert (target.dtype, target.shape, target.data, target.sparse_crow_indices) == ("int64", [3], [1, 2, 3], None)
    assert (weights.dtype, weights.shape, weights.data) == ("float32", [3], [1.0, 0.0, 1.0])


def test_datum_torch_widths_are_normalised() -> None:
    torch = _torch()
    datum = types.Datum(
        _mi(),
        {
            "target_tokens": torch.tensor([1], dtype=torch.int32),
            "weights": torch.tensor([1.0], dtype=torch.bfloat16),
        },
    )
    assert datum.loss_fn_inputs["target_tokens"].to_numpy().dtype == np.int64
    assert datum.loss_fn_inputs["weights"].dtype == "float32"


def test_datum_torch_bool_raises_value_error() -> None:
    torch = _torch()
    with pytest.raises(ValueError):
        types.Datum(_mi(), {"weights": torch.tensor([True, False])})


@pytest.mark.parametrize("key", ["target_tokens", "weights"])
def test_datum_mostly_zero_2d_torch_target_tokens_and_weights_go_sparse(key: str) -> None:
    torch = _torch()
    dense = torch.zeros((4, 4), dtype=torch.int64 if key == "target_tokens" else torch.float32)
    dense[0, 3] = 5
    dense[3, 0] = 7
    value = types.Datum(_mi(), {key: dense}).loss_fn_inputs[key]
    assert value.shape == [4, 4]
    assert value.sparse_crow_indices == [0, 1, 1, 1, 2]
    assert value.sparse_col_indices == [3, 0]
    assert value.data == [5, 7]
    assert value.tolist() == dense.tolist()


def test_datum_2d_torch_under_other_keys_stays_dense() -> None:
    torch = _torch()
    dense = torch.zeros((4, 4))
    dense[0, 3] = 1.0
    value = types.Datum(_mi(), {"advantages": dense}).loss_fn_inputs["advantages"]
    assert value.sparse_crow_indices is None
    assert value.shape == [4, 4]


def test_datum_dense_2d_torch_weights_stay_dense() -> None:
    torch = _torch()
    value = types.Datum(_mi(), {"weights": torch.ones((2, 2))}).loss_fn_inputs["weights"]
    assert value.sparse_crow_indices is None
    assert value.data == [1.0, 1.0, 1.0, 1.0]


def test_datum_cookbook_rl_style() -> None:
    torch = _torch()
    datum = tinker.Datum(
        model_input=_mi(4),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_torch(torch.tensor([2, 3, 4, 5])),
            "logprobs": types.TensorData.from_torch(torch.tensor([0.0, -0.5, -0.25, -1.0])),
            "advantages": types.TensorData.from_torch(torch.tensor([0.0, 1.0, 1.0, 1.0])),
            "mask": types.TensorData.from_torch(torch.tensor([0.0, 1.0, 1.0, 1.0])),
        },
    )
    assert datum.loss_fn_inputs["mask"].to_torch().float().tolist() == [0.0, 1.0, 1.0, 1.0]
    assert (datum.loss_fn_inputs["mask"].to_torch() > 0).tolist() == [False, True, True, True]
    assert datum.loss_fn_inputs["target_tokens"].tolist()[-1] == 5
    without_mask = tinker.Datum(
        model_input=datum.model_input,
        loss_fn_inputs={k: v for k, v in datum.loss_fn_inputs.items() if k != "mask"},
    )
    assert list(without_mask.loss_fn_inputs) == ["target_tokens", "logprobs", "advantages"]


def test_datum_cookbook_supervised_style() -> None:
    weights = np.array([0.0, 1.0, 1.0])
    datum = tinker.Datum(
        model_input=_mi(),
        loss_fn_inputs={
            "weights": tinker.TensorData(data=weights.tolist(), dtype="float32", shape=list(weights.shape)),
            "target_tokens": tinker.TensorData(data=[2, 3, 4], dtype="int64", shape=[3]),
        },
    )
    assert [0.0, *datum.loss_fn_inputs["weights"].tolist()] == [0.0, 0.0, 1.0, 1.0]
    assert datum.loss_fn_inputs["target_tokens"].to_numpy().tolist() == [2, 3, 4]


# ---------------------------------------------------------------------------------------------------------------
# Datum: provenance spans
# ---------------------------------------------------------------------------------------------------------------


def _spans_for_four():
    model_input = [
        types.PromptProvenanceSpan(sequence_id="p", length=2),
        types.SampledProvenanceSpan(sequence_id="s", length=2),
    ]
    loss_fn_inputs = [
        types.PromptProvenanceSpan(sequence_id="p", offset=1, length=1),
        types.SampledProvenanceSpan(sequence_id="s", length=3),
    ]
    return model_input, loss_fn_inputs


def _datum_of_four() -> types.Datum:
    return types.Datum(_mi(4), {"target_tokens": [2, 3, 4, 5], "weights": [0, 0, 1, 1]})


def test_with_provenance_attaches_both_span_lists() -> None:
    datum = _datum_of_four()
    spans_in, spans_lf = _spans_for_four()
    annotated = datum.with_provenance(spans_in, spans_lf)
    assert type(annotated) is types.Datum
    assert annotated.model_input_spans is spans_in
    assert annotated.loss_fn_input_spans is spans_lf
    assert annotated.model_input is datum.model_input
    assert annotated.loss_fn_inputs["weights"] is datum.loss_fn_inputs["weights"]
    assert datum.model_input_spans is None
    assert datum.loss_fn_input_spans is None


def test_with_provenance_keywords() -> None:
    spans_in, spans_lf = _spans_for_four()
    annotated = _datum_of_four().with_provenance(model_input=spans_in, loss_fn_inputs=spans_lf)
    assert annotated.model_input_spans == spans_in
    assert annotated.loss_fn_input_spans == spans_lf


@pytest.mark.parametrize("length", [3, 5])
def test_with_provenance_model_input_spans_must_tile(length: int) -> None:
    _, spans_lf = _spans_for_four()
    with pytest.raises(ValueError):
        _datum_of_four().with_provenance([types.PromptProvenanceSpan(sequence_id="p", length=length)], spans_lf)


def test_with_provenance_loss_fn_input_spans_must_tile_target_tokens() -> None:
    spans_in, _ = _spans_for_four()
    with pytest.raises(ValueError):
        _datum_of_four().with_provenance(spans_in, [types.SampledProvenanceSpan(sequence_id="s", length=3)])


def test_with_provenance_without_target_tokens_does_not_check_loss_fn_input_spans() -> None:
    spans_in, _ = _spans_for_four()
    odd = [types.SampledProvenanceSpan(sequence_id="s", length=99)]
    assert types.Datum(_mi(4), {}).with_provenance(spans_in, odd).loss_fn_input_spans == odd


def test_with_provenance_with_2d_target_tokens_does_not_check_loss_fn_input_spans() -> None:
    spans_in, _ = _spans_for_four()
    odd = [types.SampledProvenanceSpan(sequence_id="s", length=99)]
    datum = types.Datum(_mi(4), {"target_tokens": np.zeros((4, 2), dtype=np.int64)})
    assert datum.with_provenance(spans_in, odd).loss_fn_input_spans == odd


def test_with_provenance_empty() -> None:
    annotated = types.Datum(types.ModelInput.empty(), {}).with_provenance([], [])
    assert annotated.model_input_spans == []
    assert annotated.loss_fn_input_spans == []


def test_with_provenance_non_span_entry_raises_attribute_error() -> None:
    _, spans_lf = _spans_for_four()
    with pytest.raises(AttributeError):
        _datum_of_four().with_provenance(["x"], spans_lf)


def test_with_provenance_keeps_a_tuple_as_given() -> None:
    spans_in, spans_lf = _spans_for_four()
    annotated = _datum_of_four().with_provenance(tuple(spans_in), tuple(spans_lf))
    assert annotated.model_input_spans == tuple(spans_in)


def test_datum_spans_come_as_a_pair() -> None:
    spans_in, _ = _spans_for_four()
    with pytest.raises(AssertionError):
        types.Datum(_mi(4), {}, spans_in)
    with pytest.raises(AssertionError):
        types.Datum(model_input=_mi(4), loss_fn_input_spans=spans_in)


def test_datum_span_entries_must_be_spans() -> None:
    with pytest.raises(TypeError):
        types.Datum(_mi(4), {}, [{"sequence_id": "p", "length": 4}], [])
    with pytest.raises(TypeError):
        types.Datum(_mi(4), {}, [], ["x"])


def test_datum_spans_by_keyword_are_not_checked_for_tiling() -> None:
    spans = [types.PromptProvenanceSpan(sequence_id="p", length=99)]
    datum = types.Datum(model_input=_mi(4), model_input_spans=spans, loss_fn_input_spans=[])
    assert datum.model_input_spans is spans
    assert datum.loss_fn_input_spans == []


# ---------------------------------------------------------------------------------------------------------------
# Datum: dataclass behaviour
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", FIELDS["Datum"])
def test_datum_is_frozen(field: str) -> None:
    datum = types.Datum(_mi(), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(datum, field, None)


def test_datum_cannot_gain_or_lose_attributes() -> None:
    datum = types.Datum(_mi(), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        datum.extra = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        del datum.model_input


def test_datum_loss_fn_inputs_dict_itself_is_mutable() -> None:
    datum = types.Datum(_mi(), {})
    datum.loss_fn_inputs["weights"] = _td([1.0])
    assert list(datum.loss_fn_inputs) == ["weights"]


def test_datum_equality_without_tensors() -> None:
    assert types.Datum(_mi(), {}) == types.Datum(_mi(), {})
    assert types.Datum(_mi(), {}) != types.Datum(_mi(2), {})


def test_datum_equality_with_the_same_tensor_objects() -> None:
    weights = _td([1.0, 0.0, 1.0])
    assert types.Datum(_mi(), {"weights": weights}) == types.Datum(_mi(), {"weights": weights})


def test_datum_equality_with_equal_but_distinct_tensors_is_false() -> None:
    # TensorData compares by identity, so two Datums built from the same lists differ.
    assert types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]}) != types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]})


def test_datum_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(types.Datum(_mi(), {}))
    with pytest.raises(TypeError):
        hash(types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]}))


def test_datum_repr() -> None:
    text = repr(types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]}))
    assert text.startswith("Datum(model_input=ModelInput(")
    assert (
        "loss_fn_inputs={'weights': TensorData(dtype='float32', shape=[3], sparse_crow_indices=None,"
        " sparse_col_indices=None)}" in text
    )
    assert text.endswith("model_input_spans=None, loss_fn_input_spans=None)")


def test_datum_repr_shows_spans() -> None:
    spans_in, spans_lf = _spans_for_four()
    text = repr(_datum_of_four().with_provenance(spans_in, spans_lf))
    assert "model_input_spans=[PromptProvenanceSpan(sequence_id='p', offset=0, length=2)," in text


def test_datum_pickle_round_trip() -> None:
    datum = types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0], "target_tokens": [2, 3, 4]})
    restored = pickle.loads(pickle.dumps(datum))
    assert type(restored) is types.Datum
    assert restored.model_input == datum.model_input
    assert list(restored.loss_fn_inputs) == ["weights", "target_tokens"]
    for key, value in datum.loss_fn_inputs.items():
        assert isinstance(restored.loss_fn_inputs[key], types.TensorData)
        assert restored.loss_fn_inputs[key].dtype == value.dtype
        assert restored.loss_fn_inputs[key].shape == value.shape
        assert restored.loss_fn_inputs[key].data == value.data
    assert restored != datum  # the restored TensorData are new objects


def test_datum_without_tensors_is_equal_after_pickle_and_deepcopy() -> None:
    datum = types.Datum(_mi(), {})
    assert pickle.loads(pickle.dumps(datum)) == datum
    assert copy.deepcopy(datum) == datum


def test_datum_with_spans_pickle_round_trip() -> None:
    spans_in, spans_lf = _spans_for_four()
    restored = pickle.loads(pickle.dumps(_datum_of_four().with_provenance(spans_in, spans_lf)))
    assert restored.model_input_spans == spans_in
    assert restored.loss_fn_input_spans == spans_lf


def test_datum_deepcopy() -> None:
    datum = types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]})
    clone = copy.deepcopy(datum)
    assert clone.model_input == datum.model_input
    assert clone.model_input is not datum.model_input
    assert clone.loss_fn_inputs["weights"] is not datum.loss_fn_inputs["weights"]
    assert clone.loss_fn_inputs["weights"].data == [1.0, 0.0, 1.0]


def test_datum_replace_loss_fn_inputs_converts_again() -> None:
    mi = _mi()
    datum = types.Datum(mi, {"weights": [1.0, 0.0, 1.0]})
    replaced = dataclasses.replace(datum, loss_fn_inputs={"target_tokens": [1, 2, 3]})
    assert list(replaced.loss_fn_inputs) == ["target_tokens"]
    assert isinstance(replaced.loss_fn_inputs["target_tokens"], types.TensorData)
    assert replaced.loss_fn_inputs["target_tokens"].dtype == "int64"
    assert replaced.model_input is mi
    assert list(datum.loss_fn_inputs) == ["weights"]


def test_datum_replace_loss_fn_inputs_with_numpy() -> None:
    datum = types.Datum(_mi(), {})
    replaced = dataclasses.replace(datum, loss_fn_inputs={"weights": np.zeros(3)})
    assert replaced.loss_fn_inputs["weights"].dtype == "float32"


def test_datum_replace_loss_fn_inputs_with_torch() -> None:
    torch = _torch()
    replaced = dataclasses.replace(types.Datum(_mi(), {}), loss_fn_inputs={"weights": torch.zeros(3)})
    assert replaced.loss_fn_inputs["weights"].dtype == "float32"


def test_datum_replace_model_input_keeps_the_tensors() -> None:
    datum = types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]})
    replaced = dataclasses.replace(datum, model_input=types.ModelInput.from_ints([9, 9, 9]))
    assert replaced.model_input.to_ints() == [9, 9, 9]
    assert replaced.loss_fn_inputs["weights"] is datum.loss_fn_inputs["weights"]


def test_datum_replace_unknown_field_raises_type_error() -> None:
    with pytest.raises(TypeError):
        dataclasses.replace(types.Datum(_mi(), {}), bogus=1)


def test_datum_replace_keeps_spans_and_checks_the_pair() -> None:
    spans_in, spans_lf = _spans_for_four()
    annotated = _datum_of_four().with_provenance(spans_in, spans_lf)
    assert dataclasses.replace(annotated, loss_fn_inputs={}).loss_fn_input_spans == spans_lf
    cleared = dataclasses.replace(annotated, model_input_spans=None, loss_fn_input_spans=None)
    assert cleared.model_input_spans is None
    with pytest.raises(AssertionError):
        dataclasses.replace(annotated, model_input_spans=None)


def test_datum_asdict() -> None:
    datum = types.Datum(_mi(), {"weights": [1.0, 0.0, 1.0]})
    result = dataclasses.asdict(datum)
    assert list(result) == list(FIELDS["Datum"])
    assert isinstance(result["model_input"], types.ModelInput)  # pydantic models are not recursed into
    assert result["model_input"] == datum.model_input
    weights = result["loss_fn_inputs"]["weights"]
    assert list(weights) == list(FIELDS["TensorData"])
    assert weights["dtype"] == "float32"
    assert weights["shape"] == [3]
    assert isinstance(weights["_numpy"], np.ndarray)
    assert weights["_numpy"].tolist() == [1.0, 0.0, 1.0]
    assert result["model_input_spans"] is None


def test_datum_asdict_with_spans() -> None:
    annotated = types.Datum(_mi(), {}).with_provenance([types.PromptProvenanceSpan(sequence_id="s", length=3)], [])
    result = dataclasses.asdict(annotated)
    assert result["model_input_spans"] == [{"sequence_id": "s", "offset": 0, "length": 3}]
    assert result["loss_fn_input_spans"] == []


def test_datum_astuple_without_tensors() -> None:
    mi = _mi()
    assert dataclasses.astuple(types.Datum(mi, {})) == (mi, {}, None, None)


# ---------------------------------------------------------------------------------------------------------------
# TensorData: construction
# ---------------------------------------------------------------------------------------------------------------


def test_tensor_data_keywords() -> None:
    value = types.TensorData(data=[1, 2, 3], dtype="int64", shape=[3])
    assert (value.data, value.dtype, value.shape) == ([1, 2, 3], "int64", [3])
    assert value.sparse_crow_indices is None
    assert value.sparse_col_indices is None


def test_tensor_data_positional() -> None:
    value = types.TensorData([1, 2], "int64", [2])
    assert (value.data, value.dtype, value.shape) == ([1, 2], "int64", [2])


def test_tensor_data_all_positional_is_sparse_csr() -> None:
    value = types.TensorData([5, 7], "int64", [4, 4], [0, 1, 1, 1, 2], [3, 0])
    assert value.sparse_crow_indices == [0, 1, 1, 1, 2]
    assert value.sparse_col_indices == [3, 0]
    assert value.data == [5, 7]


def test_tensor_data_ndarray_data() -> None:
    array = np.array([1.0, 2.0], dtype=np.float32)
    value = types.TensorData(data=array, dtype="float32", shape=[2])
    assert value.data == [1.0, 2.0]
    assert value.to_numpy() is array


def test_tensor_data_requires_dtype() -> None:
    with pytest.raises(TypeError):
        types.TensorData(data=[1])
    with pytest.raises(TypeError):
        types.TensorData()


@pytest.mark.parametrize("dtype", ["float64", "int32", "bfloat16"])
def test_tensor_data_unsupported_dtype_raises_value_error(dtype: str) -> None:
    with pytest.raises(ValueError):
        types.TensorData(data=[1], dtype=dtype)


def test_tensor_data_unknown_keyword_raises_type_error() -> None:
    with pytest.raises(TypeError):
        types.TensorData(data=[1], dtype="int64", bogus=1)


def test_tensor_data_shape_that_does_not_fit_raises_value_error() -> None:
    with pytest.raises(ValueError):
        types.TensorData(data=[1, 2, 3], dtype="int64", shape=[2])


def test_tensor_data_shape_reshapes_flat_data() -> None:
    value = types.TensorData(data=[1, 2, 3, 4], dtype="int64", shape=[2, 2])
    assert value.data == [1, 2, 3, 4]
    assert value.shape == [2, 2]
    assert value.to_numpy().shape == (2, 2)
    assert value.tolist() == [[1, 2], [3, 4]]


def test_tensor_data_without_shape_keeps_none_and_is_1d() -> None:
    value = types.TensorData(data=[1, 2, 3], dtype="int64")
    assert value.shape is None
    assert value.to_numpy().shape == (3,)
    assert value.tolist() == [1, 2, 3]


def test_tensor_data_without_shape_keeps_the_arrays_shape() -> None:
    value = types.TensorData(data=np.array([[1, 2], [3, 4]]), dtype="int64")
    assert value.shape is None
    assert value.to_numpy().shape == (2, 2)
    assert value.data == [1, 2, 3, 4]


def test_tensor_data_without_data_is_empty() -> None:
    value = types.TensorData(dtype="float32")
    assert value.data == []
    assert value.shape is None
    assert value.to_numpy().dtype == np.float32


def test_tensor_data_casts_data_to_dtype() -> None:
    assert types.TensorData(data=[1, 2], dtype="float32").data == [1.0, 2.0]
    assert types.TensorData(data=[1.7, 2.2], dtype="int64").data == [1, 2]
    assert types.TensorData(data=np.array([1.5]), dtype="float32").to_numpy().dtype == np.float32


@pytest.mark.parametrize("data", [["a"], [[1], [1, 2]]], ids=["strings", "ragged"])
def test_tensor_data_bad_data_raises_value_error(data) -> None:
    with pytest.raises(ValueError):
        types.TensorData(data=data, dtype="int64")


# ---------------------------------------------------------------------------------------------------------------
# TensorData: data, numpy, lists
# ---------------------------------------------------------------------------------------------------------------


def test_tensor_data_data_is_a_flat_python_list() -> None:
    value = types.TensorData.from_numpy(np.arange(6).reshape(2, 3))
    assert value.data == [0, 1, 2, 3, 4, 5]
    assert type(value.data) is list
    assert all(type(x) is int for x in value.data)
    assert all(type(x) is float for x in types.TensorData.from_numpy(np.arange(2.0)).data)


def test_tensor_data_data_is_a_fresh_list_each_time() -> None:
    value = _td([1.0])
    value.data.append(9.0)
    assert value.data == [1.0]


def test_tensor_data_data_is_not_a_field() -> None:
    assert "data" not in FIELDS["TensorData"]
    assert "data" not in {f.name for f in dataclasses.fields(types.TensorData)}


@pytest.mark.parametrize(
    ("array", "dtype", "np_dtype"),
    [
        (np.array([1.5, 2.5]), "float32", np.float32),
        (np.array([1.5, 2.5], dtype=np.float32), "float32", np.float32),
        (np.array([1.5, 2.5], dtype=np.float16), "float32", np.float32),
        (np.array([1, 2]), "int64", np.int64),
        (np.array([1, 2], dtype=np.int32), "int64", np.int64),
        (np.array([1, 2], dtype=np.int8), "int64", np.int64),
    ],
    ids=["f64", "f32", "f16", "i64", "i32", "i8"],
)
def test_tensor_data_from_numpy_dtypes(array, dtype: str, np_dtype) -> None:
    value = types.TensorData.from_numpy(array)
    assert value.dtype == dtype
    assert value.shape == [2]
    assert value.to_numpy().dtype == np_dtype
    assert value.to_numpy().tolist() == array.astype(np_dtype).tolist()


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_])
def test_tensor_data_from_numpy_unsupported_dtype_raises_value_error(dtype) -> None:
    with pytest.raises(ValueError):
        types.TensorData.from_numpy(np.array([1], dtype=dtype))


def test_tensor_data_from_numpy_needs_an_array() -> None:
    with pytest.raises(AttributeError):
        types.TensorData.from_numpy([1, 2])


def test_tensor_data_from_numpy_2d() -> None:
    value = types.TensorData.from_numpy(np.array([[1, 2], [3, 4]]))
    assert value.shape == [2, 2]
    assert value.tolist() == [[1, 2], [3, 4]]


def test_tensor_data_from_numpy_0d() -> None:
    value = types.TensorData.from_numpy(np.array(3))
    assert value.shape == []
    assert value.data == [3]
    assert value.tolist() == 3


def test_tensor_data_from_numpy_shares_a_writable_array() -> None:
    array = np.array([1.0, 2.0], dtype=np.float32)
    value = types.TensorData.from_numpy(array)
    assert value.to_numpy() is array
    assert value.to_numpy() is value.to_numpy()


def test_tensor_data_from_numpy_copies_a_read_only_array() -> None:
    array = np.array([1.0], dtype=np.float32)
    array.flags.writeable = False
    value = types.TensorData.from_numpy(array)
    assert value.to_numpy() is not array
    assert value.to_numpy().flags.writeable
    assert value.data == [1.0]


@pytest.mark.parametrize(("dtype", "np_dtype"), [("float32", np.float32), ("int64", np.int64)])
def test_tensor_data_to_numpy_dtype(dtype: str, np_dtype) -> None:
    value = types.TensorData(data=[1, 2], dtype=dtype)
    assert isinstance(value.to_numpy(), np.ndarray)
    assert value.to_numpy().dtype == np_dtype


# ---------------------------------------------------------------------------------------------------------------
# TensorData: torch
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "torch_dtype"), [("float32", "float32"), ("int64", "int64")])
def test_tensor_data_to_torch(dtype: str, torch_dtype: str) -> None:
    torch = _torch()
    value = types.TensorData(data=[1, 2, 3, 4], dtype=dtype, shape=[2, 2])
    tensor = value.to_torch()
    assert isinstance(tensor, torch.Tensor)
    assert tensor.dtype == getattr(torch, torch_dtype)
    assert tuple(tensor.shape) == (2, 2)
    assert tensor.tolist() == value.tolist()


def test_tensor_data_to_torch_shares_memory_with_numpy() -> None:
    _torch()
    value = types.TensorData(data=[1, 2], dtype="int64")
    assert np.shares_memory(value.to_torch().numpy(), value.to_numpy())


@pytest.mark.parametrize(
    ("torch_dtype", "dtype"),
    [
        ("float32", "float32"),
        ("float64", "float32"),
        ("float16", "float32"),
        ("bfloat16", "float32"),
        ("int64", "int64"),
        ("int32", "int64"),
    ],
)
def test_tensor_data_from_torch_dtypes(torch_dtype: str, dtype: str) -> None:
    torch = _torch()
    value = types.TensorData.from_torch(torch.tensor([1.0, 2.0]).to(getattr(torch, torch_dtype)))
    assert value.dtype == dtype
    assert value.shape == [2]
    assert value.to_numpy().dtype == np.dtype(dtype)
    assert value.to_torch().dtype == getattr(torch, dtype)
    assert value.tolist() == ([1.0, 2.0] if dtype == "float32" else [1, 2])


@pytest.mark.parametrize("torch_dtype", ["bool", "uint8"])
def test_tensor_data_from_torch_unsupported_dtype_raises_value_error(torch_dtype: str) -> None:
    torch = _torch()
    with pytest.raises(ValueError):
        types.TensorData.from_torch(torch.tensor([1]).to(getattr(torch, torch_dtype)))


def test_tensor_data_from_torch_non_contiguous() -> None:
    torch = _torch()
    assert types.TensorData.from_torch(torch.arange(6).reshape(2, 3).t()).tolist() == [[0, 3], [1, 4], [2, 5]]


def test_tensor_data_from_torch_0d() -> None:
    torch = _torch()
    value = types.TensorData.from_torch(torch.tensor(3))
    assert value.shape == []
    assert value.tolist() == 3


def test_tensor_data_from_torch_needs_a_tensor() -> None:
    _torch()
    with pytest.raises(AttributeError):
        types.TensorData.from_torch([1, 2])
    with pytest.raises(AttributeError):
        types.TensorData.from_torch(np.array([1, 2]))


# ---------------------------------------------------------------------------------------------------------------
# TensorData: sparse CSR
# ---------------------------------------------------------------------------------------------------------------


def _sparse_dense(torch, pad: int = 0):
    dense = torch.full((4, 4), pad, dtype=torch.int64)
    dense[0, 3] = 5
    dense[3, 0] = 7
    return dense


def test_tensor_data_from_torch_sparse_fields() -> None:
    torch = _torch()
    value = types.TensorData.from_torch_sparse(_sparse_dense(torch))
    assert value.dtype == "int64"
    assert value.shape == [4, 4]
    assert value.sparse_crow_indices == [0, 1, 1, 1, 2]
    assert value.sparse_col_indices == [3, 0]
    assert value.data == [5, 7]
    assert type(value.sparse_crow_indices) is list
    assert all(type(x) is int for x in value.sparse_crow_indices + value.sparse_col_indices + value.data)


def test_tensor_data_sparse_densifies_with_zero_by_default() -> None:
    torch = _torch()
    dense = _sparse_dense(torch)
    value = types.TensorData.from_torch_sparse(dense)
    assert torch.equal(value.to_torch(), dense)
    assert isinstance(value.to_numpy(), np.ndarray)
    assert value.to_numpy().dtype == np.int64
    assert value.to_numpy().tolist() == dense.tolist()
    assert value.tolist() == dense.tolist()


def test_tensor_data_sparse_densifies_with_a_pad_value() -> None:
    torch = _torch()
    value = types.TensorData.from_torch_sparse(_sparse_dense(torch))
    expected = _sparse_dense(torch, pad=-100).tolist()
    assert value.tolist(pad_value=-100) == expected
    assert value.tolist(-100) == expected
    assert value.to_numpy(pad_value=-100).tolist() == expected
    assert value.to_torch(pad_value=-100).tolist() == expected
    assert value.tolist(pad_value=np.int64(-100)) == expected


def test_tensor_data_sparse_round_trip_with_a_pad_value() -> None:
    torch = _torch()
    dense = _sparse_dense(torch, pad=-100)
    value = types.TensorData.from_torch_sparse(dense, pad_value=-100)
    assert value.sparse_crow_indices == [0, 1, 1, 1, 2]
    assert value.sparse_col_indices == [3, 0]
    assert value.data == [5, 7]
    assert torch.equal(value.to_torch(pad_value=-100), dense)
    assert value.tolist(pad_value=-100) == dense.tolist()
    assert value.tolist() == _sparse_dense(torch).tolist()  # the pad is not stored
    assert types.TensorData.from_torch_sparse(dense, -100).sparse_crow_indices == [0, 1, 1, 1, 2]


def test_tensor_data_sparse_float() -> None:
    torch = _torch()
    dense = torch.zeros((4, 4))
    dense[0, 3] = 0.5
    value = types.TensorData.from_torch_sparse(dense)
    assert value.dtype == "float32"
    assert value.sparse_crow_indices == [0, 1, 1, 1, 1]
    assert value.data == [0.5]
    assert value.tolist() == dense.tolist()
    assert value.to_torch().dtype == torch.float32


@pytest.mark.parametrize("pad_value", [0.5, -100.0, True, False, "x"], ids=repr)
def test_tensor_data_pad_value_must_be_an_integer(pad_value) -> None:
    torch = _torch()
    value = types.TensorData.from_torch_sparse(_sparse_dense(torch))
    with pytest.raises(TypeError):
        types.TensorData.from_torch_sparse(_sparse_dense(torch), pad_value=pad_value)
    with pytest.raises(TypeError):
        value.tolist(pad_value=pad_value)
    with pytest.raises(TypeError):
        value.to_torch(pad_value=pad_value)
    with pytest.raises(TypeError):
        value.to_numpy(pad_value=pad_value)


@pytest.mark.parametrize(
    "shape_maker",
    [
        lambda torch: torch.tensor([0, 0, 1]),
        lambda torch: torch.tensor([[1, 2], [3, 4]]),
        lambda torch: torch.zeros((2, 2, 2)),
    ],
    ids=["1d", "dense-2d", "3d"],
)
def test_tensor_data_from_torch_sparse_falls_back_to_dense(shape_maker) -> None:
    torch = _torch()
    tensor = shape_maker(torch)
    value = types.TensorData.from_torch_sparse(tensor)
    assert value.sparse_crow_indices is None
    assert value.sparse_col_indices is None
    assert value.shape == list(tensor.shape)
    assert value.tolist() == tensor.tolist()


def test_tensor_data_from_torch_sparse_needs_a_tensor() -> None:
    _torch()
    with pytest.raises(AttributeError):
        types.TensorData.from_torch_sparse(np.zeros((4, 4)))


def test_tensor_data_csr_by_keywords_densifies() -> None:
    _torch()
    value = types.TensorData(
        data=[5, 7], dtype="int64", shape=[4, 4], sparse_crow_indices=[0, 1, 1, 1, 2], sparse_col_indices=[3, 0]
    )
    assert value.data == [5, 7]
    assert value.tolist() == [[0, 0, 0, 5], [0, 0, 0, 0], [0, 0, 0, 0], [7, 0, 0, 0]]
    assert value.tolist(pad_value=1) == [[1, 1, 1, 5], [1, 1, 1, 1], [1, 1, 1, 1], [7, 1, 1, 1]]


# ---------------------------------------------------------------------------------------------------------------
# TensorData: dataclass behaviour
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", [*FIELDS["TensorData"], "data", "extra"])
def test_tensor_data_is_frozen(field: str) -> None:
    value = _td([1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, None)


def test_tensor_data_attributes_cannot_be_deleted() -> None:
    value = _td([1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.dtype


def test_tensor_data_compares_by_identity() -> None:
    first, second = _td([1.0, 2.0]), _td([1.0, 2.0])
    assert first == first
    assert first != second
    assert (first == second) is False


def test_tensor_data_is_hashable_by_identity() -> None:
    first, second = _td([1.0, 2.0]), _td([1.0, 2.0])
    assert hash(first) == hash(first)
    assert len({first, second, first}) == 2


def test_tensor_data_repr() -> None:
    assert (
        repr(types.TensorData(data=[1.0, 2.0], dtype="float32", shape=[2]))
        == "TensorData(dtype='float32', shape=[2], sparse_crow_indices=None, sparse_col_indices=None)"
    )


def test_tensor_data_repr_hides_the_values() -> None:
    text = repr(types.TensorData(data=[123456.0], dtype="float32"))
    assert "_numpy" not in text
    assert "data=" not in text
    assert "123456" not in text


def test_tensor_data_pickle_round_trip() -> None:
    value = types.TensorData(data=[1, 2, 3, 4], dtype="int64", shape=[2, 2])
    restored = pickle.loads(pickle.dumps(value))
    assert type(restored) is types.TensorData
    assert (restored.dtype, restored.shape, restored.data) == ("int64", [2, 2], [1, 2, 3, 4])
    assert restored.tolist() == [[1, 2], [3, 4]]
    assert restored.to_numpy().dtype == np.int64
    assert restored != value


def test_tensor_data_sparse_pickle_round_trip() -> None:
    torch = _torch()
    dense = _sparse_dense(torch)
    restored = pickle.loads(pickle.dumps(types.TensorData.from_torch_sparse(dense)))
    assert restored.sparse_crow_indices == [0, 1, 1, 1, 2]
    assert restored.sparse_col_indices == [3, 0]
    assert restored.tolist() == dense.tolist()


def test_tensor_data_deepcopy_copies_the_array() -> None:
    value = _td([1.0, 2.0])
    clone = copy.deepcopy(value)
    assert clone is not value
    assert clone.to_numpy() is not value.to_numpy()
    assert (clone.dtype, clone.shape, clone.data) == ("float32", None, [1.0, 2.0])


def test_tensor_data_copy_shares_the_array() -> None:
    value = _td([1.0, 2.0])
    clone = copy.copy(value)
    assert clone is not value
    assert clone.to_numpy() is value.to_numpy()


def test_tensor_data_asdict() -> None:
    result = dataclasses.asdict(types.TensorData(data=[1.0, 2.0], dtype="float32", shape=[2]))
    assert list(result) == list(FIELDS["TensorData"])
    assert {k: v for k, v in result.items() if k != "_numpy"} == {
        "dtype": "float32",
        "shape": [2],
        "sparse_crow_indices": None,
        "sparse_col_indices": None,
    }
    assert isinstance(result["_numpy"], np.ndarray)
    assert result["_numpy"].tolist() == [1.0, 2.0]


def test_tensor_data_can_be_subclassed() -> None:
    sub = type("SubTensorData", (types.TensorData,), {})
    assert sub(data=[1], dtype="int64").data == [1]


# ---------------------------------------------------------------------------------------------------------------
# SampledSequence
# ---------------------------------------------------------------------------------------------------------------


def _sequence_np() -> types.SampledSequence:
    return types.SampledSequence(
        "stop",
        "seq-1",
        tokens_np=np.array([1, 2, 3], dtype=np.int32),
        logprobs_np=np.array([-0.5, -1.0, -1.5], dtype=np.float32),
    )


def test_sampled_sequence_positional() -> None:
    sequence = types.SampledSequence("stop", "seq-1")
    assert (sequence.stop_reason, sequence.sequence_id) == ("stop", "seq-1")
    assert sequence.tokens_np is None
    assert sequence.logprobs_np is None
    assert sequence.topk_logprobs_np is None


def test_sampled_sequence_requires_sequence_id() -> None:
    with pytest.raises(TypeError):
        types.SampledSequence("stop")
    with pytest.raises(TypeError):
        types.SampledSequence(stop_reason="stop")


def test_sampled_sequence_tokens_and_logprobs_are_not_init_arguments() -> None:
    with pytest.raises(TypeError):
        types.SampledSequence("stop", "seq-1", tokens=[1])
    with pytest.raises(TypeError):
        types.SampledSequence("stop", "seq-1", logprobs=[-1.0])


def test_sampled_sequence_third_and_fourth_positional_are_numpy() -> None:
    sequence = types.SampledSequence("length", "seq-1", np.array([7, 8]), np.array([-1.0, -2.0]))
    assert sequence.tokens == [7, 8]
    assert sequence.logprobs == [-1.0, -2.0]


def test_sampled_sequence_tokens_from_numpy() -> None:
    sequence = _sequence_np()
    assert sequence.tokens == sequence.tokens_np.tolist() == [1, 2, 3]
    assert type(sequence.tokens) is list
    assert all(type(x) is int for x in sequence.tokens)


def test_sampled_sequence_logprobs_from_numpy() -> None:
    sequence = _sequence_np()
    assert sequence.logprobs == sequence.logprobs_np.tolist() == [-0.5, -1.0, -1.5]
    assert all(type(x) is float for x in sequence.logprobs)


def test_sampled_sequence_list_views_are_cached() -> None:
    sequence = _sequence_np()
    assert sequence.tokens is sequence.tokens
    assert sequence.logprobs is sequence.logprobs
    sequence.tokens.append(99)
    assert sequence.tokens == [1, 2, 3, 99]
    assert sequence.tokens_np.tolist() == [1, 2, 3]


@pytest.mark.parametrize("name", ["tokens", "logprobs", "topk_logprobs"])
def test_sampled_sequence_list_views_are_cached_properties(name: str) -> None:
    assert type(vars(types.SampledSequence)[name]).__name__ == "cached_property"


def test_sampled_sequence_without_data() -> None:
    sequence = types.SampledSequence("length", "seq-1")
    assert sequence.tokens == []
    assert sequence.logprobs is None
    assert sequence.topk_logprobs is None


def test_sampled_sequence_logprobs_none_when_not_given() -> None:
    sequence = types.SampledSequence("stop", "seq-1", tokens_np=np.array([1, 2]))
    assert sequence.tokens == [1, 2]
    assert sequence.logprobs is None


def test_sampled_sequence_private_list_form() -> None:
    tokens, logprobs = [4, 5], [-0.1, -0.2]
    sequence = types.SampledSequence("stop", "seq-1", _tokens_list=tokens, _logprobs_list=logprobs)
    assert sequence.tokens is tokens
    assert sequence.logprobs is logprobs
    assert sequence.tokens_np is None
    assert sequence.logprobs_np is None


def test_sampled_sequence_list_form_wins_over_numpy() -> None:
    sequence = types.SampledSequence("stop", "seq-1", tokens_np=np.array([1]), _tokens_list=[2])
    assert sequence.tokens == [2]


def test_sampled_sequence_tokens_np_must_be_an_array() -> None:
    with pytest.raises(AttributeError):
        _ = types.SampledSequence("stop", "seq-1", tokens_np=[1, 2]).tokens


def _topk():
    cls = _topk_logprobs_cls()
    return cls(
        token_ids=np.array([[5, 6], [0, 0], [7, 0]], dtype=np.int32),
        logprobs=np.array([[-0.5, -0.25], [-99999.0, -99999.0], [-0.75, -99999.0]], dtype=np.float32),
    )


def test_sampled_sequence_topk_logprobs_from_numpy() -> None:
    sequence = types.SampledSequence("stop", "seq-1", tokens_np=np.array([1, 2, 3]), topk_logprobs_np=_topk())
    assert sequence.topk_logprobs == [[(5, -0.5), (6, -0.25)], None, [(7, -0.75)]]
    assert sequence.topk_logprobs is sequence.topk_logprobs


def test_sampled_sequence_topk_logprobs_empty_matrices() -> None:
    cls = _topk_logprobs_cls()
    for shape in ((0, 2), (2, 0)):
        matrices = cls(np.zeros(shape, dtype=np.int32), np.zeros(shape, dtype=np.float32))
        assert types.SampledSequence("stop", "s", topk_logprobs_np=matrices).topk_logprobs == []


def test_sampled_sequence_topk_logprobs_list_form() -> None:
    topk = [[(5, -0.5)], None]
    assert types.SampledSequence("stop", "s", _topk_logprobs_list=topk).topk_logprobs is topk


@pytest.mark.parametrize("field", [*FIELDS["SampledSequence"], "tokens", "logprobs"])
def test_sampled_sequence_is_frozen(field: str) -> None:
    sequence = _sequence_np()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(sequence, field, None)


def test_sampled_sequence_repr() -> None:
    assert repr(_sequence_np()) == "SampledSequence(stop_reason='stop', sequence_id='seq-1')"


def test_sampled_sequence_equality_list_form() -> None:
    assert types.SampledSequence("stop", "a", _tokens_list=[1]) == types.SampledSequence("stop", "a", _tokens_list=[1])
    assert types.SampledSequence("stop", "a", _tokens_list=[1]) != types.SampledSequence("stop", "a", _tokens_list=[2])
    assert types.SampledSequence("stop", "a") != types.SampledSequence("stop", "b")
    assert types.SampledSequence("stop", "a") != types.SampledSequence("length", "a")


def test_sampled_sequence_list_form_is_not_equal_to_numpy_form() -> None:
    listed = types.SampledSequence("stop", "a", _tokens_list=[1])
    assert listed != types.SampledSequence("stop", "a", tokens_np=np.array([1]))


def test_sampled_sequence_equality_with_the_same_arrays() -> None:
    tokens = np.array([1, 2])
    assert types.SampledSequence("stop", "a", tokens_np=tokens) == types.SampledSequence("stop", "a", tokens_np=tokens)


def test_sampled_sequence_equality_with_distinct_arrays_raises_value_error() -> None:
    # Dataclass equality compares field tuples, and numpy refuses to make one bool of an elementwise comparison.
    first, second = _sequence_np(), _sequence_np()
    with pytest.raises(ValueError):
        _ = first == second


def test_sampled_sequence_hash() -> None:
    assert hash(types.SampledSequence("stop", "a")) == hash(types.SampledSequence("stop", "a"))
    with pytest.raises(TypeError):
        hash(types.SampledSequence("stop", "a", _tokens_list=[1]))
    with pytest.raises(TypeError):
        hash(_sequence_np())


def test_sampled_sequence_pickle_and_deepcopy_list_form() -> None:
    sequence = types.SampledSequence("stop", "seq-1", _tokens_list=[4, 5], _logprobs_list=[-0.5, -0.25])
    for clone in (pickle.loads(pickle.dumps(sequence)), copy.deepcopy(sequence)):
        assert clone == sequence
        assert clone.tokens == [4, 5]
        assert clone.logprobs == [-0.5, -0.25]


def test_sampled_sequence_pickle_and_deepcopy_numpy_form() -> None:
    sequence = _sequence_np()
    _ = sequence.tokens  # a cached view travels along
    for clone in (pickle.loads(pickle.dumps(sequence)), copy.deepcopy(sequence)):
        assert (clone.stop_reason, clone.sequence_id) == ("stop", "seq-1")
        assert isinstance(clone.tokens_np, np.ndarray)
        assert clone.tokens_np.dtype == np.int32
        assert clone.tokens == [1, 2, 3]
        assert clone.logprobs == [-0.5, -1.0, -1.5]


def test_sampled_sequence_replace() -> None:
    sequence = _sequence_np()
    _ = sequence.tokens
    assert dataclasses.replace(sequence, stop_reason="length").tokens == [1, 2, 3]
    assert dataclasses.replace(sequence, tokens_np=np.array([9])).tokens == [9]


def test_sampled_sequence_asdict() -> None:
    sequence = types.SampledSequence("stop", "s3", _tokens_list=[4, 5], _logprobs_list=[-0.1, -0.2])
    assert dataclasses.asdict(sequence) == {
        "stop_reason": "stop",
        "sequence_id": "s3",
        "tokens_np": None,
        "logprobs_np": None,
        "topk_logprobs_np": None,
        "_tokens_list": [4, 5],
        "_logprobs_list": [-0.1, -0.2],
        "_topk_logprobs_list": None,
    }


# ---------------------------------------------------------------------------------------------------------------
# TopkLogprobs
# ---------------------------------------------------------------------------------------------------------------


def test_topk_logprobs_positional_and_frozen() -> None:
    cls = _topk_logprobs_cls()
    ids, logprobs = np.zeros((1, 1), dtype=np.int32), np.zeros((1, 1), dtype=np.float32)
    value = cls(ids, logprobs)
    assert value.token_ids is ids
    assert value.logprobs is logprobs
    assert value == cls(ids, logprobs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.logprobs = None
    with pytest.raises(TypeError):
        hash(value)


def test_topk_logprobs_pickle() -> None:
    restored = pickle.loads(pickle.dumps(_topk()))
    assert restored.token_ids.tolist() == [[5, 6], [0, 0], [7, 0]]
    assert restored.logprobs.dtype == np.float32


# ---------------------------------------------------------------------------------------------------------------
# SampleResponse
# ---------------------------------------------------------------------------------------------------------------


def _sequences():
    return [types.SampledSequence("stop", "a", _tokens_list=[1, 2])]


def test_sample_response_positional_and_defaults() -> None:
    sequences = _sequences()
    response = types.SampleResponse(sequences)
    assert response.sequences is sequences
    assert response.prompt_logprobs_np is None
    assert response.topk_prompt_logprobs_np is None
    assert response.target_prompt_logprobs is None
    assert response.prompt_cache_hit_tokens == 0
    assert response.prompt_alt_tokens is None
    assert response.prompt_logprobs is None
    assert response.topk_prompt_logprobs is None


def test_sample_response_requires_sequences() -> None:
    with pytest.raises(TypeError):
        types.SampleResponse()


def test_sample_response_prompt_logprobs_is_not_an_init_argument() -> None:
    with pytest.raises(TypeError):
        types.SampleResponse(_sequences(), prompt_logprobs=[None])


def test_sample_response_prompt_logprobs_turns_nan_into_none() -> None:
    prompt = np.array([np.nan, -0.5, -1.25], dtype=np.float32)
    response = types.SampleResponse(_sequences(), prompt_logprobs_np=prompt)
    assert response.prompt_logprobs == [None, -0.5, -1.25]
    assert response.prompt_logprobs is response.prompt_logprobs
    assert type(vars(types.SampleResponse)["prompt_logprobs"]).__name__ == "cached_property"


def test_sample_response_prompt_logprobs_np_is_the_second_positional() -> None:
    response = types.SampleResponse(_sequences(), np.array([np.nan, -0.5], dtype=np.float32))
    assert response.prompt_logprobs == [None, -0.5]


def test_sample_response_prompt_logprobs_edge_cases() -> None:
    assert types.SampleResponse([], prompt_logprobs_np=np.array([np.nan, np.nan])).prompt_logprobs == [None, None]
    assert types.SampleResponse([], prompt_logprobs_np=np.array([], dtype=np.float32)).prompt_logprobs == []


def test_sample_response_private_list_form() -> None:
    prompt = [None, -0.5]
    response = types.SampleResponse(_sequences(), _prompt_logprobs_list=prompt)
    assert response.prompt_logprobs is prompt
    assert response.prompt_logprobs_np is None


def test_sample_response_list_form_wins_over_numpy() -> None:
    response = types.SampleResponse(
        _sequences(), prompt_logprobs_np=np.array([np.nan, -0.5]), _prompt_logprobs_list=[None]
    )
    assert response.prompt_logprobs == [None]


def test_sample_response_topk_prompt_logprobs() -> None:
    cls = _topk_logprobs_cls()
    topk = cls(np.array([[0], [3]], dtype=np.int32), np.array([[-99999.0], [-0.5]], dtype=np.float32))
    response = types.SampleResponse([], topk_prompt_logprobs_np=topk)
    assert response.topk_prompt_logprobs == [None, [(3, -0.5)]]
    listed = [None, [(3, -0.5)]]
    assert types.SampleResponse([], _topk_prompt_logprobs_list=listed).topk_prompt_logprobs is listed


def test_sample_response_target_prompt_logprobs_and_alt_tokens() -> None:
    target = types.TensorData(data=[0.0, -1.0], dtype="float32", shape=[1, 2])
    alt = types.PromptAltTokens(
        tokens=types.TensorData(data=[1, 2], dtype="int64", shape=[1, 2]),
        logprobs=types.TensorData(data=[-1.0, -2.0], dtype="float32", shape=[1, 2]),
    )
    response = types.SampleResponse([], target_prompt_logprobs=target, prompt_alt_tokens=alt, prompt_cache_hit_tokens=7)
    assert response.target_prompt_logprobs.tolist() == [[0.0, -1.0]]
    assert response.prompt_alt_tokens.tokens.tolist() == [[1, 2]]
    assert response.prompt_cache_hit_tokens == 7


@pytest.mark.parametrize("field", [*FIELDS["SampleResponse"], "prompt_logprobs"])
def test_sample_response_is_frozen(field: str) -> None:
    response = types.SampleResponse(_sequences())
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(response, field, None)


def test_sample_response_repr() -> None:
    response = types.SampleResponse(_sequences(), prompt_logprobs_np=np.array([np.nan, -0.5]))
    assert repr(response) == (
        "SampleResponse(sequences=[SampledSequence(stop_reason='stop', sequence_id='a')],"
        " target_prompt_logprobs=None, prompt_cache_hit_tokens=0, prompt_alt_tokens=None)"
    )


def test_sample_response_equality() -> None:
    assert types.SampleResponse(_sequences()) == types.SampleResponse(_sequences())
    assert types.SampleResponse(_sequences()) != types.SampleResponse(_sequences(), prompt_cache_hit_tokens=1)


def test_sample_response_equality_with_distinct_arrays_raises_value_error() -> None:
    prompt = np.array([np.nan, -0.5, -1.0])
    with pytest.raises(ValueError):
        _ = types.SampleResponse([], prompt_logprobs_np=prompt) == types.SampleResponse(
            [], prompt_logprobs_np=prompt.copy()
        )


def test_sample_response_hash() -> None:
    with pytest.raises(TypeError):
        hash(types.SampleResponse(_sequences()))
    assert hash(types.SampleResponse(())) == hash(types.SampleResponse(()))


def test_sample_response_pickle_and_deepcopy() -> None:
    response = types.SampleResponse(_sequences(), _prompt_logprobs_list=[None, -0.5], prompt_cache_hit_tokens=3)
    for clone in (pickle.loads(pickle.dumps(response)), copy.deepcopy(response)):
        assert clone == response
        assert clone.sequences[0].tokens == [1, 2]
        assert clone.prompt_logprobs == [None, -0.5]


def test_sample_response_pickle_numpy_form() -> None:
    response = types.SampleResponse(_sequences(), prompt_logprobs_np=np.array([np.nan, -0.5], dtype=np.float32))
    restored = pickle.loads(pickle.dumps(response))
    assert restored.prompt_logprobs == [None, -0.5]
    assert restored.prompt_logprobs_np.dtype == np.float32


def test_sample_response_replace() -> None:
    response = types.SampleResponse(_sequences())
    replaced = dataclasses.replace(response, prompt_cache_hit_tokens=5)
    assert replaced.prompt_cache_hit_tokens == 5
    assert replaced.sequences is response.sequences


def test_sample_response_asdict_recurses_into_sequences() -> None:
    result = dataclasses.asdict(types.SampleResponse(_sequences()))
    assert list(result) == list(FIELDS["SampleResponse"])
    assert result["sequences"] == [
        {
            "stop_reason": "stop",
            "sequence_id": "a",
            "tokens_np": None,
            "logprobs_np": None,
            "topk_logprobs_np": None,
            "_tokens_list": [1, 2],
            "_logprobs_list": None,
            "_topk_logprobs_list": None,
        }
    ]
    assert result["prompt_cache_hit_tokens"] == 0


# ---------------------------------------------------------------------------------------------------------------
# PromptAltTokens
# ---------------------------------------------------------------------------------------------------------------


def _alt_tensors():
    return (
        types.TensorData(data=[1, 2, 3, 4], dtype="int64", shape=[2, 2]),
        types.TensorData(data=[-1.0, -2.0, -3.0, -4.0], dtype="float32", shape=[2, 2]),
    )


def test_prompt_alt_tokens_construction() -> None:
    tokens, logprobs = _alt_tensors()
    by_keyword = types.PromptAltTokens(tokens=tokens, logprobs=logprobs)
    assert by_keyword.tokens is tokens
    assert by_keyword.logprobs is logprobs
    assert types.PromptAltTokens(tokens, logprobs) == by_keyword
    with pytest.raises(TypeError):
        types.PromptAltTokens(tokens)


def test_prompt_alt_tokens_equality_and_hash_follow_tensor_identity() -> None:
    tokens, logprobs = _alt_tensors()
    assert hash(types.PromptAltTokens(tokens, logprobs)) == hash(types.PromptAltTokens(tokens, logprobs))
    other_tokens, _ = _alt_tensors()
    assert types.PromptAltTokens(tokens, logprobs) != types.PromptAltTokens(other_tokens, logprobs)


def test_prompt_alt_tokens_frozen_repr_replace_asdict() -> None:
    tokens, logprobs = _alt_tensors()
    value = types.PromptAltTokens(tokens=tokens, logprobs=logprobs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.tokens = logprobs
    assert repr(value) == (
        "PromptAltTokens(tokens=TensorData(dtype='int64', shape=[2, 2], sparse_crow_indices=None,"
        " sparse_col_indices=None), logprobs=TensorData(dtype='float32', shape=[2, 2], sparse_crow_indices=None,"
        " sparse_col_indices=None))"
    )
    assert dataclasses.replace(value, tokens=logprobs).tokens is logprobs
    result = dataclasses.asdict(value)
    assert result["tokens"]["shape"] == [2, 2]
    assert result["tokens"]["_numpy"].tolist() == [[1, 2], [3, 4]]


def test_prompt_alt_tokens_pickle() -> None:
    restored = pickle.loads(pickle.dumps(types.PromptAltTokens(*_alt_tensors())))
    assert restored.tokens.tolist() == [[1, 2], [3, 4]]
    assert restored.logprobs.tolist() == [[-1.0, -2.0], [-3.0, -4.0]]


# ---------------------------------------------------------------------------------------------------------------
# ForwardBackwardOutput
# ---------------------------------------------------------------------------------------------------------------


def _output() -> types.ForwardBackwardOutput:
    return types.ForwardBackwardOutput(
        loss_fn_output_type="ArrayRecord",
        loss_fn_outputs=[{"logprobs": types.TensorData(data=[-1.0, -0.5], dtype="float32", shape=[2])}],
        metrics={"loss:sum": 1.5},
    )


def test_forward_backward_output_positional() -> None:
    output = types.ForwardBackwardOutput("ArrayRecord", [])
    assert output.loss_fn_output_type == "ArrayRecord"
    assert output.loss_fn_outputs == []
    assert output.metrics == {}


def test_forward_backward_output_metrics_default_is_a_fresh_dict() -> None:
    assert types.ForwardBackwardOutput("a", []).metrics is not types.ForwardBackwardOutput("a", []).metrics


def test_forward_backward_output_requires_type_and_outputs() -> None:
    with pytest.raises(TypeError):
        types.ForwardBackwardOutput()
    with pytest.raises(TypeError):
        types.ForwardBackwardOutput("ArrayRecord")


def test_forward_backward_output_cookbook_access() -> None:
    torch = _torch()
    output = _output()
    logprobs = [x["logprobs"] for x in output.loss_fn_outputs]
    assert isinstance(logprobs[0], types.TensorData)
    assert logprobs[0].to_torch().tolist() == [-1.0, -0.5]
    assert logprobs[0].to_torch().dtype == torch.float32
    assert output.metrics["loss:sum"] == 1.5


def test_forward_backward_output_values_are_not_converted() -> None:
    assert types.ForwardBackwardOutput("a", [{"logprobs": [1.0]}]).loss_fn_outputs == [{"logprobs": [1.0]}]


@pytest.mark.parametrize("field", FIELDS["ForwardBackwardOutput"])
def test_forward_backward_output_is_frozen(field: str) -> None:
    output = _output()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(output, field, None)


def test_forward_backward_output_repr() -> None:
    assert (
        repr(types.ForwardBackwardOutput("a", [], {"x": 1.0}))
        == "ForwardBackwardOutput(loss_fn_output_type='a', loss_fn_outputs=[], metrics={'x': 1.0})"
    )


def test_forward_backward_output_equality_and_hash() -> None:
    assert types.ForwardBackwardOutput("a", [], {"x": 1.0}) == types.ForwardBackwardOutput("a", [], {"x": 1.0})
    assert types.ForwardBackwardOutput("a", [], {"x": 1.0}) != types.ForwardBackwardOutput("a", [], {"x": 2.0})
    assert _output() != _output()  # distinct TensorData
    with pytest.raises(TypeError):
        hash(types.ForwardBackwardOutput("a", []))


def test_forward_backward_output_pickle_and_deepcopy() -> None:
    plain = types.ForwardBackwardOutput("a", [], {"x": 1.0})
    assert pickle.loads(pickle.dumps(plain)) == plain
    assert copy.deepcopy(plain) == plain
    for clone in (pickle.loads(pickle.dumps(_output())), copy.deepcopy(_output())):
        assert clone.loss_fn_outputs[0]["logprobs"].tolist() == [-1.0, -0.5]
        assert clone.metrics == {"loss:sum": 1.5}


def test_forward_backward_output_replace_and_asdict() -> None:
    output = _output()
    assert dataclasses.replace(output, metrics={}).metrics == {}
    result = dataclasses.asdict(output)
    assert result["loss_fn_output_type"] == "ArrayRecord"
    assert result["metrics"] == {"loss:sum": 1.5}
    assert result["loss_fn_outputs"][0]["logprobs"]["dtype"] == "float32"
    assert result["loss_fn_outputs"][0]["logprobs"]["_numpy"].tolist() == [-1.0, -0.5]


# ---------------------------------------------------------------------------------------------------------------
# ForwardBackwardInput, ForwardBackwardRequest, ForwardRequest
# ---------------------------------------------------------------------------------------------------------------


def test_forward_backward_input_construction() -> None:
    datum = types.Datum(_mi(), {})
    by_position = types.ForwardBackwardInput([datum], "cross_entropy")
    assert by_position.data == [datum]
    assert by_position.loss_fn == "cross_entropy"
    assert by_position.loss_fn_config is None
    by_keyword = types.ForwardBackwardInput(data=[datum], loss_fn="ppo", loss_fn_config={"clip_low_threshold": 0.8})
    assert by_keyword.loss_fn_config == {"clip_low_threshold": 0.8}
    with pytest.raises(TypeError):
        types.ForwardBackwardInput([datum])


def test_forward_backward_input_behaviour() -> None:
    datum = types.Datum(_mi(), {"weights": [1.0, 1.0, 1.0]})
    value = types.ForwardBackwardInput([datum], "ppo")
    assert value == types.ForwardBackwardInput([datum], "ppo")
    assert value != types.ForwardBackwardInput([datum], "cross_entropy")
    with pytest.raises(TypeError):
        hash(value)
    assert hash(types.ForwardBackwardInput((), "ppo")) == hash(types.ForwardBackwardInput((), "ppo"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.loss_fn = "cross_entropy"
    assert dataclasses.replace(value, loss_fn="cispo").loss_fn == "cispo"


def test_forward_backward_request_construction() -> None:
    fb_input = types.ForwardBackwardInput([], "cross_entropy")
    by_position = types.ForwardBackwardRequest(fb_input, "model-1")
    assert by_position.forward_backward_input is fb_input
    assert by_position.model_id == "model-1"
    assert by_position.seq_id is None
    by_keyword = types.ForwardBackwardRequest(forward_backward_input=fb_input, model_id="m", seq_id=3)
    assert by_keyword.seq_id == 3


def test_forward_request_construction() -> None:
    fb_input = types.ForwardBackwardInput([], "cross_entropy")
    by_position = types.ForwardRequest(fb_input, "model-1", 2)
    assert (by_position.forward_input, by_position.model_id, by_position.seq_id) == (fb_input, "model-1", 2)
    assert types.ForwardRequest(forward_input=fb_input, model_id="m").seq_id is None
    with pytest.raises(TypeError):
        types.ForwardRequest(forward_backward_input=fb_input, model_id="m")


@pytest.mark.parametrize("name", ["ForwardBackwardRequest", "ForwardRequest"])
def test_requests_behaviour(name: str) -> None:
    cls = getattr(types, name)
    request = cls(types.ForwardBackwardInput([], "ppo"), "m", 1)
    assert request == cls(types.ForwardBackwardInput([], "ppo"), "m", 1)
    assert pickle.loads(pickle.dumps(request)) == request
    assert copy.deepcopy(request) == request
    with pytest.raises(TypeError):
        hash(request)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.model_id = "other"
    first_field = FIELDS[name][0]
    assert dataclasses.asdict(request) == {
        first_field: {"data": [], "loss_fn": "ppo", "loss_fn_config": None},
        "model_id": "m",
        "seq_id": 1,
    }


# ---------------------------------------------------------------------------------------------------------------
# PromptProvenanceSpan, SampledProvenanceSpan
# ---------------------------------------------------------------------------------------------------------------

SPAN_TYPES = ("PromptProvenanceSpan", "SampledProvenanceSpan")


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_keywords_and_default_offset(name: str) -> None:
    span = getattr(types, name)(sequence_id="seq-1", length=3)
    assert (span.sequence_id, span.offset, span.length) == ("seq-1", 0, 3)


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_is_keyword_only(name: str) -> None:
    cls = getattr(types, name)
    assert all(f.kw_only for f in dataclasses.fields(cls))
    with pytest.raises(TypeError):
        cls("seq-1", 0, 3)


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_requires_sequence_id_and_length(name: str) -> None:
    cls = getattr(types, name)
    with pytest.raises(TypeError):
        cls(sequence_id="seq-1")
    with pytest.raises(TypeError):
        cls(length=1)


@pytest.mark.parametrize("name", SPAN_TYPES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"sequence_id": "", "length": 3},
        {"sequence_id": None, "length": 3},
        {"sequence_id": "s", "length": -1},
        {"sequence_id": "s", "offset": -1, "length": 1},
    ],
    ids=["empty-id", "none-id", "negative-length", "negative-offset"],
)
def test_span_validation_raises_value_error(name: str, kwargs) -> None:
    with pytest.raises(ValueError):
        getattr(types, name)(**kwargs)


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_zero_length_is_allowed(name: str) -> None:
    assert getattr(types, name)(sequence_id="s", length=0).length == 0


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_equality_and_hash(name: str) -> None:
    cls = getattr(types, name)
    assert cls(sequence_id="a", length=3) == cls(sequence_id="a", offset=0, length=3)
    assert cls(sequence_id="a", length=3) != cls(sequence_id="a", offset=1, length=3)
    assert hash(cls(sequence_id="a", length=3)) == hash(cls(sequence_id="a", length=3))
    assert len({cls(sequence_id="a", length=3), cls(sequence_id="a", length=3)}) == 1


def test_prompt_and_sampled_spans_are_different() -> None:
    prompt = types.PromptProvenanceSpan(sequence_id="a", length=3)
    sampled = types.SampledProvenanceSpan(sequence_id="a", length=3)
    assert prompt != sampled
    assert len({prompt, sampled}) == 2


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_repr(name: str) -> None:
    span = getattr(types, name)(sequence_id="a", offset=2, length=3)
    assert repr(span) == f"{name}(sequence_id='a', offset=2, length=3)"


@pytest.mark.parametrize("name", SPAN_TYPES)
@pytest.mark.parametrize("field", ["sequence_id", "offset", "length"])
def test_span_is_frozen(name: str, field: str) -> None:
    span = getattr(types, name)(sequence_id="a", length=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(span, field, 1)


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_replace_validates_again(name: str) -> None:
    span = getattr(types, name)(sequence_id="a", length=3)
    assert dataclasses.replace(span, length=5).length == 5
    with pytest.raises(ValueError):
        dataclasses.replace(span, length=-5)


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_asdict_astuple_pickle_deepcopy(name: str) -> None:
    span = getattr(types, name)(sequence_id="a", offset=1, length=3)
    assert dataclasses.asdict(span) == {"sequence_id": "a", "offset": 1, "length": 3}
    assert dataclasses.astuple(span) == ("a", 1, 3)
    assert pickle.loads(pickle.dumps(span)) == span
    assert copy.deepcopy(span) == span


@pytest.mark.parametrize("name", SPAN_TYPES)
def test_span_is_not_ordered(name: str) -> None:
    cls = getattr(types, name)
    with pytest.raises(TypeError):
        _ = cls(sequence_id="a", length=1) < cls(sequence_id="b", length=1)


# ---------------------------------------------------------------------------------------------------------------
# Pickles written by the official 0.38 package load here (protocol 4, numpy 2)
# ---------------------------------------------------------------------------------------------------------------

OFFICIAL_PICKLES = {
    "span": (
        "80049558000000000000008c0674696e6b6572948c1553616d706c656450726f76656e616e63655370616e9493942981947d9428"
        "8c0b73657175656e63655f6964948c057365712d31948c066f6666736574944b028c066c656e677468944b0375622e"
    ),
    "sampled_sequence": (
        "800495d6000000000000008c0674696e6b6572948c0f53616d706c656453657175656e63659493942981947d94288c0b73746f70"
        "5f726561736f6e948c0473746f70948c0b73657175656e63655f6964948c057365712d31948c09746f6b656e735f6e70944e8c0b"
        "6c6f6770726f62735f6e70944e8c10746f706b5f6c6f6770726f62735f6e70944e8c0c5f746f6b656e735f6c697374945d94284b"
        "044b05658c0e5f6c6f6770726f62735f6c697374945d942847bfe000000000000047bfd0000000000000658c135f746f706b5f6c"
        "6f6770726f62735f6c697374944e75622e"
    ),
    "tensor_data": (
        "80049521010000000000008c0674696e6b6572948c0a54656e736f72446174619493942981947d94288c056474797065948c0569"
        "6e743634948c057368617065945d94284b024b02658c137370617273655f63726f775f696e6469636573944e8c12737061727365"
        "5f636f6c5f696e6469636573944e8c065f6e756d7079948c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f72"
        "65636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b024b02"
        "8694680f8c0564747970659493948c02693894898887945294284b038c013c944e4e4e4affffffff4affffffff4b007494628943"
        "2001000000000000000200000000000000030000000000000004000000000000009474946275622e"
    ),
    "datum": (
        "80049553020000000000008c0674696e6b6572948c05446174756d9493942981947d94288c0b6d6f64656c5f696e707574946800"
        "8c0a4d6f64656c496e7075749493942981947d94288c085f5f646963745f5f947d948c066368756e6b73945d9468008c10456e63"
        "6f646564546578744368756e6b9493942981947d9428680a7d94288c06746f6b656e73945d94284b014b024b03658c0474797065"
        "948c0c656e636f6465645f7465787494758c125f5f707964616e7469635f65787472615f5f944e8c175f5f707964616e7469635f"
        "6669656c64735f7365745f5f948f94286813908c145f5f707964616e7469635f707269766174655f5f944e7562617368174e6818"
        "8f9428680c90681a4e75628c0e6c6f73735f666e5f696e70757473947d948c07776569676874739468008c0a54656e736f724461"
        "74619493942981947d94288c056474797065948c07666c6f61743332948c057368617065945d944b03618c137370617273655f63"
        "726f775f696e6469636573944e8c127370617273655f636f6c5f696e6469636573944e8c065f6e756d7079948c166e756d70792e"
        "5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e64617272617994"
        "93944b0085944301629487945294284b014b038594682d8c0564747970659493948c02663494898887945294284b038c013c944e"
        "4e4e4affffffff4affffffff4b0074946289430c000000000000803f0000803f947494627562738c116d6f64656c5f696e707574"
        "5f7370616e73944e8c136c6f73735f666e5f696e7075745f7370616e73944e75622e"
    ),
}


def _official(name: str):
    return pickle.loads(bytes.fromhex(OFFICIAL_PICKLES[name]))


def test_official_pickle_of_a_span_loads() -> None:
    assert _official("span") == types.SampledProvenanceSpan(sequence_id="seq-1", offset=2, length=3)


def test_official_pickle_of_a_sampled_sequence_loads() -> None:
    sequence = _official("sampled_sequence")
    assert type(sequence) is types.SampledSequence
    assert sequence == types.SampledSequence("stop", "seq-1", _tokens_list=[4, 5], _logprobs_list=[-0.5, -0.25])
    assert sequence.tokens == [4, 5]


def test_official_pickle_of_tensor_data_loads() -> None:
    value = _official("tensor_data")
    assert type(value) is types.TensorData
    assert (value.dtype, value.shape, value.data) == ("int64", [2, 2], [1, 2, 3, 4])
    assert value.tolist() == [[1, 2], [3, 4]]


def test_official_pickle_of_a_datum_loads() -> None:
    datum = _official("datum")
    assert type(datum) is types.Datum
    assert datum.model_input == types.ModelInput.from_ints([1, 2, 3])
    assert datum.loss_fn_inputs["weights"].tolist() == [0.0, 1.0, 1.0]
    assert datum.model_input_spans is None


if __name__ == "__main__":
    import os
    import sys

    here = os.path.abspath(__file__)
    sys.exit(
        pytest.main(
            [
                here,
                "-p",
                "no:cacheprovider",
                "--noconftest",
                "-c",
                os.devnull,
                "--rootdir",
                os.path.dirname(here),
                "--import-mode=importlib",
                "-W",
                "ignore::pytest.PytestAssertRewriteWarning",  # tinker was imported before pytest started
                *sys.argv[1:],
            ]
        )
    )
