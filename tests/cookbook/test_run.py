"""The cookbook runner's judgement on made-up results: test ids from JUnit files, what counts as a regression,
and the recipe checks, so that `nox -s cookbook` cannot pass by misreading its inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cookbook import run

OFFICIAL_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="pkg.mod_test" name="test_same" time="0.1" />
<testcase classname="pkg.mod_test.TestThing" name="test_broken[a-b]" time="0.1" />
<testcase classname="pkg.mod_test" name="test_hub" time="0.1"><failure message="OSError: no Hub">x</failure></testcase>
<testcase classname="pkg.mod_test" name="test_gone" time="0.1" />
<testcase classname="pkg.other_test" name="test_skip" time="0.1"><skipped message="skip" /></testcase>
</testsuite></testsuites>
"""

OURS_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="pkg.mod_test" name="test_same" time="0.1" />
<testcase classname="pkg.mod_test.TestThing" name="test_broken[a-b]" time="0.1">
<failure message="TypeError: replace() should be called on dataclass instances">trace</failure></testcase>
<testcase classname="pkg.mod_test" name="test_hub" time="0.1"><error message="OSError: no Hub">x</error></testcase>
<testcase classname="" name="pkg.broken_test" time="0"><error message="collection failure">x</error></testcase>
<testcase classname="pkg.other_test" name="test_skip" time="0.1"><skipped message="skip" /></testcase>
</testsuite></testsuites>
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    for name in ("mod_test.py", "other_test.py", "broken_test.py"):
        (tmp_path / "pkg" / name).write_text("")
    return tmp_path


def test_node_ids_follow_the_files_of_the_tree(tree: Path) -> None:
    assert run.node_id("pkg.mod_test", "test_x", tree) == "pkg/mod_test.py::test_x"
    assert run.node_id("pkg.mod_test.TestThing", "test_y[1]", tree) == "pkg/mod_test.py::TestThing::test_y[1]"
    assert run.node_id("", "pkg.broken_test", tree) == "pkg/broken_test.py"


def test_a_regression_is_a_pass_with_official_that_is_not_a_pass_with_ours(tree: Path) -> None:
    (tree / "official.xml").write_text(OFFICIAL_JUNIT)
    (tree / "ours.xml").write_text(OURS_JUNIT)
    comparison = run.Comparison(
        "pkg", run.parse_junit(tree / "official.xml", tree), run.parse_junit(tree / "ours.xml", tree)
    )
    candidates = comparison.candidates()
    assert sorted(candidates) == ["pkg/mod_test.py::TestThing::test_broken[a-b]", "pkg/mod_test.py::test_gone"]
    assert candidates["pkg/mod_test.py::test_gone"].outcome == run.ABSENT
    pairs = comparison.pairs()
    assert pairs[(run.PASSED, run.PASSED)] == 1
    assert pairs[(run.FAILED, run.FAILED)] == 1
    assert pairs[(run.SKIPPED, run.SKIPPED)] == 1
    assert pairs[(run.ABSENT, run.FAILED)] == 1


def test_the_report_lists_each_regression_under_the_error_it_gave(tree: Path) -> None:
    official = run.Env("official", Path("python"), versions={"tinker": "0.38.0", "tinker-openapi": None})
    ours = run.Env("ours", Path("python"), versions={"tinker": None, "tinker-openapi": "0.38.0.1"})
    comparison = run.Comparison("pkg", {}, {})
    comparison.regressions = {"pkg/mod_test.py::test_a": run.Case(run.FAILED, "TypeError: replace()\nmore")}
    text = run.render(official, ours, [comparison], [], timeout=120, model="tinker-local/tiny")
    assert "1 test: failed: TypeError: replace()" in text
    assert "- `pkg/mod_test.py::test_a`" in text
    comparison.regressions = {}
    text = run.render(official, ours, [comparison], [], timeout=120, model="tinker-local/tiny")
    assert "No test passes with the official SDK and fails with this one." in text


def _jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_the_supervised_check_wants_the_loss_to_fall_and_the_run_to_finish(tmp_path: Path) -> None:
    _jsonl(tmp_path / "checkpoints.jsonl", [{"name": "final", "sampler_path": "tinker://x"}])
    falling = [{"step": i, "train_mean_nll": 5.0 - i, "progress": (i + 1) / 4} for i in range(4)]
    _jsonl(tmp_path / "metrics.jsonl", falling)
    ok = run.RecipeRun("supervised", "ours", ok=False, seconds=1.0)
    run.check_supervised(tmp_path, ok)
    assert ok.problems == []
    assert ok.numbers["train_nll_last"] == 2.0
    _jsonl(tmp_path / "metrics.jsonl", [{**row, "train_mean_nll": 1.0 + row["step"]} for row in falling[:3]])
    bad = run.RecipeRun("supervised", "ours", ok=False, seconds=1.0)
    run.check_supervised(tmp_path, bad)
    assert any("did not fall" in problem for problem in bad.problems)
    assert any("stopped at progress" in problem for problem in bad.problems)


def test_the_rl_check_wants_every_iteration_and_weights_that_moved(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"dataset_builder": {"batches": 3}}))
    _jsonl(tmp_path / "checkpoints.jsonl", [{"name": "final", "sampler_path": "tinker://x"}])
    metrics = {"env/all/reward/total": 0.5, "optim/entropy": 5.0, "optim/kl_sample_train_v1": 0.0}
    _jsonl(tmp_path / "metrics.jsonl", [{"step": i, "progress/batch": i, **metrics} for i in range(3)])
    (tmp_path / "weights_check.json").write_text(json.dumps({"max_abs_logprob_diff": 0.5}))
    ok = run.RecipeRun("rl", "ours", ok=False, seconds=1.0)
    run.check_rl(tmp_path, ok)
    assert ok.problems == []
    _jsonl(tmp_path / "metrics.jsonl", [{"step": i, "progress/batch": i, **metrics} for i in range(2)])
    (tmp_path / "weights_check.json").write_text(json.dumps({"max_abs_logprob_diff": 0.0}))
    bad = run.RecipeRun("rl", "ours", ok=False, seconds=1.0)
    run.check_rl(tmp_path, bad)
    assert any("iterations logged" in problem for problem in bad.problems)
    assert any("as the base model does" in problem for problem in bad.problems)


def test_a_failed_recipe_is_reported_by_the_exception_it_ended_with(tmp_path: Path) -> None:
    log = tmp_path / "recipe.log"
    log.write_text("Traceback (most recent call last):\n  File x\nTypeError: 'ServiceClient' object is odd\n\n")
    assert run.error_line(log) == "TypeError: 'ServiceClient' object is odd"


def test_tests_and_recipes_run_offline_without_the_callers_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-secret")
    monkeypatch.setenv("CI", "true")
    environ = run.isolated_environ(Path("/tmp/hf"), TINKER_BASE_URL="http://127.0.0.1:1")
    assert "TINKER_API_KEY" not in environ
    assert "CI" not in environ
    assert environ["HF_HUB_OFFLINE"] == "1"
    assert environ["TINKER_BASE_URL"] == "http://127.0.0.1:1"
