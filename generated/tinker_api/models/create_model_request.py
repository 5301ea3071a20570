from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_optimizer_config import AdamOptimizerConfig
    from ..models.create_model_request_user_metadata_type_0 import CreateModelRequestUserMetadataType0
    from ..models.dimuon_optimizer_config import DimuonOptimizerConfig
    from ..models.lora_config import LoraConfig
    from ..models.optimizer_config_unknown import OptimizerConfigUnknown


T = TypeVar("T", bound="CreateModelRequest")


@_attrs_define
class CreateModelRequest:
    """Starts a new LoRA training run; answered with a future that resolves to CreateModelResponse."""

    session_id: str
    """ Owning session. """
    model_seq_id: int
    """ Client-side counter (from 0) numbering the training clients of this session. """
    base_model: str
    """ Base model to train on. """
    user_metadata: CreateModelRequestUserMetadataType0 | None | Unset = UNSET
    """ Caller-supplied string key/value pairs stored with the training run. """
    lora_config: LoraConfig | None | Unset = UNSET
    """ Adapter shape; the SDK always sends it. """
    optimizer_config: AdamOptimizerConfig | DimuonOptimizerConfig | OptimizerConfigUnknown | Unset = UNSET
    """ Optimizer family of a training model, chosen when the model is created and identified by `type`. Known
    families are Adam (`adamw`, the default) and Dimuon (`dimuon`); other `type` values, with family-specific
    fields, are accepted for families this document does not know yet. No discriminator: a client tries the known
    families first and falls back to OptimizerConfigUnknown. """
    type_: Literal["create_model"] | Unset = "create_model"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.create_model_request_user_metadata_type_0 import CreateModelRequestUserMetadataType0  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.lora_config import LoraConfig  # noqa: PLC0415

        session_id = self.session_id

        model_seq_id = self.model_seq_id

        base_model = self.base_model

        user_metadata: dict[str, Any] | None | Unset
        if isinstance(self.user_metadata, Unset):
            user_metadata = UNSET
        elif isinstance(self.user_metadata, CreateModelRequestUserMetadataType0):
            user_metadata = self.user_metadata.to_dict()
        else:
            user_metadata = self.user_metadata

        lora_config: dict[str, Any] | None | Unset
        if isinstance(self.lora_config, Unset):
            lora_config = UNSET
        elif isinstance(self.lora_config, LoraConfig):
            lora_config = self.lora_config.to_dict()
        else:
            lora_config = self.lora_config

        optimizer_config: dict[str, Any] | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, AdamOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        elif isinstance(self.optimizer_config, DimuonOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "session_id": session_id,
                "model_seq_id": model_seq_id,
                "base_model": base_model,
            }
        )
        if user_metadata is not UNSET:
            field_dict["user_metadata"] = user_metadata
        if lora_config is not UNSET:
            field_dict["lora_config"] = lora_config
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.create_model_request_user_metadata_type_0 import CreateModelRequestUserMetadataType0  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.lora_config import LoraConfig  # noqa: PLC0415
        from ..models.optimizer_config_unknown import OptimizerConfigUnknown  # noqa: PLC0415

        d = dict(src_dict)
        session_id = d.pop("session_id")

        model_seq_id = d.pop("model_seq_id")

        base_model = d.pop("base_model")

        def _parse_user_metadata(data: object) -> CreateModelRequestUserMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                user_metadata_type_0 = CreateModelRequestUserMetadataType0.from_dict(data)

                return user_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateModelRequestUserMetadataType0 | None | Unset, data)

        user_metadata = _parse_user_metadata(d.pop("user_metadata", UNSET))

        def _parse_lora_config(data: object) -> LoraConfig | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                lora_config_type_0 = LoraConfig.from_dict(data)

                return lora_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoraConfig | None | Unset, data)

        lora_config = _parse_lora_config(d.pop("lora_config", UNSET))

        def _parse_optimizer_config(
            data: object,
        ) -> AdamOptimizerConfig | DimuonOptimizerConfig | OptimizerConfigUnknown | Unset:
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
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_optimizer_config_type_2 = OptimizerConfigUnknown.from_dict(data)

            return componentsschemas_optimizer_config_type_2

        optimizer_config = _parse_optimizer_config(d.pop("optimizer_config", UNSET))

        type_ = cast(Literal["create_model"] | Unset, d.pop("type", UNSET))
        if type_ != "create_model" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'create_model', got '{type_}'")

        create_model_request = cls(
            session_id=session_id,
            model_seq_id=model_seq_id,
            base_model=base_model,
            user_metadata=user_metadata,
            lora_config=lora_config,
            optimizer_config=optimizer_config,
            type_=type_,
        )

        return create_model_request
