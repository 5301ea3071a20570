"""Code generated from the Tinker OpenAPI document by scripts/generate.py; do not edit.

- ``tinker_api.api`` / ``tinker_api.models``: openapi-python-client endpoint functions and attrs models;
- ``tinker_api.pydantic_models``: datamodel-code-generator models of the same schemas (``tinker.types``);
- ``tinker_api.proto``: protobuf modules of ``tinker_public.proto``;
- ``openapi_document()``: the document itself, shipped as package data.
"""

import functools
import json
from importlib import resources
from typing import Any

from .client import AuthenticatedClient, Client


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document this package was generated from, parsed once."""
    text = resources.files(__name__).joinpath("openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


__all__ = (
    "AuthenticatedClient",
    "Client",
    "openapi_document",
)
