from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SaveWeightsExternalRequest")


@_attrs_define
class SaveWeightsExternalRequest:
    """Exports a training model's weights in an external (downloadable) format. The call is a future that resolves to
    SaveWeightsExternalResponseInternal.

    """

    model_id: str
    """ Training model to export. """
    path: str
    """ Name of the export; it becomes the last part of the external_weights tinker path. The local server accepts
    1-200 characters of A-Z a-z 0-9 . _ - (a 400 otherwise). """
    seq_id: int | None | Unset = UNSET
    """ Position of this request in the model's request order. """
    ttl_seconds: int | None | Unset = UNSET
    """ Seconds until the export expires (at most 100 years); absent or null keeps it until it is deleted. """
    age_encryption_recipients: list[str] | None | Unset = UNSET
    """ age or SSH public keys to encrypt every exported file to; absent means unencrypted. """
    type_: Literal["save_weights_external"] | Unset = "save_weights_external"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        model_id = self.model_id

        path = self.path

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        ttl_seconds: int | None | Unset
        if isinstance(self.ttl_seconds, Unset):
            ttl_seconds = UNSET
        else:
            ttl_seconds = self.ttl_seconds

        age_encryption_recipients: list[str] | None | Unset
        if isinstance(self.age_encryption_recipients, Unset):
            age_encryption_recipients = UNSET
        elif isinstance(self.age_encryption_recipients, list):
            age_encryption_recipients = self.age_encryption_recipients

        else:
            age_encryption_recipients = self.age_encryption_recipients

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_id": model_id,
                "path": path,
            }
        )
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds
        if age_encryption_recipients is not UNSET:
            field_dict["age_encryption_recipients"] = age_encryption_recipients
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        model_id = d.pop("model_id")

        path = d.pop("path")

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        def _parse_ttl_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds", UNSET))

        def _parse_age_encryption_recipients(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                age_encryption_recipients_type_0 = cast(list[str], data)

                return age_encryption_recipients_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        age_encryption_recipients = _parse_age_encryption_recipients(d.pop("age_encryption_recipients", UNSET))

        type_ = cast(Literal["save_weights_external"] | Unset, d.pop("type", UNSET))
        if type_ != "save_weights_external" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'save_weights_external', got '{type_}'")

        save_weights_external_request = cls(
            model_id=model_id,
            path=path,
            seq_id=seq_id,
            ttl_seconds=ttl_seconds,
            age_encryption_recipients=age_encryption_recipients,
            type_=type_,
        )

        return save_weights_external_request
