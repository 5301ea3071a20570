"""The loss_fn_inputs each server-side loss takes, without torch.

The server checks a request's input names against these before it makes any input dense (``_wire``), and
``_losses`` defines the losses from them: one table for both.
"""

from __future__ import annotations

from ._types import EngineInputError

_IS_INPUTS = ("logprobs", "advantages")
_CLIP_INPUTS = ("clip_low_threshold", "clip_high_threshold")

LOSS_INPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cross_entropy": ((), ("weights",)),
    "importance_sampling": (_IS_INPUTS, ()),
    "ppo": (_IS_INPUTS, _CLIP_INPUTS),
    "cispo": (_IS_INPUTS, _CLIP_INPUTS),
    "dro": (_IS_INPUTS, ()),
    "gspo": ((*_IS_INPUTS, "sequence_ratio_mask"), _CLIP_INPUTS),
}
"""Each loss's (required, optional) inputs besides ``target_tokens``, which every loss takes."""

_NOT_LOCAL = {
    "stable_reinforce": "this server does not support the stable_reinforce loss (its inputs are not published)",
    "custom": "this server does not support server-side custom losses; custom losses run client-side "
    "(forward_backward_custom)",
}


def loss_inputs(name: str) -> tuple[str, ...]:
    """Every input ``name`` takes, ``target_tokens`` first; an unknown loss raises, naming loss_fn."""
    inputs = LOSS_INPUTS.get(name)
    if inputs is None:
        reason = _NOT_LOCAL.get(name, "unknown loss")
        raise EngineInputError("loss_fn", f"{name!r}: {reason}; supported: {', '.join(LOSS_INPUTS)}")
    required, optional = inputs
    return ("target_tokens", *required, *optional)
