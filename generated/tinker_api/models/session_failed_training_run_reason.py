from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SessionFailedTrainingRunReason")


@_attrs_define
class SessionFailedTrainingRunReason:
    """A training run failed the session."""

    training_run_id: str
    """ The failing training run. """
    type_: Literal["training_run"] = "training_run"
    """ Reason tag. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        training_run_id = self.training_run_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "training_run_id": training_run_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["training_run"], d.pop("type"))
        if type_ != "training_run":
            raise ValueError(f"type must match const 'training_run', got '{type_}'")

        training_run_id = d.pop("training_run_id")

        session_failed_training_run_reason = cls(
            type_=type_,
            training_run_id=training_run_id,
        )

        session_failed_training_run_reason.additional_properties = d
        return session_failed_training_run_reason

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
