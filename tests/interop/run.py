"""This SDK and the official ones against other Tinker servers: SkyRL tx and TuFT (``nox -s interop``).

``python -m tests.interop.run --envs DIR --ours PYTHON --official 0.38.0=PYTHON [--official ...]
[--server skyrl|tuft ...] [--write docs/interop.md]``: for each server, makes its virtual environment under DIR
(Python 3.11 with this project's CPU torch wheel, then the server from the registry), writes a tiny Qwen3 with
random weights and the byte tokenizer (``tiny_model.py``), starts the server on 127.0.0.1 with it, runs
``tests/compat/official_scenario.py`` with each SDK against it, then ``forward_check.py`` with this SDK in both wire
formats (forwards must leave the weights alone), and stops it. A server that cannot be installed or started is
reported as skipped with the reason (the end of its pip or server log); nothing is stubbed. ``--write`` renders
docs/interop.md: per server its version, per SDK every method passed or failed, and each failure of this SDK
attributed (to the server when the official SDK fails the same method, the server answered 404/405 or a 5xx, or
its own answer shows the field a check judged missing, empty or not of the protocol's form; an echo of an earlier
failure to whoever that one is put down to; to the protocol for what no such server can answer; else to this SDK).
``--sdk`` runs some SDKs only and ``--keep`` takes the rest (and the servers not run) from earlier records.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.compat.compat_report import NOT_SUPPORTED, OURS, OURS_GAPS, run_scenario

HERE = Path(__file__).resolve().parent
TORCH = "torch==2.13.0"  # the CPU wheel kept on this project's machines; the servers' torch needs are met by it
START_TIMEOUT = 300.0
SCENARIO_TIMEOUT = 900.0  # an official SDK on a server it cannot talk to (protobuf on SkyRL) retries for ages


@dataclass
class Server:
    name: str
    title: str
    package: str
    version: str
    requirements: list[str]
    no_deps: bool = False  # install the package itself with --no-deps, then ``requirements``
    ours_env: dict[str, str] = field(default_factory=dict)  # what a user of this SDK sets for this server
    notes: list[str] = field(default_factory=list)


SERVERS = {
    "skyrl": Server(
        "skyrl",
        "SkyRL tx",
        "skyrl",
        "0.3.0",
        ["skyrl[tinker,jax]==0.3.0"],
        ours_env={"TINKER_WIRE_FORMAT": "json"},
        notes=[
            "SkyRL reads forward_backward as JSON only (a protobuf body is a 422 whose error it then fails to "
            "encode: a 500), so this SDK runs with `TINKER_WIRE_FORMAT=json`, as README.md tells users of such "
            "servers; the official SDK has no such switch and sends protobuf.",
            "Started by `tests/interop/skyrl_serve.py`: SkyRL's own API server and engine (JAX on the CPU, "
            "`JAX_PLATFORMS=cpu`), with two start-up differences. Its API server starts the engine through "
            "`uv run` from a uv checkout, which a registry install has not, so the engine runs with the same "
            "interpreter; and skyrl 0.3.0 declares Python >= 3.11 but one pydantic model of `skyrl.tinker.types` "
            "uses `typing.TypedDict`, which pydantic takes only from Python 3.12, so on 3.11 that name is pointed "
            "at `typing_extensions.TypedDict` (the same class there) before skyrl is imported. Python 3.11 because "
            "skyrl needs torch (peft, its weight loading) and this project's CPU torch wheel is for 3.11; torch "
            "for 3.12 from the registry is a CUDA build of several GB.",
            "Base model: the tiny Qwen3 folder by absolute path (SkyRL serves one base model, named at start). "
            "No API keys: any key is taken.",
        ],
    ),
    "tuft": Server(
        "tuft",
        "TuFT",
        "tuft",
        "0.2.2",
        [
            # tuft's requirements less torch==2.11.0 and vllm (a CUDA build; its CPU test mode runs neither)
            "accelerate>=1.0.0",
            "fastapi<0.137.0,>=0.133.0",
            "httpx>=0.28.1",
            "numpy>=2.0.0",
            "nvidia-ml-py>=13.0.0",
            "omegaconf>=2.3.0",
            "opentelemetry-api>=1.20.0",
            "opentelemetry-exporter-otlp>=1.20.0",
            "opentelemetry-instrumentation-fastapi>=0.41b0",
            "opentelemetry-instrumentation-logging>=0.41b0",
            "opentelemetry-sdk>=1.20.0",
            "peft==0.20.0",
            "protobuf>=4.21.0",
            "psutil>=5.9.0",
            "ray>=2.50.0",
            "tinker<0.26,>=0.25",
            "transformers<6.0.0,>=5.5.3",
            "typer>=0.20.1",
            "uvicorn[standard]>=0.38.0",
        ],
        no_deps=True,
        notes=[
            "Run in its CPU test mode (`TUFT_CPU_TEST=1`, `tuft launch --config`): its real backends need a GPU "
            "(vLLM for sampling, torch with Ray for training), so this mode swaps in its toy backends: training "
            "is a 16-number numpy model whose 'logprobs' are a made-up value per target token, and sampling "
            "answers from a mock OpenAI server. Installed with `--no-deps` and its other requirements, without "
            "its pins torch==2.11.0 and vllm==0.24.0 (CUDA builds this mode never imports); torch is this "
            "project's CPU wheel. So the failures of value checks (losses, logprobs, restored weights, sampled "
            "tokens) below say what this mode computes, not what TuFT on a GPU does; the routes, fields, "
            "seq_id rules and errors are TuFT's own.",
            "Base model: the tiny Qwen3 folder by absolute path, as the model's name and path in its config; one "
            "API key per SDK in `authorized_users`.",
        ],
    ),
}


@dataclass
class Run:
    """One server's outcome: skipped with a reason, or the records of each SDK and the forward checks."""

    server: Server
    version: str = ""
    skipped: str = ""
    sdks: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> scenario records (or {"error": ...})
    forward_checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # wire format -> answer
    start_seconds: float = 0.0


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def install(server: Server, envs: Path) -> tuple[Path | None, str]:
    """The server's environment (made once, then reused): its interpreter, or None and why not."""
    venv = envs / f"server-{server.name}"
    python = _venv_python(venv)
    marker = venv / f".installed-{server.package}-{server.version}"
    if marker.exists():
        return python, ""
    base = getattr(sys, "_base_executable", sys.executable)
    steps = [[base, "-m", "venv", str(venv)], [str(python), "-m", "pip", "install", "-q", TORCH]]
    if server.no_deps:
        steps.append([str(python), "-m", "pip", "install", "-q", "--no-deps", f"{server.package}=={server.version}"])
    steps.append([str(python), "-m", "pip", "install", "-q", *server.requirements])
    for step in steps:
        print(f"[{server.name}] {' '.join(step[-3:])}", flush=True)
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            return None, f"`{' '.join(step[2:])}` failed: {_tail(done.stdout + done.stderr, 8)}"
    marker.touch()
    return python, ""


def server_version(python: Path, package: str) -> str:
    done = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


def make_model(envs: Path, python: Path) -> Path:
    """The tiny Qwen3 folder (tokenizer from this environment, weights from a server's, which has transformers)."""
    folder = envs / "tiny-qwen3"
    if not (folder / "model.safetensors").exists():
        subprocess.run([sys.executable, "-m", "tests.interop.tiny_model", "tokenizer", str(folder)], check=True)
        subprocess.run([str(python), str(HERE / "tiny_model.py"), "weights", str(folder)], check=True)
    return folder


def start(server: Server, python: Path, model: Path, work: Path, keys: list[str]) -> tuple[subprocess.Popen[str], str]:
    """The server's process, started on a free port of 127.0.0.1 in its own process group, and its URL."""
    port = _free_port()
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINKER_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", JAX_PLATFORMS="cpu")
    if server.name == "skyrl":
        command = [
            str(python),
            str(HERE / "skyrl_serve.py"),
            "--port",
            str(port),
            "--base-model",
            str(model),
            "--checkpoints-base",
            str(work / "checkpoints"),
            "--database-url",
            f"sqlite:///{work / 'tinker.db'}",
            "--backend-config",
            json.dumps({"max_lora_adapters": 16, "max_lora_rank": 8}),
        ]
    else:
        users = "".join(f"  {key}: {key.removeprefix('tml-')}\n" for key in keys)
        config = work / "tuft.yaml"
        config.write_text(
            f"checkpoint_dir: {work / 'checkpoints'}\n"
            "supported_models:\n"
            f"  - model_name: {model}\n"
            f"    model_path: {model}\n"
            "    max_model_len: 1024\n"
            "    max_lora_rank: 16\n"
            f"authorized_users:\n{users}",
            encoding="utf-8",
        )
        env.update(TUFT_CPU_TEST="1", TUFT_HOME=str(work / "home"))
        tuft = python.parent / "tuft"
        command = [str(tuft), "launch", "--host", "127.0.0.1", "--port", str(port), "--config", str(config)]
    log = open(work / "server.log", "w", encoding="utf-8")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(process: subprocess.Popen[str], url: str, log: Path, ready: str) -> str:
    """Empty once the server answers healthz and its log says ``ready`` (SkyRL: its engine has loaded the model),
    else why not."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"the server exited with {process.returncode}: {_tail(log.read_text(errors='replace'))}"
        try:
            with urllib.request.urlopen(f"{url}/api/v1/healthz", timeout=5) as answer:
                if answer.status == 200 and ready in log.read_text(errors="replace"):
                    return ""
        except OSError:
            pass
        time.sleep(1)
    return f"no healthy answer in {START_TIMEOUT:.0f} s: {_tail(log.read_text(errors='replace'))}"


def stop(process: subprocess.Popen[str]) -> None:
    """End the server's process group (its engine, Ray or mock servers with it)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_server(server: Server, envs: Path, sdks: dict[str, str], ours: str) -> Run:
    outcome = Run(server)
    python, why = install(server, envs)
    if python is None:
        outcome.skipped = f"cannot install {server.package}=={server.version}: {why}"
        return outcome
    outcome.version = server_version(python, server.package)
    model = make_model(envs, python)
    work = envs / f"run-{server.name}-{int(time.time())}"
    keys = {label: "tml-interop-" + label.replace(".", "-").replace(" ", "-") for label in sdks}
    started = time.monotonic()
    process, url = start(server, python, model, work, list(keys.values()))
    try:
        ready = "Starting background engine" if server.name == "skyrl" else ""
        why = wait_healthy(process, url, work / "server.log", ready)
        outcome.start_seconds = time.monotonic() - started
        if why:
            outcome.skipped = f"cannot start {server.title}: {why}"
            return outcome
        # a result that has not come in 60 s will not: the servers answer this tiny model's requests in seconds
        env = {"COMPAT_BASE_MODEL": str(model), "COMPAT_LOCAL_SERVER": "0", "COMPAT_TIMEOUT": "60"}
        for label, sdk_python in sdks.items():
            print(f"[{server.name}] the scenario with {label}", flush=True)
            out = work / f"{label.replace(' ', '-')}.json"
            try:
                variables = {**env, **(server.ours_env if label == OURS else {})}
                data, seconds, _ = run_scenario(sdk_python, out, url, keys[label], variables, SCENARIO_TIMEOUT)
                data["seconds"] = seconds
            except subprocess.TimeoutExpired as error:
                # the scenario writes its records after every step: what it reached is kept, the rest not called
                data = json.loads(out.read_text()) if out.exists() else {"error": _tail(str(error), 6)}
                data.update(seconds=SCENARIO_TIMEOUT, broke_off=f"stopped after {SCENARIO_TIMEOUT:.0f} s")
            except RuntimeError as error:
                data = {"error": _tail(str(error), 6)}
            data["measured"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
            outcome.sdks[label] = data
        for wire in ("json", "protobuf") if OURS in sdks else ():
            print(f"[{server.name}] forward check, {wire}", flush=True)
            out = work / f"forward-{wire}.json"
            variables = {k: v for k, v in os.environ.items() if not k.startswith(("TINKER_", "PYTHON"))}
            variables.update(
                TINKER_BASE_URL=url, TINKER_API_KEY=keys[OURS], PYTHONSAFEPATH="1", TINKER_WIRE_FORMAT=wire, **env
            )
            subprocess.run(
                [ours, str(HERE / "forward_check.py"), str(out)], cwd=work, env=variables, timeout=900, check=False
            )
            outcome.forward_checks[wire] = (
                json.loads(out.read_text()) if out.exists() else {"error": "forward_check.py wrote nothing"}
            )
    finally:
        stop(process)
    return outcome


# --- attribution ---------------------------------------------------------------------------------------------------
DEPENDS = {
    "SamplingClient.sample_stream": "SamplingClient.sample",
    "SamplingClient.sample_stream_async": "SamplingClient.sample_async",
    "RestClient.iter_training_runs": "RestClient.list_training_runs",
    "RestClient.iter_user_checkpoints": "RestClient.list_user_checkpoints",
    "RestClient.iter_sessions": "RestClient.list_sessions",
}
"""This SDK's extensions, and the official method whose route they stand on."""


def _status(data: dict[str, Any], method: str) -> str:
    if method not in data.get("methods", []):
        return "absent"
    return str(data.get("results", {}).get(method, {}).get("status", "not called"))


def _detail(data: dict[str, Any], method: str) -> str:
    return str(data.get("results", {}).get(method, {}).get("detail", ""))


def _missing_routes(data: dict[str, Any]) -> list[str]:
    return sorted({w["path"] for w in data.get("wire", []) if w["status"] in (404, 405)})


def route_of(detail: str) -> bool:
    """Whether an error says the server has no such route (404/405)."""
    return any(code in detail for code in ("Error code: 404", "Error code: 405", "404 Not Found", "405 Method"))


def _cascade(detail: str) -> bool:
    """A failure that only says an earlier step failed (no saved path, no client): no evidence about this one."""
    return detail.startswith(("KeyError:", "MissingClient:"))


PROTOCOL_PATH = re.compile(r"^tinker://[^/]+/(weights|sampler_weights|external_weights)/[^/]+$")
"""The form of the paths the protocol's save operations answer with."""


def _made_by(detail: str, data: dict[str, Any]) -> str | None:
    """The step whose failure this one only echoes ("MissingClient: no sampler_path: TrainingClient.save_weights_for
    _sampler failed"; "no client to call x on: create_lora_training_client failed"), as it is named in ``data``."""
    found = (
        re.search(r"(?:: |on: )([\w.]+(?: and [\w.]+)?) failed$", detail)
        if detail.startswith("MissingClient:")
        else None
    )
    if found is None:
        return None
    for name in found.group(1).split(" and "):
        for method in data.get("results", {}):
            if (method == name or method.endswith("." + name)) and _status(data, method) == "failed":
                return method
    return None


ANCHORS = {"metrics": "loss_fn_outputs", "prompt_logprobs": "sequences", "topk_prompt_logprobs": "sequences"}
"""For a field a check judged, a field that marks the answer it belongs in (a forward's result, a sample's)."""


def _answers(data: dict[str, Any], method: str) -> list[dict[str, str]]:
    """The JSON answers (2xx) the server gave during the step, less those that only name a future."""
    return [
        w["fields"]
        for w in data.get("wire", [])
        if w.get("step") == method
        and w.get("fields")
        and 200 <= w["status"] < 300
        and not set(w["fields"]) <= {"request_id", "type", "queue_state", "queue_state_reason"}
    ]


ASKED = {"prompt_logprobs": "prompt_logprobs", "topk_prompt_logprobs": "topk_prompt_logprobs"}
"""Fields a server sends only when the request asks for them, and the request field that asks."""


def _answered_path(data: dict[str, Any], path: str) -> bool:
    """Whether some answer of the server carried ``path`` (so that the path is the server's, not the SDK's)."""
    quoted = json.dumps(path)
    return any(quoted in value for w in data.get("wire", []) for value in (w.get("fields") or {}).values())


def _asked(data: dict[str, Any], method: str, about: str) -> bool:
    """Whether a request of the step asked for ``about`` (a field the server sends only when asked)."""
    field = ASKED.get(about)
    if field is None:
        return True
    asked = [(w.get("asked") or {}).get(field) for w in data.get("wire", []) if w.get("step") == method]
    return any(value not in (None, "null", "false", "0") for value in asked)


def _judged(method: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """A failed check put down to the server by the server's own answer: the field the check judged (and the
    request asked for) is missing, empty or null in what the server sent, or a path the server sent is not of the
    protocol's form. A value the recording cut short is no evidence."""
    about = data.get("results", {}).get(method, {}).get("about")
    detail = _detail(data, method)
    path = re.search(r"Invalid tinker path '([^']+)'", detail)
    if path and not PROTOCOL_PATH.match(path.group(1)) and _answered_path(data, path.group(1)):
        return (
            "server",
            f"'{path.group(1)}', a path this server answered with, is not of the protocol's form "
            "tinker://<run>/<weights|sampler_weights|external_weights>/<name>, which the SDK must parse here",
        )
    if not about or not _asked(data, method, about):
        return None
    answers = [a for a in _answers(data, method) if about in a or ANCHORS.get(about, about) in a]
    if not answers:  # no JSON answer of the kind the check judged (protobuf, or none): no evidence either way
        return None
    if about not in answers[-1]:
        keys = ", ".join(sorted(answers[-1]))
        return "server", f"the check judged `{about}`, which the server's answer lacks (it has: {keys})"
    value = answers[-1][about]
    if value in ("null", "{}", "[]", '""'):
        return "server", f"the check judged `{about}`, and the server answered `{about}: {value}`"
    if about == "prompt_logprobs" and value.startswith("[") and not value.startswith("[null"):
        return (
            "server",
            f"the server answered `prompt_logprobs: {value[:80]}...`, whose first entry is not null: the protocol "
            "has one entry per prompt token, null for the first (which has no logprob)",
        )
    try:
        path_value = json.loads(value) if about == "path" else None
    except ValueError:  # cut short by the recording
        return None
    if isinstance(path_value, str) and not PROTOCOL_PATH.match(path_value):
        return (
            "server",
            f"the server answered `path: {value}`, not of the protocol's form "
            "tinker://<run>/<weights|sampler_weights|external_weights>/<name>",
        )
    return None


def attribute(
    method: str, ours: dict[str, Any], officials: dict[str, dict[str, Any]], seen: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """Whose a failure of this SDK is: ("server"|"protocol"|"ours"|"unconfirmed", the evidence). A failure that
    only echoes an earlier step's is put down to whoever that step's is. An official failure that is only such an
    echo (``_cascade``) is no evidence. Then a 404/405 (the server lacks the route), a 5xx (the server failed), and
    a check that judged a field of the server's answer which the server left out, empty or null (its own words are
    quoted) put it down to the server; what is left is "unconfirmed", its own message the only evidence."""
    detail = _detail(ours, method)
    if method in NOT_SUPPORTED:
        return "protocol", NOT_SUPPORTED[method]
    if method in OURS_GAPS:
        return "ours", "a known gap of this SDK: " + OURS_GAPS[method]
    earlier = _made_by(detail, ours)
    if earlier and earlier not in seen and earlier != method:
        owner, evidence = attribute(earlier, ours, officials, seen | {method})
        return owner, f"needs what `{earlier}` makes, which failed; that failure is the {owner}'s: {evidence[:240]}"
    compared = DEPENDS.get(method, method)
    kind = detail.split(":", 1)[0]
    failed = {
        label: _detail(data, compared)
        for label, data in officials.items()
        if _status(data, compared) not in ("ok", "absent")
    }
    # the same way: the same kind of error (a 404 is a 404 whatever the SDK calls it), not the echo of an earlier step
    failing = [
        label
        for label, text in failed.items()
        if not _cascade(text) and (text.split(":", 1)[0] == kind or (route_of(text) and route_of(detail)))
    ]
    echoes = [label for label in failed if label not in failing]
    passing = [label for label, data in officials.items() if _status(data, compared) == "ok"]
    if passing and not failing:
        return "ours", f"official {', '.join(passing)} passes `{compared}`; this SDK: {detail}"
    route = route_of(detail)
    if failing:
        evidence = "; ".join(f"official {label}: {_detail(officials[label], compared)[:160]}" for label in failing)
        why = "the server lacks the route (404/405), and " if route else ""
        return "server", f"{why}the official SDK fails `{compared}` too ({evidence})"
    if route:
        return "server", f"the server answers 404/405: {detail[:200]}"
    if re.search(r"Error code: 5\d\d", detail):
        return "server", f"the server answered with a server error: {detail[:240]}"
    errors = [w for w in ours.get("wire", []) if w.get("step") == method and w.get("status", 0) >= 500]
    if errors and "Timeout" in detail.split(":", 1)[0]:
        paths = ", ".join(sorted({f"{w['path']} {w['status']}" for w in errors}))
        return "server", (
            f"the server answered {len(errors)} time(s) with a server error during the step ({paths}), which the SDK "
            f"retried until the wait ran out: {detail[:160]}"
        )
    if judged := _judged(method, ours):
        return judged
    if echoes:
        reached = "; ".join(f"official {label}: {_detail(officials[label], compared)[:120]}" for label in echoes)
        return "unconfirmed", f"the official SDK fails otherwise or not this far ({reached}); this SDK: {detail[:300]}"
    return "ours", f"no official SDK has `{compared}` to compare with; this SDK: {detail}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(runs: list[Run]) -> str:
    lines = [
        "# This SDK and the official one on other Tinker servers",
        "",
        "<!-- written by `nox -s interop` (tests/interop/run.py); do not edit by hand -->",
        "",
        "`nox -s interop` installs Tinker-compatible servers from the registry, starts each on 127.0.0.1 with a "
        "tiny Qwen3 made offline (random weights, the byte tokenizer: `tests/interop/tiny_model.py`), and runs "
        "the compat scenario of [docs/compatibility.md](compatibility.md) (`tests/compat/official_scenario.py`, "
        "every public method with its values checked; `COMPAT_LOCAL_SERVER=0` leaves out the local server's own "
        "conventions) with this SDK and with the official `tinker` 0.38.0 and 0.25.0 against each. A failure of "
        "this SDK is put down to the server when the official SDK fails the same method, when the server answers "
        "404/405 (it lacks the route) or a 5xx, or when the check judged a field of the server's answer that the "
        "server left out, sent empty or null, or sent in another form than the protocol's (its answer is quoted; "
        "the scenario records each step's requests and answers); a failure that only echoes an earlier step's "
        "goes to whoever that one does; to the protocol where no such server can answer (whoami needs a JWT); "
        'and to this SDK otherwise, or "unconfirmed" where the official SDK did not get that far. It also '
        "checks that forwards leave the weights alone with this SDK's JSON and protobuf forms. "
        "[docs/scaling-out.md](scaling-out.md) says what changes when a loop moves to these servers. Not run by "
        "CI (about 50 minutes on 2 busy cores and a few GB of environments).",
        "",
        "## Summary",
        "",
        "| server | version | SDK | passed | failed | not called | seconds | run at (UTC) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.skipped:
            lines.append(f"| {run.server.title} | {run.version or '-'} | skipped | | | | | |")
            continue
        for label, data in run.sdks.items():
            if "error" in data:
                lines.append(f"| {run.server.title} | {run.version} | {label} | scenario broke off | | | | |")
                continue
            statuses = [_status(data, m) for m in data["methods"]]
            lines.append(
                f"| {run.server.title} | {run.version} | {label} | {statuses.count('ok')} | "
                f"{statuses.count('failed')} | {statuses.count('not called')} | {data.get('seconds', 0):.0f} | "
                f"{data.get('measured', '')} |"
            )
    for run in runs:
        lines += ["", f"## {run.server.title} {run.version}".rstrip(), ""]
        lines += [f"- {note}" for note in run.server.notes]
        if run.skipped:
            lines += ["", f"**Skipped**: {_cell(run.skipped)}"]
            continue
        lines.append(f"- Started and healthy in {run.start_seconds:.0f} s.")
        ours = run.sdks.get(OURS, {})
        officials = {label: data for label, data in run.sdks.items() if label != OURS and "error" not in data}
        for label, data in run.sdks.items():
            if "error" in data:
                lines.append(f"- The scenario with {label} broke off: {_cell(data['error'])}")
            elif "broke_off" in data:
                lines.append(
                    f"- The scenario with {label} was {data['broke_off']}, after `{data.get('last_step', '?')}`: "
                    "the methods after it are counted as not called."
                )
            elif routes := _missing_routes(data):
                lines.append(f"- Routes answered 404/405 to {label}: {', '.join(f'`{r}`' for r in routes)}")
        lines += ["", "### Forwards leave the weights alone", ""]
        lines += ["| this SDK's wire format | loss before | after 3 forwards + optim_step | after training | verdict |"]
        lines += ["|---|---|---|---|---|"]
        for wire, check in run.forward_checks.items():
            if "error" in check:
                lines.append(f"| {wire} | | | | **error**: {_cell(check['error'])} |")
                continue
            verdict = "unchanged" if check["unchanged"] else "**changed: the server trained on forwards**"
            if not check["control_moved"]:
                verdict += " (but training did not move the loss either: the check proves nothing)"
            if check.get("stale_runs"):
                verdict += (
                    f"; before it, {check['stale_runs']} new run(s) moved at their first optim_step, before any "
                    "forward_backward: the server gave them gradients they never made (a reused adapter slot)"
                )
            lines.append(
                f"| {wire} | {check['loss_before']:.6g} | {check['loss_after_forwards_and_step']:.6g} | "
                f"{check['loss_after_training']:.6g} | {verdict} |"
            )
        if "error" in ours or not ours:
            continue
        labels = list(run.sdks)
        methods = sorted({m for data in run.sdks.values() for m in data.get("methods", [])})
        lines += [
            "",
            "### Every method",
            "",
            "— : the SDK has no such method. Whose: for each failure of this SDK, the server's, the protocol's or "
            "this SDK's, with the evidence.",
            "",
            "| method | " + " | ".join(labels) + " | whose (this SDK's failures) |",
            "|---|" + "---|" * (len(labels) + 1),
        ]
        for method in methods:
            cells = []
            for label in labels:
                status = _status(run.sdks[label], method)
                cells.append({"ok": "ok", "absent": "—"}.get(status, f"**{status}**"))
            whose = ""
            if _status(ours, method) not in ("ok", "absent"):
                owner, evidence = attribute(method, ours, officials)
                whose = f"{owner}: {_cell(evidence)}"
            lines.append(f"| `{method}` | " + " | ".join(cells) + f" | {whose} |")
        failures = [m for m in methods if _status(ours, m) not in ("ok", "absent")]
        owners = [attribute(m, ours, officials)[0] for m in failures]
        counts = ", ".join(f"{owners.count(o)} {o}" for o in ("server", "protocol", "ours", "unconfirmed"))
        lines += ["", f"This SDK's failures: {len(failures)} ({counts})."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", type=Path, help="where the servers' environments and runs go")
    parser.add_argument("--ours", metavar="PYTHON", help="an interpreter with this SDK installed")
    parser.add_argument("--official", action="append", default=[], metavar="VERSION=PYTHON")
    parser.add_argument("--server", action="append", choices=sorted(SERVERS), help="only these (default: all)")
    parser.add_argument("--write", type=Path, help="where to write the Markdown report")
    parser.add_argument("--save", type=Path, help="also keep every record as JSON there")
    parser.add_argument("--records", type=Path, help="render the records --save kept instead of running anything")
    parser.add_argument("--sdk", action="append", help=f"run only these SDKs ('{OURS}', or an official version)")
    parser.add_argument("--keep", type=Path, help="records --save kept: the SDKs not run now are taken from there")
    args = parser.parse_args(argv)
    if args.records:
        saved = json.loads(args.records.read_text(encoding="utf-8"))
        runs = [Run(**{**record, "server": SERVERS[record["server"]]}) for record in saved]
        if args.write:
            args.write.write_text(render(runs), encoding="utf-8")
        return 0
    if not (args.envs and args.ours):
        parser.error("--envs and --ours are needed to run the servers")
    args.envs.mkdir(parents=True, exist_ok=True)
    sdks = {OURS: os.path.abspath(args.ours)}
    sdks.update({version: os.path.abspath(python) for version, python in (i.split("=", 1) for i in args.official)})
    chosen = {label: python for label, python in sdks.items() if not args.sdk or label in args.sdk}
    runs = [run_server(SERVERS[name], args.envs.resolve(), chosen, sdks[OURS]) for name in args.server or SERVERS]
    if args.keep and args.keep.exists():
        kept_runs = json.loads(args.keep.read_text(encoding="utf-8"))
        for run in runs:
            kept = next((k for k in kept_runs if (k["server"], k["version"]) == (run.server.name, run.version)), None)
            if kept is None or run.skipped:
                continue
            run.sdks = {label: run.sdks.get(label) or kept["sdks"][label] for label in {**kept["sdks"], **run.sdks}}
            run.forward_checks = run.forward_checks or kept["forward_checks"]
        ran = {run.server.name for run in runs}
        runs += [Run(**{**k, "server": SERVERS[k["server"]]}) for k in kept_runs if k["server"] not in ran]
        runs.sort(key=lambda run: list(SERVERS).index(run.server.name))
    if args.save:
        args.save.write_text(
            json.dumps([{**vars(run), "server": run.server.name} for run in runs], indent=1), encoding="utf-8"
        )
    if args.write:
        args.write.write_text(render(runs), encoding="utf-8")
    for run in runs:
        if run.skipped:
            print(f"{run.server.title}: skipped: {run.skipped}")
            continue
        for label, data in run.sdks.items():
            if "error" in data:
                print(f"{run.server.title} {run.version} / {label}: scenario broke off: {data['error']}")
                continue
            statuses = [_status(data, m) for m in data["methods"]]
            print(
                f"{run.server.title} {run.version} / {label}: {statuses.count('ok')} passed, "
                f"{statuses.count('failed')} failed"
            )
        for wire, check in run.forward_checks.items():
            print(f"{run.server.title} / forward check ({wire}): {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
