from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_session_request_user_metadata_type_0 import CreateSessionRequestUserMetadataType0


T = TypeVar("T", bound="CreateSessionRequest")


@_attrs_define
class CreateSessionRequest:
    """Opens a session that groups the training and sampling work of one client."""

    tags: list[str]
    """ Free-form labels (from TINKER_TAGS); order carries no meaning. """
    user_metadata: CreateSessionRequestUserMetadataType0 | None
    """ Caller-supplied string key/value pairs stored with the session; the key must be present, an empty object
    when there are none. """
    sdk_version: str
    """ Version of the calling SDK. """
    project_id: str | Unset = UNSET
    """ Project the session is billed to; omitted for the default project. """
    display_name: str | Unset = UNSET
    """ Human-readable name for the session. """
    type_: Literal["create_session"] | Unset = "create_session"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_session_request_user_metadata_type_0 import CreateSessionRequestUserMetadataType0  # noqa: PLC0415

        tags = self.tags

        user_metadata: dict[str, Any] | None
        if isinstance(self.user_metadata, CreateSessionRequestUserMetadataType0):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        sdk_version = self.sdk_version

        project_id = self.project_id

        display_name = self.display_name

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tags": tags,
                "user_metadata": user_metadata,
                "sdk_version": sdk_version,
            }
        )
        if project_id is not UNSET:
            field_dict["project_id"] = project_id
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_session_request_user_metadata_type_0 import CreateSessionRequestUserMetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        tags = cast(list[str], d.pop("tags"))

        def _parse_user_metadata(data: object) -> CreateSessionRequestUserMetadataType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_metadata_type_0 = CreateSessionRequestUserMetadataType0.from_dict(data)

                return user_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateSessionRequestUserMetadataType0 | None, data)

        user_metadata = _parse_user_metadata(d.pop("user_metadata"))

        sdk_version = d.pop("sdk_version")

        project_id = d.pop("project_id", UNSET)

        display_name = d.pop("display_name", UNSET)

        type_ = cast(Literal["create_session"] | Unset, d.pop("type", UNSET))
        if type_ != "create_session" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'create_session', got '{type_}'")

        create_session_request = cls(
            tags=tags,
            user_metadata=user_metadata,
            sdk_version=sdk_version,
            project_id=project_id,
            display_name=display_name,
            type_=type_,
        )

        return create_session_request
