"""RestClient and AdminClient against the local server: every method, and walking all pages."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import tinker
from tinker import types

from .conftest import TINY


@pytest.fixture(scope="module")
def saved(training: tinker.TrainingClient) -> dict[str, str]:
    return {
        "state": training.save_state("rest-state").result().path,
        "sampler": training.save_weights_for_sampler("rest-sampler").result().path,
    }


def test_training_runs(rest: tinker.RestClient, training: tinker.TrainingClient, saved: dict[str, str]) -> None:
    run = rest.get_training_run(training.model_id).result()
    assert run.base_model == TINY and run.lora_rank == 8
    assert rest.get_training_run_by_tinker_path(saved["state"]).result().training_run_id == training.model_id
    listed = rest.list_training_runs(limit=1).result()
    assert len(listed.training_runs) == 1 and listed.cursor.total_count >= 1
    every = list(rest.iter_training_runs(page_size=2))
    assert len(every) == listed.cursor.total_count and training.model_id in {r.training_run_id for r in every}


def test_checkpoints(rest: tinker.RestClient, training: tinker.TrainingClient, saved: dict[str, str]) -> None:
    ids = {c.checkpoint_id for c in rest.list_checkpoints(training.model_id).result().checkpoints}
    assert {"weights/rest-state", "sampler_weights/rest-sampler"} <= ids
    mine = {c.tinker_path for c in rest.iter_user_checkpoints(page_size=1)}
    assert set(saved.values()) <= mine
    info = rest.get_weights_info_by_tinker_path(saved["state"]).result()
    assert info.base_model == TINY and info.lora_rank == 8
    urls = rest.get_external_weights_urls(saved["state"]).result()
    assert urls.urls and urls.expires > datetime.now(UTC)
    rest.publish_checkpoint_from_tinker_path(saved["sampler"]).result()
    assert any(c.public for c in rest.list_checkpoints(training.model_id).result().checkpoints)
    rest.unpublish_checkpoint_from_tinker_path(saved["sampler"]).result()
    rest.set_checkpoint_ttl_from_tinker_path(saved["sampler"], 3600).result()
    rest.set_checkpoint_ttl_from_tinker_path(saved["sampler"], None).result()
    copied = rest.copy_weights(saved["state"]).result()
    assert copied.startswith("tinker://") and copied.endswith("/weights/rest-state")
    rest.delete_checkpoint_from_tinker_path(copied).result()
    temp = training.save_state("rest-temp").result().path
    rest.delete_checkpoint(training.model_id, "weights/rest-temp").result()
    with pytest.raises(tinker.NotFoundError):
        rest.get_weights_info_by_tinker_path(temp).result()
    with pytest.raises(ValueError):
        rest.delete_checkpoint_from_tinker_path("weights/nope")


def test_sessions_and_samplers(
    rest: tinker.RestClient, service: tinker.ServiceClient, training: tinker.TrainingClient
) -> None:
    session_id = service.holder._session_id
    assert session_id is not None
    assert session_id in set(rest.iter_sessions(page_size=1))
    assert training.model_id in rest.get_session(session_id).result().training_run_ids
    rest.assign_session_project(session_id, "team-a").result()
    found = rest.search_sessions(types.SessionSearchRequest(project_ids=["team-a"])).result()
    assert [s.session_id for s in found.sessions] == [session_id]
    assert "/files/traces/" in rest.export_session_trace(session_id).result()
    sampler = service.create_sampling_client(base_model=TINY).result()
    assert rest.get_sampler(sampler.sampling_session_id).result().base_model == TINY
    assert rest.get_server_capabilities().result().supported_models


def test_admin_client(local: object) -> None:
    from tinker.local import LocalServer

    assert isinstance(local, LocalServer)
    admin = tinker.AdminClient(base_url=local.base_url, api_key=local.config.api_keys[0])
    assert admin.get_audit_log().result().entries is not None
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    assert admin.get_billing_usage(hour - timedelta(hours=2), hour).result().data == []
    assert admin.get_current_checkpoint_storage_usage().result().data[0].checkpoint_count >= 0


def test_deprecated_async_variants(rest: tinker.RestClient, training: tinker.TrainingClient) -> None:
    async def run() -> None:
        with pytest.warns(FutureWarning, match="get_training_run_async is deprecated"):
            run = await rest.get_training_run_async(training.model_id)
        assert run.training_run_id == training.model_id
        with pytest.warns(FutureWarning):
            assert (await rest.list_user_checkpoints_async(limit=1)).checkpoints is not None

    asyncio.run(run())


def test_errors_are_typed(rest: tinker.RestClient) -> None:
    with pytest.raises(tinker.NotFoundError):
        rest.get_training_run("nope:train:0").result()
    with pytest.raises(tinker.TinkerError):
        rest.whoami()


@pytest.mark.parametrize("page_size", [0, -1, 2.5, True])
def test_iterators_refuse_a_page_size_that_would_never_end(rest: tinker.RestClient, page_size: Any) -> None:
    for iterate in (rest.iter_training_runs, rest.iter_user_checkpoints, rest.iter_sessions):
        with pytest.raises(ValueError, match="page_size"):
            iterate(page_size=page_size)
