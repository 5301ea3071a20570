from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionFailedSamplingSessionReason")


@_attrs_define
class SessionFailedSamplingSessionReason:
    """A sampling session failed the session."""

    sampling_session_id: str
    """ The failing sampling session. """
    type_: Literal["sampling_session"] = "sampling_session"
    """ Reason tag. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        sampling_session_id = self.sampling_session_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "sampling_session_id": sampling_session_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["sampling_session"], d.pop("type"))
        if type_ != "sampling_session":
            raise ValueError(f"type must match const 'sampling_session', got '{type_}'")

        sampling_session_id = d.pop("sampling_session_id")

        session_failed_sampling_session_reason = cls(
            type_=type_,
            sampling_session_id=sampling_session_id,
        )

        session_failed_sampling_session_reason.additional_properties = d
        return session_failed_sampling_session_reason

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
