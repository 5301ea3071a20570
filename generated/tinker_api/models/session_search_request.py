from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.accessible_search_owner import AccessibleSearchOwner
    from ..models.active_session_status_query import ActiveSessionStatusQuery
    from ..models.cancelled_session_status_query import CancelledSessionStatusQuery
    from ..models.client_finished_session_status_query import ClientFinishedSessionStatusQuery
    from ..models.failed_session_status_query import FailedSessionStatusQuery
    from ..models.own_search_owner import OwnSearchOwner
    from ..models.session_search_cursor import SessionSearchCursor
    from ..models.user_metadata import UserMetadata
    from ..models.user_search_owner import UserSearchOwner


T = TypeVar("T", bound="SessionSearchRequest")


@_attrs_define
class SessionSearchRequest:
    """Searches sessions the caller may see (POST /api/v1/sessions/search, experimental). All given filters must hold;
    `session_id` and `display_name` together match either one.

    """

    session_id: None | str | Unset = UNSET
    """ Exact session id to find. """
    project_ids: list[str] | None | Unset = UNSET
    """ Projects to search; absent searches all listable projects. """
    user_metadata: UserMetadata | Unset = UNSET
    """ Caller-chosen string key/value labels attached to a session, training run or checkpoint. """
    display_name: None | str | Unset = UNSET
    """ Case-insensitive words that must all occur in the session's display name. """
    owner: AccessibleSearchOwner | OwnSearchOwner | Unset | UserSearchOwner = UNSET
    """ Whose sessions a search covers, tagged on `type`. """
    statuses: (
        list[
            ActiveSessionStatusQuery
            | CancelledSessionStatusQuery
            | ClientFinishedSessionStatusQuery
            | FailedSessionStatusQuery
        ]
        | None
        | Unset
    ) = UNSET
    """ Session states to match (any of them); absent matches every state. """
    limit: int | Unset = 50
    """ Page size. """
    cursor: None | SessionSearchCursor | Unset = UNSET
    """ The previous answer's next_cursor; absent for the first page. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.accessible_search_owner import AccessibleSearchOwner  # noqa: PLC0415
        from ..models.active_session_status_query import ActiveSessionStatusQuery  # noqa: PLC0415
        from ..models.cancelled_session_status_query import CancelledSessionStatusQuery  # noqa: PLC0415
        from ..models.failed_session_status_query import FailedSessionStatusQuery  # noqa: PLC0415
        from ..models.own_search_owner import OwnSearchOwner  # noqa: PLC0415
        from ..models.session_search_cursor import SessionSearchCursor  # noqa: PLC0415

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        project_ids: list[str] | None | Unset
        if isinstance(self.project_ids, Unset):
            project_ids = UNSET
        elif isinstance(self.project_ids, list):
            project_ids = self.project_ids

        else:
            project_ids = self.project_ids

        user_metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.user_metadata, Unset):
            user_metadata = self.user_metadata.to_dict()

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        owner: dict[str, Any] | Unset
        if isinstance(self.owner, Unset):
            owner = UNSET
        elif isinstance(self.owner, OwnSearchOwner):
            owner = self.owner.to_dict()
        elif isinstance(self.owner, AccessibleSearchOwner):
            owner = self.owner.to_dict()
        else:
            owner = self.owner.to_dict()

        statuses: list[dict[str, Any]] | None | Unset
        if isinstance(self.statuses, Unset):
            statuses = UNSET
        elif isinstance(self.statuses, list):
            statuses = []
            for statuses_type_0_item_data in self.statuses:
                statuses_type_0_item: dict[str, Any]
                if isinstance(statuses_type_0_item_data, ActiveSessionStatusQuery):
                    statuses_type_0_item = statuses_type_0_item_data.to_dict()
                elif isinstance(statuses_type_0_item_data, CancelledSessionStatusQuery):
                    statuses_type_0_item = statuses_type_0_item_data.to_dict()
                elif isinstance(statuses_type_0_item_data, FailedSessionStatusQuery):
                    statuses_type_0_item = statuses_type_0_item_data.to_dict()
                else:
                    statuses_type_0_item = statuses_type_0_item_data.to_dict()

                statuses.append(statuses_type_0_item)

        else:
            statuses = self.statuses

        limit = self.limit

        cursor: dict[str, Any] | None | Unset
        if isinstance(self.cursor, Unset):
            cursor = UNSET
        elif isinstance(self.cursor, SessionSearchCursor):
            cursor = self.cursor.to_dict()
        else:
            cursor = self.cursor

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if project_ids is not UNSET:
            field_dict["project_ids"] = project_ids
        if user_metadata is not UNSET:
            field_dict["user_metadata"] = user_metadata
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if owner is not UNSET:
            field_dict["owner"] = owner
        if statuses is not UNSET:
            field_dict["statuses"] = statuses
        if limit is not UNSET:
            field_dict["limit"] = limit
        if cursor is not UNSET:
            field_dict["cursor"] = cursor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.accessible_search_owner import AccessibleSearchOwner  # noqa: PLC0415
        from ..models.active_session_status_query import ActiveSessionStatusQuery  # noqa: PLC0415
        from ..models.cancelled_session_status_query import CancelledSessionStatusQuery  # noqa: PLC0415
        from ..models.client_finished_session_status_query import ClientFinishedSessionStatusQuery  # noqa: PLC0415
        from ..models.failed_session_status_query import FailedSessionStatusQuery  # noqa: PLC0415
        from ..models.own_search_owner import OwnSearchOwner  # noqa: PLC0415
        from ..models.session_search_cursor import SessionSearchCursor  # noqa: PLC0415
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415
        from ..models.user_search_owner import UserSearchOwner  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        def _parse_project_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                project_ids_type_0 = cast(list[str], data)

                return project_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        project_ids = _parse_project_ids(d.pop("project_ids", UNSET))

        _user_metadata = d.pop("user_metadata", UNSET)
        user_metadata: UserMetadata | Unset
        if isinstance(_user_metadata, Unset):
            user_metadata = UNSET
        else:
            user_metadata = UserMetadata.from_dict(_user_metadata)

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_owner(data: object) -> AccessibleSearchOwner | OwnSearchOwner | Unset | UserSearchOwner:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_search_owner_type_0 = OwnSearchOwner.from_dict(data)

                return componentsschemas_search_owner_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_search_owner_type_1 = AccessibleSearchOwner.from_dict(data)

                return componentsschemas_search_owner_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_search_owner_type_2 = UserSearchOwner.from_dict(data)

            return componentsschemas_search_owner_type_2

        owner = _parse_owner(d.pop("owner", UNSET))

        def _parse_statuses(
            data: object,
        ) -> (
            list[
                ActiveSessionStatusQuery
                | CancelledSessionStatusQuery
                | ClientFinishedSessionStatusQuery
                | FailedSessionStatusQuery
            ]
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                statuses_type_0 = []
                _statuses_type_0 = data
                for statuses_type_0_item_data in _statuses_type_0:

                    def _parse_statuses_type_0_item(
                        data: object,
                    ) -> (
                        ActiveSessionStatusQuery
                        | CancelledSessionStatusQuery
                        | ClientFinishedSessionStatusQuery
                        | FailedSessionStatusQuery
                    ):
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_session_status_query_type_0 = ActiveSessionStatusQuery.from_dict(data)

                            return componentsschemas_session_status_query_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_session_status_query_type_1 = CancelledSessionStatusQuery.from_dict(data)

                            return componentsschemas_session_status_query_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_session_status_query_type_2 = FailedSessionStatusQuery.from_dict(data)

                            return componentsschemas_session_status_query_type_2
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_session_status_query_type_3 = ClientFinishedSessionStatusQuery.from_dict(data)

                        return componentsschemas_session_status_query_type_3

                    statuses_type_0_item = _parse_statuses_type_0_item(statuses_type_0_item_data)

                    statuses_type_0.append(statuses_type_0_item)

                return statuses_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[
                    ActiveSessionStatusQuery
                    | CancelledSessionStatusQuery
                    | ClientFinishedSessionStatusQuery
                    | FailedSessionStatusQuery
                ]
                | None
                | Unset,
                data,
            )

        statuses = _parse_statuses(d.pop("statuses", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_cursor(data: object) -> None | SessionSearchCursor | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                cursor_type_0 = SessionSearchCursor.from_dict(data)

                return cursor_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SessionSearchCursor | Unset, data)

        cursor = _parse_cursor(d.pop("cursor", UNSET))

        session_search_request = cls(
            session_id=session_id,
            project_ids=project_ids,
            user_metadata=user_metadata,
            display_name=display_name,
            owner=owner,
            statuses=statuses,
            limit=limit,
            cursor=cursor,
        )

        return session_search_request
