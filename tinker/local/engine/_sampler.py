"""Sampling with a KV cache: the prompt is prefilled once and shared by all samples, then one token per step.

``Sampler.sample_batch`` decodes several requests together, each sequence at its own position."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from tinker._byte_tokenizer import ByteTokenizer
from tinker._mixins import MASK_LOGPROB

from ._lora import Adapter
from ._model import BaseModel, KVCache, RowPositions, hidden_states, logits
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
BatchEntry = tuple[SampleSpec, TokenCallback | None]
"""One request of ``Sampler.sample_batch``: what to sample and its ``on_token`` callback (or None)."""

# A prefill of prompts padded to the longest of its group holds at most this many tokens (or one prompt), so that
# its attention scores stay near those of one long prompt; prompts join a group while padding at most doubles it.
_PREFILL_TOKENS = 4096


class _Chooser:
    """Draws every row's next token at once, each row by its own request's temperature, top_k and top_p.

    Rows fall in at most three groups (greedy; a plain draw; a draw cut to top_k and/or top_p, through one sort),
    so a step costs a few tensor calls whatever the number of requests. The cut is ``_choose``'s: top_k on the
    tempered scores, then the smallest prefix reaching top_p of what is left.
    """

    def __init__(self, specs: list[SampleSpec], vocab: int, device: torch.device) -> None:
        self._specs, self._vocab, self._device = specs, vocab, device
        greedy, plain, cut = [], [], []
        for position, spec in enumerate(specs):
            if spec.temperature == 0:
                greedy.append(position)
            elif 0 < spec.top_k < vocab or spec.top_p < 1:
                cut.append(position)
            else:
                plain.append(position)
        self._greedy, self._plain, self._cut = (self._index(group) for group in (greedy, plain, cut))

        def column(values: Sequence[float | int | bool], dtype: torch.dtype) -> torch.Tensor:
            return torch.tensor(values, dtype=dtype, device=device)[:, None]

        self._plain_temperature = column([specs[p].temperature for p in plain], torch.float32)
        cut_specs = [specs[p] for p in cut]
        self._cut_temperature = column([spec.temperature for spec in cut_specs], torch.float32)
        self._kth = column([s.top_k - 1 if 0 < s.top_k < vocab else vocab - 1 for s in cut_specs], torch.int64)
        self._top_p = column([spec.top_p for spec in cut_specs], torch.float32)
        self._cuts_p = column([spec.top_p < 1 for spec in cut_specs], torch.bool)

    def _index(self, positions: list[int]) -> torch.Tensor | None:
        """The rows of a group, or None when it is empty; a group of every row is all of them (no gather)."""
        if not positions:
            return None
        return torch.tensor(positions, dtype=torch.int64, device=self._device)

    def subset(self, positions: list[int]) -> _Chooser:
        return _Chooser([self._specs[p] for p in positions], self._vocab, self._device)

    def choose(self, log_probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        rows = log_probs.shape[0]
        parts = [
            (index, draw)
            for index, draw in (
                (self._greedy, lambda x: x.argmax(dim=-1)),
                (self._plain, lambda x: self._draw_plain(x, generator)),
                (self._cut, lambda x: self._draw_cut(x, generator)),
            )
            if index is not None
        ]
        if len(parts) == 1:
            return parts[0][1](log_probs)
        chosen = torch.empty(rows, dtype=torch.int64, device=log_probs.device)
        for index, draw in parts:
            chosen[index] = draw(log_probs.index_select(0, index))
        return chosen

    def _draw_plain(self, log_probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        scores = (log_probs - log_probs.amax(dim=-1, keepdim=True)) / self._plain_temperature
        return torch.multinomial(scores.softmax(dim=-1), 1, generator=generator)[:, 0]

    def _draw_cut(self, log_probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        scores = (log_probs - log_probs.amax(dim=-1, keepdim=True)) / self._cut_temperature
        ordered, order = scores.sort(dim=-1, descending=True)
        ordered = ordered.masked_fill(ordered < ordered.gather(-1, self._kth), -math.inf)  # top_k (ties kept)
        probs = ordered.softmax(dim=-1)
        # the smallest prefix whose probability reaches top_p; the most likely token always stays
        ordered = ordered.masked_fill((probs.cumsum(dim=-1) - probs >= self._top_p) & self._cuts_p, -math.inf)
        drawn = torch.multinomial(ordered.softmax(dim=-1), 1, generator=generator)
        return order.gather(-1, drawn)[:, 0]


@dataclass(eq=False)
class _Running:
    """One request of a batch while it is decoded."""

    spec: SampleSpec
    on_token: TokenCallback | None
    plan: _Plan
    result: SampleResult = field(default_factory=lambda: SampleResult(sequences=[]))
    first: torch.Tensor | None = None  # the log-softmax that predicts the first new token
    outcome: SampleResult | Exception | None = None
    active: set[int] = field(default_factory=set)
    tokens: list[list[int]] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)
    generated: list[list[int]] = field(default_factory=list)  # what stop strings are matched on
    step: dict[int, tuple[int, float]] = field(default_factory=dict)  # this step's token and logprob per sample

    def __post_init__(self) -> None:
        samples = self.spec.num_samples
        self.active = set(range(samples))
        self.tokens = [[] for _ in range(samples)]
        self.values = [[] for _ in range(samples)]
        self.generated = [[] for _ in range(samples)]

    @property
    def rows(self) -> int:
        """Its rows in the decode: one per sample, none when it asks for no new token."""
        return self.spec.num_samples if self.plan.max_tokens > 0 else 0

    def finish(self) -> None:
        self.result.sequences = [
            SampledSequence(
                tokens=np.array(self.tokens[index], dtype=np.int32),
                logprobs=np.array(self.values[index], dtype=np.float32),
                stop_reason="length" if index in self.active else "stop",
            )
            for index in range(self.spec.num_samples)
        ]
        self.outcome = self.result


class Sampler:
    """Samples from a base model with an optional fixed adapter; safe to call from several threads at once."""

    def __init__(
        self, model: BaseModel, info: BaseModelInfo, tokenizer: ByteTokenizer, adapter: Adapter | None
    ) -> None:
        self.info = info
        self._model = model
        self._tokenizer = tokenizer
        self._adapter = adapter

    @property
    def batch_key(self) -> tuple[int, int]:
        """Samplers with equal keys compute with the same weights (base model and adapter objects), so their
        requests may share a ``sample_batch``; a sampler lives as long as a request queued for it holds it."""
        return id(self._model), id(self._adapter)

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

    def sample_batch(self, requests: Sequence[BatchEntry]) -> list[SampleResult | Exception]:
        """Several requests on this sampler (prompts, lengths and parameters of their own) decoded together.

        Each request's prompt is prefilled (with its prompt logprobs, as ``sample`` computes them), then every
        sample of every request is decoded in one batch, one token a step, each sequence at its own position. Each
        request keeps its own temperature, top_k, top_p, stop tokens and strings, max_tokens and ``on_token``; its
        result is what ``sample`` would return for it (same dtypes, stop reasons and logprobs; at temperature 0 the
        same tokens, logprobs equal up to float rounding, since the batch's shapes differ).

        Returns each request's outcome in order: its SampleResult, or the exception that ended it alone: an
        EngineInputError for a request the engine cannot use, SamplingStopped when its ``on_token`` returned False
        (its rows stop; the others go on), or what its ``on_token`` raised. An error of the batch itself (out of
        memory) ends every request not finished yet with it.

        A request with a ``seed`` runs alone through ``sample``, as if sent by itself: a batch draws every row from
        one generator, so its samples would depend on the requests it was batched with, and a seed must reproduce
        them exactly.
        """
        outcomes: list[SampleResult | Exception | None] = [None] * len(requests)
        batch: list[tuple[int, _Running]] = []
        for position, (spec, on_token) in enumerate(requests):
            if spec.seed is not None:
                outcomes[position] = self._alone(spec, on_token)
                continue
            try:
                plan = plan_sampling(spec, self.info)
            except EngineInputError as exc:
                outcomes[position] = exc
                continue
            batch.append((position, _Running(spec, on_token, plan)))
        if batch:
            runs = [run for _, run in batch]
            try:
                with torch.inference_mode():
                    self._decode(runs)
            except Exception as exc:
                for run in runs:
                    if run.outcome is None:
                        run.outcome = exc
            for position, run in batch:
                outcomes[position] = run.outcome
        assert all(outcome is not None for outcome in outcomes)
        return outcomes  # type: ignore[return-value]

    def _alone(self, spec: SampleSpec, on_token: TokenCallback | None) -> SampleResult | Exception:
        try:
            return self.sample(spec, on_token)
        except Exception as exc:
            return exc

    def _decode(self, runs: list[_Running]) -> None:
        model, adapter, device = self._model, self._adapter, self._model.device
        runs = sorted(runs, key=lambda run: run.plan.prompt.size)  # neighbours in length share a padded prefill
        decoding = [run for run in runs if run.rows]
        length = max((run.plan.prompt.size + run.plan.max_tokens for run in decoding), default=0)
        rows = sum(run.rows for run in decoding)
        cache = KVCache(model.config, rows, length, device, zeroed=True) if decoding else None
        self._prefill(runs, cache)
        for run in runs:
            if not run.rows:
                run.finish()
        if not decoding:
            return
        generator = torch.Generator(device=device)
        generator.seed()
        assert cache is not None
        row_runs = [run for run in decoding for _ in range(run.rows)]
        row_samples = [index for run in decoding for index in range(run.rows)]
        current = list(range(len(row_runs)))  # the rows still decoded, by their first index
        counts = torch.tensor([run.rows for run in decoding], device=device)
        step_log_probs = torch.stack([run.first for run in decoding if run.first is not None])
        step_log_probs = step_log_probs.repeat_interleave(counts, dim=0)
        starts = [run.plan.prompt.size for run in row_runs]
        base = torch.tensor(starts, dtype=torch.int64, device=device)
        # a finished request's rows go on computing until most rows are done, at the last position of their own,
        # which nothing reads any more: they stay within the cache and finite
        last = torch.tensor([r.plan.prompt.size + r.plan.max_tokens - 1 for r in row_runs], device=device)
        longest = max(starts)
        chooser = _Chooser([run.spec for run in row_runs], self.info.vocab_size, device)
        for step in range(max(run.plan.max_tokens for run in decoding)):
            chosen = chooser.choose(step_log_probs, generator)
            values = step_log_probs.gather(-1, chosen[:, None])[:, 0].tolist()
            for position, (row, token) in enumerate(zip(current, chosen.tolist(), strict=True)):
                run = row_runs[row]
                if run.outcome is None:
                    run.step[row_samples[row]] = (token, values[position])
            for run in decoding:
                if run.outcome is None:
                    self._advance(run, step)
            live = [position for position, row in enumerate(current) if row_runs[row].outcome is None]
            if not live:
                break
            if len(live) <= len(current) // 2:  # most rows are done: stop computing them
                keep = torch.tensor(live, dtype=torch.int64, device=device)
                cache.keep(keep)
                chosen, base, last = (column.index_select(0, keep) for column in (chosen, base, last))
                chooser = chooser.subset(live)
                current = [current[position] for position in live]
                longest = max(starts[row] for row in current)
            positions = RowPositions.of(torch.minimum(base + step, last), min(longest + step + 1, length))
            hidden = hidden_states(model, adapter, chosen[:, None], positions, cache)
            step_log_probs = torch.log_softmax(logits(model, adapter, hidden[:, 0]), dim=-1)

    def _prefill(self, runs: list[_Running], cache: KVCache | None) -> None:
        """Each prompt through the model, into its rows of ``cache``, with its prompt logprobs and the log-softmax
        predicting its first token. ``runs`` are in order of prompt length and take the cache's rows in that order.

        Neighbouring prompts go through together, right-padded to the longest (causal attention: padding never
        changes a real position); what padding leaves in a shorter prompt's cache positions is overwritten by its
        own tokens before attention reads there."""
        group: list[_Running] = []
        row = 0
        for run in [*runs, None]:
            if run is not None and group:
                size = run.plan.prompt.size
                padded = (len(group) + 1) * size
                if padded <= 2 * (sum(r.plan.prompt.size for r in group) + size) and padded <= _PREFILL_TOKENS:
                    group.append(run)
                    continue
            if group:
                self._prefill_group(group, cache, row)
                row += sum(r.rows for r in group)
            group = [run] if run is not None else []

    def _prefill_group(self, group: list[_Running], cache: KVCache | None, row: int) -> None:
        model, adapter, device = self._model, self._adapter, self._model.device
        sizes = [run.plan.prompt.size for run in group]
        padded = max(sizes)
        tokens = torch.zeros((len(group), padded), dtype=torch.int64)
        for index, run in enumerate(group):
            tokens[index, : sizes[index]] = torch.from_numpy(run.plan.prompt)
        tokens = tokens.to(device)
        rows = [run.rows for run in group]
        target: KVCache | None = None
        if cache is not None and any(rows):
            if all(count == 1 for count in rows):
                target = cache.rows(row, row + len(group))
            else:  # samples share their prompt's keys and values: computed once, copied to each row
                target = KVCache(model.config, len(group), padded, device)
        hidden = hidden_states(model, adapter, tokens, 0, target)
        if target is not None and cache is not None and any(count != 1 for count in rows):
            repeats = torch.tensor(rows, device=device)
            width = min(padded, cache.keys[0].shape[2])  # a row's prompt always fits its cache
            for layer in range(model.config.n_layers):
                for source, dest in ((target.keys, cache.keys), (target.values, cache.values)):
                    copied = source[layer][:, :, :width].repeat_interleave(repeats, dim=0)
                    dest[layer][row : row + sum(rows), :, :width] = copied
        lasts: list[int] = []
        for index, run in enumerate(group):
            spec = run.spec
            if spec.prompt_logprobs or spec.topk_prompt_logprobs > 0:
                log_probs = torch.log_softmax(logits(model, adapter, hidden[index, : sizes[index]]), dim=-1)
                _fill_prompt_logprobs(run.result, log_probs[:-1], tokens[index, : sizes[index]], spec)
                run.first = log_probs[-1]
            else:
                lasts.append(index)
        if lasts:
            which = torch.tensor(lasts, device=device)
            ends = torch.tensor([sizes[index] - 1 for index in lasts], device=device)
            log_probs = torch.log_softmax(logits(model, adapter, hidden[which, ends]), dim=-1)
            for position, index in enumerate(lasts):
                group[index].first = log_probs[position]

    def _advance(self, run: _Running, step: int) -> None:
        """What ``sample`` does with one step's tokens, for one request of a batch: record them, apply its stop
        rules, tell its ``on_token``, and finish it when it is done (or asked to stop)."""
        plan, chosen = run.plan, run.step
        running = sorted(run.active)
        for index in running:
            token, value = chosen[index]
            run.tokens[index].append(token)
            run.values[index].append(value)
        if plan.stop_ids or plan.stop_strings:
            for index in running:
                if self._stops(plan, run.generated[index], chosen[index][0]):
                    run.active.discard(index)
        if run.on_token is not None:
            try:
                wanted = [run.on_token(index, *chosen[index], step) for index in running]
            except Exception as exc:
                run.outcome = exc
                return
            finally:
                chosen.clear()
            if False in wanted:
                run.outcome = SamplingStopped()
                return
        chosen.clear()
        if not run.active or step + 1 == plan.max_tokens:
            run.finish()

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
