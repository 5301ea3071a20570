from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoraConfig")


@_attrs_define
class LoraConfig:
    """Shape of the LoRA adapter that is trained on top of the base model."""

    rank: int
    """ Adapter rank. The local server takes at most 1024 (400 past it), and refuses a config whose train_attn,
    train_mlp and train_unembed are all false (nothing would train). """
    seed: int | None | Unset = UNSET
    """ Seed for adapter initialization; null lets the server choose. """
    train_unembed: bool | Unset = True
    """ Put an adapter on the unembedding (output) layer. """
    train_mlp: bool | Unset = True
    """ Put adapters on the MLP layers. """
    train_attn: bool | Unset = True
    """ Put adapters on the attention layers. """

    def to_dict(self) -> dict[str, Any]:
        rank = self.rank

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        train_unembed = self.train_unembed

        train_mlp = self.train_mlp

        train_attn = self.train_attn

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "rank": rank,
            }
        )
        if seed is not UNSET:
            field_dict["seed"] = seed
        if train_unembed is not UNSET:
            field_dict["train_unembed"] = train_unembed
        if train_mlp is not UNSET:
            field_dict["train_mlp"] = train_mlp
        if train_attn is not UNSET:
            field_dict["train_attn"] = train_attn

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rank = d.pop("rank")

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        train_unembed = d.pop("train_unembed", UNSET)

        train_mlp = d.pop("train_mlp", UNSET)

        train_attn = d.pop("train_attn", UNSET)

        lora_config = cls(
            rank=rank,
            seed=seed,
            train_unembed=train_unembed,
            train_mlp=train_mlp,
            train_attn=train_attn,
        )

        return lora_config
