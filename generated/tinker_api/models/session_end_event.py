from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.severity import Severity, check_severity

T = TypeVar("T", bound="SessionEndEvent")


@_attrs_define
class SessionEndEvent:
    """Emitted when a client ends on a fatal error."""

    event_id: str
    """ Random id of this event. """
    event_session_index: int
    """ Position of the event among those of its client session, from 0. """
    severity: Severity
    """ Log level of a telemetry event. """
    timestamp: datetime.datetime
    """ When the event happened. """
    duration: str
    """ How long the session ran, in Python's timedelta text form `H:MM:SS[.ffffff]` (e.g. `0:01:02.5`), not ISO
    8601. """
    event: Literal["SESSION_END"] = "SESSION_END"
    """ Event tag (an EventType value). """

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        event_id = self.event_id

        event_session_index = self.event_session_index

        severity: str = self.severity

        timestamp = self.timestamp.isoformat()

        duration = self.duration

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event": event,
                "event_id": event_id,
                "event_session_index": event_session_index,
                "severity": severity,
                "timestamp": timestamp,
                "duration": duration,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = cast(Literal["SESSION_END"], d.pop("event"))
        if event != "SESSION_END":
            raise ValueError(f"event must match const 'SESSION_END', got '{event}'")

        event_id = d.pop("event_id")

        event_session_index = d.pop("event_session_index")

        severity = check_severity(d.pop("severity"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        duration = d.pop("duration")

        session_end_event = cls(
            event=event,
            event_id=event_id,
            event_session_index=event_session_index,
            severity=severity,
            timestamp=timestamp,
            duration=duration,
        )

        return session_end_event
