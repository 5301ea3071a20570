"""The examples and the main job (`tinker demo`) run offline, as a user runs them, and exit 0.

Each starts its own embedded local server (TINKER_BASE_URL is removed from its environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHORT = {"training_loop.py": ["--steps", "20"], "rl_loop.py": ["--iterations", "8"], "custom_loss.py": ["--steps", "8"]}


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TINKER_BASE_URL", "TINKER_API_KEY")}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_runs_offline(script: str) -> None:
    done = run([sys.executable, str(EXAMPLES / script), *SHORT.get(script, [])])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Started a local Tinker server" in done.stdout


def test_main_job_trains_and_samples() -> None:
    done = run([sys.executable, "-m", "tinker.cli", "demo"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Saved the trained weights as tinker://" in done.stdout
    assert "->  'Blue.'" in done.stdout
