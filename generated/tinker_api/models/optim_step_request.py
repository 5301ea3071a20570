from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_params import AdamParams
    from ..models.dimuon_params import DimuonParams


T = TypeVar("T", bound="OptimStepRequest")


@_attrs_define
class OptimStepRequest:
    """Applies the accumulated gradients with one optimizer step; answered with a future. Exactly one of adam_params (AdamW
    runs; always used by 0.25) or optimizer_params (0.38, any other optimizer) is sent.

    """

    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    adam_params: AdamParams | Unset = UNSET
    """ Settings for one AdamW step (weight decay is decoupled). It carries no type tag. The official SDKs send all
    six fields; this SDK leaves out a field at the default shown, which the server then takes. """
    optimizer_params: DimuonParams | Unset = UNSET
    """ Settings for one step of a run created with the dimuon optimizer. """
    seq_id: int | Unset = UNSET
    """ Per-run ordering number (from 1); the server runs a run's requests in seq_id order. """
    type_: Literal["optim_step"] | Unset = "optim_step"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        adam_params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.adam_params, Unset):
            adam_params = self.adam_params.to_dict()

        optimizer_params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.optimizer_params, Unset):
            optimizer_params = self.optimizer_params.to_dict()

        seq_id = self.seq_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_id": model_id,
            }
        )
        if adam_params is not UNSET:
            field_dict["adam_params"] = adam_params
        if optimizer_params is not UNSET:
            field_dict["optimizer_params"] = optimizer_params
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_params import AdamParams  # noqa: PLC0415
        from ..models.dimuon_params import DimuonParams  # noqa: PLC0415

        d = dict(src_dict)
        model_id = d.pop("model_id")

        _adam_params = d.pop("adam_params", UNSET)
        adam_params: AdamParams | Unset
        if isinstance(_adam_params, Unset):
            adam_params = UNSET
        else:
            adam_params = AdamParams.from_dict(_adam_params)

        _optimizer_params = d.pop("optimizer_params", UNSET)
        optimizer_params: DimuonParams | Unset
        if isinstance(_optimizer_params, Unset):
            optimizer_params = UNSET
        else:
            optimizer_params = DimuonParams.from_dict(_optimizer_params)

        seq_id = d.pop("seq_id", UNSET)

        type_ = cast(Literal["optim_step"] | Unset, d.pop("type", UNSET))
        if type_ != "optim_step" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'optim_step', got '{type_}'")

        optim_step_request = cls(
            model_id=model_id,
            adam_params=adam_params,
            optimizer_params=optimizer_params,
            seq_id=seq_id,
            type_=type_,
        )

        return optim_step_request
