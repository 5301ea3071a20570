from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AssignSessionProjectRequest")


@_attrs_define
class AssignSessionProjectRequest:
    """Body of PUT /api/v1/sessions/{session_id}/project, sent as a plain dict."""

    project_id: str
    """ Project the session is moved to. """

    def to_dict(self) -> dict[str, Any]:
        project_id = self.project_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "project_id": project_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        project_id = d.pop("project_id")

        assign_session_project_request = cls(
            project_id=project_id,
        )

        return assign_session_project_request
