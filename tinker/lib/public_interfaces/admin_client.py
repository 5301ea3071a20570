"""AdminClient: the account's audit log, billing and storage usage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from tinker import types

from .._deprecation import deprecated_async
from .._holder import Holder
from ..telemetry import Telemetry
from .api_future import APIFuture
from .rest_client import RestClient

__all__ = ["AdminClient"]

EventType = Literal["all", "checkpoints", "projects", "teams", "organizations"]


class AdminClient:
    def __init__(
        self, holder: Holder | None = None, *, api_key: str | None = None, base_url: str | None = None, **settings: Any
    ) -> None:
        self._rest = RestClient(holder, api_key=api_key, base_url=base_url, **settings)
        self.holder = self._rest.holder

    def get_audit_log(
        self, event_type: EventType = "all", day: date | None = None
    ) -> APIFuture[types.AuditLogResponse]:
        return self._rest.get_audit_log(event_type, day)

    def get_billing_usage(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> APIFuture[types.BillingUsageResponse]:
        return self._rest.get_billing_usage(starting_on, ending_before)

    def get_current_checkpoint_storage_usage(
        self, project_id: str | None = None
    ) -> APIFuture[types.CurrentCheckpointStorageUsageResponse]:
        return self._rest.get_current_checkpoint_storage_usage(project_id)

    def get_telemetry(self) -> Telemetry | None:
        """The telemetry reporter this client sends through, or None when reporting is off (``TINKER_TELEMETRY=0``)."""
        return self.holder.telemetry

    @deprecated_async("get_audit_log")
    async def get_audit_log_async(
        self, event_type: EventType = "all", day: date | None = None
    ) -> types.AuditLogResponse:
        return await self.get_audit_log(event_type, day)

    @deprecated_async("get_billing_usage")
    async def get_billing_usage_async(
        self, starting_on: datetime | str, ending_before: datetime | str
    ) -> types.BillingUsageResponse:
        return await self.get_billing_usage(starting_on, ending_before)

    @deprecated_async("get_current_checkpoint_storage_usage")
    async def get_current_checkpoint_storage_usage_async(
        self, project_id: str | None = None
    ) -> types.CurrentCheckpointStorageUsageResponse:
        return await self.get_current_checkpoint_storage_usage(project_id)
