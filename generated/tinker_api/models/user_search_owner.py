from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="UserSearchOwner")


@_attrs_define
class UserSearchOwner:
    """Sessions of the listed users."""

    owner_urns: list[str]
    """ URNs of the owners to match. """
    type_: Literal["user"] = "user"
    """ Owner filter tag. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        owner_urns = self.owner_urns

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "owner_urns": owner_urns,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["user"], d.pop("type"))
        if type_ != "user":
            raise ValueError(f"type must match const 'user', got '{type_}'")

        owner_urns = cast(list[str], d.pop("owner_urns"))

        user_search_owner = cls(
            type_=type_,
            owner_urns=owner_urns,
        )

        return user_search_owner
