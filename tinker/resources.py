"""The API's operations by tag, where the official package keeps its low-level resource classes.

``tinker.resources.training.forward_backward`` is the generated endpoint module (``OPERATION_ID``, ``METHOD``,
``PATH``, ``build_request(...)``) that the request pipeline sends; a tag loads its operations on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import tinker_api.api

__all__ = sorted(info.name for info in pkgutil.iter_modules(tinker_api.api.__path__) if info.ispkg)


def __getattr__(name: str) -> ModuleType:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    tag = importlib.import_module(f"tinker_api.api.{name}")
    for info in pkgutil.iter_modules(tag.__path__):
        importlib.import_module(f"{tag.__name__}.{info.name}")
    globals()[name] = tag
    return tag


def __dir__() -> list[str]:
    return list(__all__)
