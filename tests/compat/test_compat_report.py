"""The judging and the report of the compat check, on made-up results (the check itself runs in nox -s compat)."""

from __future__ import annotations

from typing import Any

import pytest

from .compat_report import NOT_SUPPORTED, OURS_GAPS, Outcome, judge, render

PROTOBUF_WIRE: list[dict[str, Any]] = [
    {
        "path": "/api/v1/forward_backward",
        "content_type": "application/x-protobuf",
        "content_encoding": "zstd",
        "accept": "application/json",
        "status": 200,
        "response_type": "application/json",
    },
    {
        "path": "/api/v1/retrieve_future",
        "content_type": "application/json",
        "content_encoding": "",
        "accept": "application/x-protobuf",
        "status": 200,
        "response_type": "application/x-protobuf",
    },
]


def outcome(results: dict[str, dict[str, str]], wire: list[dict[str, Any]] = PROTOBUF_WIRE) -> Outcome:
    return Outcome("0.38.0", sorted(results), results, wire, 1.0)


def test_a_run_passes_when_only_methods_without_local_meaning_fail() -> None:
    results = {"TrainingClient.forward": {"status": "ok", "detail": "checked"}}
    results.update({method: {"status": "failed", "detail": "OSError: offline"} for method in NOT_SUPPORTED})
    assert judge(outcome(results)) == []
    report = render([outcome(results)])
    assert "| `TrainingClient.forward` | ok | checked |" in report
    assert "| `RestClient.whoami` | not supported |" in report


def test_failures_missing_steps_and_the_wrong_wire_are_problems() -> None:
    results = {
        "TrainingClient.forward": {"status": "failed", "detail": "ValueError: boom"},
        "RestClient.whoami": {"status": "ok", "detail": ""},
    }
    run = Outcome("0.38.0", [*sorted(results), "TrainingClient.new_method"], results, [], 1.0)
    problems = judge(run)
    assert any(p.startswith("TrainingClient.forward: ValueError") for p in problems)
    assert any("take it off NOT_SUPPORTED" in p for p in problems)
    assert any("TrainingClient.new_method: the scenario has no step" in p for p in problems)
    assert any("zstd-compressed protobuf" in p for p in problems)
    assert any("no protobuf result" in p for p in problems)
    json_wire = [dict(PROTOBUF_WIRE[0], content_type="application/json", content_encoding=""), PROTOBUF_WIRE[1]]
    assert any("went as" in p for p in judge(outcome({}, json_wire)))


def test_this_sdk_is_judged_by_the_same_checks_with_its_known_gaps_and_every_method_of_the_newest_official(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    official = outcome({"TrainingClient.forward": {"status": "ok", "detail": "checked"}})
    official.methods.append("TrainingClient.forward_backward")
    gap = "ServiceClient.a_known_gap"  # the list may be empty: one made up, read where judge and render read it
    monkeypatch.setitem(OURS_GAPS, gap, "refused by this SDK, for the test")
    results = {
        "TrainingClient.forward": {"status": "ok", "detail": "checked"},
        gap: {"status": "failed", "detail": "NotImplementedError: no"},
    }
    ours = Outcome("0.38.0", sorted(results), results, PROTOBUF_WIRE, 1.0, "openapi")
    problems = judge(ours, official)
    assert problems == ["TrainingClient.forward_backward: official 0.38.0 has it, this SDK does not"]
    assert judge(outcome(results)) == [f"{gap}: NotImplementedError: no"]  # a gap of this SDK only
    ours.results[gap] = {"status": "ok", "detail": ""}
    assert any("take it off OURS_GAPS" in p for p in judge(ours, official))
    ours.results[gap] = {"status": "failed", "detail": "NotImplementedError: no"}
    report = render([official, ours])
    assert "| method | 0.38.0 | this SDK |" in report
    assert f"| `{gap}` | — | gap |" in report
    assert "| `TrainingClient.forward_backward` | **not called** | — |" in report
    assert "## this SDK (tinker-openapi)" in report
