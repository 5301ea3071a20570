"""The official SDK and this one against the local server: run the scenario for each, write the report.

``python -m tests.compat.compat_report --official 0.38.0=PATH/bin/python [--official ...] [--ours PYTHON]
[--write FILE]`` starts a local server in this process (this project's environment), gives each SDK its own API key
(so each sees only its own runs), runs ``official_scenario.py`` with that SDK's interpreter in a separate process,
and checks the outcome: every public method passes except the few listed in ``NOT_SUPPORTED`` with the reason (and,
for this SDK, its known gaps in ``OURS_GAPS``), this SDK has every public method of the newest official version,
forward_backward went as protobuf with zstd, and results came back as protobuf. ``--write`` renders the Markdown
report (docs/compatibility.md). ``nox -s compat`` builds the environments and runs this; ``nox -s interop`` runs
the same scenario against other servers through ``run_scenario``.
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

OURS = "this SDK"
"""How the reports name this project's SDK (tinker-openapi), beside the official versions."""

OURS_GAPS: dict[str, str] = {}
"""Public methods of the official SDK that this SDK does not do yet, with what differs; they fail its run visibly
in the report but not the check, and one that passes must be taken off."""

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
    sdk: str = "official"  # or "openapi": this project's SDK, whose __version__ is the API's
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return OURS if self.sdk == "openapi" else self.version

    def status(self, method: str) -> str:
        """ok, not supported, gap (a known gap of this SDK), failed, not called, or absent (no such method)."""
        if method not in self.methods:
            return "absent"
        record = self.results.get(method)
        if record is None:
            return "not called"
        if record["status"] == "ok":
            return "ok"
        if method in NOT_SUPPORTED:
            return "not supported"
        if self.sdk == "openapi" and method in OURS_GAPS:
            return "gap"
        return record["status"]


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


def judge(outcome: Outcome, reference: Outcome | None = None) -> list[str]:
    """What is wrong with one SDK's run (empty when it passes); ``reference``, the newest official version's run,
    whose public methods this SDK must all have."""
    problems = []
    gaps = OURS_GAPS if outcome.sdk == "openapi" else {}
    for method in outcome.methods:
        record = outcome.results.get(method)
        if record is None:
            problems.append(f"{method}: the scenario has no step for it")
        elif record["status"] != "ok" and method not in NOT_SUPPORTED and method not in gaps:
            problems.append(f"{method}: {record['detail']}")
        elif record["status"] == "ok" and method in NOT_SUPPORTED:
            problems.append(f"{method}: passes now; take it off NOT_SUPPORTED")
        elif record["status"] == "ok" and method in gaps:
            problems.append(f"{method}: passes now; take it off OURS_GAPS")
    if reference is not None and outcome.sdk == "openapi":
        problems += [
            f"{method}: official {reference.version} has it, this SDK does not"
            for method in reference.methods
            if method not in outcome.methods
        ]
    summary = wire_summary(outcome.wire)
    sent = summary["forward_backward requests"]
    if not sent or set(sent) != {"application/x-protobuf, zstd"}:
        problems.append(f"forward_backward should go as zstd-compressed protobuf, went as {dict(sent)}")
    answered = summary["retrieve_future answers to Accept protobuf"]
    if not answered.get("application/x-protobuf"):
        problems.append(f"no protobuf result came back: {dict(answered)}")
    return problems


def run_scenario(
    python: str, out: Path, base_url: str, api_key: str, env: dict[str, str] | None = None, timeout: float = 1200
) -> tuple[dict[str, Any], float, str]:
    """The scenario in one SDK's interpreter, from ``out``'s directory, where ``import tinker`` finds only the SDK
    installed there; gives its records, the seconds it took and the end of its stderr. ``env`` adds variables
    (``COMPAT_BASE_MODEL``, ``COMPAT_LOCAL_SERVER``, ``HF_HUB_CACHE``, ``TINKER_WIRE_FORMAT``...)."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("TINKER_", "PYTHON", "COMPAT_"))}
    variables.update(
        TINKER_BASE_URL=base_url,
        TINKER_API_KEY=api_key,
        HF_HUB_OFFLINE="1",  # get_tokenizer must load the server's tokenizer without the Hub
        TRANSFORMERS_OFFLINE="1",
        PYTHONSAFEPATH="1",
        **(env or {}),
    )
    started = time.monotonic()
    command = [python, str(SCENARIO), str(out)]
    done = subprocess.run(command, cwd=out.parent, env=variables, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    if done.returncode or not out.exists():
        sys.stderr.write(done.stderr[-20000:])
        raise RuntimeError(f"the scenario ({python}) exited with {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8")), seconds, done.stderr[-20000:]


def run_version(version: str, python: str, base_url: str, api_key: str, workdir: Path, hub_cache: Path) -> Outcome:
    """The scenario with one SDK against the local server: ``version`` is an official version, or ``OURS``."""
    name = "ours" if version == OURS else f"official-{version}"
    # HF_HUB_CACHE: where the server wrote the tokenizer under the model names
    hub = {"HF_HUB_CACHE": str(hub_cache)}
    data, seconds, _ = run_scenario(python, workdir / f"{name}.json", base_url, api_key, hub)
    sdk = data.get("sdk", "official")
    if (version == OURS) != (sdk == "openapi") or (version != OURS and data["version"] != version):
        raise RuntimeError(f"{python} holds the {sdk} tinker {data['version']}, not {version}")
    return Outcome(data["version"], data["methods"], data["results"], data["wire"], seconds, sdk)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


SHOWN = {"ok": "ok", "not supported": "not supported", "gap": "gap", "absent": "—"}
"""How the side-by-side table shows each status; any other is shown in bold."""


def render(outcomes: list[Outcome]) -> str:
    """The Markdown report: a table of every public method against every SDK, then per SDK every method with what
    was checked or why it does not pass."""
    lines = [
        "# The official SDK and this one on the local server",
        "",
        "<!-- written by `nox -s compat` (tests/compat/compat_report.py); do not edit by hand -->",
        "",
        "The official `tinker` package runs unchanged against `tinker local serve`: point `TINKER_BASE_URL` at the "
        "server and set `TINKER_API_KEY` to one of its keys. The check below installs each official version in its "
        "own virtual environment (both packages are imported as `tinker`), starts a local server from this "
        "project's environment, and runs `tests/compat/official_scenario.py`, which calls every public method of "
        "ServiceClient, TrainingClient, SamplingClient, RestClient and (0.38) AdminClient, the `_async` variants "
        "included, and checks the values (shapes, signs, `tinker://` path formats, the loss falling, the weights "
        "restored after a load). The same scenario runs with this project's SDK (column *this SDK*), so that the "
        "same checks judge both; it must have every public method of the newest official version, and its own "
        "extensions (REST iterators, streaming sampling) are checked too. Run it with `nox -s compat`; "
        "[docs/interop.md](interop.md) runs the same scenario against other Tinker servers.",
        "",
        "Over the wire the official SDK sends forward_backward as protobuf, zstd-compressed because the server's "
        "`client/config` says `proto_compress_fwdbwd: true`, and asks for forward_backward and sample results as "
        "protobuf; the server answers them as protobuf (and as JSON to clients that ask for JSON, such as this "
        'SDK with `wire_format="json"`). This SDK does the same by default.',
        "",
        "## Summary",
        "",
        "| SDK | public methods | pass | no local meaning | known gaps |",
        "|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        statuses = [outcome.status(m) for m in outcome.methods]
        lines.append(
            f"| {outcome.label} | {len(outcome.methods)} | {statuses.count('ok')} | "
            f"{statuses.count('not supported')} | {statuses.count('gap')} |"
        )
    lines += ["", "## Not supported, and why", ""]
    lines += [f"- `{method}`: {reason}." for method, reason in NOT_SUPPORTED.items()]
    if any(outcome.sdk == "openapi" for outcome in outcomes):
        lines += ["", "## Known gaps of this SDK", ""]
        lines += [f"- `{method}`: {reason}." for method, reason in OURS_GAPS.items()] or [
            "None: this SDK passes every check the official versions pass."
        ]
    lines += ["", "## Good to know", ""] + [f"- {note}" for note in NOTES]
    methods = sorted({method for outcome in outcomes for method in outcome.methods})
    lines += [
        "",
        "## Side by side",
        "",
        "— : the SDK has no such method; gap: a known gap of this SDK (above).",
        "",
        "| method | " + " | ".join(outcome.label for outcome in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    for method in methods:
        cells = []
        for outcome in outcomes:
            status = outcome.status(method)
            cells.append(SHOWN.get(status, f"**{status}**"))
        lines.append(f"| `{method}` | " + " | ".join(cells) + " |")
    for outcome in outcomes:
        title = f"tinker {outcome.version}" if outcome.sdk == "official" else f"{OURS} (tinker-openapi)"
        lines += ["", f"## {title}", ""]
        for heading, counts in wire_summary(outcome.wire).items():
            shown = ", ".join(f"{kind} x{count}" for kind, count in sorted(counts.items())) or "none"
            lines.append(f"- {heading}: {shown}")
        lines += ["", "| method | result | checked / reason |", "|---|---|---|"]
        for method in outcome.methods:
            record = outcome.results.get(method, {"status": "not called", "detail": ""})
            status = outcome.status(method)
            if status == "ok":
                lines.append(f"| `{method}` | ok | {_cell(record['detail'])} |")
            elif status in ("not supported", "gap"):
                lines.append(f"| `{method}` | {status} | see above ({_cell(record['detail'][:120])}) |")
            else:
                lines.append(f"| `{method}` | **{record['status']}** | {_cell(record['detail'])} |")
        if outcome.problems:
            lines += ["", "Problems:", ""] + [f"- {_cell(problem)}" for problem in outcome.problems]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", action="append", default=[], metavar="VERSION=PYTHON")
    parser.add_argument("--ours", metavar="PYTHON", help="an interpreter with this SDK installed")
    parser.add_argument("--write", type=Path, help="where to write the Markdown report")
    args = parser.parse_args(argv)
    from tinker.local import LocalServer

    # absolute, not resolved: a virtual environment's python is a symlink that must keep its own path
    versions = [(version, os.path.abspath(python)) for version, python in (i.split("=", 1) for i in args.official)]
    if args.ours:
        versions.append((OURS, os.path.abspath(args.ours)))
    if not versions:
        parser.error("name an SDK: --official VERSION=PYTHON or --ours PYTHON")
    keys = {version: "tml-compat-" + version.replace(".", "-").replace(" ", "-") for version, _ in versions}
    with (
        tempfile.TemporaryDirectory(prefix="tinker-compat-") as tmp,
        LocalServer(Path(tmp) / "server", api_keys=tuple(keys.values()), hf_hub_cache=Path(tmp) / "hf-hub") as server,
    ):
        outcomes = [
            run_version(version, python, server.base_url, keys[version], Path(tmp), Path(tmp) / "hf-hub")
            for version, python in versions
        ]
    official = [outcome for outcome in outcomes if outcome.sdk == "official"]
    newest = max(official, key=lambda o: tuple(int(n) for n in o.version.split("."))) if official else None
    for outcome in outcomes:
        outcome.problems = judge(outcome, newest)
    if args.write:
        args.write.write_text(render(outcomes), encoding="utf-8")
    failed = False
    for outcome in outcomes:
        status = "FAILED" if outcome.problems else "passed"
        print(f"{outcome.label}: {status} ({len(outcome.methods)} public methods, {outcome.seconds:.0f} s)")
        for problem in outcome.problems:
            print(f"  - {problem}")
        failed = failed or bool(outcome.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
