"""The ``tinker`` command."""

from __future__ import annotations

import pytest

from tinker.cli import main


def test_api_lists_every_operation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["api"]) == 0
    out = capsys.readouterr().out
    assert "operations" in out.splitlines()[0]
    assert "forward_backward" in out and "POST   /api/v1/forward_backward" in out
    assert "future of ForwardBackwardOutput" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tinker ")
