from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="JoinSamplingSessionRequest")


@_attrs_define
class JoinSamplingSessionRequest:
    """Registers another client (for example a copy in a worker process) on an existing sampling session."""

    sampling_session_id: str
    """ The sampling session to join. """
    type_: Literal["join_sampling_session"] | Unset = "join_sampling_session"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        sampling_session_id = self.sampling_session_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sampling_session_id": sampling_session_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sampling_session_id = d.pop("sampling_session_id")

        type_ = cast(Literal["join_sampling_session"] | Unset, d.pop("type", UNSET))
        if type_ != "join_sampling_session" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'join_sampling_session', got '{type_}'")

        join_sampling_session_request = cls(
            sampling_session_id=sampling_session_id,
            type_=type_,
        )

        return join_sampling_session_request
