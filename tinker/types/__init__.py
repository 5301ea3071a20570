"""The public types: the pydantic models generated from the OpenAPI document.

Their helper methods (``ModelInput.from_ints``, ``TensorData.to_torch``…) come from ``tinker._mixins``.
The official SDK's deep import paths (``tinker.types.tensor_data``…) are registered by ``_modules``.
"""

import sys

from tinker_api import pydantic_models as _models
from tinker_api.pydantic_models import *  # noqa: F403

from . import _modules

__all__ = list(_models.__all__)

_modules.install(sys.modules[__name__])
