from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.api_key_org_details import ApiKeyOrgDetails
    from ..models.api_key_user_details import ApiKeyUserDetails


T = TypeVar("T", bound="ApiKeyInfoDetails")


@_attrs_define
class ApiKeyInfoDetails:
    """Organization and user an API key was issued for."""

    org_details: ApiKeyOrgDetails
    """ The organization an API key belongs to. """
    user_details: ApiKeyUserDetails
    """ The user an API key was issued to. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        org_details = self.org_details.to_dict()

        user_details = self.user_details.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "org_details": org_details,
                "user_details": user_details,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_org_details import ApiKeyOrgDetails  # noqa: PLC0415
        from ..models.api_key_user_details import ApiKeyUserDetails  # noqa: PLC0415

        d = dict(src_dict)
        org_details = ApiKeyOrgDetails.from_dict(d.pop("org_details"))

        user_details = ApiKeyUserDetails.from_dict(d.pop("user_details"))

        api_key_info_details = cls(
            org_details=org_details,
            user_details=user_details,
        )

        api_key_info_details.additional_properties = d
        return api_key_info_details

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
