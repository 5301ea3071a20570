from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="CancelledSessionStatusQuery")


@_attrs_define
class CancelledSessionStatusQuery:
    """Filter for sessions that a user stopped through the web console."""

    type_: Literal["cancelled"] = "cancelled"
    """ Status filter tag. """

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
        type_ = cast(Literal["cancelled"], d.pop("type"))
        if type_ != "cancelled":
            raise ValueError(f"type must match const 'cancelled', got '{type_}'")

        cancelled_session_status_query = cls(
            type_=type_,
        )

        return cancelled_session_status_query
