"""A script written only against the official 0.38 public API runs unchanged on this SDK and the local server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tinker.local import LocalServer

SCRIPT = Path(__file__).parent / "official_style" / "sl_rl_loop.py"


def test_sl_and_rl_loops_run_unchanged(tinker_env: LocalServer) -> None:
    env = {**os.environ, "BASE_MODEL": "tinker-local/tiny"}
    done = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "saved tinker://" in done.stdout and "rl step 2" in done.stdout and done.stdout.rstrip().endswith("done")
