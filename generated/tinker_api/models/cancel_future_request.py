from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CancelFutureRequest")


@_attrs_define
class CancelFutureRequest:
    """Body of POST /api/v1/cancel_future, sent as a plain dict when a sample is cancelled."""

    request_id: str
    """ The future to cancel. """

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        request_id = d.pop("request_id")

        cancel_future_request = cls(
            request_id=request_id,
        )

        return cancel_future_request
