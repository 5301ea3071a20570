from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_metadata import UserMetadata


T = TypeVar("T", bound="SaveWeightsRequest")


@_attrs_define
class SaveWeightsRequest:
    """Saves the full training state (weights and optimizer state) of a training model as a named checkpoint. The call is a
    future that resolves to SaveWeightsResponse.

    """

    model_id: str
    """ Training model to save, in the form `{session_id}:train:{n}`. """
    path: None | str | Unset = UNSET
    """ Checkpoint name (one path segment, no slash); it becomes the last part of the tinker path. The local server
    accepts 1-200 characters of A-Z a-z 0-9 . _ - (a 400 otherwise); the hosted service states no such rule, so the
    document does not either. """
    seq_id: int | Unset = UNSET
    """ Position of this request in the model's request order (training seq ids start at 1). """
    ttl_seconds: int | None | Unset = UNSET
    """ Seconds until the checkpoint expires (at most 100 years); absent or null keeps it until it is deleted. """
    overwrite: bool | Unset = False
    """ Replace an existing checkpoint of the same name instead of failing. """
    user_metadata: None | Unset | UserMetadata = UNSET
    """ Caller-chosen string labels stored with the checkpoint. """
    type_: Literal["save_weights"] | Unset = "save_weights"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        model_id = self.model_id

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

        seq_id = self.seq_id

        ttl_seconds: int | None | Unset
        if isinstance(self.ttl_seconds, Unset):
            ttl_seconds = UNSET
        else:
            ttl_seconds = self.ttl_seconds

        overwrite = self.overwrite

        user_metadata: dict[str, Any] | None | Unset
        if isinstance(self.user_metadata, Unset):
            user_metadata = UNSET
        elif isinstance(self.user_metadata, UserMetadata):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model_id": model_id,
            }
        )
        if path is not UNSET:
            field_dict["path"] = path
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds
        if overwrite is not UNSET:
            field_dict["overwrite"] = overwrite
        if user_metadata is not UNSET:
            field_dict["user_metadata"] = user_metadata
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        d = dict(src_dict)
        model_id = d.pop("model_id")

        def _parse_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        seq_id = d.pop("seq_id", UNSET)

        def _parse_ttl_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ttl_seconds = _parse_ttl_seconds(d.pop("ttl_seconds", UNSET))

        overwrite = d.pop("overwrite", UNSET)

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

        type_ = cast(Literal["save_weights"] | Unset, d.pop("type", UNSET))
        if type_ != "save_weights" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'save_weights', got '{type_}'")

        save_weights_request = cls(
            model_id=model_id,
            path=path,
            seq_id=seq_id,
            ttl_seconds=ttl_seconds,
            overwrite=overwrite,
            user_metadata=user_metadata,
            type_=type_,
        )

        return save_weights_request
