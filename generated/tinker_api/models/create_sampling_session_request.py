from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateSamplingSessionRequest")


@_attrs_define
class CreateSamplingSessionRequest:
    """Opens a sampling session on a base model or on saved sampler weights; a request with neither model_path nor
    base_model fails the schema (422).

    """

    session_id: str
    """ Owning session. """
    sampling_session_seq_id: int
    """ Client-side counter (from 0) numbering the sampling sessions of this session. """
    base_model: str | Unset = UNSET
    """ Base model to sample from when no model_path is given. """
    model_path: str | Unset = UNSET
    """ tinker:// path of weights to sample from, as a server returned it. The hosted service and the local server
    make tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>; other servers make other
    forms (SkyRL tx: tinker://<model id>/<name>), so the schema asks only for the tinker:// prefix, as the official
    SDK checks. The local server answers a path of another form as one naming no checkpoint (404). """
    type_: Literal["create_sampling_session"] | Unset = "create_sampling_session"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        session_id = self.session_id

        sampling_session_seq_id = self.sampling_session_seq_id

        base_model = self.base_model

        model_path = self.model_path

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "session_id": session_id,
                "sampling_session_seq_id": sampling_session_seq_id,
            }
        )
        if base_model is not UNSET:
            field_dict["base_model"] = base_model
        if model_path is not UNSET:
            field_dict["model_path"] = model_path
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        session_id = d.pop("session_id")

        sampling_session_seq_id = d.pop("sampling_session_seq_id")

        base_model = d.pop("base_model", UNSET)

        model_path = d.pop("model_path", UNSET)

        type_ = cast(Literal["create_sampling_session"] | Unset, d.pop("type", UNSET))
        if type_ != "create_sampling_session" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'create_sampling_session', got '{type_}'")

        create_sampling_session_request = cls(
            session_id=session_id,
            sampling_session_seq_id=sampling_session_seq_id,
            base_model=base_model,
            model_path=model_path,
            type_=type_,
        )

        return create_sampling_session_request
