from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.custom_loss_input_rank import CustomLossInputRank, check_custom_loss_input_rank

T = TypeVar("T", bound="CustomLossInput")


@_attrs_define
class CustomLossInput:
    """One input of a custom loss and the rank each datum's value has."""

    name: str
    """ Where the value comes from: `logprobs` or a key of loss_fn_inputs. """
    rank: CustomLossInputRank
    """ Rank of a custom loss input per datum, 0 for a scalar, 1 for `[T]`, 2 for `[T, K]`. """

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        rank: int = self.rank

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "rank": rank,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        rank = check_custom_loss_input_rank(d.pop("rank"))

        custom_loss_input = cls(
            name=name,
            rank=rank,
        )

        return custom_loss_input
