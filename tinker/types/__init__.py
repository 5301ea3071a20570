"""The public types, of the kind the official 0.38 package has each of them.

Most are the pydantic models generated from the OpenAPI document, with helper methods (``ModelInput.from_ints``…)
from ``tinker._mixins``. The ones 0.38 defines as frozen dataclasses (``Datum``, ``TensorData``, ``SampleResponse``,
``ForwardBackwardOutput``…) are dataclasses here too, from ``_dataclasses``; they replace the generated models of
the same names (marked ``x-tinker-python: dataclass`` in the document), which stay in ``tinker_api.pydantic_models``,
out of its ``__all__``, for validating the JSON wire form. 0.38 keeps ``TopkLogprobs`` out of ``tinker.types``: it is
only in ``tinker.types.topk_logprobs``.
The official SDK's deep import paths (``tinker.types.tensor_data``…) are registered by ``_modules``.
"""

import sys

from tinker_api import pydantic_models as _models
from tinker_api.pydantic_models import *  # noqa: F403

from . import _dataclasses, _modules
from ._dataclasses import *  # noqa: F403

__all__ = sorted({*_models.__all__, *_dataclasses.__all__})

_modules.install(sys.modules[__name__], {"TopkLogprobs": _dataclasses.TopkLogprobs})
