from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="ClientSessionFinishSuccess")


@_attrs_define
class ClientSessionFinishSuccess:
    """The client finished its work normally."""

    type_: Literal["success"] = "success"
    """ Finish reason tag. """

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
        type_ = cast(Literal["success"], d.pop("type"))
        if type_ != "success":
            raise ValueError(f"type must match const 'success', got '{type_}'")

        client_session_finish_success = cls(
            type_=type_,
        )

        return client_session_finish_success
