from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.dimuon_optimizer_config_version import DimuonOptimizerConfigVersion, check_dimuon_optimizer_config_version
from ..types import UNSET, Unset

T = TypeVar("T", bound="DimuonOptimizerConfig")


@_attrs_define
class DimuonOptimizerConfig:
    """Selects the Dimuon optimizer; its hyperparameters come per step in DimuonParams."""

    type_: Literal["dimuon"] = "dimuon"
    """ Optimizer family tag. """
    version: DimuonOptimizerConfigVersion | Unset = UNSET
    """ Version of the Dimuon algorithm; 1 is the only one so far. """

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        version: int | Unset = UNSET
        if not isinstance(self.version, Unset):
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["dimuon"], d.pop("type"))
        if type_ != "dimuon":
            raise ValueError(f"type must match const 'dimuon', got '{type_}'")

        _version = d.pop("version", UNSET)
        version: DimuonOptimizerConfigVersion | Unset
        if isinstance(_version, Unset):
            version = UNSET
        else:
            version = check_dimuon_optimizer_config_version(_version)

        dimuon_optimizer_config = cls(
            type_=type_,
            version=version,
        )

        return dimuon_optimizer_config
