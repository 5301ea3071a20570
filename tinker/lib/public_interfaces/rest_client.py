"""RestClient: training runs, checkpoints, sessions and samplers, outside any training session.

Every method returns an APIFuture; the ``*_async`` variants (deprecated in 0.38) return the value. The
``iter_*`` methods are this SDK's own: they walk every page of a listing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast, get_args

import pydantic

from tinker import types
from tinker_api.api.billing import get_audit_log, get_billing_usage, get_current_checkpoint_storage_usage
from tinker_api.api.checkpoints import (
    delete_checkpoint,
    get_external_weights_urls,
    get_training_run,
    list_checkpoints,
    list_training_runs,
    list_user_checkpoints,
    publish_checkpoint,
    set_checkpoint_ttl,
    unpublish_checkpoint,
)
from tinker_api.api.sampling import get_sampler
from tinker_api.api.service import get_server_capabilities
from tinker_api.api.sessions import (
    assign_session_project,
    export_session_trace,
    get_session,
    list_sessions,
    search_sessions,
)
from tinker_api.api.weights import copy_weights, get_weights_info
from tinker_api.types import UNSET, OperationRequest

from ..._base_client import ClientSettings
from ..._exceptions import TinkerError
from .._deprecation import deprecated_async
from .._encoding import json_body
from .._holder import Holder
from .._resilience import Attempts
from ..telemetry import Telemetry
from .api_future import APIFuture, AwaitableConcurrentFuture

__all__ = ["RestClient"]

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)
AccessScope = Literal["owned", "accessible"]
CheckpointKind = Literal["weights", "sampler_weights", "external_weights"]
TRACE_POLL_SECONDS = 5.0


def checkpoint_parts(tinker_path: str) -> tuple[str, CheckpointKind, str]:
    """(training_run_id, kind, name) of a ``tinker://<run>/<kind>/<name>`` path."""
    parsed = types.ParsedCheckpointTinkerPath.from_tinker_path(tinker_path)
    kind, name = parsed.checkpoint_id.split("/", 1)
    return parsed.training_run_id, _kind(kind), name


def _kind(kind: str) -> CheckpointKind:
    if kind not in get_args(CheckpointKind):
        raise ValueError(f"a checkpoint's kind is one of {', '.join(get_args(CheckpointKind))}, got {kind!r}")
    return cast(CheckpointKind, kind)


class RestClient:
    """Listing and managing what the service keeps; ``ServiceClient.create_rest_client()`` or built directly."""

    def __init__(
        self, holder: Holder | None = None, *, api_key: str | None = None, base_url: str | None = None, **settings: Any
    ) -> None:
        self.holder = holder or Holder(ClientSettings.resolve(api_key=api_key, base_url=base_url, **settings))

    def _future(self, coroutine: Awaitable[T]) -> AwaitableConcurrentFuture[T]:
        async def run() -> T:
            return await coroutine

        return self.holder.submit(run())

    def _get(self, prepared: OperationRequest, cast_to: type[M]) -> APIFuture[M]:
        return self._future(self.holder.request(prepared, cast_to))

    def _do(self, prepared: OperationRequest) -> APIFuture[None]:
        return self._future(self.holder.send(prepared))

    # --- training runs and weights ---------------------------------------------------------------------
    def get_server_capabilities(self) -> APIFuture[types.GetServerCapabilitiesResponse]:
        return self._get(get_server_capabilities.build_request(), types.GetServerCapabilitiesResponse)

    def get_training_run(
        self, training_run_id: types.ModelID | str, access_scope: AccessScope = "owned"
    ) -> APIFuture[types.TrainingRun]:
        return self._get(
            get_training_run.build_request(training_run_id=str(training_run_id), access_scope=access_scope),
            types.TrainingRun,
        )

    def get_training_run_by_tinker_path(
        self, tinker_path: str, access_scope: AccessScope = "owned"
    ) -> APIFuture[types.TrainingRun]:
        return self.get_training_run(checkpoint_parts(tinker_path)[0], access_scope)

    def get_weights_info_by_tinker_path(self, tinker_path: str) -> APIFuture[types.WeightsInfoResponse]:
        body = types.WeightsInfoRequest(tinker_path=tinker_path)
        return self._get(get_weights_info.build_request(body=json_body(body)), types.WeightsInfoResponse)

    def list_training_runs(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned", project_id: str | None = None
    ) -> APIFuture[types.TrainingRunsResponse]:
        prepared = list_training_runs.build_request(
            limit=limit,
            offset=offset,
            access_scope=access_scope,
            project_id=UNSET if project_id is None else project_id,
        )
        return self._get(prepared, types.TrainingRunsResponse)

    def list_checkpoints(self, training_run_id: types.ModelID | str) -> APIFuture[types.CheckpointsListResponse]:
        return self._get(
            list_checkpoints.build_request(training_run_id=str(training_run_id)), types.CheckpointsListResponse
        )

    def list_user_checkpoints(self, limit: int = 100, offset: int = 0) -> APIFuture[types.CheckpointsListResponse]:
        return self._get(list_user_checkpoints.build_request(limit=limit, offset=offset), types.CheckpointsListResponse)

    def get_external_weights_urls(self, tinker_path: str) -> APIFuture[types.ExternalWeightsUrlsResponse]:
        run, kind, name = checkpoint_parts(tinker_path)
        return self._get(
            get_external_weights_urls.build_request(training_run_id=run, checkpoint_kind=kind, checkpoint_name=name),
            types.ExternalWeightsUrlsResponse,
        )

    def delete_checkpoint(self, training_run_id: types.ModelID | str, checkpoint_id: str) -> APIFuture[None]:
        kind, _, name = checkpoint_id.partition("/")
        return self._do(
            delete_checkpoint.build_request(
                training_run_id=str(training_run_id), checkpoint_kind=_kind(kind), checkpoint_name=name
            )
        )

    def delete_checkpoint_from_tinker_path(self, tinker_path: str) -> APIFuture[None]:
        run, kind, name = checkpoint_parts(tinker_path)
        return self._do(
            delete_checkpoint.build_request(training_run_id=run, checkpoint_kind=kind, checkpoint_name=name)
        )

    def publish_checkpoint_from_tinker_path(self, tinker_path: str) -> APIFuture[None]:
        run, kind, name = checkpoint_parts(tinker_path)
        return self._do(
            publish_checkpoint.build_request(training_run_id=run, checkpoint_kind=kind, checkpoint_name=name)
        )

    def unpublish_checkpoint_from_tinker_path(self, tinker_path: str) -> APIFuture[None]:
        run, kind, name = checkpoint_parts(tinker_path)
        return self._do(
            unpublish_checkpoint.build_request(training_run_id=run, checkpoint_kind=kind, checkpoint_name=name)
        )

    def set_checkpoint_ttl_from_tinker_path(self, tinker_path: str, ttl_seconds: int | None) -> APIFuture[None]:
        run, kind, name = checkpoint_parts(tinker_path)
        body = types.SetCheckpointTtlRequest(ttl_seconds=ttl_seconds)
        return self._do(
            set_checkpoint_ttl.build_request(
                training_run_id=run, checkpoint_kind=kind, checkpoint_name=name, body=json_body(body)
            )
        )

    def copy_weights(
        self,
        path: str,
        destination_project_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
        weights_access_token: str | None = None,
    ) -> APIFuture[str]:
        """Copy a checkpoint (one's own or a published one) into one's own runs; returns the new path."""
        body = types.CopyWeightsRequest(
            source_path=path,
            destination_project_id=destination_project_id,
            ttl_seconds=ttl_seconds,
            weights_access_token=weights_access_token,
        )

        async def run() -> str:
            answer = await self.holder.request(
                copy_weights.build_request(body=json_body(body)), types.CopyWeightsResponse
            )
            return answer.tinker_path

        return self._future(run())

    # --- sessions and samplers -------------------------------------------------------------------------
    def get_session(self, session_id: str, access_scope: AccessScope = "owned") -> APIFuture[types.GetSessionResponse]:
        return self._get(
            get_session.build_request(session_id=session_id, access_scope=access_scope), types.GetSessionResponse
        )

    def list_sessions(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned"
    ) -> APIFuture[types.ListSessionsResponse]:
        return self._get(
            list_sessions.build_request(limit=limit, offset=offset, access_scope=access_scope),
            types.ListSessionsResponse,
        )

    def search_sessions(self, request: types.SessionSearchRequest) -> APIFuture[types.SessionSearchResponse]:
        return self._get(search_sessions.build_request(body=json_body(request)), types.SessionSearchResponse)

    def assign_session_project(self, session_id: str, project_id: str) -> APIFuture[None]:
        body = types.AssignSessionProjectRequest(project_id=project_id)
        return self._do(assign_session_project.build_request(session_id=session_id, body=json_body(body)))

    def export_session_trace(self, session_id: str) -> APIFuture[str]:
        """The URL of the session's trace, once the server has it ready (polled every 5 s, for at most the
        ServiceClient's ``progress_timeout``)."""

        async def run() -> str:
            attempts = Attempts("export_session_trace", request_id=session_id, progress=self.holder.progress())
            try:
                while True:
                    attempts.started()
                    answer = await self.holder.request(
                        export_session_trace.build_request(session_id=session_id), types.SessionTraceExportResponse
                    )
                    if answer.status == "ready" and answer.url:
                        return answer.url
                    if answer.status == "failed":
                        raise TinkerError(f"trace export of session {session_id} failed: {answer.error}")
                    await attempts.pause(TRACE_POLL_SECONDS, status=answer.status)
            finally:
                attempts.ended()

        return self._future(run())

    def get_sampler(self, sampler_id: str) -> APIFuture[types.GetSamplerResponse]:
        return self._get(get_sampler.build_request(sampler_id=sampler_id), types.GetSamplerResponse)

    def whoami(self) -> APIFuture[types.WhoamiResponse]:
        """Who the credentials are: read from the JWT's claims; a plain API key carries none."""
        raise TinkerError("whoami needs JWT credentials; a plain tml- API key does not say whose it is")

    # --- account (deprecated here, see AdminClient) ------------------------------------------------------
    def get_audit_log(
        self,
        event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"] = "all",
        day: date | None = None,
    ) -> APIFuture[types.AuditLogResponse]:
        # 0.38 names more event types than the document (all, checkpoints): the server judges them
        prepared = get_audit_log.build_request(event_type=cast(Any, event_type), day=UNSET if day is None else day)
        return self._get(prepared, types.AuditLogResponse)

    def get_billing_usage(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> APIFuture[types.BillingUsageResponse]:
        return self._get(
            get_billing_usage.build_request(starting_on=_when(starting_on), ending_before=_when(ending_before)),
            types.BillingUsageResponse,
        )

    def get_current_checkpoint_storage_usage(
        self, project_id: str | None = None
    ) -> APIFuture[types.CurrentCheckpointStorageUsageResponse]:
        prepared = get_current_checkpoint_storage_usage.build_request(
            project_id=UNSET if project_id is None else project_id
        )
        return self._get(prepared, types.CurrentCheckpointStorageUsageResponse)

    # --- pages -----------------------------------------------------------------------------------------
    def iter_training_runs(
        self, page_size: int = 100, access_scope: AccessScope = "owned"
    ) -> Iterator[types.TrainingRun]:
        """Every training run, fetching page after page."""
        return _pages(
            lambda offset: self.list_training_runs(page_size, offset, access_scope).result().training_runs, page_size
        )

    def iter_user_checkpoints(self, page_size: int = 100) -> Iterator[types.Checkpoint]:
        """Every checkpoint of the caller's, fetching page after page."""
        return _pages(lambda offset: self.list_user_checkpoints(page_size, offset).result().checkpoints, page_size)

    def iter_sessions(self, page_size: int = 100, access_scope: AccessScope = "owned") -> Iterator[str]:
        """Every session id, fetching page after page."""
        return _pages(lambda offset: self.list_sessions(page_size, offset, access_scope).result().sessions, page_size)

    def get_telemetry(self) -> Telemetry | None:
        """The telemetry reporter this client sends through, or None when reporting is off (``TINKER_TELEMETRY=0``)."""
        return self.holder.telemetry

    # --- deprecated async variants ---------------------------------------------------------------------
    @deprecated_async("get_training_run")
    async def get_training_run_async(
        self, training_run_id: types.ModelID | str, access_scope: AccessScope = "owned"
    ) -> types.TrainingRun:
        return await self.get_training_run(training_run_id, access_scope)

    @deprecated_async("get_training_run_by_tinker_path")
    async def get_training_run_by_tinker_path_async(
        self, tinker_path: str, access_scope: AccessScope = "owned"
    ) -> types.TrainingRun:
        return await self.get_training_run_by_tinker_path(tinker_path, access_scope)

    @deprecated_async("list_training_runs")
    async def list_training_runs_async(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned", project_id: str | None = None
    ) -> types.TrainingRunsResponse:
        return await self.list_training_runs(limit, offset, access_scope, project_id)

    @deprecated_async("list_checkpoints")
    async def list_checkpoints_async(self, training_run_id: types.ModelID | str) -> types.CheckpointsListResponse:
        return await self.list_checkpoints(training_run_id)

    @deprecated_async("list_user_checkpoints")
    async def list_user_checkpoints_async(self, limit: int = 100, offset: int = 0) -> types.CheckpointsListResponse:
        return await self.list_user_checkpoints(limit, offset)

    @deprecated_async("get_external_weights_urls")
    async def get_external_weights_urls_async(self, tinker_path: str) -> types.ExternalWeightsUrlsResponse:
        return await self.get_external_weights_urls(tinker_path)

    @deprecated_async("delete_checkpoint")
    async def delete_checkpoint_async(self, training_run_id: types.ModelID | str, checkpoint_id: str) -> None:
        await self.delete_checkpoint(training_run_id, checkpoint_id)

    @deprecated_async("delete_checkpoint_from_tinker_path")
    async def delete_checkpoint_from_tinker_path_async(self, tinker_path: str) -> None:
        await self.delete_checkpoint_from_tinker_path(tinker_path)

    @deprecated_async("publish_checkpoint_from_tinker_path")
    async def publish_checkpoint_from_tinker_path_async(self, tinker_path: str) -> None:
        await self.publish_checkpoint_from_tinker_path(tinker_path)

    @deprecated_async("unpublish_checkpoint_from_tinker_path")
    async def unpublish_checkpoint_from_tinker_path_async(self, tinker_path: str) -> None:
        await self.unpublish_checkpoint_from_tinker_path(tinker_path)

    @deprecated_async("set_checkpoint_ttl_from_tinker_path")
    async def set_checkpoint_ttl_from_tinker_path_async(self, tinker_path: str, ttl_seconds: int | None) -> None:
        await self.set_checkpoint_ttl_from_tinker_path(tinker_path, ttl_seconds)

    @deprecated_async("copy_weights")
    async def copy_weights_async(
        self,
        path: str,
        destination_project_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
        weights_access_token: str | None = None,
    ) -> str:
        return await self.copy_weights(
            path, destination_project_id, ttl_seconds=ttl_seconds, weights_access_token=weights_access_token
        )

    @deprecated_async("get_session")
    async def get_session_async(self, session_id: str, access_scope: AccessScope = "owned") -> types.GetSessionResponse:
        return await self.get_session(session_id, access_scope)

    @deprecated_async("list_sessions")
    async def list_sessions_async(
        self, limit: int = 20, offset: int = 0, access_scope: AccessScope = "owned"
    ) -> types.ListSessionsResponse:
        return await self.list_sessions(limit, offset, access_scope)

    @deprecated_async("assign_session_project")
    async def assign_session_project_async(self, session_id: str, project_id: str) -> None:
        await self.assign_session_project(session_id, project_id)

    @deprecated_async("export_session_trace")
    async def export_session_trace_async(self, session_id: str) -> str:
        return await self.export_session_trace(session_id)

    @deprecated_async("get_sampler")
    async def get_sampler_async(self, sampler_id: str) -> types.GetSamplerResponse:
        return await self.get_sampler(sampler_id)

    @deprecated_async("AdminClient.get_audit_log")
    async def get_audit_log_async(
        self,
        event_type: Literal["all", "checkpoints", "projects", "teams", "organizations"] = "all",
        day: date | None = None,
    ) -> types.AuditLogResponse:
        return await self.get_audit_log(event_type, day)

    @deprecated_async("AdminClient.get_billing_usage")
    async def get_billing_usage_async(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> types.BillingUsageResponse:
        return await self.get_billing_usage(starting_on, ending_before)

    @deprecated_async("AdminClient.get_current_checkpoint_storage_usage")
    async def get_current_checkpoint_storage_usage_async(
        self, project_id: str | None = None
    ) -> types.CurrentCheckpointStorageUsageResponse:
        return await self.get_current_checkpoint_storage_usage(project_id)


def _when(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def _pages(fetch: Callable[[int], list[T]], page_size: int) -> Iterator[T]:
    """Every item, a page at a time, until a short or empty page; ``page_size`` is checked at the call, not at the
    first ``next()`` (a page size of 0 would never end)."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a whole number of at least 1, got {page_size!r}")
    return _pages_from(fetch, page_size)


def _pages_from(fetch: Callable[[int], list[T]], page_size: int) -> Iterator[T]:
    """A server that ignores the offset (the same full page again) would never let this end: it is an error."""
    offset = 0
    previous: list[T] | None = None
    while True:
        page = fetch(offset)
        if page and page == previous:
            raise TinkerError(f"the server sent the same page for offset {offset - len(page)} and {offset}")
        yield from page
        if not page or len(page) < page_size:
            return
        offset += len(page)
        previous = page
