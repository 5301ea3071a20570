from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.loss_fn_inputs import LossFnInputs
    from ..models.model_input import ModelInput
    from ..models.prompt_provenance_span import PromptProvenanceSpan
    from ..models.sampled_provenance_span import SampledProvenanceSpan


T = TypeVar("T", bound="Datum")


@_attrs_define
class Datum:
    """One training example: the input tokens plus the per-token tensors the loss reads. The two span lists are sent
    together or not at all.

    """

    model_input: ModelInput
    """ Model input as an ordered list of chunks (text tokens, images, dmel audio). """
    loss_fn_inputs: LossFnInputs | Unset = UNSET
    """ Loss inputs by name (target_tokens, weights, logprobs, advantages, ...), each a per-token tensor. """
    model_input_spans: list[PromptProvenanceSpan | SampledProvenanceSpan] | Unset = UNSET
    """ Where consecutive runs of a datum's tokens came from: prompt or sampled tokens of an earlier sample. The
    lengths tile the tokens they describe. """
    loss_fn_input_spans: list[PromptProvenanceSpan | SampledProvenanceSpan] | Unset = UNSET
    """ Where consecutive runs of a datum's tokens came from: prompt or sampled tokens of an earlier sample. The
    lengths tile the tokens they describe. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.prompt_provenance_span import PromptProvenanceSpan  # noqa: PLC0415

        model_input = self.model_input.to_dict()

        loss_fn_inputs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.loss_fn_inputs, Unset):
            loss_fn_inputs = self.loss_fn_inputs.to_dict()

        model_input_spans: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.model_input_spans, Unset):
            model_input_spans = []
            for componentsschemas_provenance_spans_item_data in self.model_input_spans:
                componentsschemas_provenance_spans_item: dict[str, Any]
                if isinstance(componentsschemas_provenance_spans_item_data, PromptProvenanceSpan):
                    componentsschemas_provenance_spans_item = componentsschemas_provenance_spans_item_data.to_dict()
                else:
                    componentsschemas_provenance_spans_item = componentsschemas_provenance_spans_item_data.to_dict()

                model_input_spans.append(componentsschemas_provenance_spans_item)

        loss_fn_input_spans: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.loss_fn_input_spans, Unset):
            loss_fn_input_spans = []
            for componentsschemas_provenance_spans_item_data in self.loss_fn_input_spans:
                componentsschemas_provenance_spans_item: dict[str, Any]
                if isinstance(componentsschemas_provenance_spans_item_data, PromptProvenanceSpan):
                    componentsschemas_provenance_spans_item = componentsschemas_provenance_spans_item_data.to_dict()
                else:
                    componentsschemas_provenance_spans_item = componentsschemas_provenance_spans_item_data.to_dict()

                loss_fn_input_spans.append(componentsschemas_provenance_spans_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_input": model_input,
            }
        )
        if loss_fn_inputs is not UNSET:
            field_dict["loss_fn_inputs"] = loss_fn_inputs
        if model_input_spans is not UNSET:
            field_dict["model_input_spans"] = model_input_spans
        if loss_fn_input_spans is not UNSET:
            field_dict["loss_fn_input_spans"] = loss_fn_input_spans

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.loss_fn_inputs import LossFnInputs  # noqa: PLC0415
        from ..models.model_input import ModelInput  # noqa: PLC0415
        from ..models.prompt_provenance_span import PromptProvenanceSpan  # noqa: PLC0415
        from ..models.sampled_provenance_span import SampledProvenanceSpan  # noqa: PLC0415

        d = dict(src_dict)
        model_input = ModelInput.from_dict(d.pop("model_input"))

        _loss_fn_inputs = d.pop("loss_fn_inputs", UNSET)
        loss_fn_inputs: LossFnInputs | Unset
        if isinstance(_loss_fn_inputs, Unset):
            loss_fn_inputs = UNSET
        else:
            loss_fn_inputs = LossFnInputs.from_dict(_loss_fn_inputs)

        _model_input_spans = d.pop("model_input_spans", UNSET)
        model_input_spans: list[PromptProvenanceSpan | SampledProvenanceSpan] | Unset = UNSET
        if _model_input_spans is not UNSET:
            model_input_spans = []
            for componentsschemas_provenance_spans_item_data in _model_input_spans:

                def _parse_componentsschemas_provenance_spans_item(
                    data: object,
                ) -> PromptProvenanceSpan | SampledProvenanceSpan:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_provenance_spans_item_type_0 = PromptProvenanceSpan.from_dict(data)

                        return componentsschemas_provenance_spans_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_provenance_spans_item_type_1 = SampledProvenanceSpan.from_dict(data)

                    return componentsschemas_provenance_spans_item_type_1

                componentsschemas_provenance_spans_item = _parse_componentsschemas_provenance_spans_item(
                    componentsschemas_provenance_spans_item_data
                )

                model_input_spans.append(componentsschemas_provenance_spans_item)

        _loss_fn_input_spans = d.pop("loss_fn_input_spans", UNSET)
        loss_fn_input_spans: list[PromptProvenanceSpan | SampledProvenanceSpan] | Unset = UNSET
        if _loss_fn_input_spans is not UNSET:
            loss_fn_input_spans = []
            for componentsschemas_provenance_spans_item_data in _loss_fn_input_spans:

                def _parse_componentsschemas_provenance_spans_item(
                    data: object,
                ) -> PromptProvenanceSpan | SampledProvenanceSpan:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_provenance_spans_item_type_0 = PromptProvenanceSpan.from_dict(data)

                        return componentsschemas_provenance_spans_item_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_provenance_spans_item_type_1 = SampledProvenanceSpan.from_dict(data)

                    return componentsschemas_provenance_spans_item_type_1

                componentsschemas_provenance_spans_item = _parse_componentsschemas_provenance_spans_item(
                    componentsschemas_provenance_spans_item_data
                )

                loss_fn_input_spans.append(componentsschemas_provenance_spans_item)

        datum = cls(
            model_input=model_input,
            loss_fn_inputs=loss_fn_inputs,
            model_input_spans=model_input_spans,
            loss_fn_input_spans=loss_fn_input_spans,
        )

        return datum
