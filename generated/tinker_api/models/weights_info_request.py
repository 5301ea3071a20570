from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WeightsInfoRequest")


@_attrs_define
class WeightsInfoRequest:
    """Body of POST /api/v1/weights_info, which the SDK sends as a plain dict."""

    tinker_path: str
    """ Tinker path of the checkpoint to describe, as a server returned it. The hosted service and the local server
    make tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>; other servers make other
    forms (SkyRL tx: tinker://<model id>/<name>), so the schema asks only for the tinker:// prefix, as the official
    SDK checks. The local server answers a path of another form as one naming no checkpoint (404). """

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
