from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.custom_loss_node_op import CustomLossNodeOp, check_custom_loss_node_op
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_loss_node_kwargs import CustomLossNodeKwargs


T = TypeVar("T", bound="CustomLossNode")


@_attrs_define
class CustomLossNode:
    """One node of a traced (torch.fx style) loss graph. Arguments are JSON scalars, strings and lists, or one-key objects
    such as `{"ref": node_name}`, `{"tuple": [...]}`, `{"dict": {...}}`, `{"slice": [start, stop, step]}` or `{"float":
    "inf"}`.

    """

    op: CustomLossNodeOp
    """ Kind of a custom loss graph node. """
    name: str
    """ Identifier of this node, distinct within the graph, by which subsequent nodes reference its result. """
    target: str
    """ What the node acts on, depending on op - an input's name, a dotted function path such as `torch.exp`, a
    method or attribute name, or `output`. """
    args: list[Any] | Unset = UNSET
    """ Encoded positional arguments. """
    kwargs: CustomLossNodeKwargs | Unset = UNSET
    """ Encoded keyword arguments. """

    def to_dict(self) -> dict[str, Any]:
        op: str = self.op

        name = self.name

        target = self.target

        args: list[Any] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args

        kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kwargs, Unset):
            kwargs = self.kwargs.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "name": name,
                "target": target,
            }
        )
        if args is not UNSET:
            field_dict["args"] = args
        if kwargs is not UNSET:
            field_dict["kwargs"] = kwargs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_loss_node_kwargs import CustomLossNodeKwargs  # noqa: PLC0415

        d = dict(src_dict)
        op = check_custom_loss_node_op(d.pop("op"))

        name = d.pop("name")

        target = d.pop("target")

        args = cast(list[Any], d.pop("args", UNSET))

        _kwargs = d.pop("kwargs", UNSET)
        kwargs: CustomLossNodeKwargs | Unset
        if isinstance(_kwargs, Unset):
            kwargs = UNSET
        else:
            kwargs = CustomLossNodeKwargs.from_dict(_kwargs)

        custom_loss_node = cls(
            op=op,
            name=name,
            target=target,
            args=args,
            kwargs=kwargs,
        )

        return custom_loss_node
