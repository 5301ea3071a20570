"""Every public method of a tinker SDK against a Tinker server, with its values checked.

Runs inside a virtual environment holding one SDK imported as ``tinker``: the official package (0.25.0 or 0.38.0)
or this project's: ``python official_scenario.py OUT.json`` with TINKER_BASE_URL and TINKER_API_KEY pointing at the
server. It lists the public methods of ServiceClient, TrainingClient, SamplingClient, RestClient and AdminClient by
introspection, calls each one it has a step for (sync and async variants), and writes one record per method: ``ok``
with what was checked, or ``failed`` with the error. A method with no step is reported as ``not called``. It also
records what went over the wire (content types, Content-Encoding, Accept, status) so the report can say that
protobuf and zstd were used, and which routes a server answered 404.

The same checks judge every SDK and every server. What depends on the server is read from the environment:
``COMPAT_BASE_MODEL`` (default ``tinker-local/tiny``) is the base model to train and sample, whose tokenizer must be
the byte tokenizer (one id per UTF-8 byte, ``<|endoftext|>`` = 256: the local server's models, and the tiny models
``nox -s interop`` makes for other servers); ``COMPAT_LOCAL_SERVER=0`` leaves out the checks of the local server's
own conventions (model ids ``<session_id>:train:<n>``, ``get_info`` naming the tokenizer folder by absolute path);
``COMPAT_TIMEOUT`` (default 120) is how many seconds one result may take.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import inspect
import json
import math
import os
import pickle
import sys
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

import tinker
from tinker import types

warnings.simplefilter("ignore")  # the deprecated variants are called on purpose

TINY = os.environ.get("COMPAT_BASE_MODEL") or "tinker-local/tiny"
LOCAL_SERVER = os.environ.get("COMPAT_LOCAL_SERVER", "1") != "0"
SDK = "openapi" if importlib.util.find_spec("tinker_api") else "official"
TEXT = b"the quick brown fox jumps over the lazy dog"
TIMEOUT = float(os.environ.get("COMPAT_TIMEOUT") or 120)  # seconds for one result
CLASSES = ("ServiceClient", "TrainingClient", "SamplingClient", "RestClient", "AdminClient")

results: dict[str, dict[str, str]] = {}
wire: list[dict[str, Any]] = []


# --- recording ---------------------------------------------------------------------------------------------
_send = httpx.AsyncClient.send


_step = [""]  # the step running now (steps run one at a time), named in each wire record


def _fields(message: httpx.Request | httpx.Response, scalars: bool = False) -> dict[str, str] | None:
    """A JSON body's top-level fields, each value's JSON cut to 200 characters (or only the scalar ones): the
    server's own words, which the interop report gives as the evidence for a check that judged one of them, and
    what the request asked for."""
    if not message.headers.get("content-type", "").startswith("application/json"):
        return None
    if message.headers.get("content-encoding") or len(message.content) > 1 << 22:
        return None
    try:
        body = json.loads(message.content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return {
        str(k): json.dumps(v)[:200]
        for k, v in body.items()
        if not scalars or v is None or isinstance(v, bool | int | float | str)
    }


async def _recording_send(self: httpx.AsyncClient, request: httpx.Request, *args: Any, **kwargs: Any) -> Any:
    response = await _send(self, request, *args, **kwargs)
    wire.append(
        {
            "path": urlparse(str(request.url)).path,
            "content_type": request.headers.get("content-type", ""),
            "content_encoding": request.headers.get("content-encoding", ""),
            "accept": request.headers.get("accept", ""),
            "status": response.status_code,
            "response_type": response.headers.get("content-type", ""),
            "step": _step[0],
            "fields": None if kwargs.get("stream") else _fields(response),
            "asked": _fields(request, scalars=True),
        }
    )
    return response


httpx.AsyncClient.send = _recording_send  # type: ignore[method-assign]


class Check(AssertionError):
    def __init__(self, message: str, about: str | None = None) -> None:
        super().__init__(message)
        self.about = about  # the field of the server's answer the check judged, when it judged one


class Made(dict[str, Any]):
    """What steps made for later ones; a later step that needs what a failed step did not make fails saying which
    step that was (the interop report puts such a failure down to whoever that step's failure is put down to)."""

    def __missing__(self, key: str) -> Any:
        raise MissingClient(f"no {key}: {MADE_BY.get(key, 'an earlier step')} failed")


MADE_BY = {
    "training": "ServiceClient.create_lora_training_client",
    "async_training": "ServiceClient.create_lora_training_client_async",
    "rest": "ServiceClient.create_rest_client",
    "losses": "TrainingClient.forward_backward",
    "state_path": "TrainingClient.save_state",
    "state_loss": "TrainingClient.save_state",
    "sampler_path": "TrainingClient.save_weights_for_sampler",
    "external_path": "TrainingClient.save_weights_external",
    "tokenizer_id": "TrainingClient.get_info",
    "sampler": "TrainingClient.create_sampling_client",
    "async_state": "TrainingClient.save_state_async",
    "async_sampler_path": "TrainingClient.save_weights_for_sampler_async",
}


class MissingClient(AttributeError):
    pass


class MissingId(str):
    """Stands for the id of a run an earlier step failed to make: a step that sends it fails at once instead of
    asking the server about a run that does not exist (and retrying its errors)."""

    def __str__(self) -> str:
        raise MissingClient(f"no training run: {super().__str__()} failed")

    def __format__(self, spec: str) -> str:
        return str(self)


class Missing:
    """Stands for a client an earlier step failed to make: every use fails the step that needs it, saying why."""

    def __init__(self, step: str) -> None:
        self._step = step

    def __getattr__(self, name: str) -> Any:
        raise MissingClient(f"no client to call {name} on: {self._step} failed")


def expect(condition: object, message: str, about: str | None = None) -> None:
    if not condition:
        raise Check(message, about)


def _failure(error: Exception) -> dict[str, str]:
    message = f"{type(error).__name__}: {error}".strip()
    failure = {"status": "failed", "detail": message[:400]}
    if isinstance(error, Check) and error.about:
        failure["about"] = error.about
    return failure


def record(name: str, outcome: Callable[[], str | None]) -> None:
    """Run one step; its return value (what was checked) or its error becomes the method's record."""
    started = time.monotonic()
    _step[0] = name
    try:
        detail = outcome() or ""
        results[name] = {"status": "ok", "detail": detail}
    except Exception as error:
        results[name] = _failure(error)
        traceback.print_exc(file=sys.stderr)
    print(f"{results[name]['status']:6s} {name} ({time.monotonic() - started:.1f}s)", file=sys.stderr)
    write_records()


async def record_async(name: str, outcome: Callable[[], Awaitable[str | None]]) -> None:
    started = time.monotonic()
    _step[0] = name
    try:
        detail = await asyncio.wait_for(outcome(), TIMEOUT) or ""
        results[name] = {"status": "ok", "detail": detail}
    except Exception as error:
        results[name] = _failure(error)
        traceback.print_exc(file=sys.stderr)
    print(f"{results[name]['status']:6s} {name} ({time.monotonic() - started:.1f}s)", file=sys.stderr)
    write_records()


def client_class(name: str) -> Any:
    """One of the client classes (0.25 exports RestClient from neither the top level nor public_interfaces, only
    from its own module, where ServiceClient.create_rest_client finds it)."""
    import importlib

    from tinker.lib import public_interfaces

    found = getattr(tinker, name, None) or getattr(public_interfaces, name, None)
    if found is None and name == "RestClient":
        found = getattr(importlib.import_module("tinker.lib.public_interfaces.rest_client"), name, None)
    return found


def public_methods() -> list[str]:
    """Class.method for every public function of the five client classes this version has."""
    names = []
    for class_name in CLASSES:
        klass = client_class(class_name)
        if klass is None:
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, staticmethod | classmethod) or inspect.isfunction(value):
                names.append(f"{class_name}.{name}")
    return sorted(names)


def has(qualified: str) -> bool:
    class_name, name = qualified.split(".")
    klass = client_class(class_name)
    return klass is not None and name in vars(klass)


def resolve(value: Any) -> Any:
    """A client from what a factory returned: the client itself (0.25) or a future of it (0.38)."""
    if hasattr(value, "result") and type(value).__name__.startswith("Backcompat"):
        return value.result(timeout=TIMEOUT)
    return value


async def resolve_async(value: Any) -> Any:
    """What an ``_async`` variant returned, awaited as far as it goes (0.25 gives futures, 0.38 values)."""
    while inspect.isawaitable(value) or isinstance(value, concurrent.futures.Future):
        value = await (asyncio.wrap_future(value) if isinstance(value, concurrent.futures.Future) else value)
    return value


def result(future: Any) -> Any:
    return future.result(timeout=TIMEOUT) if hasattr(future, "result") else future


# --- data ----------------------------------------------------------------------------------------------------
def datum(text: bytes = TEXT) -> types.Datum:
    tokens = [*text, 256]
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),
            "weights": types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32)),
        },
    )


def loss_of(output: Any) -> float:
    """The loss:sum metric; without one (a server that names its metrics otherwise), -sum(logprobs), the same value
    for the scenario's all-ones weights, so that the checks built on losses still judge what they are about (the
    forward checks hold the metric to account)."""
    if "loss:sum" in output.metrics:
        return float(output.metrics["loss:sum"])
    return -sum(float(np.sum(out["logprobs"].tolist())) for out in output.loss_fn_outputs)


def check_forward(output: Any, data: list[types.Datum]) -> str:
    expect(len(output.loss_fn_outputs) == len(data), "one output per datum", "loss_fn_outputs")
    total = 0.0
    for out, item in zip(output.loss_fn_outputs, data, strict=True):
        logprobs = np.asarray(out["logprobs"].tolist(), dtype=np.float64)
        expect(logprobs.shape == (item.model_input.length,), f"logprobs shape {logprobs.shape}", "loss_fn_outputs")
        expect(np.all(logprobs <= 0), "logprobs are <= 0", "loss_fn_outputs")
        total -= float(logprobs.sum())
    expect("loss:sum" in output.metrics, f"a loss:sum metric among {sorted(output.metrics)}", "metrics")
    expect(math.isclose(loss_of(output), total, rel_tol=1e-4), "loss:sum = -sum(logprobs * weights)")
    return "a [N] logprobs tensor per datum, all <= 0; loss:sum = -sum(logprobs * weights)"


PROMPT = types.ModelInput.from_ints(list(TEXT[:6]))
GREEDY = types.SamplingParams(max_tokens=8, temperature=0.0, seed=0)


def check_sample(response: Any, num_samples: int, prompt_logprobs: bool = False, topk: int = 0) -> str:
    expect(len(response.sequences) == num_samples, f"{num_samples} sequences", "sequences")
    for seq in response.sequences:
        expect(1 <= len(seq.tokens) <= 8, f"1..8 tokens, got {len(seq.tokens)}", "sequences")
        expect(seq.stop_reason in ("stop", "length"), f"stop reason {seq.stop_reason!r}", "sequences")
        expect(seq.logprobs is not None and len(seq.logprobs) == len(seq.tokens), "a logprob per token", "sequences")
        expect(all(lp <= 0 for lp in seq.logprobs), "logprobs <= 0", "sequences")
    detail = f"{num_samples} sequences, tokens, logprobs <= 0, stop reasons"
    if prompt_logprobs:
        values = response.prompt_logprobs
        expect(
            values is not None and len(values) == PROMPT.length, "a prompt logprob per prompt token", "prompt_logprobs"
        )
        expect(
            values[0] is None and all(v is not None and v <= 0 for v in values[1:]),
            "None first, then <= 0",
            "prompt_logprobs",
        )
        detail += "; prompt_logprobs (None first)"
    if topk:
        rows = response.topk_prompt_logprobs
        expect(rows is not None and len(rows) == PROMPT.length, "a top-k row per prompt token", "topk_prompt_logprobs")
        for row in rows[1:]:
            pairs = [tuple(cell) for cell in row] if not hasattr(row, "shape") else list(zip(*row, strict=False))
            expect(len(pairs) == topk, f"{topk} entries per row", "topk_prompt_logprobs")
        detail += f"; top-{topk} prompt logprobs"
    return detail


def sampler_id(sampler: Any) -> str:
    """The sampling session id a SamplingClient holds (not public in either version)."""
    return str(getattr(sampler, "sampling_session_id", None) or sampler._sampling_session_id)


def describe(answer: Any) -> str:
    """What came back, by type: for calls whose content a local server makes up (usage, audit, billing)."""
    expect(answer is not None, "an answer")
    return f"a {type(answer).__name__}"


def url_string(url: str) -> str:
    expect(isinstance(url, str) and url.startswith("http"), f"a URL: {url!r}")
    return "a URL"


def check_path(path: str, model_id: str, kind: str, name: str) -> None:
    expect(path == f"tinker://{model_id}/{kind}/{name}", f"path {path!r}", "path")


# --- the scenario --------------------------------------------------------------------------------------------
def main(out: str) -> None:
    """Every step, then the records: written after each step as well, so that a run stopped from outside (a
    server that never answers) still tells what it reached."""
    _out[0] = out
    try:
        steps()
    finally:
        write_records()


_out = [""]


def write_records() -> None:
    if not _out[0]:
        return
    document = {
        "version": tinker.__version__,
        "sdk": SDK,
        "base_model": TINY,
        "local_server": LOCAL_SERVER,
        "methods": public_methods(),
        "results": results,
        "wire": wire,
        "last_step": _step[0],
    }
    with open(_out[0] + ".part", "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1)
    os.replace(_out[0] + ".part", _out[0])


def steps() -> None:
    version = tinker.__version__
    service = tinker.ServiceClient(project_id="compat-project")
    state: dict[str, Any] = Made()

    # ServiceClient --------------------------------------------------------------------------------------
    def capabilities() -> str:
        names = [m.model_name for m in service.get_server_capabilities().supported_models]
        expect(TINY in names, f"{TINY} among {names}")
        return f"supported_models include {TINY}"

    record("ServiceClient.get_server_capabilities", capabilities)
    if has("ServiceClient.get_console_url"):
        record("ServiceClient.get_console_url", lambda: url_string(service.get_console_url()))

    def create_training() -> str:
        client = resolve(service.create_lora_training_client(TINY, rank=8, seed=0))
        state["training"] = client
        # the session's id is not public in either SDK: both holders keep it as _session_id
        state["session_id"] = getattr(service.holder, "_session_id", None) or client.model_id.rsplit(":", 2)[0]
        if not LOCAL_SERVER:
            expect(isinstance(client.model_id, str) and client.model_id, f"model id {client.model_id!r}")
            return "a TrainingClient with a model_id"
        session, kind, seq = client.model_id.rsplit(":", 2)
        expect(kind == "train" and seq.isdigit(), f"model id {client.model_id}")
        expect(session == state["session_id"], f"model id {client.model_id} of session {state['session_id']}")
        return "model_id = <session_id>:train:<n>"

    record("ServiceClient.create_lora_training_client", create_training)
    training = state.get("training") or Missing("create_lora_training_client")

    def create_rest() -> str:
        state["rest"] = service.create_rest_client()
        return "a RestClient"

    record("ServiceClient.create_rest_client", create_rest)
    rest = state.get("rest") or client_class("RestClient")()

    def base_sampler() -> str:
        sampler = resolve(service.create_sampling_client(base_model=TINY))
        return "base-model sampler; " + check_sample(result(sampler.sample(PROMPT, 1, GREEDY)), 1)

    record("ServiceClient.create_sampling_client", base_sampler)
    record("ServiceClient.get_telemetry", lambda: f"returns {type(service.get_telemetry()).__name__}")

    # TrainingClient ---------------------------------------------------------------------------------------
    data = [datum(), datum(b"hello world")]

    def forward() -> str:
        detail = check_forward(result(training.forward(data, "cross_entropy")), data)
        # more datums than fwdbwd_max_chunk_len (1024): the SDK sends chunks at once (the first last), the server
        # must run them in seq_id order and the outputs come back in the datums' order
        many = [datum(TEXT[: 3 + i % 7]) for i in range(1030)]
        outputs = result(training.forward(many, "cross_entropy")).loss_fn_outputs
        lengths = [len(out["logprobs"].tolist()) for out in outputs]
        expect(lengths == [3 + i % 7 for i in range(1030)], "1030 outputs in the datums' order")
        return detail + "; 1030 datums (two chunks) come back in order"

    record("TrainingClient.forward", forward)

    def train() -> str:
        losses = []
        for _ in range(8):
            backward = training.forward_backward([datum()], "cross_entropy")
            step = training.optim_step(types.AdamParams(learning_rate=1e-2))
            losses.append(loss_of(result(backward)))
            result(step)
        state["losses"] = losses
        if not LOCAL_SERVER:  # how fast is the server's (its LoRA's initialisation, its optimizer): only the fall
            expect(losses[-1] < losses[0], f"loss falls: {losses[0]:.2f} -> {losses[-1]:.2f}")
            return "with optim_step, the loss falls in 8 steps"
        expect(losses[-1] < 0.7 * losses[0], f"loss falls: {losses[0]:.2f} -> {losses[-1]:.2f}")
        return "with optim_step, the loss falls by over 30% in 8 steps"

    record("TrainingClient.forward_backward", train)

    def optim() -> str:
        return describe(result(training.optim_step(types.AdamParams(learning_rate=1e-3))))

    record("TrainingClient.optim_step", optim)

    def custom() -> str:
        import torch

        def loss_fn(batch: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
            loss = sum(-lp.sum() for lp in logprobs)
            return loss, {"custom_loss": float(loss)}

        output = result(training.forward_backward_custom([datum()], loss_fn))
        expect("custom_loss" in output.metrics, "the loss function's metrics come back")
        expect(output.metrics["custom_loss"] > 0, "a positive loss")
        return "a torch loss on the logprobs; its metrics merged into the result"

    record("TrainingClient.forward_backward_custom", custom)

    def reference_loss() -> float:
        return loss_of(result(training.forward([datum()], "cross_entropy")))

    def save_state() -> str:
        saved = result(training.save_state("compat-state"))
        state["state_path"], state["state_loss"] = saved.path, reference_loss()
        check_path(saved.path, training.model_id, "weights", "compat-state")
        return "path tinker://<model_id>/weights/<name>"

    record("TrainingClient.save_state", save_state)

    def save_sampler_weights() -> str:
        saved = result(training.save_weights_for_sampler("compat-sampler"))
        state["sampler_path"] = saved.path
        check_path(saved.path, training.model_id, "sampler_weights", "compat-sampler")
        return "path tinker://<model_id>/sampler_weights/<name>"

    record("TrainingClient.save_weights_for_sampler", save_sampler_weights)

    def drift_then(load: Callable[[str], Any], name: str) -> str:
        for _ in range(2):
            result(training.forward_backward([datum(b"something else entirely")], "cross_entropy"))
            result(training.optim_step(types.AdamParams(learning_rate=5e-2)))
        moved = reference_loss()
        expect(not math.isclose(moved, state["state_loss"], rel_tol=1e-4), "training moved the weights")
        result(load(state["state_path"]))
        restored = reference_loss()
        expect(math.isclose(restored, state["state_loss"], rel_tol=1e-4), f"{name} restores the saved loss")
        return "after more training, the loss is back to the saved weights' loss"

    record("TrainingClient.load_state", lambda: drift_then(training.load_state, "load_state"))
    record(
        "TrainingClient.load_state_with_optimizer",
        lambda: drift_then(training.load_state_with_optimizer, "load_state_with_optimizer"),
    )

    def info() -> str:
        answer = training.get_info()
        expect(answer.model_data.model_name == TINY, f"model_name {answer.model_data.model_name}")
        expect(answer.lora_rank == 8, f"lora_rank {answer.lora_rank}")
        state["tokenizer_id"] = answer.model_data.tokenizer_id
        return "model_name, lora_rank"

    record("TrainingClient.get_info", info)

    def tokenizer(owner: Any, source: str) -> str:
        tok = owner.get_tokenizer()
        text = "héllo<|endoftext|> wörld"
        expect(tok.encode(text) == list(text.encode()), "one id per UTF-8 byte, special-token text as bytes")
        expect(tok.eos_token == "<|endoftext|>" and tok.eos_token_id == 256, "EOS <|endoftext|> = 256")
        expect(tok.decode([*b"h\xc3\xa9", 256]) == "hé<|endoftext|>", "decode renders EOS")
        expect(tok.decode(tok.encode(text)) == text, "round trip")
        return f"a {type(tok).__name__} from {source}: ids, EOS and decode as the byte tokenizer's"

    def training_tokenizer() -> str:
        if not LOCAL_SERVER:
            return tokenizer(training, "get_info's tokenizer_id or model name")
        expect(os.path.isabs(state["tokenizer_id"]), f"an absolute path: {state['tokenizer_id']!r}")
        return tokenizer(training, "the folder get_info names by absolute path")

    record("TrainingClient.get_tokenizer", training_tokenizer)

    def sampler_from_path() -> str:
        sampler = resolve(training.create_sampling_client(state["sampler_path"]))
        state["sampler"] = sampler
        return "sampler on saved weights; " + check_sample(result(sampler.sample(PROMPT, 2, GREEDY)), 2)

    record("TrainingClient.create_sampling_client", sampler_from_path)

    def snapshot_sampler() -> str:
        sampler = resolve(training.save_weights_and_get_sampling_client())
        sampled = result(sampler.sample(PROMPT, 1, GREEDY))
        return "snapshot sampler; " + check_sample(sampled, 1)

    record("TrainingClient.save_weights_and_get_sampling_client", snapshot_sampler)

    if has("TrainingClient.save_weights_external"):

        def external() -> str:
            saved = result(training.save_weights_external("compat-external"))
            state["external_path"] = saved.path
            check_path(saved.path, training.model_id, "external_weights", "compat-external")
            return "path tinker://<model_id>/external_weights/<name>"

        record("TrainingClient.save_weights_external", external)
    if has("TrainingClient.get_console_url"):
        record("TrainingClient.get_console_url", lambda: url_string(training.get_console_url()))
    record("TrainingClient.get_telemetry", lambda: f"returns {type(training.get_telemetry()).__name__}")

    # ServiceClient, from saved state ----------------------------------------------------------------------
    def from_state(factory: Callable[..., Any], name: str) -> str:
        client = resolve(factory(state["state_path"]))
        expect(client.model_id != training.model_id, "a new training run")
        loss = loss_of(result(client.forward([datum()], "cross_entropy")))
        expect(math.isclose(loss, state["state_loss"], rel_tol=1e-4), f"{name}: the saved weights")
        return "a new run whose loss is the saved weights' loss"

    record(
        "ServiceClient.create_training_client_from_state",
        lambda: from_state(service.create_training_client_from_state, "from_state"),
    )
    record(
        "ServiceClient.create_training_client_from_state_with_optimizer",
        lambda: from_state(service.create_training_client_from_state_with_optimizer, "with_optimizer"),
    )
    if has("ServiceClient.copy_weights"):

        def service_copy() -> str:
            path = result(service.copy_weights(state["state_path"]))
            expect(str(path).startswith("tinker://"), f"a tinker path: {path}")
            return "a copy at a new tinker:// path"

        record("ServiceClient.copy_weights", service_copy)
    if has("ServiceClient.create_custom_loss"):

        def custom_loss() -> str:
            def neg_ll(logprobs: Any, weights: Any) -> Any:
                loss = -(logprobs * weights).sum()
                return loss, {"custom/neg_ll:sum": loss}

            handle = result(service.create_custom_loss(neg_ll, {"logprobs": 1, "weights": 1}))
            output = result(training.forward_backward_custom([datum()], handle))
            expect(output.metrics["custom/neg_ll:sum"] > 0, f"the loss's metric: {output.metrics}")
            return "a LossHandle (traced, run client-side: the server has no server-side losses) trains"

        record("ServiceClient.create_custom_loss", custom_loss)

    # SamplingClient ---------------------------------------------------------------------------------------
    sampler = state.get("sampler")
    if sampler is None:
        try:
            sampler = resolve(service.create_sampling_client(base_model=TINY))
        except Exception as error:
            print(f"no base-model sampler either: {type(error).__name__}: {error}", file=sys.stderr)
            sampler = Missing("TrainingClient.create_sampling_client and ServiceClient.create_sampling_client")

    def sample() -> str:
        response = result(sampler.sample(PROMPT, 2, GREEDY, include_prompt_logprobs=True, topk_prompt_logprobs=3))
        detail = check_sample(response, 2, prompt_logprobs=True, topk=3)
        ids = [getattr(seq, "sequence_id", None) for seq in response.sequences]
        if version >= "0.38":
            expect(all(ids) and len(set(ids)) == 2, f"sequence ids {ids}")
            detail += "; sequence ids from sample_sequence_ids"
        return detail

    record("SamplingClient.sample", sample)

    def logprobs() -> str:
        values = result(sampler.compute_logprobs(PROMPT))
        expect(len(values) == PROMPT.length and values[0] is None, "None first", "prompt_logprobs")
        expect(all(v <= 0 for v in values[1:]), "<= 0")
        return "one per prompt token, None first, the rest <= 0"

    record("SamplingClient.compute_logprobs", logprobs)

    def base_model() -> str:
        expect(sampler.get_base_model() == TINY, "base model")
        return TINY

    record("SamplingClient.get_base_model", base_model)
    record(
        "SamplingClient.get_tokenizer",
        lambda: tokenizer(
            sampler,
            "the Hugging Face cache entry the server wrote under the model's name"
            if LOCAL_SERVER
            else "the base model's name",
        ),
    )

    def create_static() -> str:
        client = result(tinker.SamplingClient.create(service.holder, base_model=TINY))
        return "through the holder; " + check_sample(result(client.sample(PROMPT, 1, GREEDY)), 1)

    record("SamplingClient.create", create_static)

    def queue_state() -> str:
        sampler.on_queue_state_change("active", None)
        return "callback accepts (state, reason)"

    record("SamplingClient.on_queue_state_change", queue_state)
    record("SamplingClient.get_telemetry", lambda: f"returns {type(sampler.get_telemetry()).__name__}")
    if has("SamplingClient.get_sampler_handle"):

        def handles() -> str:
            handle = sampler.get_sampler_handle()
            again = tinker.SamplingClient.from_sampler_handle(handle)
            expect(again.get_base_model() == TINY, "the same sampler")
            check_sample(result(again.sample(PROMPT, 1, GREEDY)), 1)
            copy = pickle.loads(pickle.dumps(sampler))
            check_sample(result(copy.sample(PROMPT, 1, GREEDY)), 1)
            return "handle -> client on the same sampler (and pickling) samples"

        record("SamplingClient.get_sampler_handle", handles)
        results["SamplingClient.from_sampler_handle"] = {
            **results["SamplingClient.get_sampler_handle"],
            "detail": "checked with get_sampler_handle",
        }

    # RestClient ---------------------------------------------------------------------------------------------
    run_id = getattr(training, "model_id", None) or MissingId("create_lora_training_client")
    if has("RestClient.get_server_capabilities"):
        record(
            "RestClient.get_server_capabilities",
            lambda: describe(result(rest.get_server_capabilities())),
        )

    def training_run() -> str:
        run = result(rest.get_training_run(run_id))
        expect(run.training_run_id == run_id and run.base_model == TINY, "the run")
        return "training_run_id, base_model"

    record("RestClient.get_training_run", training_run)

    def training_run_by_path() -> str:
        run = result(rest.get_training_run_by_tinker_path(state["state_path"]))
        expect(run.training_run_id == run_id, "the run of the path")
        return "the run a tinker path names"

    record("RestClient.get_training_run_by_tinker_path", training_run_by_path)

    def weights_info() -> str:
        answer = result(rest.get_weights_info_by_tinker_path(state["state_path"]))
        expect(answer.base_model == TINY and answer.lora_rank == 8, f"{answer}")
        return "base_model, lora_rank"

    record("RestClient.get_weights_info_by_tinker_path", weights_info)

    def runs() -> str:
        answer = result(rest.list_training_runs(limit=50))
        expect(run_id in [r.training_run_id for r in answer.training_runs], "the run is listed")
        return "our run is listed"

    record("RestClient.list_training_runs", runs)

    def checkpoints() -> str:
        answer = result(rest.list_checkpoints(run_id))
        ids = [c.checkpoint_id for c in answer.checkpoints]
        expect("weights/compat-state" in ids and "sampler_weights/compat-sampler" in ids, f"{ids}")
        return "weights/<name> and sampler_weights/<name> listed"

    record("RestClient.list_checkpoints", checkpoints)

    def user_checkpoints() -> str:
        answer = result(rest.list_user_checkpoints(limit=100))
        expect(any(c.tinker_path == state["state_path"] for c in answer.checkpoints), "ours listed")
        return "our checkpoints are listed"

    record("RestClient.list_user_checkpoints", user_checkpoints)

    def publish() -> str:
        result(rest.publish_checkpoint_from_tinker_path(state["state_path"]))
        listed = result(rest.list_checkpoints(run_id)).checkpoints
        public = [c.public for c in listed if c.tinker_path == state["state_path"]]
        expect(public == [True], f"public after publish: {public}")
        return "the checkpoint is public"

    record("RestClient.publish_checkpoint_from_tinker_path", publish)

    def unpublish() -> str:
        result(rest.unpublish_checkpoint_from_tinker_path(state["state_path"]))
        listed = result(rest.list_checkpoints(run_id)).checkpoints
        public = [c.public for c in listed if c.tinker_path == state["state_path"]]
        expect(public == [False], f"private after unpublish: {public}")
        return "the checkpoint is private again"

    record("RestClient.unpublish_checkpoint_from_tinker_path", unpublish)

    def ttl() -> str:
        result(rest.set_checkpoint_ttl_from_tinker_path(state["sampler_path"], 3600))
        listed = result(rest.list_checkpoints(run_id)).checkpoints
        expires = [c.expires_at for c in listed if c.tinker_path == state["sampler_path"]]
        expect(expires and expires[0] is not None, f"expires_at set: {expires}")
        result(rest.set_checkpoint_ttl_from_tinker_path(state["sampler_path"], None))
        return "expires_at set, then cleared"

    record("RestClient.set_checkpoint_ttl_from_tinker_path", ttl)

    def archive() -> str:
        answer = result(rest.get_checkpoint_archive_url(run_id, "weights/compat-state"))
        expect(answer.url, "a URL")
        return "a URL"

    def archive_by_path() -> str:
        answer = result(rest.get_checkpoint_archive_url_from_tinker_path(state["state_path"]))
        expect(answer.url, "a URL")
        return "a URL"

    if has("RestClient.get_checkpoint_archive_url"):
        record("RestClient.get_checkpoint_archive_url", archive)
        record("RestClient.get_checkpoint_archive_url_from_tinker_path", archive_by_path)
    if has("RestClient.get_external_weights_urls"):

        def external_urls() -> str:
            answer = result(rest.get_external_weights_urls(state["external_path"]))
            return describe(answer)

        record("RestClient.get_external_weights_urls", external_urls)

    def session() -> str:
        answer = result(rest.get_session(state["session_id"]))
        expect(run_id in answer.training_run_ids, "the session's runs")
        return "its training runs and samplers"

    record("RestClient.get_session", session)

    def sessions() -> str:
        answer = result(rest.list_sessions(limit=50))
        expect(state["session_id"] in answer.sessions, "ours listed")
        return "our session is listed"

    record("RestClient.list_sessions", sessions)

    def assign_project() -> str:
        result(rest.assign_session_project(state["session_id"], "compat-project"))
        return "done"

    record("RestClient.assign_session_project", assign_project)

    def trace() -> str:
        url = result(rest.export_session_trace(state["session_id"]))
        expect(isinstance(url, str) and url, "a URL")
        return "a URL to the exported trace"

    record("RestClient.export_session_trace", trace)

    def sampler_info() -> str:
        answer = result(rest.get_sampler(sampler_id(sampler)))
        expect(answer.base_model == TINY, "base model")
        return "sampler_id, base_model"

    record("RestClient.get_sampler", sampler_info)

    def whoami() -> str:
        return describe(result(rest.whoami()))

    record("RestClient.whoami", whoami)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    record(
        "RestClient.get_billing_usage",
        lambda: describe(result(rest.get_billing_usage(start - timedelta(hours=1), start + timedelta(hours=1)))),
    )
    record("RestClient.get_audit_log", lambda: describe(result(rest.get_audit_log())))
    if has("RestClient.get_current_checkpoint_storage_usage"):
        record(
            "RestClient.get_current_checkpoint_storage_usage",
            lambda: describe(result(rest.get_current_checkpoint_storage_usage())),
        )
    if has("RestClient.copy_weights"):

        def rest_copy() -> str:
            path = result(rest.copy_weights(state["state_path"], "compat-project"))
            expect(str(path).startswith("tinker://"), f"a tinker path: {path}")
            return "a copy at a new tinker:// path"

        record("RestClient.copy_weights", rest_copy)
    if has("RestClient.search_sessions"):

        def search() -> str:
            answer = result(rest.search_sessions(types.SessionSearchRequest()))
            return describe(answer)

        record("RestClient.search_sessions", search)
    record("RestClient.get_telemetry", lambda: f"returns {type(rest.get_telemetry()).__name__}")

    # this SDK's extensions (methods 0.38 does not have) ---------------------------------------------------------
    if has("RestClient.iter_training_runs"):

        def iterate(method: str, wanted: Callable[[Any], bool], what: str) -> str:
            found = [item for item in getattr(rest, method)(page_size=2) if wanted(item)]
            expect(found, f"{what} among the items {method} yields")
            return f"pages of 2: {what} is yielded"

        record(
            "RestClient.iter_training_runs",
            lambda: iterate("iter_training_runs", lambda r: r.training_run_id == run_id, "our run"),
        )
        record(
            "RestClient.iter_user_checkpoints",
            lambda: iterate("iter_user_checkpoints", lambda c: c.tinker_path == state["state_path"], "our checkpoint"),
        )
        record(
            "RestClient.iter_sessions",
            lambda: iterate("iter_sessions", lambda s: s == state["session_id"], "our session"),
        )
    if has("SamplingClient.sample_stream"):

        def stream() -> str:
            events = list(sampler.sample_stream(PROMPT, 2, GREEDY))
            tokens: dict[int, list[int]] = {0: [], 1: []}
            done = {}
            for event in events:
                if type(event).__name__ == "SampleStreamToken":
                    tokens[event.sample_index].append(event.token_id)
                else:
                    done[event.sample_index] = event
            expect(sorted(done) == [0, 1], f"a done event per sample: {sorted(done)}")
            expect(all(done[i].num_tokens == len(tokens[i]) for i in (0, 1)), "num_tokens = the tokens streamed")
            plain = result(sampler.sample(PROMPT, 1, GREEDY)).sequences[0].tokens
            expect(tokens[0] == list(plain), "greedy: the streamed tokens are the sampled ones")
            return "a token event per token and a done event per sample; greedy tokens as sample's"

        record("SamplingClient.sample_stream", stream)

    # AdminClient (0.38) -------------------------------------------------------------------------------------
    if hasattr(tinker, "AdminClient"):
        admin = tinker.AdminClient()
        record("AdminClient.get_audit_log", lambda: describe(result(admin.get_audit_log())))
        record(
            "AdminClient.get_billing_usage",
            lambda: describe(result(admin.get_billing_usage(start - timedelta(hours=1), start))),
        )
        record(
            "AdminClient.get_current_checkpoint_storage_usage",
            lambda: describe(result(admin.get_current_checkpoint_storage_usage())),
        )
        record("AdminClient.get_telemetry", lambda: f"returns {type(admin.get_telemetry()).__name__}")

    # the async variants --------------------------------------------------------------------------------------
    asyncio.run(async_variants(service, training, sampler, rest, state))

    # deletion last (it removes what the steps above read) ----------------------------------------------------
    def delete() -> str:
        result(rest.delete_checkpoint(run_id, "sampler_weights/compat-sampler"))
        ids = [c.checkpoint_id for c in result(rest.list_checkpoints(run_id)).checkpoints]
        expect("sampler_weights/compat-sampler" not in ids, "gone")
        return "the checkpoint is gone from the list"

    record("RestClient.delete_checkpoint", delete)

    def delete_by_path() -> str:
        result(rest.delete_checkpoint_from_tinker_path(state["state_path"]))
        ids = [c.checkpoint_id for c in result(rest.list_checkpoints(run_id)).checkpoints]
        expect("weights/compat-state" not in ids, "gone")
        return "the checkpoint is gone from the list"

    record("RestClient.delete_checkpoint_from_tinker_path", delete_by_path)
    if has("ServiceClient.close"):

        def close() -> str:
            result(service.close("success"))
            return "the session is finished"

        record("ServiceClient.close", close)


async def async_variants(service: Any, training: Any, sampler: Any, rest: Any, state: dict[str, Any]) -> None:
    """Each ``*_async`` method, awaited on this thread's own event loop, with the same checks as its sync twin."""

    async def run(name: str, make: Callable[[], Awaitable[str | None]]) -> None:
        if has(name):
            await record_async(name, make)

    async def caps() -> str:
        answer = await resolve_async(service.get_server_capabilities_async())
        expect(TINY in [m.model_name for m in answer.supported_models], "tiny listed")
        return f"supported models include {TINY}"

    await run("ServiceClient.get_server_capabilities_async", caps)

    async def create() -> str:
        client = await resolve_async(service.create_lora_training_client_async(TINY, rank=4))
        state["async_training"] = client
        return "a TrainingClient"

    await run("ServiceClient.create_lora_training_client_async", create)

    async def from_state(method: str) -> str:
        client = await resolve_async(getattr(service, method)(state["state_path"]))
        loss = loss_of(await resolve_async(client.forward([datum()], "cross_entropy")))
        expect(math.isclose(loss, state["state_loss"], rel_tol=1e-4), "the saved weights")
        return "a new run whose loss is the saved weights' loss"

    await run(
        "ServiceClient.create_training_client_from_state_async",
        lambda: from_state("create_training_client_from_state_async"),
    )
    await run(
        "ServiceClient.create_training_client_from_state_with_optimizer_async",
        lambda: from_state("create_training_client_from_state_with_optimizer_async"),
    )

    async def sampling() -> str:
        client = await resolve_async(service.create_sampling_client_async(base_model=TINY))
        return check_sample(await resolve_async(client.sample(PROMPT, 1, GREEDY)), 1)

    await run("ServiceClient.create_sampling_client_async", sampling)

    client = state.get("async_training") or training
    data = [datum()]

    async def forward() -> str:
        return check_forward(await resolve_async(client.forward_async(data, "cross_entropy")), data)

    await run("TrainingClient.forward_async", forward)

    async def backward() -> str:
        first = loss_of(await resolve_async(client.forward_backward_async(data, "cross_entropy")))
        await resolve_async(client.optim_step_async(types.AdamParams(learning_rate=2e-2)))
        for _ in range(3):
            await resolve_async(client.forward_backward_async(data, "cross_entropy"))
            await resolve_async(client.optim_step_async(types.AdamParams(learning_rate=2e-2)))
        last = loss_of(await resolve_async(client.forward_async(data, "cross_entropy")))
        expect(last < first, f"loss falls: {first:.2f} -> {last:.2f}")
        return "with optim_step_async, the loss falls"

    await run("TrainingClient.forward_backward_async", backward)
    if has("TrainingClient.optim_step_async"):
        results["TrainingClient.optim_step_async"] = {
            **results["TrainingClient.forward_backward_async"],
            "detail": "each step of forward_backward_async's loop",
        }

    async def custom() -> str:
        def loss_fn(batch: list[Any], logprobs: list[Any]) -> tuple[Any, dict[str, float]]:
            loss = sum(-lp.sum() for lp in logprobs)
            return loss, {"custom_loss": float(loss)}

        output = await resolve_async(client.forward_backward_custom_async(data, loss_fn))
        expect("custom_loss" in output.metrics, "metrics merged")
        return "metrics merged into the result"

    await run("TrainingClient.forward_backward_custom_async", custom)

    async def save() -> str:
        saved = await resolve_async(client.save_state_async("compat-async"))
        state["async_state"] = saved.path
        check_path(saved.path, client.model_id, "weights", "compat-async")
        return "path tinker://<model_id>/weights/<name>"

    await run("TrainingClient.save_state_async", save)

    async def load(method: str) -> str:
        reference = loss_of(await resolve_async(client.forward_async(data, "cross_entropy")))
        await resolve_async(client.forward_backward_async([datum(b"other text")], "cross_entropy"))
        await resolve_async(client.optim_step_async(types.AdamParams(learning_rate=5e-2)))
        await resolve_async(getattr(client, method)(state["async_state"]))
        restored = loss_of(await resolve_async(client.forward_async(data, "cross_entropy")))
        expect(math.isclose(restored, reference, rel_tol=1e-4), "restored")
        return "after more training, the loss is back to the saved weights' loss"

    await run("TrainingClient.load_state_async", lambda: load("load_state_async"))
    await run("TrainingClient.load_state_with_optimizer_async", lambda: load("load_state_with_optimizer_async"))

    async def save_sampler() -> str:
        saved = await resolve_async(client.save_weights_for_sampler_async("compat-async-sampler"))
        state["async_sampler_path"] = saved.path
        check_path(saved.path, client.model_id, "sampler_weights", "compat-async-sampler")
        return "path tinker://<model_id>/sampler_weights/<name>"

    await run("TrainingClient.save_weights_for_sampler_async", save_sampler)

    async def external() -> str:
        saved = await resolve_async(client.save_weights_external_async("compat-async-external"))
        check_path(saved.path, client.model_id, "external_weights", "compat-async-external")
        return "path tinker://<model_id>/external_weights/<name>"

    await run("TrainingClient.save_weights_external_async", external)

    async def info() -> str:
        answer = await resolve_async(client.get_info_async())
        expect(answer.model_data.model_name == TINY, "model name")
        return "model_name"

    await run("TrainingClient.get_info_async", info)

    async def sampler_from_path() -> str:
        made = await resolve_async(client.create_sampling_client_async(state["async_sampler_path"]))
        return check_sample(await resolve_async(made.sample(PROMPT, 1, GREEDY)), 1)

    await run("TrainingClient.create_sampling_client_async", sampler_from_path)

    async def snapshot() -> str:
        made = await resolve_async(client.save_weights_and_get_sampling_client_async())
        return check_sample(await resolve_async(made.sample(PROMPT, 1, GREEDY)), 1)

    await run("TrainingClient.save_weights_and_get_sampling_client_async", snapshot)

    async def sample() -> str:
        response = await resolve_async(sampler.sample_async(PROMPT, 2, GREEDY, include_prompt_logprobs=True))
        return check_sample(response, 2, prompt_logprobs=True)

    await run("SamplingClient.sample_async", sample)

    async def logprobs() -> str:
        values = await resolve_async(sampler.compute_logprobs_async(PROMPT))
        expect(values[0] is None and all(v <= 0 for v in values[1:]), "None first, then <= 0", "prompt_logprobs")
        return "None first, the rest <= 0"

    await run("SamplingClient.compute_logprobs_async", logprobs)

    async def stream() -> str:
        events = [event async for event in sampler.sample_stream_async(PROMPT, 1, GREEDY)]
        streamed = [e.token_id for e in events if type(e).__name__ == "SampleStreamToken"]
        ends = [e for e in events if type(e).__name__ == "SampleStreamDone"]
        expect(len(ends) == 1 and ends[0].num_tokens == len(streamed) >= 1, f"one done event: {ends}")
        return "token events, then one done event"

    await run("SamplingClient.sample_stream_async", stream)

    async def base() -> str:
        expect(await resolve_async(sampler.get_base_model_async()) == TINY, "base model")
        return TINY

    await run("SamplingClient.get_base_model_async", base)

    run_id = getattr(training, "model_id", None) or MissingId("create_lora_training_client")
    rest_checks: list[tuple[str, Callable[[], Awaitable[Any]], Callable[[Any], bool]]] = [
        ("get_training_run_async", lambda: rest.get_training_run_async(run_id), lambda r: r.training_run_id == run_id),
        (
            "get_training_run_by_tinker_path_async",
            lambda: rest.get_training_run_by_tinker_path_async(state["state_path"]),
            lambda r: r.training_run_id == run_id,
        ),
        (
            "list_training_runs_async",
            lambda: rest.list_training_runs_async(),
            lambda r: run_id in [t.training_run_id for t in r.training_runs],
        ),
        ("list_checkpoints_async", lambda: rest.list_checkpoints_async(run_id), lambda r: len(r.checkpoints) > 0),
        ("list_user_checkpoints_async", lambda: rest.list_user_checkpoints_async(), lambda r: len(r.checkpoints) > 0),
        (
            "publish_checkpoint_from_tinker_path_async",
            lambda: rest.publish_checkpoint_from_tinker_path_async(state["async_state"]),
            lambda r: r is None,
        ),
        (
            "unpublish_checkpoint_from_tinker_path_async",
            lambda: rest.unpublish_checkpoint_from_tinker_path_async(state["async_state"]),
            lambda r: r is None,
        ),
        (
            "set_checkpoint_ttl_from_tinker_path_async",
            lambda: rest.set_checkpoint_ttl_from_tinker_path_async(state["async_state"], 3600),
            lambda r: r is None,
        ),
        (
            "get_checkpoint_archive_url_async",
            lambda: rest.get_checkpoint_archive_url_async(run_id, "weights/compat-state"),
            lambda r: bool(r.url),
        ),
        (
            "get_checkpoint_archive_url_from_tinker_path_async",
            lambda: rest.get_checkpoint_archive_url_from_tinker_path_async(state["state_path"]),
            lambda r: bool(r.url),
        ),
        (
            "get_external_weights_urls_async",
            lambda: rest.get_external_weights_urls_async(state["external_path"]),
            lambda r: r is not None,
        ),
        (
            "get_session_async",
            lambda: rest.get_session_async(state["session_id"]),
            lambda r: run_id in r.training_run_ids,
        ),
        ("list_sessions_async", lambda: rest.list_sessions_async(), lambda r: state["session_id"] in r.sessions),
        (
            "assign_session_project_async",
            lambda: rest.assign_session_project_async(state["session_id"], "compat-project-2"),
            lambda r: r is None,
        ),
        ("export_session_trace_async", lambda: rest.export_session_trace_async(state["session_id"]), lambda r: bool(r)),
        (
            "get_sampler_async",
            lambda: rest.get_sampler_async(sampler_id(sampler)),
            lambda r: r.base_model == TINY,
        ),
        (
            "get_billing_usage_async",
            lambda: rest.get_billing_usage_async(_hour(-1), _hour(0)),
            lambda r: r is not None,
        ),
        (
            "get_current_checkpoint_storage_usage_async",
            lambda: rest.get_current_checkpoint_storage_usage_async(),
            lambda r: r is not None,
        ),
        (
            "copy_weights_async",
            lambda: rest.copy_weights_async(state["state_path"], "compat-project"),
            lambda r: str(r).startswith("tinker://"),
        ),
        (
            "delete_checkpoint_async",
            lambda: rest.delete_checkpoint_async(client.model_id, "sampler_weights/compat-async-sampler"),
            lambda r: r is None,
        ),
        (
            "delete_checkpoint_from_tinker_path_async",
            lambda: rest.delete_checkpoint_from_tinker_path_async(state["async_state"]),
            lambda r: r is None,
        ),
    ]
    for method, call, good in rest_checks:

        async def check(
            call: Callable[[], Awaitable[Any]] = call, good: Callable[[Any], bool] = good, method: str = method
        ) -> str:
            answer = await resolve_async(call())
            expect(good(answer), f"unexpected answer {answer!r:.200}")
            return f"the answer {method.removesuffix('_async')} gives"

        await run(f"RestClient.{method}", check)

    async def audit_log() -> str:
        if tinker.__version__ >= "0.38":
            return describe(await resolve_async(rest.get_audit_log_async()))
        # 0.25 sends it on the caller's event loop, and its HTTP client refuses any loop but the SDK's own (it
        # asserts "called from incorrect event loop"): awaited there, as 0.25's own get_audit_log does
        answer = await resolve_async(rest.holder.run_coroutine_threadsafe(rest.get_audit_log_async()).future())
        return describe(answer) + " (0.25: awaited on the SDK's event loop, as its get_audit_log does)"

    await run("RestClient.get_audit_log_async", audit_log)

    if hasattr(tinker, "AdminClient"):
        admin = tinker.AdminClient()
        await run("AdminClient.get_audit_log_async", lambda: _describe(admin.get_audit_log_async()))
        await run(
            "AdminClient.get_billing_usage_async", lambda: _describe(admin.get_billing_usage_async(_hour(-1), _hour(0)))
        )
        await run(
            "AdminClient.get_current_checkpoint_storage_usage_async",
            lambda: _describe(admin.get_current_checkpoint_storage_usage_async()),
        )


def _hour(offset: int) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=offset)


async def _describe(awaitable: Awaitable[Any]) -> str:
    return describe(await resolve_async(awaitable))


if __name__ == "__main__":
    main(sys.argv[1])
