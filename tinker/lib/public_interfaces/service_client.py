"""ServiceClient: the entry point. It creates training and sampling clients on one session.

Constructing it sends nothing; the session starts with the first client that needs one. The key and base
URL come from the arguments, else TINKER_API_KEY / TINKER_BASE_URL, else the hosted service's URL.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import warnings
from collections.abc import Mapping
from concurrent.futures import Future as ConcurrentFuture
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from tinker import types
from tinker_api.api.training import create_model
from tinker_api.api.weights import get_weights_info, load_weights

from ..._base_client import BaseClient, ClientSettings
from ..._exceptions import APIStatusError
from ...metrics import Registry
from .._deprecation import deprecated, deprecated_async
from .._encoding import WireFormat, json_body
from .._holder import Holder
from .._polling import QueueStateLogger, wait_result
from .._resilience import DEFAULT_PROGRESS_TIMEOUT, CircuitState
from ..retry_handler import RetryConfig
from ..telemetry import Telemetry
from .api_future import APIFuture, AwaitableConcurrentFuture
from .backcompat_sampling_client_future import BackcompatSamplingClientFuture
from .backcompat_training_client_future import BackcompatTrainingClientFuture
from .custom_loss import LossHandle, PerDatumLossFn, trace_loss
from .rest_client import RestClient
from .sampling_client import SamplingClient
from .training_client import TrainingClient

__all__ = ["ServiceClient"]


class ServiceClient:
    """The entry point: training and sampling clients on one session, created on first need.

    A context manager, as in 0.38: leaving the ``with`` block closes it, as ``"success"``, ``"errored"`` (an
    exception) or ``"interrupted"`` (KeyboardInterrupt and the like).
    """

    def __init__(
        self,
        user_metadata: dict[str, str] | None = None,
        project_id: str | None = None,
        *,
        display_name: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        default_headers_overrides: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        wire_format: WireFormat | None = None,
        progress_timeout: float | None = DEFAULT_PROGRESS_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        """``default_headers_overrides``: headers sent with every request, over those the SDK derives (the
        Cloudflare Access headers from CLOUDFLARE_ACCESS_CLIENT_ID / _SECRET); the API key is always the SDK's.

        This SDK's own keywords: ``timeout``, ``max_retries`` and ``default_headers`` (as 0.25 took them);
        ``http_client``, an ``httpx.AsyncClient`` to send through, which stays the caller's to close (a forked
        child sends through it as it is);
        ``wire_format``: how forward_backward requests and forward_backward / sample results travel,
        ``"protobuf"`` (the default, which the hosted service requires) or ``"json"`` (the legacy form, for
        servers that speak only JSON); by default from ``TINKER_WIRE_FORMAT``; ``progress_timeout``: how long a
        training client's futures wait on a server that keeps answering "not yet" while none of that client's
        results arrive, before ``ProgressTimeoutError`` (seconds, default 7200 as 0.38's
        ``RetryConfig.progress_timeout`` for samplers; None waits for ever, on purpose). Other keywords are ignored
        with a FutureWarning, as in 0.38."""
        if kwargs:
            warnings.warn(
                f"ServiceClient ignores unsupported arguments: {', '.join(sorted(kwargs))}. "
                "Passing them will be an error in a future version of the Tinker SDK.",
                FutureWarning,
                stacklevel=2,
            )
        settings = ClientSettings.resolve(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_headers_overrides=default_headers_overrides,
        )
        # a pipeline per process (a forked child gets its own), over the caller's http_client when there is one
        client = functools.partial(BaseClient, settings, http_client=http_client) if http_client is not None else None
        self._holder = Holder(
            settings,
            user_metadata=user_metadata,
            project_id=project_id,
            display_name=display_name,
            client=client,
            wire_format=wire_format,
            progress_timeout=progress_timeout,
        )
        self._closed = False
        self._lifecycle_lock = threading.Lock()
        # the custom losses this session made, by LossHandle.key
        self._custom_losses: dict[str, LossHandle] = {}

    def __enter__(self) -> Self:
        self._open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        status: Literal["success", "errored", "interrupted"]
        if exc_type is None:
            status = "success"
        elif issubclass(exc_type, Exception):
            status = "errored"
        else:
            status = "interrupted"
        self.close(status).result()

    def _open(self) -> Holder:
        """The holder, unless this client was closed (then nothing more may start on it, as in 0.38)."""
        with self._lifecycle_lock:
            if self._closed:
                raise RuntimeError("ServiceClient is closed")
        return self._holder

    @property
    def holder(self) -> Holder:
        return self._open()

    @property
    def circuit_state(self) -> CircuitState:
        """The circuit breaker of this client's server, shared by every client of the process: ``"closed"``
        (calls go), ``"open"`` (the server stopped answering: calls fail at once with ``CircuitOpenError``) or
        ``"half_open"`` (one probe is out)."""
        return self._holder.client.guards.breaker.state

    @property
    def metrics(self) -> Registry:
        """This client's figures (``metrics.snapshot()``): the requests, retries and futures of it and of the clients
        made from it; ``tinker.metrics.snapshot()`` has those of the whole process."""
        return self._holder.metrics

    def get_console_url(self) -> str:
        return self._holder.settings.base_url

    # --- training clients ------------------------------------------------------------------------------
    def create_lora_training_client(
        self,
        base_model: str,
        rank: int = 32,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
        user_metadata: dict[str, str] | None = None,
        optimizer: types.OptimizerConfig | None = None,
    ) -> BackcompatTrainingClientFuture:
        """A future of a new LoRA training run on ``base_model``."""
        if not (train_mlp or train_attn or train_unembed):
            raise ValueError("at least one of train_mlp, train_attn and train_unembed must be true")
        holder = self._open()
        lora = types.LoraConfig(
            rank=rank, seed=seed, train_mlp=train_mlp, train_attn=train_attn, train_unembed=train_unembed
        )

        async def run() -> TrainingClient:
            return await _create_model(holder, base_model, lora, user_metadata, optimizer)

        return BackcompatTrainingClientFuture(holder.submit(run()))

    def _from_state(
        self,
        path: str,
        optimizer: bool,
        user_metadata: dict[str, str] | None,
        weights_access_token: str | None,
        optimizer_config: types.OptimizerConfig | None = None,
        base_model: str | None = None,
    ) -> BackcompatTrainingClientFuture:
        """A new training run that starts from saved weights (create-via-load: one load_weights request)."""
        if not path.startswith("tinker://"):
            raise ValueError(f"path must be a tinker:// path, got {path!r}")
        holder = self._open()

        async def run() -> TrainingClient:
            session_id = await holder.session_id()
            model_seq_id = holder.next_model_seq_id()
            if holder.traits.creates_via_load is not False:
                request = types.LoadWeightsRequest.model_validate(
                    {
                        "session_id": session_id,
                        "model_seq_id": model_seq_id,
                        "path": path,
                        "optimizer": optimizer,
                        "base_model": base_model,
                        "user_metadata": user_metadata,
                        "weights_access_token": weights_access_token,
                        **({"optimizer_config": optimizer_config} if optimizer_config is not None else {}),
                    }
                )
                try:
                    future = await holder.request(
                        load_weights.build_request(body=json_body(request)), types.UntypedAPIFuture
                    )
                except APIStatusError as error:
                    if not _wants_model_id(error):
                        raise
                    holder.traits.creates_via_load = False
                else:
                    holder.traits.creates_via_load = True
                    loaded = await wait_result(holder, future, types.LoadWeightsResponse, "LoadWeights")
                    client = TrainingClient(
                        holder, model_seq_id, loaded.model_id or f"{session_id}:train:{model_seq_id}"
                    )
                    await client._get_info()
                    return client
            # the older sequence: the run made from the weights' description, then the weights loaded into it
            info = await holder.request(
                get_weights_info.build_request(body=json_body(types.WeightsInfoRequest(tinker_path=path))),
                types.WeightsInfoResponse,
            )
            lora = types.LoraConfig(
                rank=32 if info.lora_rank is None else info.lora_rank,  # create_lora_training_client's default
                train_mlp=True if info.train_mlp is None else info.train_mlp,
                train_attn=True if info.train_attn is None else info.train_attn,
                train_unembed=True if info.train_unembed is None else info.train_unembed,
            )
            client = await _create_model(
                holder, base_model or info.base_model, lora, user_metadata, optimizer_config, model_seq_id
            )
            await client._load(path, optimizer, weights_access_token)
            return client

        return BackcompatTrainingClientFuture(holder.submit(run()))

    def create_training_client_from_state(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: dict[str, str] | None = None,
        weights_access_token: str | None = None,
        optimizer: types.OptimizerConfig | None = None,
    ) -> BackcompatTrainingClientFuture:
        """A new training run with the weights saved at ``path``; its optimizer starts afresh."""
        return self._from_state(path, False, user_metadata, weights_access_token, optimizer, base_model)

    def create_training_client_from_state_with_optimizer(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: dict[str, str] | None = None,
        weights_access_token: str | None = None,
    ) -> BackcompatTrainingClientFuture:
        """A new training run with the weights and optimizer state saved at ``path``."""
        return self._from_state(path, True, user_metadata, weights_access_token, None, base_model)

    # --- sampling, REST, custom losses -------------------------------------------------------------------
    def create_sampling_client(
        self,
        model_path: str | None = None,
        base_model: str | None = None,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
    ) -> BackcompatSamplingClientFuture:
        """A future of a sampler for saved weights (``model_path``) or a base model."""
        return SamplingClient.create(
            self._open(),
            model_path=model_path,
            base_model=base_model,
            retry_config=retry_config,
            record_stability_info=record_stability_info,
        )

    @deprecated("construct RestClient() directly")
    def create_rest_client(self) -> RestClient:
        return RestClient(self._open())

    def copy_weights(
        self, path: str, *, ttl_seconds: int | None = None, weights_access_token: str | None = None
    ) -> APIFuture[str]:
        return RestClient(self._open()).copy_weights(
            path, ttl_seconds=ttl_seconds, weights_access_token=weights_access_token
        )

    def create_custom_loss(
        self, fn: PerDatumLossFn, input_ranks: Mapping[str, types.CustomLossInputRank]
    ) -> APIFuture[LossHandle]:
        """A future of a ``LossHandle`` for ``TrainingClient.forward_backward_custom``: ``fn`` traced and checked.

        ``fn(logprobs, *inputs)`` runs once per datum and the datums' losses are summed: ``logprobs`` is the datum's
        target logprobs, each further parameter the ``loss_fn_inputs`` entry of that name, as tensors. It returns
        ``(loss, metrics)``: a scalar tensor, and scalar tensors named ``custom/<name>:sum`` (summed over the
        datums) or ``custom/<name>:mean`` (averaged). ``input_ranks`` gives the rank of every parameter,
        ``logprobs`` (the rank of ``target_tokens``) included: 0 a scalar, 1 ``[T]``, 2 ``[T, K]``; each datum must
        match them.

        ``fn`` is traced with torch.fx, here, and refused with a ``ValueError`` when it branches on tensor values,
        calls anything but torch and math, uses a torch.nn module or captures a tensor from outside. A session
        makes each loss once (a second time fails the future) and only its clients may use the handle. Needs torch.

        Unlike 0.38, which uploads the traced loss to a server whose ``client/config`` says
        ``custom_loss_server_side: true``, this SDK always runs it client-side, as 0.38 does where the server says
        false (the local server does): ``forward_backward_custom`` runs the traced loss here on the forward pass's
        logprobs and sends its gradient in the backward pass, so ``loss_id`` stays None.

        Example::

            def neg_ll(logprobs, weights):
                loss = -(logprobs * weights).sum()
                return loss, {"custom/neg_ll:sum": loss}

            handle = service_client.create_custom_loss(neg_ll, {"logprobs": 1, "weights": 1}).result()
            result = training_client.forward_backward_custom(data, handle).result()
        """
        holder = self._open()
        traced = trace_loss(fn, input_ranks)

        async def run() -> LossHandle:
            handle = dataclasses.replace(traced, session_id=await holder.session_id())
            with self._lifecycle_lock:
                made = self._custom_losses.setdefault(handle.key, handle)
            if made is not handle:
                raise ValueError(
                    f"create_custom_loss: this session already made {made.name!r}, the same traced loss; "
                    "use its LossHandle"
                )
            return handle

        return holder.submit(run(), "create_custom_loss")

    @deprecated("use RestClient().get_server_capabilities()")
    def get_server_capabilities(self) -> types.GetServerCapabilitiesResponse:
        return RestClient(self._open()).get_server_capabilities().result()

    def close(
        self, status: Literal["success", "errored", "interrupted"], detail: str | None = None
    ) -> AwaitableConcurrentFuture[None]:
        """End the session, telling the server how it ended, and release everything the SDK opened for this
        client (heartbeat, JWT renewal, connection pool; not a caller's ``http_client``). Later calls do nothing."""
        with self._lifecycle_lock:
            already = self._closed
            self._closed = True
        if already:
            done: ConcurrentFuture[None] = ConcurrentFuture()
            done.set_result(None)
            return AwaitableConcurrentFuture(done)
        return self._holder.submit(self._holder.close(status, detail))

    def get_telemetry(self) -> Telemetry | None:
        """The telemetry reporter this client sends through, or None when reporting is off (``TINKER_TELEMETRY=0``)."""
        return self._holder.telemetry

    # --- deprecated async variants -----------------------------------------------------------------------
    @deprecated_async("RestClient().get_server_capabilities")
    async def get_server_capabilities_async(self) -> types.GetServerCapabilitiesResponse:
        return await RestClient(self._open()).get_server_capabilities()

    @deprecated_async("create_lora_training_client")
    async def create_lora_training_client_async(
        self,
        base_model: str,
        rank: int = 32,
        seed: int | None = None,
        train_mlp: bool = True,
        train_attn: bool = True,
        train_unembed: bool = True,
        user_metadata: dict[str, str] | None = None,
        optimizer: types.OptimizerConfig | None = None,
    ) -> TrainingClient:
        return await self.create_lora_training_client(
            base_model, rank, seed, train_mlp, train_attn, train_unembed, user_metadata, optimizer
        )

    @deprecated_async("create_training_client_from_state")
    async def create_training_client_from_state_async(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: dict[str, str] | None = None,
        weights_access_token: str | None = None,
        optimizer: types.OptimizerConfig | None = None,
    ) -> TrainingClient:
        return await self.create_training_client_from_state(
            path, base_model, user_metadata, weights_access_token, optimizer
        )

    @deprecated_async("create_training_client_from_state_with_optimizer")
    async def create_training_client_from_state_with_optimizer_async(
        self,
        path: str,
        base_model: str | None = None,
        user_metadata: dict[str, str] | None = None,
        weights_access_token: str | None = None,
    ) -> TrainingClient:
        return await self.create_training_client_from_state_with_optimizer(
            path, base_model, user_metadata, weights_access_token
        )

    @deprecated_async("create_sampling_client")
    async def create_sampling_client_async(
        self,
        model_path: str | None = None,
        base_model: str | None = None,
        retry_config: RetryConfig | None = None,
        record_stability_info: bool = False,
    ) -> SamplingClient:
        return await self.create_sampling_client(model_path, base_model, retry_config, record_stability_info)


async def _create_model(
    holder: Holder,
    base_model: str,
    lora: types.LoraConfig,
    user_metadata: dict[str, str] | None,
    optimizer: types.OptimizerConfig | None,
    model_seq_id: int | None = None,
) -> TrainingClient:
    """A new training run made by ``create_model``, as a client."""
    session_id = await holder.session_id()
    if model_seq_id is None:
        model_seq_id = holder.next_model_seq_id()
    request = types.CreateModelRequest.model_validate(
        {
            "session_id": session_id,
            "model_seq_id": model_seq_id,
            "base_model": base_model,
            "user_metadata": user_metadata,
            "lora_config": lora,
            **({"optimizer_config": optimizer} if optimizer is not None else {}),
        }
    )
    future = await holder.request(create_model.build_request(body=json_body(request)), types.UntypedAPIFuture)
    created = await wait_result(
        holder, future, types.CreateModelResponse, "CreateModel", QueueStateLogger(f"new training run on {base_model}")
    )
    client = TrainingClient(holder, model_seq_id, created.model_id)
    await client._get_info()
    return client


def _wants_model_id(error: APIStatusError) -> bool:
    """A refusal of 0.38's create-via-load that asks for a ``model_id`` as a missing field (servers that load weights
    only into a run made before: SkyRL tx, TuFT, servers older than 0.38's protocol); not one that names a model_id
    it did not find."""
    text = str(error.body or error.message).lower()
    return error.status_code in (400, 422) and "model_id" in text and ("required" in text or "missing" in text)
