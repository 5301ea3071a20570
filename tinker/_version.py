"""Two versions: the tinker API this SDK implements, and this distribution's own release.

``__version__`` is what the official package calls its version (``tinker.__version__``, and
``importlib.metadata.version("tinker")`` once tinker is imported): code that checks it learns which API it
has. ``SDK_VERSION`` is the version of the ``tinker-openapi`` distribution: the API's version and this
project's release for it as a fourth number (PEP 440, so the registry takes it and it orders after 0.38.0).
"""

__title__ = "tinker"
__version__ = "0.38.0"
SDK_VERSION = "0.38.0.1"
