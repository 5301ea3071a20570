from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SessionHeartbeatRequest")


@_attrs_define
class SessionHeartbeatRequest:
    """Keep-alive the client sends every 10 seconds for an open session."""

    session_id: str
    """ Session being kept alive. """
    type_: Literal["session_heartbeat"] | Unset = "session_heartbeat"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        session_id = self.session_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "session_id": session_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        session_id = d.pop("session_id")

        type_ = cast(Literal["session_heartbeat"] | Unset, d.pop("type", UNSET))
        if type_ != "session_heartbeat" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'session_heartbeat', got '{type_}'")

        session_heartbeat_request = cls(
            session_id=session_id,
            type_=type_,
        )

        return session_heartbeat_request
