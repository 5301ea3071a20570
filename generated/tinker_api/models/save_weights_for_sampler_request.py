from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.sampling_client_kind import SamplingClientKind, check_sampling_client_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_metadata import UserMetadata


T = TypeVar("T", bound="SaveWeightsForSamplerRequest")


@_attrs_define
class SaveWeightsForSamplerRequest:
    """Exports a training model's current weights in the form a sampler loads, either as a named checkpoint (`path`) or as
    an unnamed save that backs a new sampling session (`sampling_session_seq_id`): exactly one of the two (both or
    neither fail the schema, 422). The call is a future that resolves to SaveWeightsForSamplerResponseInternal.

    """

    model_id: str
    """ Training model whose weights are exported. """
    path: None | str | Unset = UNSET
    """ Checkpoint name for a named save; it becomes the last part of the sampler_weights tinker path. The local
    server accepts 1-200 characters of A-Z a-z 0-9 . _ - (a 400 otherwise). """
    sampling_session_seq_id: int | None | Unset = UNSET
    """ For an unnamed save, the client's per-session sampling counter; the service creates the sampling session
    `{session_id}:sample:{sampling_session_seq_id}` for it. Send it or path, not both and not neither (400). """
    kind: SamplingClientKind | Unset = UNSET
    """ Whether a sampler built from a training run freezes the weights at save time (snapshot) or follows the run
    (inflight). """
    seq_id: int | None | Unset = UNSET
    """ Position of this request in the model's request order. """
    ttl_seconds: int | None | Unset = UNSET
    """ Seconds until the checkpoint expires (at most 100 years); absent or null keeps it until it is deleted. """
    user_metadata: None | Unset | UserMetadata = UNSET
    """ Caller-chosen string labels stored with the checkpoint. """
    type_: Literal["save_weights_for_sampler"] | Unset = "save_weights_for_sampler"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_metadata import UserMetadata  # noqa: PLC0415

        model_id = self.model_id

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

        sampling_session_seq_id: int | None | Unset
        if isinstance(self.sampling_session_seq_id, Unset):
            sampling_session_seq_id = UNSET
        else:
            sampling_session_seq_id = self.sampling_session_seq_id

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind

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
        if sampling_session_seq_id is not UNSET:
            field_dict["sampling_session_seq_id"] = sampling_session_seq_id
        if kind is not UNSET:
            field_dict["kind"] = kind
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if ttl_seconds is not UNSET:
            field_dict["ttl_seconds"] = ttl_seconds
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

        def _parse_sampling_session_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sampling_session_seq_id = _parse_sampling_session_seq_id(d.pop("sampling_session_seq_id", UNSET))

        _kind = d.pop("kind", UNSET)
        kind: SamplingClientKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = check_sampling_client_kind(_kind)

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

        type_ = cast(Literal["save_weights_for_sampler"] | Unset, d.pop("type", UNSET))
        if type_ != "save_weights_for_sampler" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'save_weights_for_sampler', got '{type_}'")

        save_weights_for_sampler_request = cls(
            model_id=model_id,
            path=path,
            sampling_session_seq_id=sampling_session_seq_id,
            kind=kind,
            seq_id=seq_id,
            ttl_seconds=ttl_seconds,
            user_metadata=user_metadata,
            type_=type_,
        )

        return save_weights_for_sampler_request
