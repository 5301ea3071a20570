from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="FailedSessionStatusQuery")


@_attrs_define
class FailedSessionStatusQuery:
    """Filter for sessions that ended because a request, training run or sampling session in them failed."""

    type_: Literal["failed"] = "failed"
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
        type_ = cast(Literal["failed"], d.pop("type"))
        if type_ != "failed":
            raise ValueError(f"type must match const 'failed', got '{type_}'")

        failed_session_status_query = cls(
            type_=type_,
        )

        return failed_session_status_query
