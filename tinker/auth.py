"""What the official 0.38 ``tinker.auth`` offers: checking the configured credential before using it."""

from __future__ import annotations

import os

from tinker_api.api.service import get_server_capabilities
from tinker_api.pydantic_models import GetServerCapabilitiesResponse

from ._base_client import ClientSettings
from ._credentials import Credentials, stored_default_key
from ._exceptions import TinkerError

__all__ = ["get_tinker_token", "raise_if_tinker_not_accessible", "tinker_has_credentials"]


def get_tinker_token() -> str | None:
    """The static key (TINKER_API_KEY, else the stored default), or None; never runs TINKER_CREDENTIAL_CMD."""
    try:
        key = os.environ.get("TINKER_API_KEY") or stored_default_key()
        return Credentials(key).static_key() if key else None
    except (OSError, TinkerError, ValueError):
        return None


def tinker_has_credentials() -> bool:
    """Whether a credential is configured; a TINKER_CREDENTIAL_CMD counts without being run. Local only."""
    try:
        Credentials.resolve()
    except (OSError, TinkerError, ValueError):
        return False
    return True


def raise_if_tinker_not_accessible() -> None:
    """Raise a TinkerError unless the service takes the configured credential, with one request that is not
    retried: ``AuthenticationError`` for a rejected key, ``BillingError`` for an account without billing,
    ``APIConnectionError`` when the service cannot be reached."""
    from .lib._holder import Holder

    try:
        holder = Holder(ClientSettings.resolve())
        try:
            holder.call(
                holder.request(
                    get_server_capabilities.build_request(), GetServerCapabilitiesResponse, options={"max_retries": 0}
                )
            )
        finally:
            holder.call(holder.client.aclose())
    except TinkerError:
        raise
    except Exception as error:
        raise TinkerError(str(error)) from error
