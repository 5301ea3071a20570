from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.dmel_chunk import DmelChunk
    from ..models.encoded_text_chunk import EncodedTextChunk
    from ..models.image_asset_pointer_chunk import ImageAssetPointerChunk
    from ..models.image_chunk import ImageChunk


T = TypeVar("T", bound="ModelInput")


@_attrs_define
class ModelInput:
    """Model input as an ordered list of chunks (text tokens, images, dmel audio)."""

    chunks: list[DmelChunk | EncodedTextChunk | ImageAssetPointerChunk | ImageChunk]
    """ Chunks in input order. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.encoded_text_chunk import EncodedTextChunk  # noqa: PLC0415
        from ..models.image_asset_pointer_chunk import ImageAssetPointerChunk  # noqa: PLC0415
        from ..models.image_chunk import ImageChunk  # noqa: PLC0415

        chunks = []
        for chunks_item_data in self.chunks:
            chunks_item: dict[str, Any]
            if isinstance(chunks_item_data, EncodedTextChunk):
                chunks_item = chunks_item_data.to_dict()
            elif isinstance(chunks_item_data, ImageAssetPointerChunk):
                chunks_item = chunks_item_data.to_dict()
            elif isinstance(chunks_item_data, ImageChunk):
                chunks_item = chunks_item_data.to_dict()
            else:
                chunks_item = chunks_item_data.to_dict()

            chunks.append(chunks_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "chunks": chunks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dmel_chunk import DmelChunk  # noqa: PLC0415
        from ..models.encoded_text_chunk import EncodedTextChunk  # noqa: PLC0415
        from ..models.image_asset_pointer_chunk import ImageAssetPointerChunk  # noqa: PLC0415
        from ..models.image_chunk import ImageChunk  # noqa: PLC0415

        d = dict(src_dict)
        chunks = []
        _chunks = d.pop("chunks")
        for chunks_item_data in _chunks:

            def _parse_chunks_item(data: object) -> DmelChunk | EncodedTextChunk | ImageAssetPointerChunk | ImageChunk:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_model_input_chunk_type_0 = EncodedTextChunk.from_dict(data)

                    return componentsschemas_model_input_chunk_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_model_input_chunk_type_1 = ImageAssetPointerChunk.from_dict(data)

                    return componentsschemas_model_input_chunk_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_model_input_chunk_type_2 = ImageChunk.from_dict(data)

                    return componentsschemas_model_input_chunk_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_model_input_chunk_type_3 = DmelChunk.from_dict(data)

                return componentsschemas_model_input_chunk_type_3

            chunks_item = _parse_chunks_item(chunks_item_data)

            chunks.append(chunks_item)

        model_input = cls(
            chunks=chunks,
        )

        return model_input
