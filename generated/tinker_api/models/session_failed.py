from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.session_failed_category import SessionFailedCategory, check_session_failed_category

if TYPE_CHECKING:
    from ..models.session_failed_request_reason import SessionFailedRequestReason
    from ..models.session_failed_sampling_session_reason import SessionFailedSamplingSessionReason
    from ..models.session_failed_training_run_reason import SessionFailedTrainingRunReason


T = TypeVar("T", bound="SessionFailed")


@_attrs_define
class SessionFailed:
    """Status of a session brought down by the failure of a request, training run or sampling session in it."""

    category: SessionFailedCategory
    """ Whether a session failure was caused by the caller or by the service. """
    reason: SessionFailedRequestReason | SessionFailedSamplingSessionReason | SessionFailedTrainingRunReason
    """ What failed a session, tagged on `type`. """
    message: str
    """ What went wrong. """
    type_: Literal["failed"] = "failed"
    """ Status tag. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.session_failed_request_reason import SessionFailedRequestReason  # noqa: PLC0415
        from ..models.session_failed_training_run_reason import SessionFailedTrainingRunReason  # noqa: PLC0415

        type_ = self.type_

        category: str = self.category

        reason: dict[str, Any]
        if isinstance(self.reason, SessionFailedRequestReason):
            reason = self.reason.to_dict()
        elif isinstance(self.reason, SessionFailedTrainingRunReason):
            reason = self.reason.to_dict()
        else:
            reason = self.reason.to_dict()

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "category": category,
                "reason": reason,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.session_failed_request_reason import SessionFailedRequestReason  # noqa: PLC0415
        from ..models.session_failed_sampling_session_reason import SessionFailedSamplingSessionReason  # noqa: PLC0415
        from ..models.session_failed_training_run_reason import SessionFailedTrainingRunReason  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["failed"], d.pop("type"))
        if type_ != "failed":
            raise ValueError(f"type must match const 'failed', got '{type_}'")

        category = check_session_failed_category(d.pop("category"))

        def _parse_reason(
            data: object,
        ) -> SessionFailedRequestReason | SessionFailedSamplingSessionReason | SessionFailedTrainingRunReason:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_failed_reason_type_0 = SessionFailedRequestReason.from_dict(data)

                return componentsschemas_session_failed_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_session_failed_reason_type_1 = SessionFailedTrainingRunReason.from_dict(data)

                return componentsschemas_session_failed_reason_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_session_failed_reason_type_2 = SessionFailedSamplingSessionReason.from_dict(data)

            return componentsschemas_session_failed_reason_type_2

        reason = _parse_reason(d.pop("reason"))

        message = d.pop("message")

        session_failed = cls(
            type_=type_,
            category=category,
            reason=reason,
            message=message,
        )

        session_failed.additional_properties = d
        return session_failed

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
