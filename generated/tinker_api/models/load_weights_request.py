from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_optimizer_config import AdamOptimizerConfig
    from ..models.dimuon_optimizer_config import DimuonOptimizerConfig
    from ..models.load_weights_request_user_metadata import LoadWeightsRequestUserMetadata
    from ..models.optimizer_config_unknown import OptimizerConfigUnknown


T = TypeVar("T", bound="LoadWeightsRequest")


@_attrs_define
class LoadWeightsRequest:
    """Loads a saved checkpoint into a training model. It addresses either an existing model (`model_id` + `seq_id`) or a
    model that the load itself creates (`session_id` + `model_seq_id`, as the model's first request, from which the
    service derives `model_id = {session_id}:train:{model_seq_id}`); the two forms are mutually exclusive. The call is a
    future that resolves to LoadWeightsResponse.

    """

    path: str
    """ Tinker path of the checkpoint to load, as a server returned it. The hosted service and the local server make
    tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>; other servers make other forms
    (SkyRL tx: tinker://<model id>/<name>), so the schema asks only for the tinker:// prefix, as the official SDK
    checks. The local server answers a path of another form as one naming no checkpoint (404). """
    optimizer: bool
    """ Also restore the optimizer state saved with the checkpoint. """
    model_id: None | str | Unset = UNSET
    """ Existing training model to load into (legacy addressing, together with seq_id). """
    seq_id: int | None | Unset = UNSET
    """ Position of this request in that model's request order (legacy addressing). """
    session_id: None | str | Unset = UNSET
    """ Session that will own the model created by this load (create-via-load, with model_seq_id). """
    model_seq_id: int | None | Unset = UNSET
    """ The client's per-session training-model counter for the model created by this load. """
    base_model: None | str | Unset = UNSET
    """ Base model override for a create-via-load; it must be compatible with the checkpoint. """
    user_metadata: LoadWeightsRequestUserMetadata | None | Unset = UNSET
    """ Caller-chosen metadata for the training run created by the load. """
    optimizer_config: AdamOptimizerConfig | DimuonOptimizerConfig | None | OptimizerConfigUnknown | Unset = UNSET
    """ Optimizer for a model created without restored optimizer state; absent means Adam. """
    weights_access_token: None | str | Unset = UNSET
    """ Token granting access to a checkpoint owned by another account. """
    type_: Literal["load_weights"] | Unset = "load_weights"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.load_weights_request_user_metadata import LoadWeightsRequestUserMetadata  # noqa: PLC0415
        from ..models.optimizer_config_unknown import OptimizerConfigUnknown  # noqa: PLC0415

        path = self.path

        optimizer = self.optimizer

        model_id: None | str | Unset
        if isinstance(self.model_id, Unset):
            model_id = UNSET
        else:
            model_id = self.model_id

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        model_seq_id: int | None | Unset
        if isinstance(self.model_seq_id, Unset):
            model_seq_id = UNSET
        else:
            model_seq_id = self.model_seq_id

        base_model: None | str | Unset
        if isinstance(self.base_model, Unset):
            base_model = UNSET
        else:
            base_model = self.base_model

        user_metadata: dict[str, Any] | None | Unset
        if isinstance(self.user_metadata, Unset):
            user_metadata = UNSET
        elif isinstance(self.user_metadata, LoadWeightsRequestUserMetadata):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        optimizer_config: dict[str, Any] | None | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, AdamOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        elif isinstance(self.optimizer_config, DimuonOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        elif isinstance(self.optimizer_config, OptimizerConfigUnknown):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config

        weights_access_token: None | str | Unset
        if isinstance(self.weights_access_token, Unset):
            weights_access_token = UNSET
        else:
            weights_access_token = self.weights_access_token

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "path": path,
                "optimizer": optimizer,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if model_seq_id is not UNSET:
            field_dict["model_seq_id"] = model_seq_id
        if base_model is not UNSET:
            field_dict["base_model"] = base_model
        if user_metadata is not UNSET:
            field_dict["user_metadata"] = user_metadata
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config
        if weights_access_token is not UNSET:
            field_dict["weights_access_token"] = weights_access_token
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.load_weights_request_user_metadata import LoadWeightsRequestUserMetadata  # noqa: PLC0415
        from ..models.optimizer_config_unknown import OptimizerConfigUnknown  # noqa: PLC0415

        d = dict(src_dict)
        path = d.pop("path")

        optimizer = d.pop("optimizer")

        def _parse_model_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_id = _parse_model_id(d.pop("model_id", UNSET))

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        def _parse_model_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        model_seq_id = _parse_model_seq_id(d.pop("model_seq_id", UNSET))

        def _parse_base_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_model = _parse_base_model(d.pop("base_model", UNSET))

        def _parse_user_metadata(data: object) -> LoadWeightsRequestUserMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_metadata_type_0 = LoadWeightsRequestUserMetadata.from_dict(data)

                return user_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoadWeightsRequestUserMetadata | None | Unset, data)

        user_metadata = _parse_user_metadata(d.pop("user_metadata", UNSET))

        def _parse_optimizer_config(
            data: object,
        ) -> AdamOptimizerConfig | DimuonOptimizerConfig | None | OptimizerConfigUnknown | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_optimizer_config_type_0 = AdamOptimizerConfig.from_dict(data)

                return componentsschemas_optimizer_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_optimizer_config_type_1 = DimuonOptimizerConfig.from_dict(data)

                return componentsschemas_optimizer_config_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_optimizer_config_type_2 = OptimizerConfigUnknown.from_dict(data)

                return componentsschemas_optimizer_config_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AdamOptimizerConfig | DimuonOptimizerConfig | None | OptimizerConfigUnknown | Unset, data)

        optimizer_config = _parse_optimizer_config(d.pop("optimizer_config", UNSET))

        def _parse_weights_access_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        weights_access_token = _parse_weights_access_token(d.pop("weights_access_token", UNSET))

        type_ = cast(Literal["load_weights"] | Unset, d.pop("type", UNSET))
        if type_ != "load_weights" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'load_weights', got '{type_}'")

        load_weights_request = cls(
            path=path,
            optimizer=optimizer,
            model_id=model_id,
            seq_id=seq_id,
            session_id=session_id,
            model_seq_id=model_seq_id,
            base_model=base_model,
            user_metadata=user_metadata,
            optimizer_config=optimizer_config,
            weights_access_token=weights_access_token,
            type_=type_,
        )

        return load_weights_request
