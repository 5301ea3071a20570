from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.api_key_info_details import ApiKeyInfoDetails


T = TypeVar("T", bound="ApiKeyInfoResponse")


@_attrs_define
class ApiKeyInfoResponse:
    """The API key presented in X-API-Key and who it belongs to (GET /api/v1/auth/apikey/me, used by CLI login)."""

    key_id: int
    """ Numeric id of the key. """
    name: str
    """ Name given to the key. """
    note: str
    """ Free-text note stored with the key. """
    details: ApiKeyInfoDetails
    """ Organization and user an API key was issued for. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key_id = self.key_id

        name = self.name

        note = self.note

        details = self.details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key_id": key_id,
                "name": name,
                "note": note,
                "details": details,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_info_details import ApiKeyInfoDetails  # noqa: PLC0415

        d = dict(src_dict)
        key_id = d.pop("key_id")

        name = d.pop("name")

        note = d.pop("note")

        details = ApiKeyInfoDetails.from_dict(d.pop("details"))

        api_key_info_response = cls(
            key_id=key_id,
            name=name,
            note=note,
            details=details,
        )

        api_key_info_response.additional_properties = d
        return api_key_info_response

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
