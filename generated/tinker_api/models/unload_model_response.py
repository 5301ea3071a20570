from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UnloadModelResponse")


@_attrs_define
class UnloadModelResponse:
    """Result of an unload_model future."""

    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    type_: Literal["unload_model"] | None | Unset = UNSET
    """ Response kind tag, may be absent or null. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        type_: Literal["unload_model"] | None | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
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

        def _parse_type_(data: object) -> Literal["unload_model"] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            type_type_0 = cast(Literal["unload_model"], data)
            if type_type_0 != "unload_model":
                raise ValueError(f"type_type_0 must match const 'unload_model', got '{type_type_0}'")
            return type_type_0
            return cast(Literal["unload_model"] | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        unload_model_response = cls(
            model_id=model_id,
            type_=type_,
        )

        unload_model_response.additional_properties = d
        return unload_model_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
