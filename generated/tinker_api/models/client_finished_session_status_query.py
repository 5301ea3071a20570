from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.client_session_finish_reason_type import (
    ClientSessionFinishReasonType,
    check_client_session_finish_reason_type,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ClientFinishedSessionStatusQuery")


@_attrs_define
class ClientFinishedSessionStatusQuery:
    """Sessions whose client reported the end, optionally only with certain reasons."""

    type_: Literal["client_finished"] = "client_finished"
    """ Status filter tag. """
    reasons: list[ClientSessionFinishReasonType] | None | Unset = UNSET
    """ Finish reasons to match (any of them); absent matches all. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        reasons: list[str] | None | Unset
        if isinstance(self.reasons, Unset):
            reasons = UNSET
        elif isinstance(self.reasons, list):
            reasons = []
            for reasons_type_0_item_data in self.reasons:
                reasons_type_0_item: str = reasons_type_0_item_data
                reasons.append(reasons_type_0_item)

        else:
            reasons = self.reasons

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if reasons is not UNSET:
            field_dict["reasons"] = reasons

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["client_finished"], d.pop("type"))
        if type_ != "client_finished":
            raise ValueError(f"type must match const 'client_finished', got '{type_}'")

        def _parse_reasons(data: object) -> list[ClientSessionFinishReasonType] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                reasons_type_0 = []
                _reasons_type_0 = data
                for reasons_type_0_item_data in _reasons_type_0:
                    reasons_type_0_item = check_client_session_finish_reason_type(reasons_type_0_item_data)

                    reasons_type_0.append(reasons_type_0_item)

                return reasons_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ClientSessionFinishReasonType] | None | Unset, data)

        reasons = _parse_reasons(d.pop("reasons", UNSET))

        client_finished_session_status_query = cls(
            type_=type_,
            reasons=reasons,
        )

        return client_finished_session_status_query
