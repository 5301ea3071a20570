from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forward_backward_input import ForwardBackwardInput


T = TypeVar("T", bound="ForwardBackwardRequest")


@_attrs_define
class ForwardBackwardRequest:
    """JSON form of a forward_backward request, as older SDKs sent it; current SDKs send the same content as protobuf.
    Answered with a future that resolves to ForwardBackwardOutput.

    """

    forward_backward_input: ForwardBackwardInput
    """ Batch and loss of a forward or forward_backward call in its JSON form (the hosted service takes the same
    content as protobuf). """
    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    seq_id: int | None | Unset = UNSET
    """ Per-run ordering number (from 1). """
    forward_only: bool | Unset = False
    """ Compute outputs and loss without gradients (what forward() asks for). """

    def to_dict(self) -> dict[str, Any]:
        forward_backward_input = self.forward_backward_input.to_dict()

        model_id = self.model_id

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        forward_only = self.forward_only

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "forward_backward_input": forward_backward_input,
                "model_id": model_id,
            }
        )
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if forward_only is not UNSET:
            field_dict["forward_only"] = forward_only

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forward_backward_input import ForwardBackwardInput  # noqa: PLC0415

        d = dict(src_dict)
        forward_backward_input = ForwardBackwardInput.from_dict(d.pop("forward_backward_input"))

        model_id = d.pop("model_id")

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        forward_only = d.pop("forward_only", UNSET)

        forward_backward_request = cls(
            forward_backward_input=forward_backward_input,
            model_id=model_id,
            seq_id=seq_id,
            forward_only=forward_only,
        )

        return forward_backward_request
