"""A LoRA training run on a shared frozen base model: losses, gradient accumulation, AdamW and checkpoints."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import numpy as np
import torch

from ._batch import check_batch, prepare_batch
from ._lora import copy_to_cpu, init_adapter
from ._losses import resolve_loss
from ._model import BaseModel, hidden_states, logits
from ._optim import AdamW, is_optimizer_key
from ._types import AdamSpec, BaseModelInfo, EngineInputError, Example, ForwardBackwardResult, LoraSpec


class Trainer:
    """One adapter and its optimizer. Not thread-safe: the server drives each trainer from one worker at a time."""

    def __init__(self, model: BaseModel, info: BaseModelInfo, lora: LoraSpec) -> None:
        self.info = info
        self.lora = lora
        self._model = model
        self._adapter = init_adapter(model.config, lora, model.device)
        self._params = self._adapter.named_tensors()
        self._optimizer = AdamW(self._params)

    def check_forward_backward(
        self, data: list[Example], loss_fn: str, loss_fn_config: Mapping[str, float] | None
    ) -> None:
        """Raises the EngineInputError that :meth:`forward_backward` would, without computing anything.

        Reads no training state, so the server may call it while another thread runs this trainer.
        """
        loss, config = resolve_loss(loss_fn, loss_fn_config)
        check_batch(data, loss, config, self.info)

    def forward_backward(
        self,
        data: list[Example],
        loss_fn: str,
        loss_fn_config: Mapping[str, float] | None,
        forward_only: bool,
    ) -> ForwardBackwardResult:
        """Runs the whole batch as one right-padded forward pass; gradients add up until :meth:`optim_step`.

        Outputs per datum: ``logprobs`` (float32, the shape of its ``target_tokens``). Metrics: ``loss:sum``
        (the loss summed over every token of the batch) and ``num_tokens:sum``.
        """
        loss, config = resolve_loss(loss_fn, loss_fn_config)
        batch = prepare_batch(data, loss, config, self.info, self._model.device)
        grad_mode = torch.no_grad() if forward_only else contextlib.nullcontext()
        with grad_mode:
            hidden = hidden_states(self._model, self._adapter, batch.tokens)
            log_probs = torch.log_softmax(logits(self._model, self._adapter, hidden), dim=-1)
            target_logprobs = log_probs.gather(-1, batch.targets)
            if loss.multi_target:
                per_token = loss.per_token(target_logprobs, batch.inputs, config).sum(dim=-1)
            else:
                per_token = loss.per_token(target_logprobs[..., 0], batch.inputs, config)
            total = (per_token * batch.mask).sum()
            if not forward_only:
                torch.autograd.backward(total)
        values = target_logprobs.detach().cpu().numpy()
        outputs = []
        for row, (length, shape) in enumerate(zip(batch.lengths, batch.target_shapes, strict=True)):
            width = shape[1] if len(shape) == 2 else 1
            row_values = values[row, :length, :width].reshape(shape)
            outputs.append({"logprobs": np.ascontiguousarray(row_values, dtype=np.float32)})
        metrics = {"loss:sum": float(total.detach()), "num_tokens:sum": float(batch.num_tokens)}
        return ForwardBackwardResult(outputs=outputs, metrics=metrics)

    def optim_step(self, adam: AdamSpec) -> dict[str, float]:
        """AdamW on the accumulated gradients (global-norm clipping when ``grad_clip_norm`` > 0), then zeroes them."""
        return self._optimizer.step(adam)

    def state(self, with_optimizer: bool) -> dict[str, torch.Tensor]:
        """CPU copies ready for safetensors: the adapter, plus the optimizer moments and step count when asked."""
        tensors = dict(self._params)
        if with_optimizer:
            tensors.update(self._optimizer.state())
        return copy_to_cpu(tensors)

    def load_state(self, tensors: Mapping[str, torch.Tensor], with_optimizer: bool) -> None:
        """Restores a :meth:`state` exactly; all or nothing. Without the optimizer, the optimizer starts afresh.

        Accumulated gradients are dropped either way. Problems (missing, unexpected or mismatched tensors) raise
        EngineInputError("path").
        """
        problems: list[str] = []
        for key, param in self._params.items():
            given = tensors.get(key)
            if given is None:
                problems.append(f"missing {key}")
            elif given.shape != param.shape or given.dtype != param.dtype:
                problems.append(
                    f"{key}: this model's LoRA (rank {self.lora.rank}) expects {param.dtype} {tuple(param.shape)}, "
                    f"the checkpoint has {given.dtype} {tuple(given.shape)}"
                )
        unexpected = sorted(key for key in tensors if key not in self._params and not is_optimizer_key(key))
        problems.extend(f"unexpected {key}" for key in unexpected)
        if with_optimizer and not any(is_optimizer_key(key) for key in tensors):
            problems.append("it holds no optimizer state (load it without the optimizer)")
        elif with_optimizer:
            problems.extend(self._optimizer.check_state(tensors))
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise EngineInputError("path", f"the checkpoint does not fit this model: {shown}")
        with torch.no_grad():
            for key, param in self._params.items():
                param.copy_(tensors[key])
                param.grad = None
        self._optimizer.load(tensors if with_optimizer else None)

    def sampler_weights(self) -> dict[str, torch.Tensor]:
        """A CPU copy of the adapter as it is now, for :meth:`Engine.create_sampler` or a sampler checkpoint."""
        return copy_to_cpu(self._params)
