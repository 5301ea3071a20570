from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UnloadModelRequest")


@_attrs_define
class UnloadModelRequest:
    """Asks the server to release a training run's resources; answered with a future."""

    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    type_: Literal["unload_model"] | Unset = "unload_model"
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

        type_ = cast(Literal["unload_model"] | Unset, d.pop("type", UNSET))
        if type_ != "unload_model" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'unload_model', got '{type_}'")

        unload_model_request = cls(
            model_id=model_id,
            type_=type_,
        )

        return unload_model_request
