from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="AccessibleSearchOwner")


@_attrs_define
class AccessibleSearchOwner:
    """Sessions of every owner the caller may see."""

    type_: Literal["accessible"] = "accessible"
    """ Owner filter tag. """

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
        type_ = cast(Literal["accessible"], d.pop("type"))
        if type_ != "accessible":
            raise ValueError(f"type must match const 'accessible', got '{type_}'")

        accessible_search_owner = cls(
            type_=type_,
        )

        return accessible_search_owner
