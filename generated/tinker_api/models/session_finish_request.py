from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.client_session_finish_errored import ClientSessionFinishErrored
    from ..models.client_session_finish_interrupted import ClientSessionFinishInterrupted
    from ..models.client_session_finish_success import ClientSessionFinishSuccess


T = TypeVar("T", bound="SessionFinishRequest")


@_attrs_define
class SessionFinishRequest:
    """Body of POST /api/v1/sessions/{session_id}/finish, sent as a plain dict when a client closes its session."""

    reason: ClientSessionFinishErrored | ClientSessionFinishInterrupted | ClientSessionFinishSuccess
    """ How a client says its session ended, tagged on `type`. """
    detail: None | str
    """ Optional free text about how the session ended; the SDK always sends the key, null when unset. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.client_session_finish_errored import ClientSessionFinishErrored  # noqa: PLC0415
        from ..models.client_session_finish_success import ClientSessionFinishSuccess  # noqa: PLC0415

        reason: dict[str, Any]
        if isinstance(self.reason, ClientSessionFinishSuccess):
            reason = self.reason.to_dict()
        elif isinstance(self.reason, ClientSessionFinishErrored):
            reason = self.reason.to_dict()
        else:
            reason = self.reason.to_dict()

        detail: None | str
        detail = self.detail

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.client_session_finish_errored import ClientSessionFinishErrored  # noqa: PLC0415
        from ..models.client_session_finish_interrupted import ClientSessionFinishInterrupted  # noqa: PLC0415
        from ..models.client_session_finish_success import ClientSessionFinishSuccess  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_reason(
            data: object,
        ) -> ClientSessionFinishErrored | ClientSessionFinishInterrupted | ClientSessionFinishSuccess:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_client_session_finish_reason_type_0 = ClientSessionFinishSuccess.from_dict(data)

                return componentsschemas_client_session_finish_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_client_session_finish_reason_type_1 = ClientSessionFinishErrored.from_dict(data)

                return componentsschemas_client_session_finish_reason_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_client_session_finish_reason_type_2 = ClientSessionFinishInterrupted.from_dict(data)

            return componentsschemas_client_session_finish_reason_type_2

        reason = _parse_reason(d.pop("reason"))

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        session_finish_request = cls(
            reason=reason,
            detail=detail,
        )

        return session_finish_request
