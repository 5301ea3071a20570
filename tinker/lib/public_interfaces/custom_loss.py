"""Per-datum custom losses made with ``ServiceClient.create_custom_loss`` (0.38's ``LossHandle``).

The function is traced with torch.fx once, checked (torch and math only, no branching on tensor values, no
torch.nn modules, no captured tensors), and the traced graph is what runs. This SDK always runs it client-side:
``TrainingClient.forward_backward_custom`` turns the handle into a batch loss (:func:`batch_loss`) and runs it
through the same forward / backward passes as a Python loss function. torch is imported only when a loss is made
or run.
"""

from __future__ import annotations

import builtins
import hashlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate

from tinker import types

if TYPE_CHECKING:
    import torch
    import torch.fx

__all__ = ["LossHandle", "PerDatumLossFn"]

PerDatumLossFn = Callable[Concatenate["torch.Tensor", ...], tuple["torch.Tensor", Mapping[str, "torch.Tensor"]]]
"""``fn(logprobs, *inputs) -> (loss, metrics)``: one datum's target logprobs, then the ``loss_fn_inputs`` it reads
(each a tensor); a scalar loss and scalar tensor metrics named ``custom/<name>:sum`` or ``custom/<name>:mean``."""

MAX_PARAMETERS = 16
"""The most parameters a loss takes, ``logprobs`` included (as 0.38)."""

# the names a loss may give its parameters and its metrics, as 0.38 accepts them
_PARAMETER = re.compile(r"[a-z_][a-z0-9_]{0,63}")
_METRIC = re.compile(r"custom/[a-z0-9_./-]{1,64}:(?:sum|mean)")
# where the functions a loss calls may come from; Python's operators are recorded from ``_operator``
_FUNCTION_HOMES = frozenset({"torch", "math", "operator", "_operator"})
# tensor methods that hand back Python or numpy values, which a traced loss cannot carry
_LEAVES_TORCH = frozenset({"item", "tolist", "numpy"})


@dataclass(frozen=True)
class LossHandle:
    """A traced per-datum loss from ``ServiceClient.create_custom_loss``, for ``forward_backward_custom``.

    Fields as in 0.38: ``inputs`` is ``logprobs`` then each ``loss_fn_inputs`` key the loss reads, in its
    parameter order, with the declared ranks; ``session_id`` the session that made it (only that session's clients
    may use it); ``graph`` the traced loss, which is what runs; ``loss_id`` the server's id of an uploaded loss,
    always None here since this SDK runs custom losses client-side.
    """

    name: str
    inputs: tuple[types.CustomLossInput, ...]
    session_id: str
    graph: torch.fx.GraphModule = field(repr=False, compare=False)
    loss_id: str | None = None

    @property
    def key(self) -> str:
        """A digest of the traced code and the inputs: the same loss made twice in one session has the same key."""
        digest = hashlib.sha256(str(self.graph.code).encode())
        digest.update(repr(self.inputs).encode())
        return digest.hexdigest()

    @property
    def input_names(self) -> tuple[str, ...]:
        """The ``loss_fn_inputs`` keys the loss reads, in the order it takes them (``logprobs`` left out)."""
        return tuple(item.name for item in self.inputs[1:])


def _name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__name__", type(fn).__name__))


def _refuse(fn: Callable[..., Any], problem: str) -> ValueError:
    return ValueError(f"create_custom_loss: {_name(fn)} {problem}")


def _declared_inputs(
    fn: Callable[..., Any], input_ranks: Mapping[str, types.CustomLossInputRank]
) -> tuple[types.CustomLossInput, ...]:
    """The loss's parameters with their ranks, after checking the signature against ``input_ranks``."""
    parameters = list(inspect.signature(fn).parameters.values())
    if not parameters or parameters[0].name != "logprobs":
        raise _refuse(
            fn,
            "must take logprobs first, then one parameter per loss_fn_inputs key it reads, "
            "as in def loss(logprobs, weights)",
        )
    if len(parameters) > MAX_PARAMETERS:
        raise _refuse(fn, f"has {len(parameters)} parameters; at most {MAX_PARAMETERS}, logprobs included")
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for parameter in parameters:
        if parameter.kind not in positional:
            raise _refuse(
                fn, f"parameter {parameter.name!r} is not a plain positional parameter (no *args, **kwargs, keywords)"
            )
        if not _PARAMETER.fullmatch(parameter.name):
            raise _refuse(fn, f"parameter {parameter.name!r} must be lowercase letters, digits and underscores")
        if parameter.default is not inspect.Parameter.empty:
            raise _refuse(
                fn, f"parameter {parameter.name!r} has a default; each parameter names a required loss_fn_inputs key"
            )
    names = [parameter.name for parameter in parameters]
    if set(input_ranks) != set(names):
        raise ValueError(
            f"create_custom_loss: input_ranks must give the rank of each parameter of {_name(fn)} "
            f"({', '.join(names)}) and nothing else; got {sorted(input_ranks)}"
        )
    for name in names:
        if input_ranks[name] not in (0, 1, 2):
            raise ValueError(
                f"create_custom_loss: input_ranks[{name!r}] is {input_ranks[name]!r}; a rank is 0 (a scalar), "
                "1 ([T]) or 2 ([T, K])"
            )
    if input_ranks["logprobs"] == 0:
        raise ValueError("create_custom_loss: logprobs has rank 1 ([T]) or 2 ([T, K]), the rank of target_tokens")
    return tuple(types.CustomLossInput(name=name, rank=input_ranks[name]) for name in names)


def _check_node(fn: Callable[..., Any], node: torch.fx.Node) -> None:
    import torch

    if node.op == "call_function":
        target = node.target
        home = str(getattr(target, "__module__", None) or "")
        if target is not builtins.getattr and home.split(".")[0] not in _FUNCTION_HOMES:
            what = getattr(target, "__qualname__", repr(target))
            raise _refuse(
                fn, f"calls {what!r} from {home or 'an unknown module'!r}; a custom loss calls torch and math only"
            )
    elif node.op == "call_method":
        method = str(node.target)
        if not hasattr(torch.Tensor, method):
            raise _refuse(fn, f"calls {method}(), which is no torch.Tensor method")
        if method == "backward":
            raise _refuse(fn, "calls backward(); return the loss, and forward_backward_custom differentiates it")
        if method in _LEAVES_TORCH:
            raise _refuse(fn, f"calls {method}(), which leaves torch; keep every value, metrics too, a tensor")
    elif node.op == "call_module":
        raise _refuse(fn, f"calls the module {node.target!r}; use torch functions (torch.nn.functional), not modules")
    elif node.op == "get_attr":
        raise _refuse(
            fn,
            f"captures a tensor from outside ({node.target!r}); a custom loss reads only logprobs and the "
            "loss_fn_inputs its parameters name",
        )
    elif node.op == "output":
        _check_result(fn, node.args[0])


def _check_result(fn: Callable[..., Any], result: Any) -> None:
    import torch.fx

    if not isinstance(result, tuple | list) or len(result) != 2:
        raise _refuse(fn, "must return (loss, metrics)")
    loss, metrics = result
    if not isinstance(loss, torch.fx.Node):
        raise _refuse(fn, f"must return its loss as a torch.Tensor computed from its inputs, not {loss!r}")
    if not isinstance(metrics, dict):
        raise _refuse(fn, f"must return its metrics as a dict, not {type(metrics).__name__}")
    for key, value in metrics.items():
        if not isinstance(key, str) or not _METRIC.fullmatch(key):
            raise _refuse(
                fn,
                f"names a metric {key!r}; metrics are named custom/<name>:sum or custom/<name>:mean in lowercase "
                "(the suffix says how the datums' values combine)",
            )
        if not isinstance(value, torch.fx.Node):
            raise _refuse(fn, f"returns metric {key!r} as {value!r}; a metric is a torch.Tensor")


def trace_loss(
    fn: PerDatumLossFn, input_ranks: Mapping[str, types.CustomLossInputRank], session_id: str = ""
) -> LossHandle:
    """Trace and check ``fn``; a ``ValueError`` says what it does that a custom loss may not."""
    try:
        import torch
        import torch.fx
    except ImportError as error:
        raise ImportError("PyTorch is not installed. Cannot create a custom loss.") from error

    inputs = _declared_inputs(fn, input_ranks)

    class Tracer(torch.fx.Tracer):
        """torch.fx's tracer, but a call of any torch.nn module (which plain tracing of a function would fail on
        with a NameError, or inline) is refused by name."""

        def call_module(self, module: Any, forward: Any, args: Any, kwargs: Any) -> Any:
            raise _refuse(
                fn,
                f"calls a torch.nn module ({type(module).__name__}); use torch functions such as "
                "torch.nn.functional instead",
            )

        def create_arg(self, a: Any) -> Any:
            if isinstance(a, torch.nn.Parameter):
                raise _refuse(
                    fn,
                    "captures a tensor from outside (a torch.nn.Parameter); a custom loss reads only logprobs and "
                    "the loss_fn_inputs its parameters name",
                )
            return super().create_arg(a)

    tracer = Tracer()
    try:
        graph = tracer.trace(fn)
    except ValueError as error:
        if str(error).startswith("create_custom_loss:"):
            raise
        raise _traceless(fn, error) from error
    except Exception as error:
        raise _traceless(fn, error) from error
    module = torch.fx.GraphModule(tracer.root, graph, _name(fn))
    for node in module.graph.nodes:
        _check_node(fn, node)
    return LossHandle(name=_name(fn), inputs=inputs, session_id=session_id, graph=module)


def _traceless(fn: Callable[..., Any], error: Exception) -> ValueError:
    return _refuse(
        fn,
        f"cannot be traced by torch.fx ({type(error).__name__}: {error}); a custom loss may not branch on tensor "
        "values, call libraries other than torch and math, or use torch.nn modules or tensors from outside it",
    )


def check_loss_inputs(handle: LossHandle, data: list[types.Datum]) -> None:
    """Refuse data that lacks an input the loss reads, or has one at another rank than declared (``logprobs`` has
    the rank of ``target_tokens``)."""
    logprobs, *rest = handle.inputs
    wanted = [("target_tokens", logprobs), *((item.name, item) for item in rest)]
    for index, datum in enumerate(data):
        for key, declared in wanted:
            value = datum.loss_fn_inputs.get(key)
            if value is None:
                raise ValueError(f"datum[{index}] has no loss_fn_inputs[{key!r}], which loss {handle.name!r} reads")
            rank = 1 if value.shape is None else len(value.shape)
            if rank != declared.rank:
                raise ValueError(
                    f"datum[{index}] loss_fn_inputs[{key!r}] has rank {rank}, but loss {handle.name!r} declared "
                    f"{declared.name} with rank {declared.rank}"
                )


def run_loss_handle(
    handle: LossHandle, data: list[types.Datum], logprobs: list[torch.Tensor]
) -> tuple[torch.Tensor, dict[str, float]]:
    """The traced loss on each datum: the losses summed, each metric summed over the datums (``:sum``) or
    averaged (``:mean``)."""
    import torch

    losses: list[torch.Tensor] = []
    totals: dict[str, float] = {}
    for index, (datum, datum_logprobs) in enumerate(zip(data, logprobs, strict=True)):
        arguments = [datum.loss_fn_inputs[name].to_torch() for name in handle.input_names]
        loss, metrics = handle.graph(datum_logprobs, *arguments)
        if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
            shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValueError(f"loss {handle.name!r} must return a scalar loss; on datum[{index}] it gave {shape}")
        losses.append(loss)
        for key, value in metrics.items():
            number = value.detach() if isinstance(value, torch.Tensor) else torch.as_tensor(value)
            if number.numel() != 1:
                raise ValueError(
                    f"loss {handle.name!r} metric {key!r} must be a scalar; on datum[{index}] it has shape "
                    f"{tuple(number.shape)}"
                )
            totals[key] = totals.get(key, 0.0) + float(number.reshape(()).item())
    if not losses:
        raise ValueError(f"loss {handle.name!r} was given no data")
    combined = {key: total / len(losses) if key.endswith(":mean") else total for key, total in totals.items()}
    return sum(losses[1:], losses[0]), combined


def batch_loss(
    handle: LossHandle,
) -> Callable[[list[types.Datum], list[torch.Tensor]], tuple[torch.Tensor, dict[str, float]]]:
    """The handle as a loss function of the whole batch, the form ``forward_backward_custom`` runs."""

    def loss_fn(data: list[types.Datum], logprobs: list[torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        return run_loss_handle(handle, data, logprobs)

    loss_fn.__name__ = handle.name
    return loss_fn
