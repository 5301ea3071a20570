"""Sessions: tests, compat, interop, cookbook, contract, contract_remote, lint, typecheck, generate, generated_check,
bench (see README.md and docs/maintaining.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck", "generated_check"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
# torch pinned: the CPU wheel kept on this project's machines (a bare `torch` pulls a multi-GB CUDA build)
TORCH = "torch==2.13.0"
PYTEST = "pytest==9.2.0"
TEST_REQUIREMENTS = [
    PYTEST,
    "openapi-spec-validator==0.9.0",
    "jsonschema==4.26.0",
    "pyyaml>=6",
    "schemathesis==4.32.5",  # tests/contract; its v4 API and checks, as docs/maintaining.md describes them
    # tests/local/test_tokenizer_folder.py: the tokenizer folder the server writes loads in transformers as the byte
    # tokenizer (offline: nothing is downloaded); those checks skip where it is absent
    "transformers==5.25.0",
    "pytest-timeout==2.4.0",  # a per-test bound (pyproject.toml): a hang fails one test instead of stalling CI
    "psutil==7.2.2",  # tests/local/test_hostile_input.py reads the server process's resident memory
    # tests/client/test_telemetry.py: spans caught by OpenTelemetry's in-memory exporter
    "opentelemetry-api==1.45.2",
    "opentelemetry-sdk==1.45.2",
]
LINT_REQUIREMENTS = ["ruff==0.17.6", "import-linter==2.17"]
# the local extra with the pinned torch, so that mypy sees the same types as a developer's environment
TYPECHECK_REQUIREMENTS = [
    "mypy==2.4.1",
    "types-python-dateutil",
    "types-protobuf",
    "types-tqdm",
    "pytest==9.2.0",
    "starlette>=0.40",
    "uvicorn>=0.30",
    "safetensors>=0.4",
    "jsonschema-rs>=0.29",
    "zstandard>=0.22",
    "prometheus-client>=0.20",
    "opentelemetry-api>=1.20",
    "huggingface_hub>=0.24",  # the hf extra: `tinker checkpoint push-hf`
]
CODEGEN_REQUIREMENTS = ["-r", "scripts/codegen-requirements.txt"]
OFFICIAL_VERSIONS = ("0.38.0", "0.25.0")  # the official SDK versions `nox -s compat` runs against the local server
GENERATED = "generated/tinker_api"
# nox -s bench only (not project dependencies): the plots, and load.py's reading of the server's memory
BENCH_REQUIREMENTS = ["matplotlib==3.11.2", "psutil==7.2.2"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Every test (pytest with warnings as errors); extra arguments go to pytest."""
    session.install(TORCH)
    session.install(".[local]", *TEST_REQUIREMENTS)
    session.run("pytest", *session.posargs)


def _official_environments(session: nox.Session) -> dict[str, Path]:
    """Each official version's interpreter, in its own virtual environment next to the session's (the official
    package is imported as ``tinker`` too), with torch for forward_backward_custom; shared by compat and interop."""
    official_python: dict[str, Path] = {}
    for version in OFFICIAL_VERSIONS:
        venv = Path(session.virtualenv.location).parent / f"official-tinker-{version}"
        python = official_python[version] = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        if not python.exists():
            session.run("python", "-m", "venv", str(venv))
        session.run(str(python), "-m", "pip", "install", "-q", f"tinker=={version}", TORCH, PYTEST, external=True)
    return official_python


def _session_python(session: nox.Session) -> str:
    return str(Path(session.bin) / ("python.exe" if sys.platform == "win32" else "python"))


@nox.session(python=PYTHON)
def compat(session: nox.Session) -> None:
    """The official SDK (tinker 0.38.0 and 0.25.0) and this one against the local server: every public method, values
    checked by the same scenario.

    Each official version gets its own virtual environment next to this session's; this SDK and the server run from
    this session's environment. Writes docs/compatibility.md (a column per SDK) and fails on any method that should
    pass and does not. Then runs tests/compat/test_types_parity.py with official 0.38 and with this SDK: every test
    must pass with both; the official CLI's --help tree beside ours; and every request body this SDK sends against
    each release's request models.
    """
    session.install(TORCH)
    session.install(".[local]")
    official_python = _official_environments(session)
    arguments = [f"--official={version}={python}" for version, python in official_python.items()]
    # the type parity tests: every one passes with the official 0.38 package and with this SDK, or the session fails
    session.install(PYTEST)
    for python in (str(official_python["0.38.0"]), "python"):
        session.run(python, "tests/compat/test_types_parity.py", "-q", external=True)
    session.run(
        "python",
        "-m",
        "tests.compat.compat_report",
        *arguments,
        "--ours",
        _session_python(session),
        "--write",
        "docs/compatibility.md",
    )
    # every command and option of official 0.38's `tinker` command is in ours: the test finds the official
    # environment made above (the tests session, which runs first, has none and skips it)
    session.install(*TEST_REQUIREMENTS)
    session.run("pytest", "-q", "-p", "no:cacheprovider", "--noconftest", "tests/cli/test_help.py")
    # every request body this SDK sends, validated against the request models of each official release installed
    # above (they forbid unknown fields, as TuFT's and SkyRL's do); without this the tests session downloads wheels
    pythons = ",".join(f"{version}={python}" for version, python in official_python.items())
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/client/test_conservative_requests.py",
        env={"TINKER_OFFICIAL_PYTHONS": pythons},
    )


@nox.session(python=PYTHON)
def interop(session: nox.Session) -> None:
    """This SDK and official tinker 0.38.0 and 0.25.0 against SkyRL tx and TuFT (tests/interop/run.py): each server
    installed from the registry into its own environment next to this session's, started on 127.0.0.1 with a tiny
    Qwen3 made offline, the compat scenario run with each SDK against it, then the check that forwards leave the
    weights alone. Writes docs/interop.md; a server that cannot be installed or started is reported as skipped with
    the reason. Not run by CI (about 50 minutes on 2 busy cores, a few GB; the servers' environments are reused).
    Extra arguments go to tests/interop/run.py (`-- --server tuft`; `-- --records FILE` renders kept records;
    `-- --sdk "this SDK" --keep FILE` reruns this SDK only, keeping the official SDKs' rows from FILE)."""
    session.install(TORCH)
    # transformers: both SDKs' get_tokenizer loads these servers' Hugging Face tokenizer with it (the pin of the tests)
    session.install(".[local]", "transformers==5.25.0")
    official_python = _official_environments(session)
    session.run(
        "python",
        "-m",
        "tests.interop.run",
        "--envs",
        str(Path(session.virtualenv.location).parent / "interop-servers"),
        "--ours",
        _session_python(session),
        *[f"--official={version}={python}" for version, python in official_python.items()],
        "--write",
        "docs/interop.md",
        "--save",
        str(Path(session.virtualenv.location).parent / "interop-servers" / "records.json"),
        *session.posargs,
    )


@nox.session(python=PYTHON)
def cookbook(session: nox.Session) -> None:
    """tinker-cookbook (the release pinned in tests/cookbook/envs.py) beside official tinker 0.38.0 and beside this
    SDK: its unit tests compared by test id, failing on any that passes with the official package only, then its
    supervised and RL recipes against `tinker local serve`. Writes docs/cookbook.md.

    Both environments sit next to this session's, which needs nothing installed: tests/cookbook/envs.py installs
    the SDK, then the cookbook with `--no-deps`, then its other requirements, and checks that `import tinker` is
    the intended package. Extra arguments go to tests/cookbook/run.py (`-- --skip-tests`, `-- --timeout 300`).
    """
    root = Path(session.virtualenv.location).parent
    arguments = []
    for name, sdk in (("official", f"tinker=={OFFICIAL_VERSIONS[0]}"), ("ours", ".[local]")):
        venv = root / f"cookbook-{name}"
        session.run("python", "-m", "tests.cookbook.envs", str(venv), "--sdk", sdk)
        arguments += [f"--{name}", str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))]
    work = root / "cookbook-work"
    session.run(
        "python",
        "-m",
        "tests.cookbook.run",
        *arguments,
        "--work",
        str(work),
        "--write",
        "docs/cookbook.md",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/ (this SDK and official tinker 0.38, each in its own environment, alternating),
    then docs/benchmarks.md with the goals, today's figures, the machine and plots in docs/benchmarks/ (about 15
    minutes on 2 cores). Not run by CI. Extra arguments go to benchmarks/report.py (`-- --quick` for a smoke run)."""
    session.install(TORCH)
    session.install(".[local]", *BENCH_REQUIREMENTS)
    session.run("python", "benchmarks/report.py", *session.posargs)


@nox.session(python=PYTHON)
def contract(session: nox.Session) -> None:
    """The long contract run: schemathesis's CLI against `tinker local serve` on 127.0.0.1, every phase with a
    fixed seed, no example database and 50 examples per operation; fails on any finding. Extra arguments go to
    tests/contract/cli.py (`-- --max-examples 100`, `-- --seed 7`, `-- -- <st run options>`); `-- --independent`
    runs schemathesis's defaults with `--checks all` instead of the project's settings (docs/security.md)."""
    session.install(TORCH)
    session.install(".[local]", *TEST_REQUIREMENTS)
    session.run("python", "-m", "tests.contract.cli", *session.posargs)


@nox.session(python=PYTHON)
def contract_remote(session: nox.Session) -> None:
    """The read-only part of the schemathesis suite against the server at TINKER_BASE_URL, with the key in
    TINKER_API_KEY (skipped when either is unset); extra arguments go to pytest."""
    if not (os.environ.get("TINKER_BASE_URL") and os.environ.get("TINKER_API_KEY")):
        session.skip("set TINKER_BASE_URL and TINKER_API_KEY to the server to check")
    session.install(".", *TEST_REQUIREMENTS)
    session.run("pytest", "tests/contract/test_remote.py", *session.posargs, env={"TINKER_CONTRACT_REMOTE": "1"})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff on the handwritten code, and the import-linter layer contracts."""
    session.install(".", *LINT_REQUIREMENTS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on tinker/ (generated code is not checked)."""
    session.install(TORCH)
    session.install(".", *TYPECHECK_REQUIREMENTS)
    session.run("mypy")


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/tinker_api from openapi/ with the pinned generators."""
    session.install(*CODEGEN_REQUIREMENTS)
    session.run("python", "scripts/generate.py")


@nox.session(python=PYTHON)
def generated_check(session: nox.Session) -> None:
    """Regenerate in place and fail on any difference from what is committed, or any untracked file."""
    generate(session)
    session.run("git", "diff", "--exit-code", "--stat", "--", GENERATED, external=True)
    status = session.run(
        "git", "status", "--porcelain", "--untracked-files=all", "--", GENERATED, external=True, silent=True
    )
    if status and status.strip():
        session.error(f"generated/ is stale: files not committed:\n{status}")
