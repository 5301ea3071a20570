from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.datum_loss_fn_inputs import DatumLossFnInputs
    from ..models.model_input import ModelInput


T = TypeVar("T", bound="Datum")


@_attrs_define
class Datum:
    model_input: ModelInput
    loss_fn_inputs: DatumLossFnInputs | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        model_input = self.model_input.to_dict()

        loss_fn_inputs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.loss_fn_inputs, Unset):
            loss_fn_inputs = self.loss_fn_inputs.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_input": model_input,
            }
        )
        if loss_fn_inputs is not UNSET:
            field_dict["loss_fn_inputs"] = loss_fn_inputs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.datum_loss_fn_inputs import DatumLossFnInputs  # noqa: PLC0415
        from ..models.model_input import ModelInput  # noqa: PLC0415

        d = dict(src_dict)
        model_input = ModelInput.from_dict(d.pop("model_input"))

        _loss_fn_inputs = d.pop("loss_fn_inputs", UNSET)
        loss_fn_inputs: DatumLossFnInputs | Unset
        if isinstance(_loss_fn_inputs, Unset):
            loss_fn_inputs = UNSET
        else:
            loss_fn_inputs = DatumLossFnInputs.from_dict(_loss_fn_inputs)

        datum = cls(
            model_input=model_input,
            loss_fn_inputs=loss_fn_inputs,
        )

        return datum
