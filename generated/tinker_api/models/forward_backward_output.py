from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forward_backward_output_metrics import ForwardBackwardOutputMetrics
    from ..models.loss_fn_output import LossFnOutput


T = TypeVar("T", bound="ForwardBackwardOutput")


@_attrs_define
class ForwardBackwardOutput:
    """Result of a forward or forward_backward future in its JSON form. The hosted service returns it as protobuf when
    asked with Accept application/x-protobuf; the JSON form (used by older SDKs and ports) carries the same content.

    """

    loss_fn_output_type: str
    """ Name of the output record type ("ArrayRecord" when there are no outputs). """
    loss_fn_outputs: list[LossFnOutput]
    """ One map of output tensors per input datum, in order (for example logprobs). """
    metrics: ForwardBackwardOutputMetrics | Unset = UNSET
    """ Scalars keyed "<name>:<reduction>" (for example loss:sum), so results of several chunks can be combined. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        loss_fn_output_type = self.loss_fn_output_type

        loss_fn_outputs = []
        for loss_fn_outputs_item_data in self.loss_fn_outputs:
            loss_fn_outputs_item = loss_fn_outputs_item_data.to_dict()
            loss_fn_outputs.append(loss_fn_outputs_item)

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "loss_fn_output_type": loss_fn_output_type,
                "loss_fn_outputs": loss_fn_outputs,
            }
        )
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forward_backward_output_metrics import ForwardBackwardOutputMetrics  # noqa: PLC0415
        from ..models.loss_fn_output import LossFnOutput  # noqa: PLC0415

        d = dict(src_dict)
        loss_fn_output_type = d.pop("loss_fn_output_type")

        loss_fn_outputs = []
        _loss_fn_outputs = d.pop("loss_fn_outputs")
        for loss_fn_outputs_item_data in _loss_fn_outputs:
            loss_fn_outputs_item = LossFnOutput.from_dict(loss_fn_outputs_item_data)

            loss_fn_outputs.append(loss_fn_outputs_item)

        _metrics = d.pop("metrics", UNSET)
        metrics: ForwardBackwardOutputMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = ForwardBackwardOutputMetrics.from_dict(_metrics)

        forward_backward_output = cls(
            loss_fn_output_type=loss_fn_output_type,
            loss_fn_outputs=loss_fn_outputs,
            metrics=metrics,
        )

        forward_backward_output.additional_properties = d
        return forward_backward_output

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
