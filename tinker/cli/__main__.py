"""``python -m tinker.cli``: the ``tinker`` command."""

from __future__ import annotations

import sys

from . import main

# the official package's console script names tinker.cli.__main__:cli
cli = main

if __name__ == "__main__":
    sys.exit(main())
