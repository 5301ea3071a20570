from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stop_reason import StopReason, check_stop_reason

T = TypeVar("T", bound="SampleStreamDone")


@_attrs_define
class SampleStreamDone:
    """Data of the `done` event that ends one sample of a stream_sample stream (this project's extension)."""

    sample_index: int
    stop_reason: StopReason
    """ Why a sequence ended; "stop" for a stop sequence or end-of-sequence token, "length" for max_tokens. """
    num_tokens: int
    """ How many tokens the sample has. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sample_index = self.sample_index

        stop_reason: str = self.stop_reason

        num_tokens = self.num_tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sample_index": sample_index,
                "stop_reason": stop_reason,
                "num_tokens": num_tokens,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sample_index = d.pop("sample_index")

        stop_reason = check_stop_reason(d.pop("stop_reason"))

        num_tokens = d.pop("num_tokens")

        sample_stream_done = cls(
            sample_index=sample_index,
            stop_reason=stop_reason,
            num_tokens=num_tokens,
        )

        sample_stream_done.additional_properties = d
        return sample_stream_done

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
