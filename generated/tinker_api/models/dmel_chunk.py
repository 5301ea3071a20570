from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="DmelChunk")


@_attrs_define
class DmelChunk:
    """Audio features as a serialized tensor container (dimension 0 is the token count)."""

    dmel: str
    """ Encoded tensor-container bytes (standard base64). """
    type_: Literal["dmel"] = "dmel"
    """ Chunk kind tag. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        dmel = self.dmel

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "dmel": dmel,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["dmel"], d.pop("type"))
        if type_ != "dmel":
            raise ValueError(f"type must match const 'dmel', got '{type_}'")

        dmel = d.pop("dmel")

        dmel_chunk = cls(
            type_=type_,
            dmel=dmel,
        )

        return dmel_chunk
