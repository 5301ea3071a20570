from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_optimizer_config import AdamOptimizerConfig
    from ..models.dimuon_optimizer_config import DimuonOptimizerConfig
    from ..models.model_data import ModelData
    from ..models.optimizer_config_unknown import OptimizerConfigUnknown


T = TypeVar("T", bound="GetInfoResponse")


@_attrs_define
class GetInfoResponse:
    """Description of a training run; the client keeps only the part of model_data.tokenizer_id before the first colon."""

    model_data: ModelData
    """ Architecture and tokenizer facts about a run's base model; model_name must be set for a client to load the
    tokenizer. """
    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    type_: Literal["get_info"] | None | Unset = UNSET
    """ Response kind tag, may be absent or null. """
    is_lora: bool | None | Unset = UNSET
    """ Whether the run trains a LoRA adapter. """
    lora_rank: int | None | Unset = UNSET
    """ Adapter rank for LoRA runs. """
    model_name: None | str | Unset = UNSET
    """ Base model name. """
    optimizer_config: AdamOptimizerConfig | DimuonOptimizerConfig | OptimizerConfigUnknown | Unset = UNSET
    """ Optimizer family of a training model, chosen when the model is created and identified by `type`. Known
    families are Adam (`adamw`, the default) and Dimuon (`dimuon`); other `type` values, with family-specific
    fields, are accepted for families this document does not know yet. No discriminator: a client tries the known
    families first and falls back to OptimizerConfigUnknown. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415

        model_data = self.model_data.to_dict()

        model_id = self.model_id

        type_: Literal["get_info"] | None | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        is_lora: bool | None | Unset
        if isinstance(self.is_lora, Unset):
            is_lora = UNSET
        else:
            is_lora = self.is_lora

        lora_rank: int | None | Unset
        if isinstance(self.lora_rank, Unset):
            lora_rank = UNSET
        else:
            lora_rank = self.lora_rank

        model_name: None | str | Unset
        if isinstance(self.model_name, Unset):
            model_name = UNSET
        else:
            model_name = self.model_name

        optimizer_config: dict[str, Any] | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, AdamOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        elif isinstance(self.optimizer_config, DimuonOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model_data": model_data,
                "model_id": model_id,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if is_lora is not UNSET:
            field_dict["is_lora"] = is_lora
        if lora_rank is not UNSET:
            field_dict["lora_rank"] = lora_rank
        if model_name is not UNSET:
            field_dict["model_name"] = model_name
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.model_data import ModelData  # noqa: PLC0415
        from ..models.optimizer_config_unknown import OptimizerConfigUnknown  # noqa: PLC0415

        d = dict(src_dict)
        model_data = ModelData.from_dict(d.pop("model_data"))

        model_id = d.pop("model_id")

        def _parse_type_(data: object) -> Literal["get_info"] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            type_type_0 = cast(Literal["get_info"], data)
            if type_type_0 != "get_info":
                raise ValueError(f"type_type_0 must match const 'get_info', got '{type_type_0}'")
            return type_type_0
            return cast(Literal["get_info"] | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_is_lora(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_lora = _parse_is_lora(d.pop("is_lora", UNSET))

        def _parse_lora_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lora_rank = _parse_lora_rank(d.pop("lora_rank", UNSET))

        def _parse_model_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_name = _parse_model_name(d.pop("model_name", UNSET))

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

        get_info_response = cls(
            model_data=model_data,
            model_id=model_id,
            type_=type_,
            is_lora=is_lora,
            lora_rank=lora_rank,
            model_name=model_name,
            optimizer_config=optimizer_config,
        )

        get_info_response.additional_properties = d
        return get_info_response

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
