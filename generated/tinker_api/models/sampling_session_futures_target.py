from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SamplingSessionFuturesTarget")


@_attrs_define
class SamplingSessionFuturesTarget:
    """Which sampling client a retrieve_futures poll covers."""

    sampling_session_id: str
    """ The sampling session, `{session_id}:sample:{n}`. """
    type_: Literal["sampling_session"] | Unset = "sampling_session"
    """ Target kind tag. """
    cloned_sampler_id: int | Unset = 0
    """ 0 for the original client; for a copied (unpickled) client, its seq_id base divided by 1e9. """

    def to_dict(self) -> dict[str, Any]:
        sampling_session_id = self.sampling_session_id

        type_ = self.type_

        cloned_sampler_id = self.cloned_sampler_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sampling_session_id": sampling_session_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if cloned_sampler_id is not UNSET:
            field_dict["cloned_sampler_id"] = cloned_sampler_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sampling_session_id = d.pop("sampling_session_id")

        type_ = cast(Literal["sampling_session"] | Unset, d.pop("type", UNSET))
        if type_ != "sampling_session" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'sampling_session', got '{type_}'")

        cloned_sampler_id = d.pop("cloned_sampler_id", UNSET)

        sampling_session_futures_target = cls(
            sampling_session_id=sampling_session_id,
            type_=type_,
            cloned_sampler_id=cloned_sampler_id,
        )

        return sampling_session_futures_target
