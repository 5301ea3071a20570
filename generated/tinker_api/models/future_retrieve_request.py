from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="FutureRetrieveRequest")


@_attrs_define
class FutureRetrieveRequest:
    """Polls one future (POST /api/v1/retrieve_future) for its result."""

    request_id: str
    """ Id returned when the future was submitted. """
    allow_metadata_only: bool | Unset = False
    """ Let the service answer with FutureMetadataResponse (just the payload size) for a large result; the SDK sets
    it on its first poll. """

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        allow_metadata_only = self.allow_metadata_only

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "request_id": request_id,
            }
        )
        if allow_metadata_only is not UNSET:
            field_dict["allow_metadata_only"] = allow_metadata_only

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        request_id = d.pop("request_id")

        allow_metadata_only = d.pop("allow_metadata_only", UNSET)

        future_retrieve_request = cls(
            request_id=request_id,
            allow_metadata_only=allow_metadata_only,
        )

        return future_retrieve_request
