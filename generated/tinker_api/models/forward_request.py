from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.forward_backward_input import ForwardBackwardInput


T = TypeVar("T", bound="ForwardRequest")


@_attrs_define
class ForwardRequest:
    """Legacy JSON body of POST /forward: a forward pass without gradients. Current SDKs send forward_backward with
    forward_only set instead.

    """

    forward_input: ForwardBackwardInput
    """ Batch and loss of a forward or forward_backward call in its JSON form (the hosted service takes the same
    content as protobuf). """
    model_id: str
    """ Id of a trained model (training run), of the form <session_id>:train:<model_seq_id>. """
    seq_id: int | None | Unset = UNSET
    """ Per-run ordering number (from 1). """

    def to_dict(self) -> dict[str, Any]:
        forward_input = self.forward_input.to_dict()

        model_id = self.model_id

        seq_id: int | None | Unset
        if isinstance(self.seq_id, Unset):
            seq_id = UNSET
        else:
            seq_id = self.seq_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "forward_input": forward_input,
                "model_id": model_id,
            }
        )
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.forward_backward_input import ForwardBackwardInput  # noqa: PLC0415

        d = dict(src_dict)
        forward_input = ForwardBackwardInput.from_dict(d.pop("forward_input"))

        model_id = d.pop("model_id")

        def _parse_seq_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seq_id = _parse_seq_id(d.pop("seq_id", UNSET))

        forward_request = cls(
            forward_input=forward_input,
            model_id=model_id,
            seq_id=seq_id,
        )

        return forward_request
