from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PromptProvenanceSpan")


@_attrs_define
class PromptProvenanceSpan:
    """A run of tokens copied from the prompt of the given sampled sequence."""

    sequence_id: str
    """ Id of the sampled sequence the tokens belong to. """
    length: int
    """ Number of tokens covered. """
    type_: Literal["prompt_tokens"] = "prompt_tokens"
    """ Span kind tag of the JSON form (the protobuf form uses a oneof instead). """
    offset: int | Unset = 0
    """ First prompt position covered. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        sequence_id = self.sequence_id

        length = self.length

        offset = self.offset

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
                "sequence_id": sequence_id,
                "length": length,
            }
        )
        if offset is not UNSET:
            field_dict["offset"] = offset

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["prompt_tokens"], d.pop("type"))
        if type_ != "prompt_tokens":
            raise ValueError(f"type must match const 'prompt_tokens', got '{type_}'")

        sequence_id = d.pop("sequence_id")

        length = d.pop("length")

        offset = d.pop("offset", UNSET)

        prompt_provenance_span = cls(
            type_=type_,
            sequence_id=sequence_id,
            length=length,
            offset=offset,
        )

        return prompt_provenance_span
