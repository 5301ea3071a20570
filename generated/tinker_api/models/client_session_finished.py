from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.client_session_finish_errored import ClientSessionFinishErrored
    from ..models.client_session_finish_interrupted import ClientSessionFinishInterrupted
    from ..models.client_session_finish_success import ClientSessionFinishSuccess


T = TypeVar("T", bound="ClientSessionFinished")


@_attrs_define
class ClientSessionFinished:
    """The session's client reported that it finished."""

    reason: ClientSessionFinishErrored | ClientSessionFinishInterrupted | ClientSessionFinishSuccess
    """ How a client says its session ended, tagged on `type`. """
    type_: Literal["client_finished"] = "client_finished"
    """ Status tag. """
    detail: None | str | Unset = UNSET
    """ Free text the client sent with the finish. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.client_session_finish_errored import ClientSessionFinishErrored  # noqa: PLC0415
        from ..models.client_session_finish_success import ClientSessionFinishSuccess  # noqa: PLC0415

        type_ = self.type_

        reason: dict[str, Any]
        if isinstance(self.reason, ClientSessionFinishSuccess):
            reason = self.reason.to_dict()
        elif isinstance(self.reason, ClientSessionFinishErrored):
            reason = self.reason.to_dict()
        else:
            reason = self.reason.to_dict()

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "reason": reason,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.client_session_finish_errored import ClientSessionFinishErrored  # noqa: PLC0415
        from ..models.client_session_finish_interrupted import ClientSessionFinishInterrupted  # noqa: PLC0415
        from ..models.client_session_finish_success import ClientSessionFinishSuccess  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["client_finished"], d.pop("type"))
        if type_ != "client_finished":
            raise ValueError(f"type must match const 'client_finished', got '{type_}'")

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

        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        detail = _parse_detail(d.pop("detail", UNSET))

        client_session_finished = cls(
            type_=type_,
            reason=reason,
            detail=detail,
        )

        client_session_finished.additional_properties = d
        return client_session_finished

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
