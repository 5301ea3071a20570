"""``tinker --help`` loads neither torch, the server nor the SDK's clients; and every command and option of the
official 0.38 CLI is in ours, with its default (where the official package is installed in some environment)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_PYTHONS = [
    ROOT / "benchmarks" / ".venvs" / "official" / "bin" / "python",
    ROOT / ".nox" / "official-tinker-0-38-0" / "bin" / "python",
    ROOT / ".nox" / "official-tinker-0.38.0" / "bin" / "python",
]

# Walks a click command tree: {"auth login": {"options": {...: default}, "arguments": [...]}, ...}
WALK = """
import importlib, json, sys
import click
module, attribute = sys.argv[1].split(":")
root = getattr(importlib.import_module(module), attribute)
found = {}
def walk(command, path):
    ctx = click.Context(command, info_name=path[-1] if path else "tinker")
    entry = {"options": {}, "arguments": []}
    for param in command.params:
        if isinstance(param, click.Option):
            default = param.default if not callable(param.default) else "<callable>"
            for name in [*param.opts, *param.secondary_opts]:
                plain = isinstance(default, (str, int, float, bool, type(None)))
                entry["options"][name] = default if plain else repr(default)
        else:
            entry["arguments"].append(param.name)
    found[" ".join(path)] = entry
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            walk(command.get_command(ctx, name), [*path, name])
walk(root, [])
print(json.dumps(found))
"""

HEAVY = ("torch", "tinker.local", "tinker.lib", "tinker._base_client", "tinker_api", "starlette", "uvicorn", "rich")


def _loaded_after(args: list[str]) -> set[str]:
    code = (
        "import sys\nfrom tinker.cli import main\ncode = main(sys.argv[1:])\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\nsys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("MODULES "))
    return set(line.split()[1:])


@pytest.mark.parametrize(
    "args", [["--help"], ["checkpoint", "--help"], ["local", "serve", "--help"], ["run", "list", "--help"]]
)
def test_help_loads_nothing_heavy(args: list[str]) -> None:
    modules = _loaded_after(args)
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def _tree(python: str, target: str, cwd: Path) -> dict[str, dict[str, object]]:
    done = subprocess.run([python, "-c", WALK, target], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    tree: dict[str, dict[str, object]] = json.loads(done.stdout)
    return tree


def test_every_official_command_and_option_is_ours_with_its_default(tmp_path: Path) -> None:
    official_python = next((p for p in OFFICIAL_PYTHONS if p.exists()), None)
    if official_python is None:
        pytest.skip(
            "the official tinker 0.38 package is installed in none of: " + ", ".join(map(str, OFFICIAL_PYTHONS))
        )
    official = _tree(str(official_python), "tinker.cli.__main__:main_cli", tmp_path)  # away from this checkout
    ours = _tree(sys.executable, "tinker.cli:cli", ROOT)
    assert len(official) > 20
    missing = sorted(set(official) - set(ours))
    assert missing == [], f"official commands missing here: {missing}"
    problems = []
    for path, entry in official.items():
        mine = ours[path]
        for option, default in entry["options"].items():  # type: ignore[attr-defined]
            if option == "--help":
                continue
            if option not in mine["options"]:  # type: ignore[operator]
                problems.append(f"tinker {path}: no option {option}")
            elif mine["options"][option] != default:  # type: ignore[index]
                problems.append(f"tinker {path} {option}: default {mine['options'][option]!r}, official {default!r}")  # type: ignore[index]
        if entry["arguments"] != mine["arguments"]:
            problems.append(f"tinker {path}: arguments {mine['arguments']}, official {entry['arguments']}")
    assert problems == []
    # and ours beside them
    assert {"local serve", "demo", "api"} <= set(ours)
    assert {"--base-url", "--api-key", "--format", "-f"} <= set(ours[""]["options"])  # type: ignore[arg-type]
