from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DimuonParams")


@_attrs_define
class DimuonParams:
    """Settings for one step of a run created with the dimuon optimizer."""

    learning_rate: float
    """ Step size; must not be negative. """
    type_: Literal["dimuon"] | Unset = "dimuon"
    """ Parameter kind tag. """
    grad_clip_norm: float | Unset = 0.0
    """ Global gradient-norm clip; 0 disables clipping. """
    beta1: float | Unset = 0.9
    """ Momentum coefficient, in [0, 1). """

    def to_dict(self) -> dict[str, Any]:
        learning_rate = self.learning_rate

        type_ = self.type_

        grad_clip_norm = self.grad_clip_norm

        beta1 = self.beta1

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "learning_rate": learning_rate,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if grad_clip_norm is not UNSET:
            field_dict["grad_clip_norm"] = grad_clip_norm
        if beta1 is not UNSET:
            field_dict["beta1"] = beta1

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        learning_rate = d.pop("learning_rate")

        type_ = cast(Literal["dimuon"] | Unset, d.pop("type", UNSET))
        if type_ != "dimuon" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'dimuon', got '{type_}'")

        grad_clip_norm = d.pop("grad_clip_norm", UNSET)

        beta1 = d.pop("beta1", UNSET)

        dimuon_params = cls(
            learning_rate=learning_rate,
            type_=type_,
            grad_clip_norm=grad_clip_norm,
            beta1=beta1,
        )

        return dimuon_params
