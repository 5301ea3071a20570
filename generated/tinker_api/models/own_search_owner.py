from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="OwnSearchOwner")


@_attrs_define
class OwnSearchOwner:
    """Only the caller's own sessions."""

    type_: Literal["own"] = "own"
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
        type_ = cast(Literal["own"], d.pop("type"))
        if type_ != "own":
            raise ValueError(f"type must match const 'own', got '{type_}'")

        own_search_owner = cls(
            type_=type_,
        )

        return own_search_owner
