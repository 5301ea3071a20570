"""tinker-cookbook 0.6.1 beside the official SDK and beside this one: its unit tests compared, and two recipes
against the local server.

``python -m tests.cookbook.run --official PATH/bin/python --ours PATH/bin/python --work DIR [--write FILE]``
takes two environments built by ``tests/cookbook/envs.py`` and:

1. downloads the cookbook's sdist (it carries the tests) and runs its ``tinker_cookbook/`` and ``tests/``
   directories in separate pytest runs, the same offline command in both environments (no API key, so
   ``tests/conftest.py`` skips its smoke tests; Hub and proxy cut off; a per-test timeout), and compares them
   by test id: a test that passes with the official SDK and not with ours is a regression, confirmed by running
   its file again;
2. starts ``tinker local serve`` from this SDK's environment and runs ``recipe_sl.py`` and ``recipe_rl.py``
   (``tinker_cookbook.supervised.train`` and ``tinker_cookbook.rl.train``) with each SDK, checking that the
   supervised loss falls, and that the RL iterations all ran, logged their metrics and changed the weights.

``--write`` renders the outcome as Markdown (docs/cookbook.md). Exits 1 on any regression or on a recipe that
fails its checks. Uses only the standard library: ``nox -s cookbook`` runs it from a bare environment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .envs import COOKBOOK_VERSION

TEST_DIRS = ("tinker_cookbook", "tests")
API_KEY = "tml-cookbook-check"  # the official SDK refuses keys without the tml- prefix
DEFAULT_MODEL = "tinker-local/tiny"
HERE = Path(__file__).resolve().parent
RECIPES = {"supervised": HERE / "recipe_sl.py", "rl": HERE / "recipe_rl.py"}
PASSED, FAILED, SKIPPED, ABSENT = "passed", "failed", "skipped", "not run"
DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens there: whatever honours the proxy variables fails at once

# Runs inside an environment: versions as an installer sees them (before `import tinker`, since this SDK answers
# for the name `tinker` once imported), and the cookbook requirements that are not installed.
_ENV_INFO = """
import importlib.metadata as m, json, re
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
names = ["tinker", "tinker-openapi", "tinker-cookbook", "torch", "transformers", "datasets", "numpy", "pydantic",
         "httpx", "chz", "pytest", "pytest-timeout", "pytest-asyncio"]
missing = []
for spec in m.requires("tinker-cookbook") or []:
    name = re.match(r"[A-Za-z0-9._-]+", spec).group(0)
    if "extra ==" not in spec and version(name) is None:
        missing.append(spec.split(";")[0].strip())
print(json.dumps({"versions": {n: version(n) for n in names}, "missing": missing}))
"""


class HarnessError(RuntimeError):
    """The comparison itself could not run (as opposed to a test or recipe that failed)."""


@dataclass
class Env:
    name: str
    python: Path
    versions: dict[str, str | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.name == "official":
            return f"official tinker {self.versions.get('tinker')}"
        return f"this SDK (tinker-openapi {self.versions.get('tinker-openapi')})"


@dataclass
class Case:
    outcome: str
    message: str = ""


@dataclass
class Comparison:
    directory: str
    official: dict[str, Case]
    ours: dict[str, Case]
    regressions: dict[str, Case] = field(default_factory=dict)
    flaky: list[str] = field(default_factory=list)

    def pairs(self) -> Counter[tuple[str, str]]:
        ids = set(self.official) | set(self.ours)
        absent = Case(ABSENT)
        return Counter((self.official.get(i, absent).outcome, self.ours.get(i, absent).outcome) for i in ids)

    def candidates(self) -> dict[str, Case]:
        """Tests that passed with the official SDK and did not pass with ours, before any rerun."""
        absent = Case(ABSENT)
        return {
            test_id: self.ours.get(test_id, absent)
            for test_id, case in sorted(self.official.items())
            if case.outcome == PASSED and self.ours.get(test_id, absent).outcome != PASSED
        }


@dataclass
class RecipeRun:
    recipe: str
    env: str
    ok: bool
    seconds: float
    numbers: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    log: str = ""


def env_info(env: Env) -> None:
    out = subprocess.run([str(env.python), "-I", "-c", _ENV_INFO], check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)
    env.versions = info["versions"]
    env.missing = [spec for spec in info["missing"] if not spec.startswith("tinker>") or env.name == "official"]
    if env.versions.get("tinker-cookbook") != COOKBOOK_VERSION:
        raise HarnessError(f"{env.python} has tinker-cookbook {env.versions.get('tinker-cookbook')}")


def isolated_environ(hf_home: Path, **extra: str) -> dict[str, str]:
    """The environment of every test, server and recipe process: offline, no key or CI flag inherited, a Hugging
    Face home of the run's own (the server publishes its tokenizer there), and the same hash seed everywhere."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TINKER_", "HF_", "TRANSFORMERS_", "WANDB_"))
        and key.lower() not in ("ci", "http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    environ.update(
        HF_HOME=str(hf_home),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        WANDB_MODE="disabled",
        http_proxy=DEAD_PROXY,
        https_proxy=DEAD_PROXY,
        HTTP_PROXY=DEAD_PROXY,
        HTTPS_PROXY=DEAD_PROXY,
        no_proxy="127.0.0.1,localhost",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
    )
    environ.update(extra)
    return environ


def sdist_sources(python: Path, work: Path, env_name: str) -> Path:
    """A fresh copy of the cookbook's sdist tree for one environment (downloaded once into ``work``)."""
    cache = work / "sdist"
    archive = cache / f"tinker_cookbook-{COOKBOOK_VERSION}.tar.gz"
    if not archive.exists():
        command = [str(python), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*command, f"tinker-cookbook=={COOKBOOK_VERSION}", "-d", str(cache)], check=True)
    target = work / f"src-{env_name}"
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / f"tinker_cookbook-{COOKBOOK_VERSION}"


def pytest_command(python: Path, targets: Sequence[str], junit: Path, timeout: int) -> list[str]:
    return [
        str(python),
        "-m",
        "pytest",
        *targets,
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        f"--timeout={timeout}",
        "--tb=native",  # the default long tracebacks of ~1,400 offline Hub failures take minutes to format
        "-q",
        f"--junitxml={junit}",
    ]


def run_pytest(env: Env, src: Path, targets: Sequence[str], junit: Path, timeout: int, work: Path) -> None:
    log = junit.with_suffix(".log")
    command = pytest_command(env.python, targets, junit, timeout)
    print(f"[{env.name}] {' '.join(command[1:])} (in {src}, log {log})", flush=True)
    with log.open("w") as out:
        result = subprocess.run(
            command,
            cwd=src,
            env=isolated_environ(work / "hf-home-tests"),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
    if result.returncode not in (0, 1) or not junit.exists():
        raise HarnessError(f"pytest exited {result.returncode} in {env.name}; see {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def node_id(classname: str, name: str, src: Path) -> str:
    """pytest's node id from a JUnit test case: the longest dotted prefix that is a file in the tree is the module."""
    if not classname:  # a module that failed to collect
        return name.replace(".", "/") + ".py"
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        module = "/".join(parts[:cut]) + ".py"
        if (src / module).is_file():
            return "::".join([module, *parts[cut:], name])
    return "::".join([classname, name])


def parse_junit(path: Path, src: Path) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for testcase in ET.parse(path).getroot().iter("testcase"):
        test_id = node_id(testcase.get("classname", ""), testcase.get("name", ""), src)
        outcome, message = PASSED, ""
        for child in testcase:
            if child.tag in ("failure", "error"):
                outcome, message = FAILED, child.get("message") or (child.text or "").strip()
                break
            if child.tag == "skipped":
                outcome, message = SKIPPED, child.get("message", "")
        cases[test_id] = Case(outcome, message)
    return cases


def first_line(message: str, limit: int = 160) -> str:
    line = next((part.strip() for part in message.splitlines() if part.strip()), "(no message)")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def compare_tests(official: Env, ours: Env, work: Path, timeout: int, rerun: bool) -> list[Comparison]:
    sources = {env.name: sdist_sources(env.python, work, env.name) for env in (official, ours)}
    comparisons = []
    for directory in TEST_DIRS:
        results = {}
        for env in (official, ours):
            junit = work / f"junit-{env.name}-{directory}.xml"
            run_pytest(env, sources[env.name], [directory], junit, timeout, work)
            results[env.name] = parse_junit(junit, sources[env.name])
        comparison = Comparison(directory, results["official"], results["ours"])
        candidates = comparison.candidates()
        if candidates and rerun:
            files = sorted({test_id.split("::")[0] for test_id in candidates})
            junit = work / f"junit-ours-{directory}-rerun.xml"
            run_pytest(ours, sources["ours"], files, junit, timeout, work)
            again = parse_junit(junit, sources["ours"])
            comparison.flaky = [test_id for test_id in candidates if again.get(test_id, Case(ABSENT)).outcome == PASSED]
        comparison.regressions = {k: v for k, v in candidates.items() if k not in comparison.flaky}
        comparisons.append(comparison)
        print(f"{directory}/: {len(comparison.regressions)} regression(s), {len(comparison.flaky)} flaky", flush=True)
    return comparisons


class Server:
    """``tinker local serve`` from this SDK's environment, on 127.0.0.1 with a port of its choosing."""

    def __init__(self, python: Path, data_dir: Path, hf_home: Path, log: Path) -> None:
        shutil.rmtree(data_dir, ignore_errors=True)
        command = [str(python.parent / "tinker"), "local", "serve", "--host", "127.0.0.1", "--port", "0"]
        command += ["--data-dir", str(data_dir), "--api-key", API_KEY, "--log-level", "warning"]
        self.log = log.open("w")
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=isolated_environ(hf_home),
        )
        self.base_url = ""
        self._listening = threading.Event()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        if not self._listening.wait(timeout=120):
            self.close()
            raise HarnessError(f"tinker local serve did not start; see {log}")

    def _drain(self) -> None:
        """Copies the server's output to its log, noting the URL it prints once it listens."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()
            if not self.base_url and (found := re.search(r"listening on (http://\S+)", line)):
                self.base_url = found.group(1)
                self._listening.set()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drainer.join(timeout=10)
        self.log.close()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def error_line(log: Path) -> str:
    """The exception a failed recipe ended with (the last line that names one), else its last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b", line)]
    return first_line((errors or lines or ["(no output)"])[-1], 300)


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


def check_supervised(log_dir: Path, run: RecipeRun) -> None:
    """Ran to the end (the last step's progress is 1 and a final checkpoint was saved) with the loss falling."""
    rows = [row for row in read_jsonl(log_dir / "metrics.jsonl") if "train_mean_nll" in row]
    if not rows:
        run.problems.append("no train_mean_nll in metrics.jsonl")
        return
    nll = [float(row["train_mean_nll"]) for row in rows]
    test_nll = [float(row["test/nll"]) for row in rows if "test/nll" in row]
    run.numbers.update(steps=len(rows), train_nll_first=nll[0], train_nll_last=nll[-1])
    if len(test_nll) >= 2:
        run.numbers.update(test_nll_first=test_nll[0], test_nll_last=test_nll[-1])
    if float(rows[-1].get("progress", 0)) < 1.0:
        run.problems.append(f"stopped at progress {rows[-1].get('progress')}")
    k = max(1, len(nll) // 4)
    if not mean(nll[-k:]) < mean(nll[:k]):
        run.problems.append(f"the loss did not fall: first {k} steps {mean(nll[:k]):.3f}, last {mean(nll[-k:]):.3f}")
    if not any(row.get("name") == "final" for row in read_jsonl(log_dir / "checkpoints.jsonl")):
        run.problems.append("no final checkpoint in checkpoints.jsonl")


def check_rl(log_dir: Path, run: RecipeRun) -> None:
    """Every iteration logged its rollouts and training metrics, the last one closed the run, a final checkpoint
    was saved, and the final sampler weights score a fixed probe differently from the base model."""
    rows = [row for row in read_jsonl(log_dir / "metrics.jsonl") if "progress/batch" in row]
    config = json.loads((log_dir / "config.json").read_text()) if (log_dir / "config.json").exists() else {}
    expected = int(config.get("dataset_builder", {}).get("batches", 0)) or None
    if not rows:
        run.problems.append("no iteration metrics in metrics.jsonl")
        return
    batches = [int(row["progress/batch"]) for row in rows]
    rewards = [float(row["env/all/reward/total"]) for row in rows if "env/all/reward/total" in row]
    run.numbers.update(iterations=len(rows))
    if rewards:
        run.numbers.update(reward_first=rewards[0], reward_last=rewards[-1])
    if batches != list(range(expected or len(rows))):
        run.problems.append(f"iterations logged: {batches}, expected 0..{(expected or len(rows)) - 1}")
    for key in ("env/all/reward/total", "optim/entropy", "optim/kl_sample_train_v1"):
        if not all(key in row for row in rows):
            run.problems.append(f"{key} missing from some iterations' metrics")
    if not any(row.get("name") == "final" for row in read_jsonl(log_dir / "checkpoints.jsonl")):
        run.problems.append("no final checkpoint in checkpoints.jsonl")
    check = log_dir / "weights_check.json"
    if not check.exists():
        run.problems.append("no weights check (weights_check.json)")
        return
    diff = float(json.loads(check.read_text())["max_abs_logprob_diff"])
    run.numbers.update(max_abs_logprob_diff=diff)
    if not diff > 1e-4:
        run.problems.append(f"the final sampler scores the probe as the base model does (max difference {diff:g})")


def run_recipe(recipe: str, env: Env, server: Server, work: Path, model: str) -> RecipeRun:
    log_dir = work / "recipes" / f"{recipe}-{env.name}"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    log = log_dir.parent / f"{recipe}-{env.name}.log"
    command = [str(env.python), str(RECIPES[recipe]), "--log-dir", str(log_dir), "--model", model]
    environ = isolated_environ(work / "hf-home-recipes", TINKER_BASE_URL=server.base_url, TINKER_API_KEY=API_KEY)
    print(f"[{env.name}] {recipe} recipe (log {log})", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        try:
            code = subprocess.run(command, cwd=work, env=environ, stdout=out, stderr=subprocess.STDOUT, timeout=900)
            returncode: int | None = code.returncode
        except subprocess.TimeoutExpired:
            returncode = None
    run = RecipeRun(recipe, env.name, ok=False, seconds=time.monotonic() - started, log=str(log))
    if returncode != 0:
        run.problems.append("timed out" if returncode is None else error_line(log))
    else:
        (check_supervised if recipe == "supervised" else check_rl)(log_dir, run)
    run.ok = not run.problems
    print(f"[{env.name}] {recipe}: {'ok' if run.ok else 'FAILED'} {run.numbers} {run.problems}", flush=True)
    return run


def run_recipes(official: Env, ours: Env, work: Path, model: str) -> list[RecipeRun]:
    server = Server(ours.python, work / "server", work / "hf-home-recipes", work / "server.log")
    try:
        return [run_recipe(recipe, env, server, work, model) for env in (official, ours) for recipe in RECIPES]
    finally:
        server.close()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _recipe_numbers(run: RecipeRun) -> str:
    n = run.numbers
    parts = []
    if "train_nll_first" in n:
        parts.append(f"{n['steps']} steps, train NLL {_number(n['train_nll_first'])} → {_number(n['train_nll_last'])}")
    if "test_nll_first" in n:
        parts.append(f"held-out NLL {_number(n['test_nll_first'])} → {_number(n['test_nll_last'])}")
    if "iterations" in n:
        parts.append(f"{n['iterations']} iterations")
    if "reward_first" in n:
        parts.append(f"mean reward {_number(n['reward_first'])} → {_number(n['reward_last'])}")
    if "max_abs_logprob_diff" in n:
        parts.append(f"probe logprobs moved up to {_number(n['max_abs_logprob_diff'])} from the base model")
    return "; ".join(parts) or "—"


def render(
    official: Env, ours: Env, comparisons: list[Comparison], recipes: list[RecipeRun], timeout: int, model: str
) -> str:
    lines = [
        "# tinker-cookbook on this SDK",
        "",
        "Generated by `nox -s cookbook` (`tests/cookbook/run.py`); do not edit by hand. tinker-cookbook "
        f"{COOKBOOK_VERSION} is installed from the registry twice, beside {official.label} and beside "
        f"{ours.label}, each time with `--no-deps` and then its other requirements, so that pip never puts the "
        "official package over this one. Its unit tests run in both, and two of its recipes run against "
        "`tinker local serve`.",
        "",
        "| package | with official tinker | with this SDK |",
        "|---|---|---|",
    ]
    for name in official.versions:
        a, b = official.versions[name] or "—", ours.versions[name] or "—"
        differs = a != b and name not in ("tinker", "tinker-openapi")
        lines.append(f"| {name} | **{a}** | **{b}** |" if differs else f"| {name} | {a} | {b} |")
    lines += [
        "",
        "In this SDK's environment `import tinker` is tinker-openapi's and no distribution called `tinker` is "
        "installed (`tests/cookbook/envs.py` checks both before every run); a version in bold differs between "
        "the two environments.",
    ]
    missing = sorted(set(official.missing) | set(ours.missing))
    if missing:
        lines += [
            "",
            "Cookbook requirements with no release on the registry for this interpreter, so left out of both "
            "environments: " + ", ".join(f"`{spec}`" for spec in missing) + ". The tests that need them fail "
            "the same way in both.",
        ]
    if comparisons:
        lines += [
            "",
            "## Unit tests",
            "",
            "Both environments run the same command in a fresh copy of the sdist, once per directory: "
            f"`python -m pytest <dir> -p no:cacheprovider --continue-on-collection-errors --timeout={timeout} "
            "--tb=native -q --junitxml=...`, with no `TINKER_API_KEY` (so `tests/conftest.py` skips the smoke "
            "tests) and no `CI`, `HF_HUB_OFFLINE=1`, `TRANSFORMERS_OFFLINE=1`, an empty `HF_HOME`, and the proxy "
            "variables pointing at a closed local port. Tests that need a Hub tokenizer or an optional extra "
            "fail in both, which is expected offline. A regression is a test that passes with the official SDK "
            "and does not pass with this one; each is run again (its whole file) before it counts.",
            "",
            "| directory | tests | pass in both | fail or skip in both | regressions | pass only with this SDK "
            "| flaky (passed on rerun) |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in comparisons:
            pairs = c.pairs()
            total = sum(pairs.values())
            both = pairs[(PASSED, PASSED)]
            neither = sum(n for (a, b), n in pairs.items() if a != PASSED and b != PASSED)
            ours_only = sum(n for (a, b), n in pairs.items() if b == PASSED and a != PASSED)
            lines.append(
                f"| `{c.directory}/` | {total} | {both} | {neither} | **{len(c.regressions)}** | {ours_only} "
                f"| {len(c.flaky)} |"
            )
        regressions = {test_id: case for c in comparisons for test_id, case in c.regressions.items()}
        if regressions:
            lines += ["", f"### Regressions ({len(regressions)}), by the error this SDK gave"]
            groups: dict[str, list[str]] = {}
            for test_id, case in regressions.items():
                groups.setdefault(f"{case.outcome}: {first_line(case.message)}", []).append(test_id)
            for cause, ids in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
                lines += ["", f"{len(ids)} test{'' if len(ids) == 1 else 's'}: {_cell(cause)}", ""]
                lines += [f"- `{_cell(test_id)}`" for test_id in sorted(ids)]
        else:
            lines += ["", "No test passes with the official SDK and fails with this one."]
        flaky = sorted(test_id for c in comparisons for test_id in c.flaky)
        if flaky:
            lines += ["", "Flaky (failed with this SDK, then passed when run again):", ""]
            lines += [f"- `{_cell(test_id)}`" for test_id in flaky]
    if recipes:
        lines += [
            "",
            "## Recipes against the local server",
            "",
            "`tinker local serve` from this SDK's environment on 127.0.0.1; each recipe runs with each SDK, with "
            f"`TINKER_BASE_URL` and `TINKER_API_KEY` set, base model `{model}`, the role_colon renderer, and a "
            "byte tokenizer registered under the model's name with the cookbook's `register_tokenizer` (its way "
            "to use a tokenizer that is not on the Hub). `tests/cookbook/recipe_sl.py` runs "
            "`tinker_cookbook.supervised.train` on a seeded conversation file through `FromConversationFileBuilder` "
            "(8 held out for the cookbook's NLL evaluator); it must run to the end with the training loss falling. "
            "`tests/cookbook/recipe_rl.py` runs `tinker_cookbook.rl.train` on a seeded single-turn environment "
            "built from the cookbook's `ProblemEnv` and `ProblemGroupBuilder` (rewarded for answering with a "
            "lowercase letter); every iteration must log its metrics (the reward need not rise in four "
            "iterations), and the final sampler checkpoint must score a fixed probe differently from the base "
            "model (where the LoRA starts), so the training steps changed the weights. The cookbook's pricing "
            "download fails at the closed proxy, and it logs token counts only.",
            "",
            "| recipe | SDK | result | numbers | seconds |",
            "|---|---|---|---|---|",
        ]
        labels = {"official": official.label, "ours": ours.label}
        for run in recipes:
            result = "passed" if run.ok else "**failed**: " + "; ".join(run.problems)
            lines.append(
                f"| {run.recipe} | {labels[run.env]} | {_cell(result)} | {_cell(_recipe_numbers(run))} "
                f"| {run.seconds:.0f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", type=Path, required=True, help="python of the official SDK's environment")
    parser.add_argument("--ours", type=Path, required=True, help="python of this SDK's environment")
    parser.add_argument("--work", type=Path, required=True, help="folder for the sdist, logs and JUnit files")
    parser.add_argument("--write", type=Path, help="where to write the Markdown report")
    parser.add_argument("--timeout", type=int, default=120, help="per-test timeout in seconds")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the local base model the recipes train")
    parser.add_argument("--no-rerun", action="store_true", help="count regressions without running them again")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-recipes", action="store_true")
    args = parser.parse_args(argv)

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("hf-home-tests", "hf-home-recipes"):
        shutil.rmtree(work / stale, ignore_errors=True)
    # absolute, not resolved: a virtual environment's python is a symlink that must keep its own path
    official = Env("official", Path(os.path.abspath(args.official)))
    ours = Env("ours", Path(os.path.abspath(args.ours)))
    for env in (official, ours):
        env_info(env)
    started = time.monotonic()
    comparisons = [] if args.skip_tests else compare_tests(official, ours, work, args.timeout, not args.no_rerun)
    tests_seconds = time.monotonic() - started
    recipes = [] if args.skip_recipes else run_recipes(official, ours, work, args.model)
    if args.write:
        args.write.write_text(render(official, ours, comparisons, recipes, args.timeout, args.model), encoding="utf-8")

    regressions = sum(len(c.regressions) for c in comparisons)
    print(f"\nunit tests: {regressions} regression(s) ({tests_seconds:.0f} s)")
    for c in comparisons:
        for test_id, case in c.regressions.items():
            print(f"  REGRESSION {test_id}: {case.outcome}: {first_line(case.message)}")
    for run in recipes:
        status = "passed" if run.ok else "FAILED: " + "; ".join(run.problems)
        print(f"{run.recipe} recipe with {run.env}: {status} ({run.seconds:.0f} s) {_recipe_numbers(run)}")
    return 1 if regressions or not all(run.ok for run in recipes) else 0


if __name__ == "__main__":
    sys.exit(main())
