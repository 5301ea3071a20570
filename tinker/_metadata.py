"""``importlib.metadata.version("tinker")`` answers with the API version once ``tinker`` is imported.

The distribution is ``tinker-openapi`` (its own name on the registry, see the README); code written for the
official package asks for ``tinker`` (tinker-cookbook's ``copy_checkpoint`` does). A finder at the end of
``sys.meta_path`` answers a look-up by that name only (listings of every distribution do not see it), on a search
path that holds this package, and only where no installed distribution answers: package installers, which do not
import ``tinker`` or list distributions, never see it, so this SDK is never taken for the official package.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from importlib.machinery import ModuleSpec
from importlib.metadata import Distribution, DistributionFinder, MetadataPathFinder
from pathlib import Path
from types import ModuleType

from ._version import SDK_VERSION, __title__, __version__

__all__ = ["install"]

_METADATA = (
    f"Metadata-Version: 2.1\nName: {__title__}\nVersion: {__version__}\n"
    f"Summary: The tinker {__version__} API, provided by tinker-openapi {SDK_VERSION}\n"
)


class _ApiDistribution(Distribution):
    """The metadata of the tinker API this SDK implements; it owns no files (tinker-openapi does)."""

    def read_text(self, filename: str) -> str | None:
        return _METADATA if filename in ("METADATA", "PKG-INFO") else None

    def locate_file(self, path: object) -> Path:
        return Path(__file__).parent.parent / str(path)


_HOME = str(Path(__file__).resolve().parent.parent)
"""The folder holding this ``tinker`` package: the API distribution is found only on a search path that has it."""


class _ApiFinder(DistributionFinder):
    def find_spec(self, fullname: str, path: object = None, target: ModuleType | None = None) -> ModuleSpec | None:
        return None  # it finds no modules, only the distribution

    def find_distributions(self, context: DistributionFinder.Context | None = None) -> Iterator[Distribution]:
        """Only a look-up by the name ``tinker`` (a listing of every distribution does not see it), on a path that
        holds this package, where no installed distribution answers."""
        context = context or DistributionFinder.Context()
        name = context.name
        if name is None or re.sub(r"[-_.]+", "-", name).lower() != __title__:
            return
        if not any(str(Path(entry or ".").resolve()) == _HOME for entry in context.path):
            return
        if next(iter(MetadataPathFinder.find_distributions(context)), None) is None:
            yield _ApiDistribution()


_FINDER = _ApiFinder()


def install() -> None:
    """Append the finder once per process (a reload of tinker does not add another)."""
    if not any(finder is _FINDER for finder in sys.meta_path):
        sys.meta_path.append(_FINDER)
