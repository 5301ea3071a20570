from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.image_chunk_format import ImageChunkFormat, check_image_chunk_format
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_dimensions import ImageDimensions


T = TypeVar("T", bound="ImageChunk")


@_attrs_define
class ImageChunk:
    """An image given inline as base64 bytes."""

    data: str
    """ Encoded image bytes (standard base64). """
    format_: ImageChunkFormat
    """ Encoding of an image chunk. """
    type_: Literal["image"] = "image"
    """ Chunk kind tag. """
    expected_tokens: int | None | Unset = UNSET
    """ Token count the image will take; needed to compute the input length locally (advisory for the server). """
    override_dimensions: ImageDimensions | Unset = UNSET
    """ Pixel size to resize an image chunk to before encoding. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data = self.data

        format_: str = self.format_

        expected_tokens: int | None | Unset
        if isinstance(self.expected_tokens, Unset):
            expected_tokens = UNSET
        else:
            expected_tokens = self.expected_tokens

        override_dimensions: dict[str, Any] | Unset = UNSET
        if not isinstance(self.override_dimensions, Unset):
            override_dimensions = self.override_dimensions.to_dict()

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
        if override_dimensions is not UNSET:
            field_dict["override_dimensions"] = override_dimensions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_dimensions import ImageDimensions  # noqa: PLC0415

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

        _override_dimensions = d.pop("override_dimensions", UNSET)
        override_dimensions: ImageDimensions | Unset
        if isinstance(_override_dimensions, Unset):
            override_dimensions = UNSET
        else:
            override_dimensions = ImageDimensions.from_dict(_override_dimensions)

        image_chunk = cls(
            type_=type_,
            data=data,
            format_=format_,
            expected_tokens=expected_tokens,
            override_dimensions=override_dimensions,
        )

        return image_chunk
