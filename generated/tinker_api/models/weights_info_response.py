from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adam_optimizer_config import AdamOptimizerConfig
    from ..models.dimuon_optimizer_config import DimuonOptimizerConfig
    from ..models.optimizer_config_unknown import OptimizerConfigUnknown


T = TypeVar("T", bound="WeightsInfoResponse")


@_attrs_define
class WeightsInfoResponse:
    """What a client needs to know to load a checkpoint, including public checkpoints of other accounts."""

    base_model: str
    """ Base model the checkpoint was trained from. """
    is_lora: bool
    """ Whether the checkpoint holds LoRA adapter weights. """
    optimizer_config: AdamOptimizerConfig | DimuonOptimizerConfig | OptimizerConfigUnknown | Unset = UNSET
    """ Optimizer family of a training model, chosen when the model is created and identified by `type`. Known
    families are Adam (`adamw`, the default) and Dimuon (`dimuon`); other `type` values, with family-specific
    fields, are accepted for families this document does not know yet. No discriminator: a client tries the known
    families first and falls back to OptimizerConfigUnknown. """
    lora_rank: int | None | Unset = UNSET
    """ LoRA rank, for LoRA checkpoints. """
    train_unembed: bool | None | Unset = UNSET
    """ Whether the unembedding layer was trained. """
    train_mlp: bool | None | Unset = UNSET
    """ Whether the MLP layers were trained. """
    train_attn: bool | None | Unset = UNSET
    """ Whether the attention layers were trained. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415

        base_model = self.base_model

        is_lora = self.is_lora

        optimizer_config: dict[str, Any] | Unset
        if isinstance(self.optimizer_config, Unset):
            optimizer_config = UNSET
        elif isinstance(self.optimizer_config, AdamOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        elif isinstance(self.optimizer_config, DimuonOptimizerConfig):
            optimizer_config = self.optimizer_config.to_dict()
        else:
            optimizer_config = self.optimizer_config.to_dict()

        lora_rank: int | None | Unset
        if isinstance(self.lora_rank, Unset):
            lora_rank = UNSET
        else:
            lora_rank = self.lora_rank

        train_unembed: bool | None | Unset
        if isinstance(self.train_unembed, Unset):
            train_unembed = UNSET
        else:
            train_unembed = self.train_unembed

        train_mlp: bool | None | Unset
        if isinstance(self.train_mlp, Unset):
            train_mlp = UNSET
        else:
            train_mlp = self.train_mlp

        train_attn: bool | None | Unset
        if isinstance(self.train_attn, Unset):
            train_attn = UNSET
        else:
            train_attn = self.train_attn

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_model": base_model,
                "is_lora": is_lora,
            }
        )
        if optimizer_config is not UNSET:
            field_dict["optimizer_config"] = optimizer_config
        if lora_rank is not UNSET:
            field_dict["lora_rank"] = lora_rank
        if train_unembed is not UNSET:
            field_dict["train_unembed"] = train_unembed
        if train_mlp is not UNSET:
            field_dict["train_mlp"] = train_mlp
        if train_attn is not UNSET:
            field_dict["train_attn"] = train_attn

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adam_optimizer_config import AdamOptimizerConfig  # noqa: PLC0415
        from ..models.dimuon_optimizer_config import DimuonOptimizerConfig  # noqa: PLC0415
        from ..models.optimizer_config_unknown import OptimizerConfigUnknown  # noqa: PLC0415

        d = dict(src_dict)
        base_model = d.pop("base_model")

        is_lora = d.pop("is_lora")

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

        def _parse_lora_rank(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        lora_rank = _parse_lora_rank(d.pop("lora_rank", UNSET))

        def _parse_train_unembed(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        train_unembed = _parse_train_unembed(d.pop("train_unembed", UNSET))

        def _parse_train_mlp(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        train_mlp = _parse_train_mlp(d.pop("train_mlp", UNSET))

        def _parse_train_attn(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        train_attn = _parse_train_attn(d.pop("train_attn", UNSET))

        weights_info_response = cls(
            base_model=base_model,
            is_lora=is_lora,
            optimizer_config=optimizer_config,
            lora_rank=lora_rank,
            train_unembed=train_unembed,
            train_mlp=train_mlp,
            train_attn=train_attn,
        )

        weights_info_response.additional_properties = d
        return weights_info_response

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
