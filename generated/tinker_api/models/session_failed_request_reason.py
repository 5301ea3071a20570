from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionFailedRequestReason")


@_attrs_define
class SessionFailedRequestReason:
    """A single request failed the session."""

    request_id: str
    """ The failing request. """
    request_type: str
    """ Kind of the failing request (e.g. `ForwardBackward`). """
    type_: Literal["request"] = "request"
    """ Reason tag. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        request_id = self.request_id

        request_type = self.request_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "request_id": request_id,
                "request_type": request_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["request"], d.pop("type"))
        if type_ != "request":
            raise ValueError(f"type must match const 'request', got '{type_}'")

        request_id = d.pop("request_id")

        request_type = d.pop("request_type")

        session_failed_request_reason = cls(
            type_=type_,
            request_id=request_id,
            request_type=request_type,
        )

        session_failed_request_reason.additional_properties = d
        return session_failed_request_reason

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
