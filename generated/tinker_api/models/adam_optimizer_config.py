from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="AdamOptimizerConfig")


@_attrs_define
class AdamOptimizerConfig:
    """Selects AdamW (decoupled weight decay); its hyperparameters come per step in AdamParams."""

    type_: Literal["adamw"] = "adamw"
    """ Optimizer family tag. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["adamw"], d.pop("type"))
        if type_ != "adamw":
            raise ValueError(f"type must match const 'adamw', got '{type_}'")

        adam_optimizer_config = cls(
            type_=type_,
        )

        return adam_optimizer_config
