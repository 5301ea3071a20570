"""The attribution and the report of nox -s interop, on made-up records (the servers run only in that session)."""

from __future__ import annotations

from typing import Any

from tests.compat.compat_report import OURS

from .run import SERVERS, Run, attribute, render


def records(**statuses: str) -> dict[str, Any]:
    methods = sorted(name.replace("__", ".") for name in statuses)
    results = {
        name.replace("__", "."): {"status": status, "detail": f"{status} detail" if status != "404" else ""}
        for name, status in statuses.items()
    }
    for record in results.values():
        if record["status"] == "404":
            record.update(status="failed", detail="NotFoundError: Error code: 404 - Not Found")
    return {"methods": methods, "results": results, "wire": [], "seconds": 1.0}


def test_a_failure_is_the_servers_when_the_official_sdk_fails_too_else_ours() -> None:
    ours = records(TrainingClient__forward="failed", RestClient__get_session="failed", RestClient__whoami="failed")
    official = records(TrainingClient__forward="failed", RestClient__get_session="ok", RestClient__whoami="failed")
    assert attribute("TrainingClient.forward", ours, {"0.38.0": official})[0] == "server"
    owner, evidence = attribute("RestClient.get_session", ours, {"0.38.0": official})
    assert owner == "ours" and "official 0.38.0 passes" in evidence
    assert attribute("RestClient.whoami", ours, {"0.38.0": official})[0] == "protocol"


def test_an_extension_is_judged_by_the_route_it_stands_on_and_a_404_is_a_missing_route() -> None:
    ours = records(SamplingClient__sample_stream="failed", RestClient__iter_sessions="404")
    official = records(SamplingClient__sample="failed", RestClient__list_sessions="ok")
    assert attribute("SamplingClient.sample_stream", ours, {"0.38.0": official})[0] == "server"
    assert attribute("RestClient.iter_sessions", ours, {"0.38.0": official})[0] == "ours"
    assert attribute("RestClient.iter_sessions", ours, {})[0] == "server"


def test_the_report_shows_skipped_servers_with_the_reason_and_counts_per_sdk() -> None:
    skipped = Run(SERVERS["skyrl"], skipped="cannot install skyrl==0.3.0: no space left")
    ran = Run(SERVERS["tuft"], version="0.2.2")
    ran.sdks = {OURS: records(A__b="ok", A__c="failed"), "0.38.0": records(A__b="ok", A__c="failed")}
    check = {"loss_before": 1.0, "loss_after_forwards_and_step": 1.0, "loss_after_training": 0.5}
    ran.forward_checks = {"json": {**check, "unchanged": True, "control_moved": True}}
    report = render([skipped, ran])
    assert "**Skipped**: cannot install skyrl==0.3.0: no space left" in report
    assert "| TuFT | 0.2.2 | this SDK | 1 | 1 | 0 | 1 |" in report
    assert "| json | 1 | 1 | 0.5 | unchanged |" in report
    assert "| `A.c` | **failed** | **failed** | server: the official SDK fails `A.c` too" in report


def test_an_official_failure_that_only_echoes_an_earlier_one_is_no_evidence() -> None:
    ours = records(TrainingClient__create_sampling_client="failed")
    official = records(TrainingClient__create_sampling_client="failed")
    official["results"]["TrainingClient.create_sampling_client"]["detail"] = "KeyError: 'sampler_path'"
    owner, evidence = attribute("TrainingClient.create_sampling_client", ours, {"0.38.0": official})
    assert owner == "unconfirmed" and "fails otherwise or not this far" in evidence
