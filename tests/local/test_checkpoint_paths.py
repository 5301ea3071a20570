"""Checkpoint paths of a form this server does not make (SkyRL tx names sampler weights
``tinker://<model id>/<name>``): the document asks a request's path only to start with ``tinker://`` and hold
something after it, so the local server refuses the others in its handlers: the 404 a path naming no checkpoint
gets, with a detail naming the field and the form this server makes. A refused load_weights uses up its seq_id, as
any refused training request does, so the model's next request runs without waiting on a gap.

All answers pass through a transport that checks them against the document (see conftest).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import TEXT, Api, datum, tokens_of

TOKENS = tokens_of(TEXT)
SKYRL_STYLE = "tinker://model_31cba0e1/compat-sampler"
FORM = "tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>"
OTHER_FORMS = [
    SKYRL_STYLE,
    "tinker://model_31cba0e1",
    "tinker://run/checkpoints/name",  # not one of this server's kinds
    "tinker://run/weights/name/more",
    "tinker:///weights/name",  # no training run id
    "tinker://run/weights/",  # no name
]


@pytest.fixture(scope="module")
def session(api: Api) -> str:
    return api.session()


def _sample_body(**extra: Any) -> dict[str, Any]:
    return {
        "prompt": {"chunks": [{"type": "encoded_text", "tokens": TOKENS[:5]}]},
        "sampling_params": {"max_tokens": 4, "temperature": 0.0},
        **extra,
    }


def _refused(response: httpx.Response, field: str, path: str) -> None:
    assert response.status_code == 404, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(f"{field}: "), detail
    assert repr(path) in detail and FORM in detail, detail


@pytest.mark.parametrize("path", OTHER_FORMS)
def test_a_path_of_another_form_is_a_404_naming_the_field_and_the_form(api: Api, session: str, path: str) -> None:
    requests = [
        ("create_sampling_session", {"session_id": session, "sampling_session_seq_id": 0, "model_path": path}),
        ("asample", _sample_body(model_path=path)),
        ("stream_sample", _sample_body(model_path=path)),
        ("load_weights", {"session_id": session, "model_seq_id": 0, "path": path, "optimizer": False}),
        ("weights_info", {"tinker_path": path}),
        ("copy_weights", {"source_path": path}),
    ]
    fields = ["model_path", "model_path", "model_path", "path", "tinker_path", "source_path"]
    for (operation, body), field in zip(requests, fields, strict=True):
        _refused(api.post(operation, body), field, path)
    # nothing was made on the way: the sampler's seq_id is free, and so is the training run's
    assert api.get(f"samplers/{session}:sample:0").status_code == 404
    assert api.get(f"training_runs/{session}:train:0").status_code == 404


def test_the_schema_still_asks_for_the_prefix(api: Api, session: str) -> None:
    for path in ("tinker://", "model_31cba0e1/compat-sampler", "s3://bucket/weights/x"):
        assert api.post("weights_info", {"tinker_path": path}).status_code == 422
        body = {"session_id": session, "sampling_session_seq_id": 0, "model_path": path}
        assert api.post("create_sampling_session", body).status_code == 422


def test_a_refused_load_uses_up_its_seq_id(api: Api, session: str) -> None:
    model_id = api.model(session, seq=1)
    body = {"model_id": model_id, "seq_id": 1, "path": SKYRL_STYLE, "optimizer": False}
    _refused(api.post("load_weights", body), "path", SKYRL_STYLE)
    # seq_id 1 is used up: seq_id 2 runs at once (with a hole it would fail after the server's 2 s gap timeout)
    metrics = api.forward_backward(model_id, 2, [datum(TOKENS)])["metrics"]
    assert metrics["loss:sum"] > 0
