from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="SetCheckpointTtlRequest")


@_attrs_define
class SetCheckpointTtlRequest:
    """Body of PUT .../checkpoints/{checkpoint_id}/ttl, sent as a plain dict. The key is always present; null removes the
    expiry.

    """

    ttl_seconds: int | None
    """ New lifetime in seconds (at most 100 years), counted from now; null makes the checkpoint permanent. """

    def to_dict(self) -> dict[str, Any]:
        ttl_seconds: int | None
        ttl_seconds = self.ttl_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "ttl_seconds": ttl_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_ttl_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds"))

        set_checkpoint_ttl_request = cls(
            ttl_seconds=ttl_seconds,
        )

        return set_checkpoint_ttl_request
