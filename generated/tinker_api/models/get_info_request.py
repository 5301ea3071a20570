from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="GetInfoRequest")


@_attrs_define
class GetInfoRequest:
    """Asks for the description of a training run."""

    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    type_: Literal["get_info"] | Unset = "get_info"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_id": model_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id")

        type_ = cast(Literal["get_info"] | Unset, d.pop("type", UNSET))
        if type_ != "get_info" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'get_info', got '{type_}'")

        get_info_request = cls(
            model_id=model_id,
            type_=type_,
        )

        return get_info_request
