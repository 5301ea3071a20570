from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="GetBillingUsageRequest")


@_attrs_define
class GetBillingUsageRequest:
    """The query parameters of GET /api/v1/billing/usage/events as an object. Both bounds are whole UTC hours and at most
    14 days apart.

    """

    starting_on: datetime.datetime
    """ Start of the window (inclusive), on a UTC hour, not in the future. """
    ending_before: datetime.datetime
    """ End of the window (exclusive), on a UTC hour. """

    def to_dict(self) -> dict[str, Any]:
        starting_on = self.starting_on.isoformat()

        ending_before = self.ending_before.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "starting_on": starting_on,
                "ending_before": ending_before,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        starting_on = datetime.datetime.fromisoformat(d.pop("starting_on"))

        ending_before = datetime.datetime.fromisoformat(d.pop("ending_before"))

        get_billing_usage_request = cls(
            starting_on=starting_on,
            ending_before=ending_before,
        )

        return get_billing_usage_request
