from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.queue_state import QueueState, check_queue_state
from ..types import UNSET, Unset

T = TypeVar("T", bound="TryAgainResponse")


@_attrs_define
class TryAgainResponse:
    """The future is not finished yet; the client polls again at once (the service long-polls before answering this)."""

    request_id: str
    """ The future still pending. """
    queue_state: QueueState
    """ State of the queue holding a pending request; the client warns when it is not `active`. """
    type_: Literal["try_again"] | Unset = "try_again"
    """ Marks this answer; the client checks it before anything else. """
    queue_state_reason: str | Unset = UNSET
    """ Human-readable reason for a paused queue, shown in the client's warning. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        queue_state: str = self.queue_state

        type_ = self.type_

        queue_state_reason = self.queue_state_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "request_id": request_id,
                "queue_state": queue_state,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if queue_state_reason is not UNSET:
            field_dict["queue_state_reason"] = queue_state_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        request_id = d.pop("request_id")

        queue_state = check_queue_state(d.pop("queue_state"))

        type_ = cast(Literal["try_again"] | Unset, d.pop("type", UNSET))
        if type_ != "try_again" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'try_again', got '{type_}'")

        queue_state_reason = d.pop("queue_state_reason", UNSET)

        try_again_response = cls(
            request_id=request_id,
            queue_state=queue_state,
            type_=type_,
            queue_state_reason=queue_state_reason,
        )

        try_again_response.additional_properties = d
        return try_again_response

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
