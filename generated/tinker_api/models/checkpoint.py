from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.checkpoint_type import CheckpointType, check_checkpoint_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_metadata import UserMetadata


T = TypeVar("T", bound="Checkpoint")


@_attrs_define
class Checkpoint:
    """One stored checkpoint of a training run."""

    checkpoint_id: str
    """ Id within the training run, `weights/<name>` or `sampler_weights/<name>` (0.38 also
    `external_weights/<name>`). """
    checkpoint_type: CheckpointType
    """ Kind of checkpoint: full training state (`weights/`), sampler weights (`sampler_weights/`), or weights
    exported in an external format (`external_weights/`, only since 0.38). """
    time: datetime.datetime
    """ When the checkpoint was created. """
    tinker_path: str
    """ Full tinker path, `tinker://{training_run_id}/{checkpoint_id}`. """
    size_bytes: int | None | Unset = UNSET
    """ Stored size, when known. """
    public: bool | Unset = False
    """ Whether other accounts may read the checkpoint. """
    user_metadata: None | Unset | UserMetadata = UNSET
    """ Caller-chosen string labels attached when the checkpoint was saved. """
    expires_at: datetime.datetime | None | Unset = UNSET
    """ When the checkpoint will be deleted; null means never. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        checkpoint_id = self.checkpoint_id

        checkpoint_type: str = self.checkpoint_type

        time = self.time.isoformat()

        tinker_path = self.tinker_path

        size_bytes: int | None | Unset
        if isinstance(self.size_bytes, Unset):
            size_bytes = UNSET
        else:
            size_bytes = self.size_bytes

        public = self.public

        user_metadata: dict[str, Any] | None | Unset
        if isinstance(self.user_metadata, Unset):
            user_metadata = UNSET
        elif isinstance(self.user_metadata, UserMetadata):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_id": checkpoint_id,
                "checkpoint_type": checkpoint_type,
                "time": time,
                "tinker_path": tinker_path,
            }
        )
        if size_bytes is not UNSET:
            field_dict["size_bytes"] = size_bytes
        if public is not UNSET:
            field_dict["public"] = public
        if user_metadata is not UNSET:
            field_dict["user_metadata"] = user_metadata
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        d = dict(src_dict)
        checkpoint_id = d.pop("checkpoint_id")

        checkpoint_type = check_checkpoint_type(d.pop("checkpoint_type"))

        time = datetime.datetime.fromisoformat(d.pop("time"))

        tinker_path = d.pop("tinker_path")

        def _parse_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes", UNSET))

        public = d.pop("public", UNSET)

        def _parse_user_metadata(data: object) -> None | Unset | UserMetadata:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_metadata_type_0 = UserMetadata.from_dict(data)

                return user_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserMetadata, data)

        user_metadata = _parse_user_metadata(d.pop("user_metadata", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        checkpoint = cls(
            checkpoint_id=checkpoint_id,
            checkpoint_type=checkpoint_type,
            time=time,
            tinker_path=tinker_path,
            size_bytes=size_bytes,
            public=public,
            user_metadata=user_metadata,
            expires_at=expires_at,
        )

        checkpoint.additional_properties = d
        return checkpoint

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
