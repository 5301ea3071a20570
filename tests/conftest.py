"""Shared fixtures: the OpenAPI document as the installed package ships it."""

from __future__ import annotations

from typing import Any

import pytest

from tinker_api import openapi_document


@pytest.fixture(scope="session")
def document() -> dict[str, Any]:
    return openapi_document()
