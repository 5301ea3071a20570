from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.loss_fn_type import LossFnType, check_loss_fn_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.datum import Datum
    from ..models.forward_backward_input_loss_fn_config_type_0 import ForwardBackwardInputLossFnConfigType0


T = TypeVar("T", bound="ForwardBackwardInput")


@_attrs_define
class ForwardBackwardInput:
    """Batch and loss of a forward or forward_backward call in its JSON form (the hosted service takes the same content as
    protobuf).

    """

    data: list[Datum]
    """ The examples of the batch; a server refuses an empty batch with a 400. """
    loss_fn: LossFnType
    """ Loss the server applies. Inputs are per-token tensors of shape (N,) in loss_fn_inputs (position i predicts
    token i+1); losses are summed over tokens, not averaged; every loss returns a float32 `logprobs` output and a
    `loss:sum` metric. Notation: lp = learner logprob of the target token, q = sampler logprob (input `logprobs`), A
    = `advantages`, r = exp(lp - q), sg = stop-gradient. Defaults marked (ours) are this server's choice where the
    service leaves them open.
    - cross_entropy: target_tokens int64, weights float32; loss = sum(-lp * weights).
    - importance_sampling: target_tokens int64, logprobs float32, advantages float32; loss = -sum(r * A).
    - ppo: importance_sampling inputs; loss = -sum(min(r * A, clip(r, lo, hi) * A)); loss_fn_config
    clip_low_threshold (default 0.8), clip_high_threshold (default 1.2).
    - cispo: importance_sampling inputs; loss = -sum(sg(clip(r, lo, hi)) * lp * A); clip_low_threshold default 0.0,
    clip_high_threshold default 4.0 (current docs; older docs said 0.8 / 1.2).
    - dro: importance_sampling inputs; loss = -sum(lp * A - 0.5 * beta * (lp - q)^2); loss_fn_config beta default
    0.05 (ours).
    - gspo (0.38): importance_sampling inputs plus sequence_ratio_mask float32; ratio = geometric mean of r over a
    sequence's masked tokens, clipped PPO-style, gradient per token; clip_low_threshold / clip_high_threshold
    default 0.8 / 1.2 (ours, configurable).
    - stable_reinforce (0.38): inputs are not published; not supported by the local server (400).
    - custom (0.38): a loss graph registered with create_custom_loss, chosen by loss_fn_config loss_id (string);
    server-side custom losses are not supported by the local server (custom losses run client-side). """
    loss_fn_config: ForwardBackwardInputLossFnConfigType0 | None | Unset = UNSET
    """ Loss settings by name (see LossFnType); string values are allowed since 0.38. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.forward_backward_input_loss_fn_config_type_0 import ForwardBackwardInputLossFnConfigType0  # noqa: PLC0415

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        loss_fn: str = self.loss_fn

        loss_fn_config: dict[str, Any] | None | Unset
        if isinstance(self.loss_fn_config, Unset):
            loss_fn_config = UNSET
        elif isinstance(self.loss_fn_config, ForwardBackwardInputLossFnConfigType0):
            loss_fn_config = self.loss_fn_config.to_dict()
        else:
            loss_fn_config = self.loss_fn_config

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "data": data,
                "loss_fn": loss_fn,
            }
        )
        if loss_fn_config is not UNSET:
            field_dict["loss_fn_config"] = loss_fn_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.datum import Datum  # noqa: PLC0415
        from ..models.forward_backward_input_loss_fn_config_type_0 import ForwardBackwardInputLossFnConfigType0  # noqa: PLC0415

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = Datum.from_dict(data_item_data)

            data.append(data_item)

        loss_fn = check_loss_fn_type(d.pop("loss_fn"))

        def _parse_loss_fn_config(data: object) -> ForwardBackwardInputLossFnConfigType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                loss_fn_config_type_0 = ForwardBackwardInputLossFnConfigType0.from_dict(data)

                return loss_fn_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ForwardBackwardInputLossFnConfigType0 | None | Unset, data)

        loss_fn_config = _parse_loss_fn_config(d.pop("loss_fn_config", UNSET))

        forward_backward_input = cls(
            data=data,
            loss_fn=loss_fn,
            loss_fn_config=loss_fn_config,
        )

        return forward_backward_input
