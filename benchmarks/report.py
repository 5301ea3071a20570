"""Run every benchmark and write docs/benchmarks.md: the goals with today's figures, a section per benchmark, plots.

Run ``python3 -m nox -s bench`` (about 15 minutes on 2 cores), or ``python benchmarks/report.py`` in an environment
with this SDK's local extra, psutil and matplotlib. Each benchmark runs as a child process of this interpreter with
``--json`` into a scratch directory; those that compare with the official tinker 0.38 SDK run it in its own
environment (``benchmarks/encode_vs_official.py`` makes ``benchmarks/.venvs/``), alternating with this SDK.

Options: ``--quick`` (a smoke run: few repeats, small batches; its figures are not the benchmarks'), ``--only
NAME,...`` (a subset; the others show as not measured), ``--json-dir DIR`` (keep the figures there) with ``--reuse``
(take the figures already in DIR instead of running those benchmarks again: to redo the report alone), ``--output
PATH`` (default docs/benchmarks.md; the plots go into the folder of the same name beside it).

A missed goal is reported with how far it is from the goal, and the note for it in NOTES below.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

NOTES = {
    "P1": "The section's phase table splits the time into building the datums and encoding the request; "
    "`from_ints` given the numpy row (the array column, which 0.38 refuses) skips the list of Python ints.",
    "P2": "Concurrent samples on the same weights do run as one engine call (up to 256 sequences), and this SDK is "
    "ahead of official 0.38 on the same server; the ceiling is out of reach by design of the measure: it is the "
    "engine alone, about 0.3 ms a request with the tiny model, while each request through HTTP costs several ms of "
    "CPU on each side (two exchanges through two Python HTTP stacks, the future's row written and updated in SQLite, "
    "the poll), so on 2 shared cores throughput stays near 100 requests/s whatever the engine does. A model whose "
    "sampling costs more than that overhead (any real one) brings the ratio up; the tiny one measures the overhead. "
    "Against official 0.38 the two SDKs are level within the run-to-run spread (0.97x to 1.24x in today's runs); this "
    "SDK spends less client CPU a sample (about 4 against 6 ms). Next on the client: with 256 requests in flight, "
    "httpx keeps 20 connections alive and opens the rest anew each time, and httpcore's pool scans every connection "
    "for every request (quadratic in the requests in flight): about a quarter of the I/O thread's time in a profile.",
    "P3": "What is left is two HTTP exchanges through two Python stacks and, on the server, two SQLite commits (the "
    "future's row before the submit is answered, its result before the poll is: a killed server loses nothing it "
    "answered) and the hand-offs between the event loop, the store thread and the engine thread, each of which can "
    "wait for one of the 2 shared cores. A training request now waits for one store statement instead of three; "
    "this SDK spends less CPU per forward than official 0.38 (about 3.3 against 4.5 ms in one measurement).",
    "P4": "The section's table shows the engine alone beside the server over HTTP.",
    "P5": "See the sampler table in the training step section.",
    "P6": "Decided: `EncodedTextChunk.tokens` stays a list of Python ints, as in 0.38 (renderers slice it, hand it "
    "to tokenizers' decode, extend lists with it and dump it as JSON; a compact array behind a list-like type breaks "
    "those). The lists alone are 3.4x the raw arrays (about 40 bytes a token, in either SDK); what this SDK adds on "
    "top is 1.8x (the packed tokens, the body, the datums). tracemalloc does not see official 0.38's protobuf "
    "message (upb allocates it outside Python); the growth of the resident set, which does, is about 5.0x for this "
    "SDK against 7.7x for official 0.38.",
}
"""Why a goal is missed, shown under the goals table when it is: engineers keep these current."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    title: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    optional: bool = False  # a missing script is reported as not measured, not as a failure
    check_options: bool = False  # pass only the options the script's --help offers (and --quick where it does)


BENCHMARKS = (
    Benchmark(
        "encode",
        "encode_vs_official.py",
        "Building and encoding a forward_backward batch (P1, P6)",
        ("--rounds", "3", "--repeats", "15", "--sweep", "8,16,32,64,128", "--sweep-repeats", "5"),
        ("--rounds", "1", "--repeats", "3", "--sweep", "8,32,128", "--sweep-repeats", "2"),
    ),
    Benchmark(
        "round_trip",
        "round_trip.py",
        "Round trip of a tiny forward (P3)",
        ("--rounds", "4", "--forwards", "100"),
        ("--rounds", "1", "--forwards", "15"),
    ),
    Benchmark(
        "sampling",
        "sampling_throughput.py",
        "Sampling throughput against concurrency (P2)",
        (),
        ("--rounds", "1", "--repeats", "1", "--concurrency", "1,32,256"),
        optional=True,
        check_options=True,
    ),
    Benchmark(
        "engine",
        "engine_step.py",
        "Training step and sampler against raw torch (P4, P5)",
        ("--repeats", "5"),
        ("--repeats", "1", "--batch", "8", "--length", "64", "--num-samples", "2"),
    ),
    Benchmark(
        "startup",
        "server_startup.py",
        "Start-up, and `import tinker` to the first answer (P7)",
        ("--starts", "3", "--imports", "5"),
        ("--starts", "1", "--imports", "1"),
    ),
    Benchmark(
        "load",
        "load.py",
        "The local server under load (headline figures)",
        ("--duration", "30", "--baseline", "10"),
        ("--quick",),
    ),
)


@dataclass
class Outcome:
    benchmark: Benchmark
    arguments: list[str]
    figures: dict[str, Any] | None = None
    stdout: str = ""
    seconds: float = 0.0
    problem: str | None = None  # why there are no figures
    failed: bool = False  # the benchmark failed (not merely left out)


def run_benchmark(benchmark: Benchmark, quick: bool, json_dir: Path, reuse: bool, timeout: float) -> Outcome:
    script = HERE / benchmark.script
    arguments = list(benchmark.quick if quick else benchmark.full)
    target = json_dir / f"{benchmark.name}.json"
    outcome = Outcome(benchmark, arguments)
    if reuse and target.exists():
        outcome.figures = json.loads(target.read_text())
        stdout = json_dir / f"{benchmark.name}.md"
        outcome.stdout = stdout.read_text() if stdout.exists() else ""
        return outcome
    if not script.exists():
        outcome.problem = f"not measured (benchmarks/{benchmark.script} missing)"
        outcome.failed = not benchmark.optional
        return outcome
    if benchmark.check_options:  # a script still being written: leave out what it does not take (yet)
        offered = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=ROOT)
        pairs = [arguments[index : index + 2] for index in range(0, len(arguments), 2)]
        arguments = [part for pair in pairs if pair[0] in offered.stdout for part in pair]
        if quick and "--quick" in offered.stdout:
            arguments.append("--quick")
    outcome.arguments = arguments
    print(f"running benchmarks/{benchmark.script} {' '.join(arguments)} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(script), *arguments, "--json", str(target)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        outcome.problem = f"not measured (benchmarks/{benchmark.script} ran past {timeout:.0f} s)"
        outcome.failed = True
        return outcome
    outcome.seconds = time.perf_counter() - started
    outcome.stdout = done.stdout
    (json_dir / f"{benchmark.name}.md").write_text(done.stdout)
    print(f"  ... {outcome.seconds:.0f} s, exit status {done.returncode}", file=sys.stderr, flush=True)
    if done.returncode != 0 or not target.exists():
        outcome.problem = f"not measured (benchmarks/{benchmark.script} failed: exit status {done.returncode})"
        outcome.failed = True
        return outcome
    outcome.figures = json.loads(target.read_text())
    return outcome


# --- the machine ---


def _first(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git(*arguments: str) -> str | None:
    try:
        done = subprocess.run(["git", *arguments], capture_output=True, text=True, cwd=ROOT, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def official_version() -> str:
    python = HERE / ".venvs" / "official" / "bin" / "python"
    if not python.exists():
        return "not installed"
    code = "import importlib.metadata as m; print(m.version('tinker'))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=python.parent)
    return done.stdout.strip() or "unknown"


def machine() -> list[tuple[str, str]]:
    memory = _first("/proc/meminfo", "MemTotal")
    ram = f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return [
        ("CPU", _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown"),
        ("cores", f"{os.cpu_count()} ({usable} usable by this process)"),
        ("RAM", ram),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("torch", _version("torch")),
        ("numpy", _version("numpy")),
        ("this SDK", f"tinker-openapi {_version('tinker-openapi')}"),
        ("official SDK", f"tinker {official_version()}"),
        ("commit", (commit or "unknown") + (" with uncommitted changes" if dirty else "")),
    ]


# --- the goals ---


@dataclass
class Goal:
    id: str
    measure: str
    ours: str
    baseline: str
    ratio: str
    goal: str
    verdict: str
    met: bool | None  # None: not measured, or reported without a goal


def over(value: float, goal: float, at_most: bool) -> str:
    """How far a value is past its goal, in percent of the goal."""
    return f"{(value / goal - 1) * 100:.0f}% over" if at_most else f"{(1 - value / goal) * 100:.0f}% under"


def verdict(parts: list[tuple[bool, str]]) -> tuple[str, bool]:
    missed = [text for ok, text in parts if not ok]
    return ("met", True) if not missed else ("NOT met: " + "; ".join(missed), False)


def missing(goal_id: str, measure: str, goal: str, outcome: Outcome) -> Goal:
    return Goal(goal_id, measure, "—", "—", "—", goal, outcome.problem or "not measured", None)


def p1(outcome: Outcome) -> Goal:
    measure, goal = "build + encode a forward_backward of 64 x 1,024 tokens from numpy (protobuf)", "≤ 0.8x official"
    if outcome.figures is None:
        return missing("P1", measure, goal, outcome)
    settings, figures = outcome.figures["settings"], outcome.figures["p1"]
    measure = f"build + encode a forward_backward of {settings['datums']} x {settings['length']:,} tokens (protobuf)"
    ratio = figures["ratio"]
    text, met = verdict([(ratio <= 0.8, f"{ratio:.2f}x against ≤ 0.8x, {over(ratio, 0.8, True)}")])
    return Goal(
        "P1",
        measure,
        f"{figures['ours_ms']:.2f} ms",
        f"{figures['official_ms']:.2f} ms (official 0.38)",
        f"{ratio:.2f}x",
        goal,
        text,
        met,
    )


def _at(values: list[float], concurrency: list[int], level: int) -> tuple[float, int]:
    index = concurrency.index(level) if level in concurrency else len(concurrency) - 1
    return values[index], concurrency[index]


def p2(outcome: Outcome) -> Goal:
    measure = "throughput of 256 concurrent sample requests (SDK + local server) vs the engine's one batch"
    goal = "≥ 0.8x the ceiling and ≥ official 0.38"
    if outcome.figures is None:
        return missing("P2", measure, goal, outcome)
    figures = outcome.figures
    concurrency = list(figures["concurrency"])
    ours, level = _at(figures["ours"]["requests_per_s"], concurrency, 256)
    official_figures = figures.get("official") or {}
    official = _at(official_figures["requests_per_s"], concurrency, 256)[0] if official_figures else None
    ceiling = figures["ceiling"]["requests_per_s"]
    vs_ceiling = figures.get("p2", {}).get("vs_ceiling", ours / ceiling)
    vs_official = figures.get("p2", {}).get("vs_official", ours / official if official else None)
    parts = [(vs_ceiling >= 0.8, f"{vs_ceiling:.2f}x the ceiling against ≥ 0.8x, {over(vs_ceiling, 0.8, False)}")]
    if vs_official is not None:
        parts.append((vs_official >= 1, f"{vs_official:.2f}x official 0.38, {over(vs_official, 1.0, False)}"))
    text, met = verdict(parts)
    if "met" in figures.get("p2", {}):  # the benchmark's own verdict, where it gives one
        met = bool(figures["p2"]["met"])
        text = "met" if met else (text if text != "met" else "NOT met")
    baseline = f"ceiling {ceiling:,.1f} requests/s"
    if official is not None:
        baseline += f"; official 0.38 {official:,.1f}"
    ratio = f"{vs_ceiling:.2f}x ceiling" + (f", {vs_official:.2f}x official" if vs_official is not None else "")
    return Goal("P2", measure.replace("256", str(level)), f"{ours:,.1f} requests/s", baseline, ratio, goal, text, met)


def p3(outcome: Outcome) -> Goal:
    measure = "round trip of a tiny forward minus the server's compute for it (Server-Timing), median"
    goal = "≤ 5 ms, and below official 0.38"
    if outcome.figures is None:
        return missing("P3", measure, goal, outcome)
    ours, official = outcome.figures["ours"]["overhead_ms"], outcome.figures["official"]["overhead_ms"]
    text, met = verdict(
        [
            (ours <= 5.0, f"{ours:.2f} ms against ≤ 5 ms, {over(ours, 5.0, True)}"),
            (ours < official, f"not below official 0.38's {official:.2f} ms"),
        ]
    )
    return Goal(
        "P3",
        measure,
        f"{ours:.2f} ms",
        f"{official:.2f} ms (official 0.38)",
        f"{ours / official:.2f}x",
        goal,
        text,
        met,
    )


def p4(outcome: Outcome) -> Goal:
    measure, goal = "local server training step (HTTP, protobuf) vs raw torch doing the same math", "≤ 1.15x"
    if outcome.figures is None:
        return missing("P4", measure, goal, outcome)
    training, settings = outcome.figures["training_s"], outcome.figures["settings"]
    server = next(name for name in training if name.startswith("server"))
    ratio = outcome.figures["p4"]["server_ratio"]
    text, met = verdict([(ratio <= 1.15, f"{ratio:.2f}x against ≤ 1.15x, {over(ratio, 1.15, True)}")])
    measure += f" ({settings['batch']} x {settings['length']} tokens, {settings['model']}, rank {settings['rank']})"
    return Goal(
        "P4",
        measure,
        f"{training[server]['median']:.3f} s",
        f"{training['raw torch']['median']:.3f} s (raw torch)",
        f"{ratio:.2f}x",
        goal,
        text,
        met,
    )


def p5(outcome: Outcome) -> Goal:
    measure, goal = "sampler tokens/s at 256 vs at 32 new tokens", "≥ 0.8"
    if outcome.figures is None:
        return missing("P5", measure, goal, outcome)
    sampling, ratio = outcome.figures["sampling"], outcome.figures["p5"]["ratio"]
    text, met = verdict([(ratio >= 0.8, f"{ratio:.2f} against ≥ 0.8, {over(ratio, 0.8, False)}")])
    return Goal(
        "P5",
        measure,
        f"{sampling['256']['tokens_per_s']:,.0f} tokens/s",
        f"{sampling['32']['tokens_per_s']:,.0f} tokens/s (32 tokens)",
        f"{ratio:.2f}",
        goal,
        text,
        met,
    )


def p6(outcome: Outcome) -> Goal:
    measure = "client peak Python heap building and encoding 256 x 2,048 tokens, vs the raw arrays"
    goal = "≤ 2x"
    if outcome.figures is None:
        return missing("P6", measure, goal, outcome)
    settings, figures = outcome.figures["settings"], outcome.figures["p6"]
    measure = measure.replace("256 x 2,048", f"{settings['memory_datums']} x {settings['memory_length']:,}")
    ratio = figures["ours_x_raw"]
    text, met = verdict([(ratio <= 2.0, f"{ratio:.2f}x against ≤ 2x, {over(ratio, 2.0, True)}")])
    return Goal(
        "P6",
        measure,
        f"{ratio:.2f}x raw",
        f"{figures['official_x_raw']:.2f}x raw (official 0.38)",
        f"{ratio:.2f}x",
        goal,
        text,
        met,
    )


def p7(outcome: Outcome) -> Goal:
    measure, goal = "`import tinker` to the first answer of an embedded server", "report, beside official 0.38's import"
    if outcome.figures is None or "p7" not in outcome.figures:
        return missing("P7", measure, goal, outcome)
    ours, official = outcome.figures["p7"]["ours"], outcome.figures["p7"]["official"]
    return Goal(
        "P7",
        measure,
        f"{ours['first_answer']:.2f} s (import {ours['import'] * 1000:.0f} ms)",
        f"import {official['import'] * 1000:.0f} ms (official 0.38)",
        "—",
        goal,
        "reported",
        None,
    )


GOALS: tuple[tuple[str, str, Callable[[Outcome], Goal]], ...] = (
    ("P1", "encode", p1),
    ("P2", "sampling", p2),
    ("P3", "round_trip", p3),
    ("P4", "engine", p4),
    ("P5", "engine", p5),
    ("P6", "encode", p6),
    ("P7", "startup", p7),
)


def goal_row(goal_id: str, outcome: Outcome, row: Callable[[Outcome], Goal]) -> Goal:
    try:
        return row(outcome)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, StopIteration) as error:  # figures of another shape
        return Goal(goal_id, "—", "—", "—", "—", "—", f"not measured (figures unreadable: {error!r})", None)


# --- the plots ---


def plots(outcomes: dict[str, Outcome], folder: Path) -> dict[str, str]:
    """Writes the PNGs it has figures for; returns the name of each benchmark's plot file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def plain_log(axis: Any, which: str) -> None:
        """Log-scale ticks at 1, 2 and 5 of each decade, labelled as plain numbers."""
        ticks = axis.xaxis if which == "x" else axis.yaxis
        ticks.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ticks.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ticks.set_minor_formatter(NullFormatter())

    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    colors = {"ours": "tab:blue", "official": "tab:orange"}
    labels = {"ours": "this SDK", "official": "official 0.38"}

    def save(figure: Any, name: str, benchmark: str) -> None:
        figure.tight_layout()
        figure.savefig(folder / name, dpi=90, metadata={"Software": None})
        plt.close(figure)
        written[benchmark] = name

    def plot_round_trip() -> None:
        round_trip = outcomes.get("round_trip")
        if round_trip and round_trip.figures and "rows" in round_trip.figures:
            figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
            for sdk, rows in round_trip.figures["rows"].items():
                totals = sorted(row["total"] for row in rows)
                rest = sorted(row["total"] - row["compute"] for row in rows if not math.isnan(row["compute"]))
                for axis, values in ((left, totals), (right, rest)):
                    if values:
                        shares = [(index + 1) / len(values) for index in range(len(values))]
                        axis.step(values, shares, where="post", color=colors[sdk], label=labels[sdk])
            goal = round_trip.figures.get("settings", {}).get("goal_ms", 5.0)
            right.axvline(goal, color="tab:green", linestyle="--", label=f"goal ≤ {goal:g} ms (median)")
            right.axhline(0.5, color="grey", linewidth=0.6)
            for axis, title in ((left, "round trip"), (right, "round trip - server compute")):
                axis.set_xscale("log")
                plain_log(axis, "x")
                axis.set_xlabel("ms (log)")
                axis.set_ylabel("share of forwards ≤ x")
                axis.set_title(f"tiny forward: {title}", fontsize=10)
                axis.grid(True, which="both", alpha=0.3)
                axis.legend(fontsize=8, loc="lower right")
            save(figure, "round_trip.png", "round_trip")

    def plot_encode() -> None:
        encode = outcomes.get("encode")
        sweep = encode.figures.get("sweep") if encode and encode.figures else None
        if sweep:
            figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
            datums = sweep["datums"]
            for sdk, name in (("official", "official"), ("ours", "ours-protobuf")):
                ms = sweep["ms"][name]
                left.plot(datums, ms["total"], marker="o", color=colors[sdk], label=f"{labels[sdk]}: build + encode")
                left.plot(datums, ms["build"], linestyle=":", color=colors[sdk], label=f"{labels[sdk]}: build")
            pairs = zip(sweep["ms"]["ours-protobuf"]["total"], sweep["ms"]["official"]["total"], strict=True)
            ratios = [ours / official for ours, official in pairs]
            right.plot(datums, ratios, marker="o", color=colors["ours"], label="this SDK / official 0.38")
            right.axhline(0.8, color="tab:green", linestyle="--", label="P1 goal ≤ 0.8x (at 64 datums)")
            right.axhline(1.0, color="grey", linewidth=0.6)
            left.set_yscale("log")
            plain_log(left, "y")
            left.set_ylabel("ms (log)")
            right.set_ylabel("time ratio")
            right.set_ylim(bottom=0)
            for axis in (left, right):
                axis.set_xscale("log", base=2)
                axis.set_xticks(datums, [str(size) for size in datums])
                axis.set_xlabel(f"datums of {sweep['length']:,} tokens (log)")
                axis.grid(True, which="both", alpha=0.3)
                axis.legend(fontsize=7)
            left.set_title("building and encoding a forward_backward", fontsize=10)
            right.set_title("this SDK against official 0.38", fontsize=10)
            save(figure, "encode_batch_size.png", "encode")

    def plot_sampling() -> None:
        sampling = outcomes.get("sampling")
        if sampling and sampling.figures:
            figures = sampling.figures
            figure, axis = plt.subplots(figsize=(6.5, 3.6))
            concurrency = figures["concurrency"]
            for sdk in ("ours", "official"):
                if figures.get(sdk):
                    rates = figures[sdk]["requests_per_s"]
                    axis.plot(concurrency, rates, marker="o", color=colors[sdk], label=labels[sdk])
            ceiling = figures["ceiling"]["requests_per_s"]
            axis.axhline(ceiling, color="black", label="ceiling: the engine, one batch in-process")
            axis.axhline(0.8 * ceiling, color="tab:green", linestyle="--", label="P2 goal: 0.8x the ceiling")
            axis.set_xscale("log", base=2)
            axis.set_xticks(concurrency, [str(level) for level in concurrency])
            axis.set_xlabel("concurrent sample requests (log)")
            axis.set_ylabel("sample requests/s")
            axis.set_ylim(bottom=0)
            axis.set_title("sampling throughput through the SDK and the local server", fontsize=10)
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=8)
            save(figure, "sampling_throughput.png", "sampling")

    for plot in (plot_round_trip, plot_encode, plot_sampling):
        try:
            plot()
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:  # figures of another shape
            print(f"{plot.__name__}: left out ({type(error).__name__}: {error})", file=sys.stderr)
            plt.close("all")
    return written


# --- the report ---


def demoted(stdout: str) -> str:
    """A benchmark's own Markdown output inside a section: its headings one level below the section's."""
    lines = []
    for line in stdout.strip().splitlines():
        if line.startswith("figures written to"):
            continue
        lines.append("##" + line if line.startswith("# ") else line)
    return "\n".join(lines)


def load_headline(figures: dict[str, Any]) -> str:
    everything = "all requests but long-polls"
    rows = ["| phase | tenant | requests | errors | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|---|"]
    for phase, label in (("b_alone", "tenant B alone"), ("mixed", "A and B together")):
        for tenant in ("A", "B"):
            row = figures[phase].get(tenant, {}).get(everything)
            if row:
                rows.append(
                    f"| {label} | {tenant} | {row['count']:.0f} | {row['errors']:.0f} | {row['per_second']:.1f} | "
                    f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |"
                )
    settings, memory = figures["settings"], figures["memory_bytes"]
    mib = 1024 * 1024
    intro = (
        f"A {settings['duration_s']:.0f} s soak of two tenants on {settings['model']} after "
        f"{settings['baseline_s']:.0f} s of tenant B alone; every request but the long-polls (the script's own output "
        "breaks them down by request, and [security.md](security.md#under-load) says what the run checks)."
    )
    closing = (
        f"Sampled tokens/s under the mixed load: {figures['mixed']['sampled_tokens_per_s']:.0f}. Server resident "
        f"memory: {memory['after_start'] / mib:.0f} MiB idle after start, {memory['soak_peak'] / mib:.0f} MiB at the "
        f"peak of the soak, {memory['growth_first_to_last_tenth'] / mib:+.1f} MiB from its first to its last tenth."
    )
    return "\n\n".join([intro, "\n".join(rows), closing])


def write_report(
    outcomes: dict[str, Outcome], images: dict[str, str], output: Path, quick: bool, context: dict[str, Any]
) -> None:
    folder = output.with_suffix("").name
    goals = [goal_row(goal_id, outcomes[name], row) for goal_id, name, row in GOALS]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by benchmarks/report.py (`python3 -m nox -s bench`); do not edit by hand. -->",
        "",
        "Generated by `python3 -m nox -s bench` (`benchmarks/report.py`): every benchmark in `benchmarks/`, this SDK"
        " and the official tinker 0.38 SDK each in its own virtual environment, in alternating rounds, medians of"
        " repeats. CI does not run it; the figures are one machine's on one day.",
        "",
    ]
    if quick:
        lines += [
            "**Quick smoke run (`--quick`): few repeats and small batches. These figures are not the benchmarks'; "
            "run `python3 -m nox -s bench` for them.**",
            "",
        ]
    started, finished = context["started"], context["finished"]
    lines += [
        f"Run {started:%Y-%m-%d %H:%M} UTC, {(finished - started).total_seconds() / 60:.0f} minutes. "
        f"Load average (1 min) {context['load'][0]:.2f} at the start, {context['load'][1]:.2f} at the end.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in context["machine"]),
        "",
        "## Goals",
        "",
        "| id | measure | this SDK | baseline | ratio | goal | verdict |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {g.id} | {g.measure} | {g.ours} | {g.baseline} | {g.ratio} | {g.goal} | "
            f"{'**' + g.verdict + '**' if g.met is False else g.verdict} |"
            for g in goals
        ),
        "",
    ]
    missed = [g for g in goals if g.met is False]
    if missed:
        lines += ["Why the missed goals are missed:", ""]
        lines += [f"- {g.id}: {NOTES.get(g.id, 'see its section below.')}" for g in missed]
        lines.append("")
    for benchmark in BENCHMARKS:
        outcome = outcomes[benchmark.name]
        command = " ".join(["python", f"benchmarks/{benchmark.script}", *outcome.arguments])
        lines += [f"## {benchmark.title}", ""]
        if outcome.figures is None:
            lines += [f"{outcome.problem or 'not measured'}.", ""]
            if outcome.stdout.strip():
                lines += [demoted(outcome.stdout), ""]
            continue
        took = f" ({outcome.seconds:.0f} s)" if outcome.seconds else ""
        lines += [f"`{command}`{took}", ""]
        if benchmark.name in images:
            lines += [f"![{benchmark.title}]({folder}/{images[benchmark.name]})", ""]
        if benchmark.name == "load":
            lines += [load_headline(outcome.figures), ""]
        else:
            lines += [demoted(outcome.stdout), ""]
    output.write_text("\n".join(lines).rstrip() + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repeats, small batches")
    parser.add_argument("--only", help="comma-separated benchmarks to run: " + ", ".join(b.name for b in BENCHMARKS))
    parser.add_argument("--json-dir", type=Path, help="keep each benchmark's figures here (default: a scratch folder)")
    parser.add_argument("--reuse", action="store_true", help="take the figures already in --json-dir")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds each benchmark may run")
    args = parser.parse_args()
    if args.reuse and args.json_dir is None:
        parser.error("--reuse needs --json-dir")
    only = set(args.only.split(",")) if args.only else {b.name for b in BENCHMARKS}
    unknown = only - {b.name for b in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="tinker-bench-") as scratch:
        json_dir = args.json_dir or Path(scratch)
        json_dir.mkdir(parents=True, exist_ok=True)
        outcomes: dict[str, Outcome] = {}
        for benchmark in BENCHMARKS:
            if benchmark.name in only:
                outcomes[benchmark.name] = run_benchmark(benchmark, args.quick, json_dir, args.reuse, args.timeout)
            else:
                outcomes[benchmark.name] = Outcome(benchmark, [], problem="not measured (left out with --only)")
        context = _run_context(json_dir, args.reuse, started, load_before)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    images = plots(outcomes, args.output.with_suffix(""))
    write_report(outcomes, images, args.output, args.quick, context)
    print(f"wrote {args.output} and {len(images)} plot(s) in {args.output.with_suffix('')}", file=sys.stderr)
    failed = [outcome.benchmark.script for outcome in outcomes.values() if outcome.failed]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _run_context(json_dir: Path, reuse: bool, started: datetime.datetime, load_before: float) -> dict[str, Any]:
    """When and under what load the figures were measured: this run's, or with ``--reuse`` the run that measured
    them (kept beside them), so that a report rebuilt from saved figures still says how they were taken."""
    kept = json_dir / "run.json"
    if reuse and kept.exists():
        saved = json.loads(kept.read_text())
        return {
            "started": datetime.datetime.fromisoformat(saved["started"]),
            "finished": datetime.datetime.fromisoformat(saved["finished"]),
            "load": tuple(saved["load"]),
            "machine": saved["machine"],
        }
    context = {
        "started": started,
        "finished": datetime.datetime.now(datetime.UTC),
        "load": (load_before, os.getloadavg()[0]),
        "machine": machine(),
    }
    finished = context["finished"].isoformat()
    kept.write_text(json.dumps({**context, "started": started.isoformat(), "finished": finished}))
    return context


if __name__ == "__main__":
    sys.exit(main())
