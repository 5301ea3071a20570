from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="ClientSessionFinishInterrupted")


@_attrs_define
class ClientSessionFinishInterrupted:
    """The client was interrupted (for example by Ctrl-C)."""

    type_: Literal["interrupted"] = "interrupted"
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
        type_ = cast(Literal["interrupted"], d.pop("type"))
        if type_ != "interrupted":
            raise ValueError(f"type must match const 'interrupted', got '{type_}'")

        client_session_finish_interrupted = cls(
            type_=type_,
        )

        return client_session_finish_interrupted
