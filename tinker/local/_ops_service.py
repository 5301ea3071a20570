"""Configuration, capabilities, health, telemetry, API keys, audit and billing.

Billing has no local meaning: the answers are true for this server (nothing is charged).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from typing import Any

from tinker_api import pydantic_models as models

from ._auth import issue_jwt
from ._call import Call, Handler
from ._errors import bad_request, invalid
from ._offload import off_loop
from ._store import dumps, loads

_CREDENTIAL = re.compile(r"tml-[\w-]+|eyJ[\w-]+\.[\w-]+\.[\w-]*")  # API keys and JWTs, anywhere in a string
_SECRET_KEYS = ("api-key", "api_key", "apikey", "authorization", "cookie", "secret", "password", "jwt")


def _redact(value: Any) -> Any:
    """Telemetry from official SDKs can carry request headers with the API key; never store those."""
    if isinstance(value, dict):
        return {k: "[redacted]" if any(s in k.lower() for s in _SECRET_KEYS) else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, str):
        return _CREDENTIAL.sub("[redacted]", value)
    return value


# event_data is the one free-form object the server keeps; pydantic and orjson stop at about 255 levels, _redact
# at Python's recursion limit, and no SDK sends more than a few.
MAX_EVENT_DATA_DEPTH = 32


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels; iterative, for input nested a thousand deep."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


async def get_client_config(call: Call) -> models.ClientConfigResponse:
    return models.ClientConfigResponse(
        use_pyqwest_transport=False,
        pjwt_auth_enabled=False,
        custom_loss_server_side=False,
        proto_compress_fwdbwd=True,  # zstd bodies are decoded (zstandard is a dependency), as the hosted service does
        sample_use_retrieve_futures=False,
        sample_join_sampling_session=False,
        create_model_via_load_weights=True,
    )


async def get_client_dynamic_config(call: Call) -> models.ClientDynamicConfigResponse:
    return models.ClientDynamicConfigResponse(refresh_interval_sec=300, sample_cancel_enabled=True)


async def exchange_auth_token(call: Call) -> models.AuthTokenResponse:
    return models.AuthTokenResponse(jwt=issue_jwt(call.owner, call.service.keys[call.owner]))


async def get_server_capabilities(call: Call) -> models.GetServerCapabilitiesResponse:
    return models.GetServerCapabilitiesResponse(
        supported_models=[
            models.SupportedModel(
                model_name=info.name,
                max_context_length=info.max_context_length,
                trainable=True,
                sampleable=True,
                vocab_size=info.vocab_size,
            )
            for info in await call.service.base_models()
        ]
    )


async def health_check(call: Call) -> models.HealthResponse:
    return models.HealthResponse(status="ok")


async def send_telemetry(call: Call) -> models.TelemetryResponse:
    request = call.model(models.TelemetrySendRequest)
    batch = await off_loop(len(call.raw_body), _stored_batch, request)  # a large batch would hold up the loop
    await call.service.store.insert(
        "telemetry", {"received_at": time.time(), "session_id": request.session_id, "batch": batch}
    )
    return models.TelemetryResponse(status="accepted")


def _stored_batch(request: models.TelemetrySendRequest) -> str | None:
    """The batch as kept: checked for depth, secrets redacted."""
    for index, event in enumerate(request.events):
        if _deeper_than(getattr(event, "event_data", None), MAX_EVENT_DATA_DEPTH):
            raise invalid(
                ["body", "events", index, "event_data"],
                f"nested more than {MAX_EVENT_DATA_DEPTH} levels deep; the server keeps telemetry up to that depth",
            )
    return dumps(_redact(request.model_dump(mode="json")))


async def get_api_key_info(call: Call) -> models.ApiKeyInfoResponse:
    return models.ApiKeyInfoResponse(
        key_id=int(call.owner.removeprefix("tenant-")[:12], 16),
        name=call.owner,
        note="an API key of this local Tinker server",
        details=models.ApiKeyInfoDetails(
            org_details=models.ApiKeyOrgDetails(name="tinker-local"),
            user_details=models.ApiKeyUserDetails(email=f"{call.owner}@localhost"),
        ),
    )


async def delete_api_key(call: Call) -> None:
    """Revokes the calling key for good (it stays revoked across restarts)."""
    await call.service.revoke(call.owner)


async def get_audit_log(call: Call) -> models.AuditLogResponse:
    """The tenant's audit entries, oldest first; ``_retention`` bounds how many are kept (and so answered)."""
    sql = "SELECT * FROM audit WHERE owner=?"
    params: list[Any] = [call.owner]
    if call.query.get("event_type") == "checkpoints":
        sql += " AND tinker_path IS NOT NULL"
    day = call.query.get("day")
    if day:
        start = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).timestamp()
        sql += " AND time >= ? AND time < ?"
        params += [start, start + 86400]
    rows = await call.service.store.all(sql + " ORDER BY time, id", params)  # the order of the (owner, time) index
    return models.AuditLogResponse(
        entries=[
            models.AuditLogEntry(
                timestamp=datetime.fromtimestamp(row["time"], UTC),
                event=row["event"],
                event_details={
                    "model_id": row["model_id"],
                    "tinker_path": row["tinker_path"],
                    **(loads(row["details"]) or {}),
                },
            )
            for row in rows
        ]
    )


def _hour_aligned(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise bad_request(f"{name}: give a timezone (UTC)")
    value = value.astimezone(UTC)
    if (value.minute, value.second, value.microsecond) != (0, 0, 0):
        raise bad_request(f"{name}: must be on the hour (UTC)")
    return value


async def get_billing_usage(call: Call) -> models.BillingUsageResponse:
    try:
        start = datetime.fromisoformat(call.query["starting_on"])
        end = datetime.fromisoformat(call.query["ending_before"])
    except ValueError as exc:
        raise bad_request(f"starting_on / ending_before: not RFC 3339 date-times ({exc})") from None
    _hour_aligned(start, "starting_on")
    _hour_aligned(end, "ending_before")
    return models.BillingUsageResponse(data=[], sessions={}, cost_data_through=datetime.now(UTC))


async def get_current_checkpoint_storage_usage(call: Call) -> models.CurrentCheckpointStorageUsageResponse:
    row = await call.service.store.one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS size FROM checkpoints WHERE owner=? "
        "AND (expires_at IS NULL OR expires_at > ?)",
        [call.owner, time.time()],
    )
    assert row is not None
    return models.CurrentCheckpointStorageUsageResponse(
        effective_rate_usd_per_gigabyte_month=0.0,
        data=[
            models.CurrentCheckpointStorageUsageItem(
                project_id=call.query.get("project_id"),
                user_name=call.owner,
                checkpoint_count=row["n"],
                size_bytes=row["size"],
                size_gigabytes=row["size"] / 1e9,
                estimated_monthly_cost_usd=0.0,
            )
        ],
    )


HANDLERS: dict[str, Handler] = {
    "get_client_config": get_client_config,
    "get_client_dynamic_config": get_client_dynamic_config,
    "exchange_auth_token": exchange_auth_token,
    "get_server_capabilities": get_server_capabilities,
    "health_check": health_check,
    "send_telemetry": send_telemetry,
    "get_api_key_info": get_api_key_info,
    "delete_api_key": delete_api_key,
    "get_audit_log": get_audit_log,
    "get_billing_usage": get_billing_usage,
    "get_current_checkpoint_storage_usage": get_current_checkpoint_storage_usage,
}
