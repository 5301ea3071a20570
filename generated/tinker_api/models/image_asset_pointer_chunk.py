from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.image_chunk_format import ImageChunkFormat, check_image_chunk_format
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImageAssetPointerChunk")


@_attrs_define
class ImageAssetPointerChunk:
    """An image given by reference to a stored object instead of inline bytes; not accepted by forward_backward."""

    format_: ImageChunkFormat
    """ Encoding of an image chunk. """
    location: str
    """ URI of the stored image. """
    type_: Literal["image_asset_pointer"] = "image_asset_pointer"
    """ Chunk kind tag. """
    expected_tokens: int | None | Unset = UNSET
    """ Token count the image will take; needed to compute the input length locally (advisory for the server). """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        format_: str = self.format_

        location = self.location

        expected_tokens: int | None | Unset
        if isinstance(self.expected_tokens, Unset):
            expected_tokens = UNSET
        else:
            expected_tokens = self.expected_tokens

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "format": format_,
                "location": location,
            }
        )
        if expected_tokens is not UNSET:
            field_dict["expected_tokens"] = expected_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["image_asset_pointer"], d.pop("type"))
        if type_ != "image_asset_pointer":
            raise ValueError(f"type must match const 'image_asset_pointer', got '{type_}'")

        format_ = check_image_chunk_format(d.pop("format"))

        location = d.pop("location")

        def _parse_expected_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expected_tokens = _parse_expected_tokens(d.pop("expected_tokens", UNSET))

        image_asset_pointer_chunk = cls(
            type_=type_,
            format_=format_,
            location=location,
            expected_tokens=expected_tokens,
        )

        return image_asset_pointer_chunk
