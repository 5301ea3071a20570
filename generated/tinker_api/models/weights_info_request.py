from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WeightsInfoRequest")


@_attrs_define
class WeightsInfoRequest:
    """Body of POST /api/v1/weights_info, which the SDK sends as a plain dict."""

    tinker_path: str
    """ Tinker path of the checkpoint to describe. """

    def to_dict(self) -> dict[str, Any]:
        tinker_path = self.tinker_path

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tinker_path": tinker_path,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tinker_path = d.pop("tinker_path")

        weights_info_request = cls(
            tinker_path=tinker_path,
        )

        return weights_info_request
