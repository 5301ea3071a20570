from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.custom_loss_graph_format import CustomLossGraphFormat, check_custom_loss_graph_format
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_loss_node import CustomLossNode


T = TypeVar("T", bound="CustomLossGraph")


@_attrs_define
class CustomLossGraph:
    """The traced loss serialized as data, with its nodes listed in the order they run. The service reconstructs the
    function using only operations on its allowlist.

    """

    nodes: list[CustomLossNode]
    """ The graph's nodes. """
    format_: CustomLossGraphFormat | Unset = UNSET
    """ Version of the custom loss graph encoding; 1 is the only one so far. """

    def to_dict(self) -> dict[str, Any]:
        nodes = []
        for nodes_item_data in self.nodes:
            nodes_item = nodes_item_data.to_dict()
            nodes.append(nodes_item)

        format_: int | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "nodes": nodes,
            }
        )
        if format_ is not UNSET:
            field_dict["format"] = format_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_loss_node import CustomLossNode  # noqa: PLC0415

        d = dict(src_dict)
        nodes = []
        _nodes = d.pop("nodes")
        for nodes_item_data in _nodes:
            nodes_item = CustomLossNode.from_dict(nodes_item_data)

            nodes.append(nodes_item)

        _format_ = d.pop("format", UNSET)
        format_: CustomLossGraphFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = check_custom_loss_graph_format(_format_)

        custom_loss_graph = cls(
            nodes=nodes,
            format_=format_,
        )

        return custom_loss_graph
