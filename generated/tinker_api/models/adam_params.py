from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AdamParams")


@_attrs_define
class AdamParams:
    """Settings for one AdamW step (weight decay is decoupled). It carries no type tag. The official SDKs send all six
    fields; this SDK leaves out a field at the default shown, which the server then takes.

    """

    learning_rate: float | Unset = 0.0001
    """ Step size. """
    beta1: float | Unset = 0.9
    """ Decay rate of the first-moment estimate. """
    beta2: float | Unset = 0.95
    """ Decay rate of the second-moment estimate. """
    eps: float | Unset = 1e-12
    """ Term added to the denominator for numerical stability. """
    weight_decay: float | Unset = 0.0
    """ Decoupled weight-decay factor. """
    grad_clip_norm: float | Unset = 0.0
    """ Global gradient-norm clip; 0 disables clipping. """

    def to_dict(self) -> dict[str, Any]:
        learning_rate = self.learning_rate

        beta1 = self.beta1

        beta2 = self.beta2

        eps = self.eps

        weight_decay = self.weight_decay

        grad_clip_norm = self.grad_clip_norm

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if learning_rate is not UNSET:
            field_dict["learning_rate"] = learning_rate
        if beta1 is not UNSET:
            field_dict["beta1"] = beta1
        if beta2 is not UNSET:
            field_dict["beta2"] = beta2
        if eps is not UNSET:
            field_dict["eps"] = eps
        if weight_decay is not UNSET:
            field_dict["weight_decay"] = weight_decay
        if grad_clip_norm is not UNSET:
            field_dict["grad_clip_norm"] = grad_clip_norm

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        learning_rate = d.pop("learning_rate", UNSET)

        beta1 = d.pop("beta1", UNSET)

        beta2 = d.pop("beta2", UNSET)

        eps = d.pop("eps", UNSET)

        weight_decay = d.pop("weight_decay", UNSET)

        grad_clip_norm = d.pop("grad_clip_norm", UNSET)

        adam_params = cls(
            learning_rate=learning_rate,
            beta1=beta1,
            beta2=beta2,
            eps=eps,
            weight_decay=weight_decay,
            grad_clip_norm=grad_clip_norm,
        )

        return adam_params
