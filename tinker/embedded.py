"""Reach a Tinker server, or start one: what the demo and the examples use to run anywhere.

``connect()`` yields the service named by TINKER_BASE_URL / TINKER_API_KEY when set; otherwise (or with
``local=True``) it starts the embedded local server in a temporary directory for the duration of the block.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .lib.public_interfaces.rest_client import RestClient
from .lib.public_interfaces.service_client import ServiceClient

LOCAL_MODELS = ("tinker-local/tiny", "tinker-local/small")


@dataclass(frozen=True)
class Connection:
    """Where clients go; ``None`` means the environment decides (TINKER_BASE_URL, TINKER_API_KEY)."""

    base_url: str | None
    api_key: str | None
    local: bool

    def service_client(self, **kwargs: Any) -> ServiceClient:
        return ServiceClient(base_url=self.base_url, api_key=self.api_key, **kwargs)

    def rest_client(self) -> RestClient:
        return RestClient(base_url=self.base_url, api_key=self.api_key)

    def model(self, requested: str | None, local_default: str = "tinker-local/small") -> str:
        """The base model to use: the one asked for, else the local default (a remote server needs one named)."""
        if requested:
            return requested
        if self.local:
            return local_default
        raise SystemExit("name a base model (--model): the server at TINKER_BASE_URL decides which it has")


@contextlib.contextmanager
def connect(local: bool = False, *, quiet: bool = False) -> Iterator[Connection]:
    if os.environ.get("TINKER_BASE_URL") and not local:
        yield Connection(None, None, local=False)
        return
    try:
        from .local import LocalServer
    except ImportError as error:
        raise SystemExit(
            f"the embedded server needs the local extra: pip install 'tinker-openapi[local]' ({error})"
        ) from None
    with tempfile.TemporaryDirectory(prefix="tinker-") as data_dir, LocalServer(data_dir) as server:
        if not quiet:
            print(f"Started a local Tinker server at {server.base_url} (data in {data_dir})")
        yield Connection(server.base_url, server.api_key, local=True)
