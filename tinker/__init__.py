"""A Tinker SDK generated from a hand-kept OpenAPI document.

Submodules load on first use (PEP 562): ``import tinker`` stays cheap, and the generated models,
which import ``tinker._mixins``, can be imported before or after this package without a cycle.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import types

__title__ = "tinker"

_LAZY_SUBMODULES = frozenset({"types"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["__title__", "__version__", "types"]
