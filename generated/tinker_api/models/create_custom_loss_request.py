from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.custom_loss_graph import CustomLossGraph
    from ..models.custom_loss_input import CustomLossInput


T = TypeVar("T", bound="CreateCustomLossRequest")


@_attrs_define
class CreateCustomLossRequest:
    """Uploads a traced custom loss so the service can run it; forward_backward then uses it with `loss_fn: custom` and
    `loss_fn_config: {loss_id: ...}`. The call is a future that resolves to CreateCustomLossResponse.

    """

    session_id: str
    """ Session the loss belongs to. """
    custom_loss_seq_id: int
    """ The client's per-session counter of uploaded losses. """
    name: str
    """ Name of the loss function, for display. """
    inputs: list[CustomLossInput]
    """ Ordered list of what the loss takes; the first entry is always `logprobs`. """
    graph: CustomLossGraph
    """ The traced loss serialized as data, with its nodes listed in the order they run. The service reconstructs
    the function using only operations on its allowlist. """
    type_: Literal["create_custom_loss"] | Unset = "create_custom_loss"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        session_id = self.session_id

        custom_loss_seq_id = self.custom_loss_seq_id

        name = self.name

        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = inputs_item_data.to_dict()
            inputs.append(inputs_item)

        graph = self.graph.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "session_id": session_id,
                "custom_loss_seq_id": custom_loss_seq_id,
                "name": name,
                "inputs": inputs,
                "graph": graph,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.custom_loss_graph import CustomLossGraph  # noqa: PLC0415
        from ..models.custom_loss_input import CustomLossInput  # noqa: PLC0415

        d = dict(src_dict)
        session_id = d.pop("session_id")

        custom_loss_seq_id = d.pop("custom_loss_seq_id")

        name = d.pop("name")

        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in _inputs:
            inputs_item = CustomLossInput.from_dict(inputs_item_data)

            inputs.append(inputs_item)

        graph = CustomLossGraph.from_dict(d.pop("graph"))

        type_ = cast(Literal["create_custom_loss"] | Unset, d.pop("type", UNSET))
        if type_ != "create_custom_loss" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'create_custom_loss', got '{type_}'")

        create_custom_loss_request = cls(
            session_id=session_id,
            custom_loss_seq_id=custom_loss_seq_id,
            name=name,
            inputs=inputs,
            graph=graph,
            type_=type_,
        )

        return create_custom_loss_request
