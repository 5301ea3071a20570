"""The handwritten helper methods that generation wires into the pydantic models (tinker._mixins)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tinker import _mixins, types
from tinker._tensor_wire import sample_response_from_json
from tinker_api import pydantic_models


@pytest.mark.parametrize(
    ("model", "mixin"),
    [
        ("Datum", _mixins.DatumMixin),
        ("DmelChunk", _mixins.DmelChunkMixin),
        ("EncodedTextChunk", _mixins.EncodedTextChunkMixin),
        ("ImageAssetPointerChunk", _mixins.ImageAssetPointerChunkMixin),
        ("ImageChunk", _mixins.ImageChunkMixin),
        ("ModelInput", _mixins.ModelInputMixin),
        ("ParsedCheckpointTinkerPath", _mixins.ParsedCheckpointTinkerPathMixin),
        ("PromptProvenanceSpan", _mixins.ProvenanceSpanMixin),
        ("SampledProvenanceSpan", _mixins.ProvenanceSpanMixin),
        ("TensorData", _mixins.TensorDataMixin),
    ],
)
def test_helpers_are_base_classes_of_the_generated_models(model: str, mixin: type) -> None:
    assert issubclass(getattr(pydantic_models, model), mixin)


def test_model_input_tokens() -> None:
    model_input = types.ModelInput.from_ints([1, 2, 3])
    assert model_input.to_ints() == [1, 2, 3]
    assert model_input.length == 3
    assert model_input.append(types.EncodedTextChunk(tokens=[5])).to_ints() == [1, 2, 3, 5]
    assert types.ModelInput.empty().length == 0
    assert types.ModelInput.empty().chunks == []
    assert types.ModelInput.from_ints(np.arange(3)).to_ints() == [0, 1, 2]
    # nested fields carry the helpers too
    datum = pydantic_models.Datum(model_input={"chunks": [{"type": "encoded_text", "tokens": [7, 8]}]})
    assert datum.model_input.to_ints() == [7, 8]


def test_append_int_adds_a_chunk_and_leaves_the_original_alone() -> None:
    model_input = types.ModelInput.from_ints([1, 2])
    longer = model_input.append_int(3)
    assert longer.to_ints() == [1, 2, 3] and longer.length == 3
    assert [chunk.tokens for chunk in longer.chunks] == [[1, 2], [3]]
    assert model_input.to_ints() == [1, 2]
    assert types.ModelInput.empty().append_int(9).to_ints() == [9]


def test_chunk_lengths() -> None:
    assert types.EncodedTextChunk(tokens=[1, 2, 3]).length == 3
    assert types.ImageChunk(data="aGVsbG8=", format="png", expected_tokens=7).length == 7
    assert types.ImageAssetPointerChunk(format="jpeg", location="gs://b/i.jpg", expected_tokens=2).length == 2
    header = bytes([1, 2, 5, 80])  # dtype byte, ndim 2, dims 5 x 80
    assert types.DmelChunk(dmel=base64.b64encode(header).decode()).length == 5
    constant = bytes([254, 1, 1, 0x96, 0x01])  # constant marker, dtype, ndim 1, dim 150 as a two-byte varint
    assert types.DmelChunk(dmel=constant).length == 150
    chunks = [
        types.EncodedTextChunk(tokens=[1, 2]),
        types.ImageChunk(data="aGVsbG8=", format="png", expected_tokens=4),
        types.DmelChunk(dmel=header),
    ]
    assert types.ModelInput(chunks=chunks).length == 11


def test_bad_dmel_headers_are_value_errors() -> None:
    for raw, message in [(b"", "dtype byte"), (bytes([9, 1, 1]), "dtype byte"), (bytes([1, 2, 5]), "cut short")]:
        with pytest.raises(ValueError, match=message):
            types.DmelChunk(dmel=raw).length  # noqa: B018
    with pytest.raises(ValueError, match="0-dimensional"):
        types.DmelChunk(dmel=bytes([1, 0])).length  # noqa: B018


def test_image_and_dmel_chunks_take_raw_bytes() -> None:
    png = b"\x89PNG\r\n\x1a\n"
    image = types.ImageChunk(data=png, format="png", expected_tokens=1)
    assert base64.b64decode(image.data) == png
    assert image.model_dump(mode="json")["data"] == base64.b64encode(png).decode()
    assert types.DmelChunk(dmel=bytearray([1, 1, 3])).dmel == base64.b64encode(bytes([1, 1, 3])).decode()


def test_model_input_length_needs_expected_tokens_for_images() -> None:
    image = types.ImageChunk(data="aGVsbG8=", format="png")
    with pytest.raises(ValueError, match="expected_tokens"):
        types.ModelInput(chunks=[image]).length  # noqa: B018
    with pytest.raises(ValueError, match="text chunks"):
        types.ModelInput(chunks=[image]).to_ints()


@pytest.mark.parametrize(
    ("path", "run", "kind", "checkpoint_id"),
    [
        ("tinker://s-1:train:0/weights/step-10", "s-1:train:0", "training", "weights/step-10"),
        ("tinker://s-1:train:0/sampler_weights/final", "s-1:train:0", "sampler", "sampler_weights/final"),
        ("tinker://run/external_weights/hf", "run", "external", "external_weights/hf"),
    ],
)
def test_from_tinker_path(path: str, run: str, kind: str, checkpoint_id: str) -> None:
    parsed = types.ParsedCheckpointTinkerPath.from_tinker_path(path)
    assert isinstance(parsed, types.ParsedCheckpointTinkerPath)
    assert (parsed.tinker_path, parsed.training_run_id, parsed.checkpoint_type, parsed.checkpoint_id) == (
        path,
        run,
        kind,
        checkpoint_id,
    )


@pytest.mark.parametrize(
    "path",
    [
        "s-1:train:0/weights/step-10",
        "https://s-1/weights/a",
        "tinker://s-1/weights",
        "tinker://s-1/weights/a/b",
        "tinker://s-1/optimizer/a",
        "tinker:///weights/a",
        "tinker://s-1/weights/",
    ],
)
def test_from_tinker_path_rejects_other_paths_naming_them(path: str) -> None:
    with pytest.raises(ValueError, match="Invalid tinker path") as caught:
        types.ParsedCheckpointTinkerPath.from_tinker_path(path)
    assert repr(path) in str(caught.value)


def test_sample_responses_read_from_json_have_both_views() -> None:
    response = sample_response_from_json(
        {
            "sequences": [{"tokens": [3, 4], "logprobs": [-0.5, -1.25], "stop_reason": "length"}],
            "prompt_logprobs": [None, -2.0],
        }
    )
    (sequence,) = response.sequences
    assert sequence.tokens_np is not None and sequence.tokens_np.dtype == np.int32
    assert sequence.tokens_np.tolist() == sequence.tokens == [3, 4]
    assert sequence.logprobs_np is not None and sequence.logprobs_np.dtype == np.float32
    assert sequence.logprobs == [-0.5, -1.25]
    prompt = response.prompt_logprobs_np
    assert prompt is not None and prompt.dtype == np.float32
    assert np.isnan(prompt[0]) and prompt[1] == -2.0 and response.prompt_logprobs == [None, -2.0]
    bare = sample_response_from_json({"sequences": [{"tokens": [], "stop_reason": "stop"}]})
    assert bare.prompt_logprobs_np is None and bare.sequences[0].logprobs_np is None


def test_provenance_spans_name_a_sequence() -> None:
    assert types.PromptProvenanceSpan(sequence_id="s", length=2).offset == 0
    for span in (types.PromptProvenanceSpan, types.SampledProvenanceSpan):
        with pytest.raises(ValueError, match="sequence_id must not be empty"):
            span(sequence_id="", length=1)
        with pytest.raises(ValueError, match="length"):
            span(sequence_id="s", length=-1)
