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
    assert "| TuFT | 0.2.2 | this SDK | 1 | 1 | 0 | 1 |  |" in report
    assert "| json | 1 | 1 | 0.5 | unchanged |" in report
    assert "| `A.c` | **failed** | **failed** | server: the official SDK fails `A.c` too" in report


def test_an_official_failure_that_only_echoes_an_earlier_one_is_no_evidence() -> None:
    ours = records(TrainingClient__create_sampling_client="failed")
    official = records(TrainingClient__create_sampling_client="failed")
    official["results"]["TrainingClient.create_sampling_client"]["detail"] = "KeyError: 'sampler_path'"
    owner, evidence = attribute("TrainingClient.create_sampling_client", ours, {"0.38.0": official})
    assert owner == "unconfirmed" and "fails otherwise or not this far" in evidence


def test_an_echo_of_an_earlier_failure_is_put_down_to_whoever_that_one_is() -> None:
    ours = records(TrainingClient__save_weights_external="404", RestClient__get_external_weights_urls="failed")
    ours["results"]["RestClient.get_external_weights_urls"]["detail"] = (
        "MissingClient: no external_path: TrainingClient.save_weights_external failed"
    )
    owner, evidence = attribute("RestClient.get_external_weights_urls", ours, {})
    assert owner == "server" and "`TrainingClient.save_weights_external`" in evidence and "404" in evidence


def test_a_server_error_is_the_servers() -> None:
    ours = records(RestClient__unpublish_checkpoint_from_tinker_path="failed")
    ours["results"]["RestClient.unpublish_checkpoint_from_tinker_path"]["detail"] = (
        "InternalServerError: Error code: 500 - Internal Server Error (gave up after 11 attempts)"
    )
    assert attribute("RestClient.unpublish_checkpoint_from_tinker_path", ours, {})[0] == "server"


def test_a_wait_that_ran_out_while_the_server_answered_5xx_is_the_servers() -> None:
    ours = records(RestClient__unpublish="failed")
    ours["results"]["RestClient.unpublish"]["detail"] = "ResultTimeoutError: the request did not finish within 60s"
    assert attribute("RestClient.unpublish", ours, {})[0] == "ours"  # no evidence yet
    ours["wire"] += [{"path": "/api/v1/x", "status": 500, "step": "RestClient.unpublish"}] * 3
    owner, evidence = attribute("RestClient.unpublish", ours, {})
    assert owner == "server" and "3 time(s)" in evidence and "/api/v1/x 500" in evidence


def answered(data: dict[str, Any], step: str, **fields: str) -> None:
    data["wire"].append({"path": "/api/v1/retrieve_future", "status": 200, "step": step, "fields": fields})


def test_a_check_is_put_down_to_the_server_by_the_servers_own_answer() -> None:
    ours = records(TrainingClient__forward="failed", SamplingClient__sample="failed", TrainingClient__get_info="failed")
    ours["results"]["TrainingClient.forward"].update(detail="Check: a loss:sum metric among []", about="metrics")
    answered(ours, "TrainingClient.forward", request_id='"1"')  # a future's id says nothing
    answered(ours, "TrainingClient.forward", loss_fn_outputs="[...]", metrics="{}")
    owner, evidence = attribute("TrainingClient.forward", ours, {})
    assert owner == "server" and "`metrics: {}`" in evidence
    ours["results"]["SamplingClient.sample"].update(detail="Check: a prompt logprob per prompt token")
    ours["results"]["SamplingClient.sample"]["about"] = "prompt_logprobs"
    answered(ours, "SamplingClient.sample", sequences="[...]", type='"sample"')
    # a field the server sends only when asked: no evidence until the step's request is seen asking for it
    assert attribute("SamplingClient.sample", ours, {})[0] == "ours"
    ours["wire"].append({"path": "/api/v1/asample", "status": 200, "step": "SamplingClient.sample", "fields": None})
    ours["wire"][-1]["asked"] = {"prompt_logprobs": "true", "num_samples": "1"}
    owner, evidence = attribute("SamplingClient.sample", ours, {})
    assert owner == "server" and "lacks" in evidence and "sequences" in evidence
    # there, but without the protocol's null for the first prompt token (SkyRL tx)
    answered(ours, "SamplingClient.sample", sequences="[...]", prompt_logprobs="[-5.07, -5.42, -4.95")
    owner, evidence = attribute("SamplingClient.sample", ours, {})
    assert owner == "server" and "not null" in evidence
    # a value that is there: the check's failure is not shown to be the server's
    ours["results"]["TrainingClient.get_info"].update(detail="Check: model name", about="model_data")
    answered(ours, "TrainingClient.get_info", model_data='{"model_name": "x"}')
    assert attribute("TrainingClient.get_info", ours, {})[0] == "ours"


def test_a_path_not_of_the_protocols_form_is_the_servers() -> None:
    ours = records(TrainingClient__save_weights_for_sampler="failed", RestClient__set_checkpoint_ttl="failed")
    ours["results"]["TrainingClient.save_weights_for_sampler"].update(detail="Check: path 'x'", about="path")
    answered(ours, "TrainingClient.save_weights_for_sampler", path='"tinker://model_1/compat-sampler"')
    owner, evidence = attribute("TrainingClient.save_weights_for_sampler", ours, {})
    assert owner == "server" and "tinker://model_1/compat-sampler" in evidence
    ours["results"]["RestClient.set_checkpoint_ttl"]["detail"] = (
        "ValueError: Invalid tinker path 'tinker://model_1/compat-sampler': expected tinker://<run>/<kind>/<name>"
    )
    assert attribute("RestClient.set_checkpoint_ttl", ours, {})[0] == "server"
    # a path no answer of the server carried is not shown to be the server's
    ours["results"]["RestClient.set_checkpoint_ttl"]["detail"] = "ValueError: Invalid tinker path 'tinker://made/up'"
    assert attribute("RestClient.set_checkpoint_ttl", ours, {})[0] == "ours"
