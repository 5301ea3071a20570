from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SampleStreamToken")


@_attrs_define
class SampleStreamToken:
    """Data of a `token` event of stream_sample (this project's extension)."""

    sample_index: int
    """ Which of the request's samples the token belongs to. """
    token_id: int
    text: str
    """ The text this token adds (empty while a multi-byte character is still incomplete). """
    logprob: float
    """ The token's logprob under the sampled model. """
    position: int
    """ The token's index within its sample's completion. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sample_index = self.sample_index

        token_id = self.token_id

        text = self.text

        logprob = self.logprob

        position = self.position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sample_index": sample_index,
                "token_id": token_id,
                "text": text,
                "logprob": logprob,
                "position": position,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sample_index = d.pop("sample_index")

        token_id = d.pop("token_id")

        text = d.pop("text")

        logprob = d.pop("logprob")

        position = d.pop("position")

        sample_stream_token = cls(
            sample_index=sample_index,
            token_id=token_id,
            text=text,
            logprob=logprob,
            position=position,
        )

        sample_stream_token.additional_properties = d
        return sample_stream_token

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
