from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ClientConfigRequest")


@_attrs_define
class ClientConfigRequest:
    """Body of the client-config calls; the server picks feature flags for the given SDK version."""

    sdk_version: str
    """ Version string of the calling SDK, used to resolve flags. """

    def to_dict(self) -> dict[str, Any]:
        sdk_version = self.sdk_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sdk_version": sdk_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sdk_version = d.pop("sdk_version")

        client_config_request = cls(
            sdk_version=sdk_version,
        )

        return client_config_request
