"""test_remote.py talks to the server named by TINKER_BASE_URL; only ``nox -s contract_remote`` collects it."""

from __future__ import annotations

from .harness import env_flag

collect_ignore = [] if env_flag("TINKER_CONTRACT_REMOTE") else ["test_remote.py"]
