"""The official SDK against the local server: run the scenario for each official version, write the report.

``python -m tests.compat.compat_report --official 0.38.0=PATH/bin/python [--official ...] [--write FILE]``
starts a local server in this process (this project's environment), gives each official version its own API key
(so each sees only its own runs), runs ``official_scenario.py`` with that version's interpreter in a separate
process, and checks the outcome: every public method passes except the few listed in ``NOT_SUPPORTED`` with the
reason, forward_backward went as protobuf with zstd, and results came back as protobuf. ``--write`` renders
the Markdown report (docs/compatibility.md). ``nox -s compat`` builds the environments and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO = Path(__file__).with_name("official_scenario.py")

NOT_SUPPORTED: dict[str, str] = {
    "RestClient.whoami": (
        "the official SDK builds the answer from the claims of a JWT and refuses a plain API key; the local "
        "server authenticates plain keys (one tenant each) and answers `pjwt_auth_enabled: false`"
    ),
}
"""Public methods that have no local meaning, with the reason; every other public method must pass."""

NOTES = [
    "`SamplingClient.sample` options the local server refuses with a 400 naming the field (its small models "
    "have no use for them): `target_prompt_logprobs`, `prompt_alt_tokens_k`, `topk_sample_logprobs`, "
    "`prompt_logprobs_last_n` (also of `compute_logprobs`) and `record_stability_info`.",
    "`ServiceClient.create_custom_loss` (0.38) works because the official SDK runs the traced loss client-side "
    "when `client/config` says `custom_loss_server_side: false`, as the local server does.",
    "The server advertises `proto_compress_fwdbwd: true` in `client/config` (it decodes zstd and gzip bodies, "
    "with a cap on the decoded size that answers 413), so the official SDK compresses forward_backward.",
    "0.25's `RestClient.get_audit_log_async` sends its request on the caller's event loop, and that version's "
    "HTTP client refuses any loop but the SDK's own (`AssertionError: AsyncTinker client called from incorrect "
    "event loop`), whatever the server: the check awaits it on the SDK's loop, as 0.25's `get_audit_log` does. "
    "0.38 takes any loop.",
    "`get_tokenizer` loads the local models' byte tokenizer with transformers and no Hub (this check runs with "
    "`HF_HUB_OFFLINE=1`): at start the server writes it as a Hugging Face tokenizer folder into its data directory, "
    "and `get_info` names that folder by absolute path as `tokenizer_id`, which `TrainingClient.get_tokenizer` "
    "loads; `SamplingClient.get_tokenizer` asks by the base model's name alone, so the server also writes the "
    "folder into the Hugging Face hub cache (the one `HF_HUB_CACHE` or `HF_HOME` names, else "
    "`~/.cache/huggingface/hub`) under `tinker-local/tiny`, `tinker-local/small` and `tinker-local/byte` "
    "(`tinker local serve --hf-hub-cache DIR|none` chooses another or none). transformers reads that cache "
    "without asking the Hub only with `HF_HUB_OFFLINE=1`: where the Hub answers, it refuses a repository it does "
    "not have, so set it for `SamplingClient.get_tokenizer`; the folder path needs nothing. Both work where the "
    "client runs on the server's machine, as the same user; elsewhere, copy the folder and load it by path.",
]
"""Limits and behaviours a user of the official SDK should know of, under methods that pass."""


@dataclass
class Outcome:
    version: str
    methods: list[str]
    results: dict[str, dict[str, str]]
    wire: list[dict[str, Any]]
    seconds: float
    problems: list[str] = field(default_factory=list)


def wire_summary(wire: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """What went over the wire for forward_backward, and what retrieve_future answered when asked for protobuf."""
    requests: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    for exchange in wire:
        name = exchange["path"].rsplit("/", 1)[-1]
        if name == "forward_backward":
            encoding = exchange["content_encoding"] or "no Content-Encoding"
            requests[f"{exchange['content_type']}, {encoding}"] += 1
        elif name == "retrieve_future" and "x-protobuf" in exchange["accept"] and exchange["status"] == 200:
            answers[exchange["response_type"]] += 1
    return {"forward_backward requests": requests, "retrieve_future answers to Accept protobuf": answers}


def judge(outcome: Outcome) -> list[str]:
    """What is wrong with one version's run (empty when it passes)."""
    problems = []
    for method in outcome.methods:
        record = outcome.results.get(method)
        if record is None:
            problems.append(f"{method}: the scenario has no step for it")
        elif record["status"] != "ok" and method not in NOT_SUPPORTED:
            problems.append(f"{method}: {record['detail']}")
        elif record["status"] == "ok" and method in NOT_SUPPORTED:
            problems.append(f"{method}: passes now; take it off NOT_SUPPORTED")
    summary = wire_summary(outcome.wire)
    sent = summary["forward_backward requests"]
    if not sent or set(sent) != {"application/x-protobuf, zstd"}:
        problems.append(f"forward_backward should go as zstd-compressed protobuf, went as {dict(sent)}")
    answered = summary["retrieve_future answers to Accept protobuf"]
    if not answered.get("application/x-protobuf"):
        problems.append(f"no protobuf result came back: {dict(answered)}")
    return problems


def run_version(version: str, python: str, base_url: str, api_key: str, workdir: Path, hub_cache: Path) -> Outcome:
    """The scenario in the official SDK's interpreter, from a directory where ``import tinker`` finds only it."""
    out = workdir / f"official-{version}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINKER_", "PYTHON"))}
    env.update(
        TINKER_BASE_URL=base_url,
        TINKER_API_KEY=api_key,
        HF_HUB_OFFLINE="1",  # get_tokenizer must load the server's tokenizer without the Hub
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_CACHE=str(hub_cache),  # where the server wrote it under the model names
        PYTHONSAFEPATH="1",
    )
    started = time.monotonic()
    done = subprocess.run(
        [python, str(SCENARIO), str(out)], cwd=workdir, env=env, capture_output=True, text=True, timeout=1200
    )
    seconds = time.monotonic() - started
    sys.stderr.write(done.stderr[-20000:] if done.returncode else "")
    if done.returncode or not out.exists():
        raise RuntimeError(f"the {version} scenario exited with {done.returncode}:\n{done.stderr[-4000:]}")
    data = json.loads(out.read_text(encoding="utf-8"))
    if data["version"] != version:
        raise RuntimeError(f"{python} holds tinker {data['version']}, not {version}")
    outcome = Outcome(version, data["methods"], data["results"], data["wire"], seconds)
    outcome.problems = judge(outcome)
    return outcome


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(outcomes: list[Outcome]) -> str:
    """The Markdown report: per version, every public method with what was checked or why it has no local meaning."""
    lines = [
        "# The official SDK on the local server",
        "",
        "<!-- written by `nox -s compat` (tests/compat/compat_report.py); do not edit by hand -->",
        "",
        "The official `tinker` package runs unchanged against `tinker local serve`: point `TINKER_BASE_URL` at the "
        "server and set `TINKER_API_KEY` to one of its keys. The check below installs each official version in its "
        "own virtual environment (both packages are imported as `tinker`), starts a local server from this "
        "project's environment, and runs `tests/compat/official_scenario.py`, which calls every public method of "
        "ServiceClient, TrainingClient, SamplingClient, RestClient and (0.38) AdminClient, the `_async` variants "
        "included, and checks the values (shapes, signs, `tinker://` path formats, the loss falling, the weights "
        "restored after a load). Run it with `nox -s compat`.",
        "",
        "Over the wire the official SDK sends forward_backward as protobuf, zstd-compressed because the server's "
        "`client/config` says `proto_compress_fwdbwd: true`, and asks for forward_backward and sample results as "
        "protobuf; the server answers them as protobuf (and as JSON to clients that ask for JSON, such as this "
        'SDK with `wire_format="json"`).',
        "",
        "## Summary",
        "",
        "| official version | public methods | pass | no local meaning |",
        "|---|---|---|---|",
    ]
    for outcome in outcomes:
        passed = sum(outcome.results.get(m, {}).get("status") == "ok" for m in outcome.methods)
        missing = sum(m in NOT_SUPPORTED for m in outcome.methods)
        lines.append(f"| {outcome.version} | {len(outcome.methods)} | {passed} | {missing} |")
    lines += ["", "## Not supported, and why", ""]
    lines += [f"- `{method}`: {reason}." for method, reason in NOT_SUPPORTED.items()]
    lines += ["", "## Good to know", ""] + [f"- {note}" for note in NOTES]
    for outcome in outcomes:
        lines += ["", f"## tinker {outcome.version}", ""]
        for title, counts in wire_summary(outcome.wire).items():
            shown = ", ".join(f"{kind} x{count}" for kind, count in sorted(counts.items())) or "none"
            lines.append(f"- {title}: {shown}")
        lines += ["", "| method | result | checked / reason |", "|---|---|---|"]
        for method in outcome.methods:
            record = outcome.results.get(method, {"status": "not called", "detail": ""})
            if record["status"] == "ok":
                lines.append(f"| `{method}` | ok | {_cell(record['detail'])} |")
            elif method in NOT_SUPPORTED:
                lines.append(f"| `{method}` | not supported | see above ({_cell(record['detail'][:120])}) |")
            else:
                lines.append(f"| `{method}` | **{record['status']}** | {_cell(record['detail'])} |")
        if outcome.problems:
            lines += ["", "Problems:", ""] + [f"- {_cell(problem)}" for problem in outcome.problems]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", action="append", required=True, metavar="VERSION=PYTHON")
    parser.add_argument("--write", type=Path, help="where to write the Markdown report")
    args = parser.parse_args(argv)
    from tinker.local import LocalServer

    # absolute, not resolved: a virtual environment's python is a symlink that must keep its own path
    versions = [(version, os.path.abspath(python)) for version, python in (i.split("=", 1) for i in args.official)]
    keys = {version: f"tml-compat-{version.replace('.', '-')}" for version, _ in versions}
    with (
        tempfile.TemporaryDirectory(prefix="tinker-compat-") as tmp,
        LocalServer(Path(tmp) / "server", api_keys=tuple(keys.values()), hf_hub_cache=Path(tmp) / "hf-hub") as server,
    ):
        outcomes = [
            run_version(version, python, server.base_url, keys[version], Path(tmp), Path(tmp) / "hf-hub")
            for version, python in versions
        ]
    if args.write:
        args.write.write_text(render(outcomes), encoding="utf-8")
    failed = False
    for outcome in outcomes:
        status = "FAILED" if outcome.problems else "passed"
        print(f"tinker {outcome.version}: {status} ({len(outcome.methods)} public methods, {outcome.seconds:.0f} s)")
        for problem in outcome.problems:
            print(f"  - {problem}")
        failed = failed or bool(outcome.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
