from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.severity import Severity, check_severity
from ..types import UNSET, Unset

T = TypeVar("T", bound="UnhandledExceptionEvent")


@_attrs_define
class UnhandledExceptionEvent:
    """Reports an exception that escaped an SDK call and was not the user's fault."""

    event_id: str
    """ Random id of this event. """
    event_session_index: int
    """ Position of the event among those of its client session, from 0. """
    severity: Severity
    """ Log level of a telemetry event. """
    timestamp: datetime.datetime
    """ When the event happened. """
    error_type: str
    """ Class name of the exception. """
    error_message: str
    """ Text of the exception. """
    event: Literal["UNHANDLED_EXCEPTION"] = "UNHANDLED_EXCEPTION"
    """ Event tag (an EventType value). """
    traceback: None | str | Unset = UNSET
    """ Formatted Python traceback, when available. """

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        event_id = self.event_id

        event_session_index = self.event_session_index

        severity: str = self.severity

        timestamp = self.timestamp.isoformat()

        error_type = self.error_type

        error_message = self.error_message

        traceback: None | str | Unset
        if isinstance(self.traceback, Unset):
            traceback = UNSET
        else:
            traceback = self.traceback

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event": event,
                "event_id": event_id,
                "event_session_index": event_session_index,
                "severity": severity,
                "timestamp": timestamp,
                "error_type": error_type,
                "error_message": error_message,
            }
        )
        if traceback is not UNSET:
            field_dict["traceback"] = traceback

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = cast(Literal["UNHANDLED_EXCEPTION"], d.pop("event"))
        if event != "UNHANDLED_EXCEPTION":
            raise ValueError(f"event must match const 'UNHANDLED_EXCEPTION', got '{event}'")

        event_id = d.pop("event_id")

        event_session_index = d.pop("event_session_index")

        severity = check_severity(d.pop("severity"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        error_type = d.pop("error_type")

        error_message = d.pop("error_message")

        def _parse_traceback(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        traceback = _parse_traceback(d.pop("traceback", UNSET))

        unhandled_exception_event = cls(
            event=event,
            event_id=event_id,
            event_session_index=event_session_index,
            severity=severity,
            timestamp=timestamp,
            error_type=error_type,
            error_message=error_message,
            traceback=traceback,
        )

        return unhandled_exception_event
