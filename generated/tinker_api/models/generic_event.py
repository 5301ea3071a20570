from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.severity import Severity, check_severity
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.generic_event_event_data import GenericEventEventData


T = TypeVar("T", bound="GenericEvent")


@_attrs_define
class GenericEvent:
    """A named client event with free-form data, such as a retried or failed request."""

    event_id: str
    """ Random id of this event. """
    event_name: str
    """ Short, low-cardinality name of what happened. """
    event_session_index: int
    """ Position of the event among those of its client session, from 0. """
    severity: Severity
    """ Log level of a telemetry event. """
    timestamp: datetime.datetime
    """ When the event happened. """
    event: Literal["GENERIC_EVENT"] = "GENERIC_EVENT"
    """ Event tag (an EventType value). """
    event_data: GenericEventEventData | Unset = UNSET
    """ Any JSON details of the event. """

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        event_id = self.event_id

        event_name = self.event_name

        event_session_index = self.event_session_index

        severity: str = self.severity

        timestamp = self.timestamp.isoformat()

        event_data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.event_data, Unset):
            event_data = self.event_data.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event": event,
                "event_id": event_id,
                "event_name": event_name,
                "event_session_index": event_session_index,
                "severity": severity,
                "timestamp": timestamp,
            }
        )
        if event_data is not UNSET:
            field_dict["event_data"] = event_data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.generic_event_event_data import GenericEventEventData  # noqa: PLC0415

        d = dict(src_dict)
        event = cast(Literal["GENERIC_EVENT"], d.pop("event"))
        if event != "GENERIC_EVENT":
            raise ValueError(f"event must match const 'GENERIC_EVENT', got '{event}'")

        event_id = d.pop("event_id")

        event_name = d.pop("event_name")

        event_session_index = d.pop("event_session_index")

        severity = check_severity(d.pop("severity"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        _event_data = d.pop("event_data", UNSET)
        event_data: GenericEventEventData | Unset
        if isinstance(_event_data, Unset):
            event_data = UNSET
        else:
            event_data = GenericEventEventData.from_dict(_event_data)

        generic_event = cls(
            event=event,
            event_id=event_id,
            event_name=event_name,
            event_session_index=event_session_index,
            severity=severity,
            timestamp=timestamp,
            event_data=event_data,
        )

        return generic_event
