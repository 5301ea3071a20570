"""Build one tinker-cookbook environment: the SDK first, then the cookbook without its dependencies, then the
cookbook's other requirements, so that pip never installs the official ``tinker`` over this SDK.

``python -m tests.cookbook.envs VENV --sdk SPEC`` where SPEC is ``tinker==0.38.0`` (the official package) or a
path to this project (``.[local]``). Run again, it installs only what is missing. A cookbook requirement that
the registry has no release for is left out and printed (tinker-cookbook 0.6.1 asks for ``tml-renderers>=0.4.1``,
which only some of its tests and the audio recipes use); the runner reports what each environment lacks.
Uses only the standard library, so that nox can run it from a bare environment.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import venv
from pathlib import Path

COOKBOOK_VERSION = "0.6.1"  # the tinker-cookbook release checked, pinned here only
COOKBOOK = f"tinker-cookbook=={COOKBOOK_VERSION}"
TORCH = "torch==2.13.0"  # the CPU wheel kept on this project's machines (a bare `torch` pulls a CUDA build)
TEST_TOOLS = ["pytest==9.2.0", "pytest-timeout==2.4.0", "pytest-asyncio==1.5.0"]

# Runs inside the environment: the cookbook's requirements without extras, and which of them are installed.
_REQUIREMENTS = """
import importlib.metadata as m, json, re
rows = []
for spec in m.requires("tinker-cookbook") or []:
    if "extra ==" in spec:
        continue
    name = re.match(r"[A-Za-z0-9._-]+", spec).group(0)
    try:
        m.distribution(name)
        installed = True
    except m.PackageNotFoundError:
        installed = False
    rows.append({"name": name, "spec": spec.split(";")[0].strip(), "installed": installed})
print(json.dumps(rows))
"""

# Runs inside the environment: which distributions are installed (asked before `import tinker`, as an installer
# would see them: this SDK answers for the name `tinker` once imported), where `import tinker` comes from, and
# which installed distribution owns that file.
_WHICH_TINKER = """
import importlib.metadata as m, json, pathlib
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
installed = {name: version(name) for name in ("tinker", "tinker-openapi", "tinker-cookbook")}
import tinker
init = pathlib.Path(tinker.__file__).resolve()
owners = [
    d.metadata["Name"] for d in m.distributions() for f in (d.files or [])
    if f.as_posix() == "tinker/__init__.py" and pathlib.Path(d.locate_file(f)).resolve() == init
]
print(json.dumps({"file": str(init), "owners": owners, "installed": installed}))
"""


def python_of(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def pip_install(python: Path, *args: str) -> None:
    command = [str(python), "-m", "pip", "install", "-q", *args]
    print("+", " ".join(command), flush=True)
    if subprocess.run(command, check=False).returncode != 0:
        raise SystemExit(f"pip install failed: {' '.join(args)}")


def inside(python: Path, code: str) -> object:
    out = subprocess.run([str(python), "-I", "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def available(python: Path, spec: str) -> bool:
    """Whether the registry has a release of ``spec`` for this interpreter (a dry run, nothing installed)."""
    probe = [str(python), "-m", "pip", "install", "-q", "--dry-run", "--no-deps", "--ignore-installed", spec]
    return subprocess.run(probe, check=False, capture_output=True).returncode == 0


def check_tinker(python: Path, official: bool) -> dict[str, object]:
    """Fail unless ``import tinker`` is the SDK this environment is for."""
    which = inside(python, _WHICH_TINKER)
    assert isinstance(which, dict)
    installed = which["installed"]
    assert isinstance(installed, dict)
    if official:
        good = which["owners"] == ["tinker"] and installed["tinker-openapi"] is None
    else:
        good = which["owners"] == ["tinker-openapi"] and installed["tinker"] is None
    if not good:
        raise SystemExit(f"`import tinker` in {python} is not the expected SDK: {which}")
    return which


def build(env: Path, sdk: str) -> list[str]:
    """Create or update the environment; returns the cookbook requirements the registry could not provide."""
    python = python_of(env)
    if not python.exists():
        venv.create(env, with_pip=True)
    official = sdk.startswith("tinker==")
    pip_install(python, TORCH, sdk)
    pip_install(python, "--no-deps", COOKBOOK)
    rows = inside(python, _REQUIREMENTS)
    assert isinstance(rows, list)
    missing = [row["spec"] for row in rows if not row["installed"] and row["name"] != "tinker"]
    unavailable = [spec for spec in missing if not available(python, spec)]
    wanted = [spec for spec in missing if spec not in unavailable]
    pip_install(python, *wanted, *TEST_TOOLS)
    which = check_tinker(python, official)
    print(f"{env.name}: tinker from {which['file']} ({', '.join(map(str, which['owners']))})")
    for spec in unavailable:
        print(f"{env.name}: left out {spec}: no release on the registry for this interpreter")
    return unavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("env", type=Path, help="the virtual environment to create or update")
    parser.add_argument("--sdk", required=True, help="`tinker==VERSION`, or a path to this project with extras")
    args = parser.parse_args(argv)
    build(args.env, args.sdk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
