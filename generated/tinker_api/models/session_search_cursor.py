from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SessionSearchCursor")


@_attrs_define
class SessionSearchCursor:
    """Where the next page of a session search starts; pass it back unchanged."""

    last_created_at: datetime.datetime
    """ Creation time of the last session on the previous page (with time zone). """
    last_session_id: str
    """ Id of the last session on the previous page. """

    def to_dict(self) -> dict[str, Any]:
        last_created_at = self.last_created_at.isoformat()

        last_session_id = self.last_session_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "last_created_at": last_created_at,
                "last_session_id": last_session_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        last_created_at = datetime.datetime.fromisoformat(d.pop("last_created_at"))

        last_session_id = d.pop("last_session_id")

        session_search_cursor = cls(
            last_created_at=last_created_at,
            last_session_id=last_session_id,
        )

        return session_search_cursor
