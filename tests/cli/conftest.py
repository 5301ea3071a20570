"""The ``tinker`` command's exchanges with the local server, checked against the document as the SDK's are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.sdk_traffic import SDK_ROOT, SdkTraffic, ran_whole_directory, sdk_operations


@pytest.fixture(scope="package", autouse=True)
def recorded_traffic(request: pytest.FixtureRequest) -> Iterator[SdkTraffic]:
    """Every request the commands send, and every answer, is checked against the document; after the whole
    directory ran, each operation the command line imports itself must have gone out."""
    with SdkTraffic.installed() as traffic:
        yield traffic
    ran_all = ran_whole_directory(request.session, Path(__file__).parent)
    traffic.check(sdk_operations(SDK_ROOT / "cli", skip=()) if ran_all else None)
