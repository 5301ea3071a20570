"""Every exchange the SDK has with a real server during a test session, checked against the document.

``SdkTraffic.installed()`` puts a ``RecordingTransport`` under each HTTP client that ``BaseClient`` builds for
itself, which is every client of ``ServiceClient``, ``RestClient`` and ``AdminClient`` that talks to a server.
Clients handed in through ``http_client`` keep their transports: unit tests pass mock transports that break the
document on purpose (a 500 to test retries). ``sdk_operations()`` reads which operations the SDK can call from
its imports, so that a test session can show it saw each of them.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import tinker
from tinker._base_client import BaseClient, ClientSettings

from .recording import DocumentChecker, RecordingTransport

SDK_ROOT = Path(tinker.__file__).parent
# the local server speaks the other side of the wire; the `tinker` command's exchanges are recorded by tests/cli
_NOT_SDK = ("local", "cli")


def sdk_operations(root: Path = SDK_ROOT, skip: tuple[str, ...] = _NOT_SDK) -> set[str]:
    """The operation ids of the generated endpoint modules imported under ``root`` (``tinker_api.api.<tag>.<name>``),
    but for its parts named in ``skip``."""
    found: set[str] = set()
    for source in root.rglob("*.py"):
        if source.relative_to(root).parts[0] in skip:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tinker_api.api."):
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("tinker_api.api.")}
    return {importlib.import_module(module).OPERATION_ID for module in found}


class SdkTraffic:
    """The recorders of one test session; their findings together."""

    def __init__(self) -> None:
        self.checker = DocumentChecker()
        self.transports: list[RecordingTransport] = []

    @classmethod
    @contextlib.contextmanager
    def installed(cls) -> Iterator[SdkTraffic]:
        """While open, each BaseClient that builds its own HTTP client gets a recorder under it."""
        traffic = cls()
        original = BaseClient.__init__

        def init(self: BaseClient, settings: ClientSettings, **kwargs: Any) -> None:
            original(self, settings, **kwargs)
            if kwargs.get("http_client") is None:
                traffic._wrap(self._http, settings)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(BaseClient, "__init__", init)
            yield traffic

    def _wrap(self, http: httpx.AsyncClient, settings: ClientSettings) -> None:
        # httpx keeps the transport it built (limits, retries) in ``_transport``; the recorder goes under the
        # client the SDK configured rather than a copy of its settings.
        prefix = urlsplit(settings.base_url).path
        transport = RecordingTransport(http._transport, prefix=prefix, checker=self.checker)
        http._transport = transport
        self.transports.append(transport)

    @property
    def violations(self) -> list[str]:
        return [violation for transport in self.transports for violation in transport.violations]

    @property
    def covered(self) -> set[str]:
        return {operation for transport in self.transports for operation in transport.covered}

    def check(self, expected: set[str] | None = None) -> None:
        """Fail on any exchange that broke the document, and on an expected operation that never went out."""
        assert not self.violations, "the SDK's exchanges break the document:\n" + "\n".join(self.violations)
        missed = (expected or set()) - self.covered
        assert not missed, f"operations the SDK calls that no test sent through the recorder: {sorted(missed)}"


def ran_whole_directory(session: pytest.Session, directory: Path) -> bool:
    """Whether this session ran every test of ``directory`` and none failed, the case where full coverage is due."""
    if session.testsfailed or session.config.getoption("keyword") or session.config.getoption("markexpr"):
        return False
    ran = {Path(item.path) for item in session.items if Path(item.path).parent == directory}
    return ran >= set(directory.glob("test_*.py"))
