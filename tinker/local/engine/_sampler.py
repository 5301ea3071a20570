"""Sampling with a KV cache: the prompt is prefilled once and shared by all samples, then one token per step."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from tinker._byte_tokenizer import ByteTokenizer
from tinker._mixins import MASK_LOGPROB

from ._lora import Adapter
from ._model import BaseModel, KVCache, hidden_states, logits
from ._types import BaseModelInfo, EngineInputError, SampledSequence, SampleResult, SampleSpec, SamplingStopped

_SEED_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class _Plan:
    prompt: np.ndarray
    max_tokens: int
    stop_ids: frozenset[int]
    stop_strings: tuple[str, ...]
    window: int


def plan_sampling(spec: SampleSpec, info: BaseModelInfo) -> _Plan:
    """Checks the request (the error names the field at fault) and resolves max_tokens and the stop rules."""
    prompt = np.asarray(spec.prompt)
    if prompt.ndim != 1 or prompt.dtype.kind not in "iu":
        raise EngineInputError("prompt", f"must be a 1-D integer array, got {prompt.dtype} {prompt.shape}")
    if prompt.size == 0:
        raise EngineInputError("prompt", "the prompt is empty")
    low, high = int(prompt.min()), int(prompt.max())
    if low < 0 or high >= info.vocab_size:
        bad = low if low < 0 else high
        raise EngineInputError("prompt", f"token id {bad} is outside the vocabulary [0, {info.vocab_size})")
    context = info.max_context_length
    room = context - prompt.size
    if room < 0 or (room == 0 and spec.max_tokens is None):
        raise EngineInputError("prompt", f"{prompt.size} tokens leave no room to sample in {context} of context")
    max_tokens = room if spec.max_tokens is None else spec.max_tokens
    if max_tokens < 0 or max_tokens > room:
        raise EngineInputError(
            "sampling_params.max_tokens",
            f"must be between 0 and {room} (context {context} minus a {prompt.size}-token prompt), got {max_tokens}",
        )
    if spec.num_samples < 1:
        raise EngineInputError("num_samples", f"must be at least 1, got {spec.num_samples}")
    if not (math.isfinite(spec.temperature) and spec.temperature >= 0):
        raise EngineInputError("sampling_params.temperature", f"must be a finite number >= 0, got {spec.temperature}")
    if not (0 < spec.top_p <= 1):
        raise EngineInputError("sampling_params.top_p", f"must be in (0, 1], got {spec.top_p}")
    if spec.top_k < -1:
        raise EngineInputError("sampling_params.top_k", f"must be -1 or 0 (off) or a positive count, got {spec.top_k}")
    if not 0 <= spec.topk_prompt_logprobs <= info.vocab_size:
        raise EngineInputError(
            "topk_prompt_logprobs", f"must be between 0 and {info.vocab_size}, got {spec.topk_prompt_logprobs}"
        )
    stop_ids = frozenset([info.eos_token_id] if spec.stop_tokens is None else spec.stop_tokens)
    if any(not 0 <= token < info.vocab_size for token in stop_ids):
        raise EngineInputError("sampling_params.stop", f"stop token ids must be in [0, {info.vocab_size})")
    if any(not stop for stop in spec.stop_strings):
        raise EngineInputError("sampling_params.stop", "stop strings must not be empty")
    # A new match ends in the newest token; a byte-level string of b bytes spans at most b tokens, and 3 more
    # tokens cover a multi-byte character cut at the window's start.
    window = max((len(stop.encode("utf-8")) for stop in spec.stop_strings), default=0) + 3
    return _Plan(prompt.astype(np.int64), max_tokens, stop_ids, tuple(spec.stop_strings), window)


def _choose(log_probs: torch.Tensor, spec: SampleSpec, generator: torch.Generator) -> torch.Tensor:
    """Greedy at temperature 0, else a draw from softmax(logits / temperature) cut to top_k, then top_p."""
    if spec.temperature == 0:
        return log_probs.argmax(dim=-1)
    # Shifting the maximum to 0 first keeps a tiny temperature from turning every score into -inf.
    scores = (log_probs - log_probs.amax(dim=-1, keepdim=True)) / spec.temperature
    if 0 < spec.top_k < scores.shape[-1]:
        kth = scores.topk(spec.top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, -math.inf)
    if spec.top_p < 1:
        ordered, order = scores.sort(dim=-1, descending=True)
        probs = ordered.softmax(dim=-1)
        # Keep the smallest prefix whose probability reaches top_p; the most likely token always stays.
        ordered = ordered.masked_fill(probs.cumsum(dim=-1) - probs >= spec.top_p, -math.inf)
        scores = torch.full_like(scores, -math.inf).scatter(-1, order, ordered)
    return torch.multinomial(scores.softmax(dim=-1), 1, generator=generator)[:, 0]


TokenCallback = Callable[[int, int, float, int], bool | None]


class Sampler:
    """Samples from a base model with an optional fixed adapter; safe to call from several threads at once."""

    def __init__(
        self, model: BaseModel, info: BaseModelInfo, tokenizer: ByteTokenizer, adapter: Adapter | None
    ) -> None:
        self.info = info
        self._model = model
        self._tokenizer = tokenizer
        self._adapter = adapter

    def sample(self, spec: SampleSpec, on_token: TokenCallback | None = None) -> SampleResult:
        """``num_samples`` continuations of ``spec.prompt``, decoded together in one batch.

        ``on_token(sample_index, token, logprob, position)``, when given, is called for each token as soon as
        it is chosen (streaming), in order, for the samples still running. When it returns False (its stream's
        client went away, or the request was cancelled), sampling ends before the next token with SamplingStopped,
        so that no engine time goes to tokens nobody wants.

        Returned logprobs are log-softmax of the model's unscaled logits (temperature 1, before top_k/top_p) at the
        chosen token: the learner's logprob, so they match a trainer forward of prompt + completion. Tokens are
        int32 and include the token that stopped the sequence. Without ``seed`` every call draws fresh randomness.
        """
        plan = plan_sampling(spec, self.info)
        model, adapter = self._model, self._adapter
        device = model.device
        generator = torch.Generator(device=device)
        if spec.seed is None:
            generator.seed()
        else:
            generator.manual_seed(spec.seed & _SEED_MASK)
        samples, length = spec.num_samples, plan.prompt.size
        with torch.inference_mode():
            prompt = torch.from_numpy(plan.prompt).to(device)
            cache = KVCache(model.config, samples, length + plan.max_tokens, device)
            hidden = hidden_states(model, adapter, prompt[None], 0, cache)[0]
            wants_prompt = spec.prompt_logprobs or spec.topk_prompt_logprobs > 0
            log_probs = torch.log_softmax(logits(model, adapter, hidden if wants_prompt else hidden[-1:]), dim=-1)
            result = SampleResult(sequences=[])
            if wants_prompt:
                _fill_prompt_logprobs(result, log_probs[:-1], prompt, spec)
            step_log_probs = log_probs[-1:].expand(samples, -1)

            ends = [plan.max_tokens] * samples
            active = set(range(samples))
            generated: list[list[int]] = [[] for _ in range(samples)]
            chosen_tokens: list[torch.Tensor] = []
            chosen_log_probs: list[torch.Tensor] = []
            checks_stops = bool(plan.stop_ids or plan.stop_strings)
            for step in range(plan.max_tokens):
                chosen = _choose(step_log_probs, spec, generator)
                chosen_tokens.append(chosen)
                chosen_log_probs.append(step_log_probs.gather(-1, chosen[:, None])[:, 0])
                running = sorted(active)
                if checks_stops:
                    for index, token in enumerate(chosen.tolist()):
                        if index in active and self._stops(plan, generated[index], token):
                            ends[index] = step + 1
                            active.discard(index)
                if on_token is not None:
                    step_tokens, step_values = chosen.tolist(), chosen_log_probs[-1].tolist()
                    wanted = [on_token(index, step_tokens[index], step_values[index], step) for index in running]
                    if False in wanted:
                        raise SamplingStopped()
                if not active or step + 1 == plan.max_tokens:
                    break
                hidden = hidden_states(model, adapter, chosen[:, None], length + step, cache)
                step_log_probs = torch.log_softmax(logits(model, adapter, hidden[:, 0]), dim=-1)

            width = len(chosen_tokens)
            tokens = torch.stack(chosen_tokens, 1).cpu().numpy() if width else np.zeros((samples, 0))
            values = torch.stack(chosen_log_probs, 1).cpu().numpy() if width else np.zeros((samples, 0))
        for index, end in enumerate(ends):
            result.sequences.append(
                SampledSequence(
                    tokens=tokens[index, :end].astype(np.int32),
                    logprobs=values[index, :end].astype(np.float32),
                    stop_reason="length" if index in active else "stop",
                )
            )
        return result

    def _stops(self, plan: _Plan, generated: list[int], token: int) -> bool:
        """Whether ``token`` ends its sequence; ``generated`` collects the tokens that stop strings are matched on."""
        if token in plan.stop_ids:
            return True
        if not plan.stop_strings:
            return False
        generated.append(token)
        tail = self._tokenizer.decode(generated[-plan.window :])
        return any(stop in tail for stop in plan.stop_strings)


def _fill_prompt_logprobs(
    result: SampleResult, predictions: torch.Tensor, prompt: torch.Tensor, spec: SampleSpec
) -> None:
    """``predictions[i]`` is the log-softmax that predicts prompt token i + 1; position 0 has no prediction."""
    length = prompt.shape[0]
    if spec.prompt_logprobs:
        values = np.full(length, np.nan, dtype=np.float32)
        values[1:] = predictions.gather(-1, prompt[1:, None])[:, 0].cpu().numpy()
        result.prompt_logprobs = values
    k = spec.topk_prompt_logprobs
    if k > 0:
        ids = np.zeros((length, k), dtype=np.int32)
        top_values = np.full((length, k), MASK_LOGPROB, dtype=np.float32)  # row 0: no prediction
        top = predictions.topk(k, dim=-1)
        ids[1:] = top.indices.cpu().numpy()
        top_values[1:] = top.values.cpu().numpy()
        result.topk_prompt_token_ids = ids
        result.topk_prompt_logprobs = top_values
