from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.image_chunk_format import ImageChunkFormat, check_image_chunk_format
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImageChunk")


@_attrs_define
class ImageChunk:
    data: str
    format_: ImageChunkFormat
    type_: Literal["image"] = "image"
    expected_tokens: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data = self.data

        format_: str = self.format_

        expected_tokens: int | None | Unset
        if isinstance(self.expected_tokens, Unset):
            expected_tokens = UNSET
        else:
            expected_tokens = self.expected_tokens

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "data": data,
                "format": format_,
            }
        )
        if expected_tokens is not UNSET:
            field_dict["expected_tokens"] = expected_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["image"], d.pop("type"))
        if type_ != "image":
            raise ValueError(f"type must match const 'image', got '{type_}'")

        data = d.pop("data")

        format_ = check_image_chunk_format(d.pop("format"))

        def _parse_expected_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expected_tokens = _parse_expected_tokens(d.pop("expected_tokens", UNSET))

        image_chunk = cls(
            type_=type_,
            data=data,
            format_=format_,
            expected_tokens=expected_tokens,
        )

        return image_chunk
