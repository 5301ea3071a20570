from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SaveWeightsForSamplerResponse")


@_attrs_define
class SaveWeightsForSamplerResponse:
    """Client-facing result of a named sampler save; the SDK builds it from SaveWeightsForSamplerResponseInternal."""

    path: str
    """ Tinker path of the sampler checkpoint. """
    type_: Literal["save_weights_for_sampler"] | None | Unset = UNSET
    """ Result kind tag; may be absent or null. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        type_: Literal["save_weights_for_sampler"] | None | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        def _parse_type_(data: object) -> Literal["save_weights_for_sampler"] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            type_type_0 = cast(Literal["save_weights_for_sampler"], data)
            if type_type_0 != "save_weights_for_sampler":
                raise ValueError(f"type_type_0 must match const 'save_weights_for_sampler', got '{type_type_0}'")
            return type_type_0
            return cast(Literal["save_weights_for_sampler"] | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        save_weights_for_sampler_response = cls(
            path=path,
            type_=type_,
        )

        save_weights_for_sampler_response.additional_properties = d
        return save_weights_for_sampler_response

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
