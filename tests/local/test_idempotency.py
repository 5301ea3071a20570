"""X-Idempotency-Key on the local server: a retried request that changes something gets the first answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response

from tinker.local import LocalServer
from tinker.local import _idempotency as idempotency
from tinker.local._idempotency import Idempotency
from tinker.local._retention import prune_idempotent_answers
from tinker.local._store import Store

from .helpers import TEXT, Api, datum, tokens_of

SESSION = {"tags": [], "user_metadata": {}, "sdk_version": "test", "type": "create_session"}


def keyed(key: str) -> dict[str, Any]:
    return {"headers": {"X-Idempotency-Key": key}}


def count(server: LocalServer, sql: str, *params: Any) -> int:
    return int(server.app.state.service.store.sync.scalar(sql, params))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def checkpoint(api: Api) -> str:
    session = api.session()
    model_id = api.model(session, seq=0)
    api.forward_backward(model_id, 1, [datum(tokens_of(TEXT))])
    return api.save(model_id, 2, "kept")


def test_the_same_key_twice_gives_one_session(api: Api, server: LocalServer) -> None:
    before = count(server, "SELECT COUNT(*) FROM sessions")
    first = api.post("create_session", SESSION, **keyed("session-key-1"))
    again = api.post("create_session", SESSION, **keyed("session-key-1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count(server, "SELECT COUNT(*) FROM sessions") == before + 1


def test_different_keys_give_two_sessions(api: Api, server: LocalServer) -> None:
    before = count(server, "SELECT COUNT(*) FROM sessions")
    first = api.ok(api.post("create_session", SESSION, **keyed("session-key-2")))
    second = api.ok(api.post("create_session", SESSION, **keyed("session-key-3")))
    assert first["session_id"] != second["session_id"]
    assert count(server, "SELECT COUNT(*) FROM sessions") == before + 2


def test_without_a_key_every_request_counts(api: Api, server: LocalServer) -> None:
    before = count(server, "SELECT COUNT(*) FROM sessions")
    api.ok(api.post("create_session", SESSION))
    api.ok(api.post("create_session", SESSION))
    assert count(server, "SELECT COUNT(*) FROM sessions") == before + 2


def test_a_key_reused_for_another_request_runs_that_request_and_each_replays_its_own(
    api: Api, server: LocalServer
) -> None:
    before = count(server, "SELECT COUNT(*) FROM sessions")
    first = api.ok(api.post("create_session", SESSION, **keyed("reused-key")))
    other = {**SESSION, "tags": ["other"]}
    second = api.ok(api.post("create_session", other, **keyed("reused-key")))
    assert second["session_id"] != first["session_id"]
    again = api.post("create_session", other, **keyed("reused-key"))
    assert again.headers["idempotent-replayed"] == "true" and again.json() == second
    assert api.ok(api.post("create_session", SESSION, **keyed("reused-key"))) == first
    assert count(server, "SELECT COUNT(*) FROM sessions") == before + 2


def test_keys_belong_to_their_tenant(api: Api, other: Api) -> None:
    mine = api.ok(api.post("create_session", SESSION, **keyed("shared-key")))
    theirs = other.ok(other.post("create_session", SESSION, **keyed("shared-key")))
    assert mine["session_id"] != theirs["session_id"]


def test_keys_of_any_length_work_and_an_empty_one_names_nothing(api: Api, server: LocalServer) -> None:
    long = api.ok(api.post("create_session", SESSION, **keyed("k" * 10_000)))
    assert api.ok(api.post("create_session", SESSION, **keyed("k" * 10_000))) == long
    before = count(server, "SELECT COUNT(*) FROM sessions")
    api.ok(api.post("create_session", SESSION, **keyed("")))
    api.ok(api.post("create_session", SESSION, **keyed("")))
    assert count(server, "SELECT COUNT(*) FROM sessions") == before + 2


def test_the_same_key_twice_gives_one_copy(api: Api, server: LocalServer, checkpoint: str) -> None:
    """A session-less copy_weights makes a new training run each time; the key makes a retry find the first."""
    before = count(server, "SELECT COUNT(*) FROM training_runs WHERE model_id LIKE 'copy-%'")
    first = api.ok(api.post("copy_weights", {"source_path": checkpoint}, **keyed("copy-key-1")))
    again = api.ok(api.post("copy_weights", {"source_path": checkpoint}, **keyed("copy-key-1")))
    assert again == first
    assert count(server, "SELECT COUNT(*) FROM training_runs WHERE model_id LIKE 'copy-%'") == before + 1
    other = api.ok(api.post("copy_weights", {"source_path": checkpoint}, **keyed("copy-key-2")))
    assert other["tinker_path"] != first["tinker_path"]
    assert count(server, "SELECT COUNT(*) FROM training_runs WHERE model_id LIKE 'copy-%'") == before + 2


def test_a_copy_into_a_session_is_kept_too(api: Api, checkpoint: str) -> None:
    """With session_id and model_seq_id a second copy is refused (the run exists); a retry is not a second copy."""
    body = {"source_path": checkpoint, "session_id": api.session(), "model_seq_id": 5}
    first = api.ok(api.post("copy_weights", body, **keyed("copy-key-3")))
    assert api.ok(api.post("copy_weights", body, **keyed("copy-key-3"))) == first
    assert api.post("copy_weights", body, **keyed("copy-key-4")).status_code == 400


def _sample(**extra: Any) -> dict[str, Any]:
    return {
        "prompt": {"chunks": [{"type": "encoded_text", "tokens": [104, 105]}]},
        "sampling_params": {"max_tokens": 2, "temperature": 0.0},
        "num_samples": 1,
        "base_model": "tinker-local/tiny",
        **extra,
    }


def test_the_same_key_twice_gives_one_sample(api: Api, server: LocalServer) -> None:
    """An asample without seq_id gets a request id of its own; a retry with the key gets the first one."""
    before = count(server, "SELECT COUNT(*) FROM futures WHERE kind='SampleResponse'")
    first = api.ok(api.post("asample", _sample(), **keyed("sample-key-1")))
    again = api.ok(api.post("asample", _sample(), **keyed("sample-key-1")))
    assert again == first
    assert count(server, "SELECT COUNT(*) FROM futures WHERE kind='SampleResponse'") == before + 1
    other = api.ok(api.post("asample", _sample(), **keyed("sample-key-2")))
    assert other["request_id"] != first["request_id"]
    assert count(server, "SELECT COUNT(*) FROM futures WHERE kind='SampleResponse'") == before + 2
    tokens = [[sequence["tokens"] for sequence in api.value(future)["sequences"]] for future in (first, other)]
    assert tokens[0] == tokens[1]  # greedy: both samples ran, to the same end


def test_requests_with_a_seq_id_keep_the_seq_id_rules(api: Api) -> None:
    """The seq_id says which request it is: a key reused across seq_ids is no conflict, and the same seq_id under
    another key is still the same request."""
    model_id = api.model(api.session(), seq=0)
    body = {"model_id": model_id, "adam_params": {"learning_rate": 0.0}}
    first = api.ok(api.post("optim_step", {**body, "seq_id": 1}, **keyed("seq-key")))
    second = api.ok(api.post("optim_step", {**body, "seq_id": 2}, **keyed("seq-key")))
    assert first["request_id"] != second["request_id"]
    resent = api.ok(api.post("optim_step", {**body, "seq_id": 2}, **keyed("another-key")))
    assert resent["request_id"] == second["request_id"]
    changed = api.post("optim_step", {**body, "seq_id": 2, "adam_params": {"learning_rate": 1.0}}, **keyed("seq-key"))
    assert changed.status_code == 400  # the seq_id rule, as without a key


def test_polls_are_never_replayed(api: Api) -> None:
    future = api.ok(api.post("asample", _sample(), **keyed("sample-key-3")))
    polls = [api.post("retrieve_future", {"request_id": future["request_id"]}, **keyed("poll-key")) for _ in range(2)]
    assert all("Idempotent-Replayed" not in poll.headers for poll in polls)


# --- the store of answers, on its own -------------------------------------------------------------------


def _answers(tmp_path: Path) -> Idempotency:
    return Idempotency(Store(tmp_path / "store.sqlite3"))


def test_a_request_still_running_is_waited_for_not_run_twice(tmp_path: Path) -> None:
    answers = _answers(tmp_path)
    runs = 0

    async def produce() -> Response:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.2)
        return Response(b"first", status_code=200)

    async def both() -> list[Response]:
        return list(await asyncio.gather(*(answers.run("owner", "key", "print", produce) for _ in range(2))))

    first, second = asyncio.run(both())
    assert runs == 1 and first.body == second.body == b"first"
    assert "Idempotent-Replayed" in second.headers


def test_the_wait_for_a_running_request_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "IN_FLIGHT_WAIT", 0.1)
    answers = _answers(tmp_path)

    async def slow() -> Response:
        await asyncio.sleep(1.0)
        return Response(b"late")

    async def race() -> BaseException | Response:
        running = asyncio.ensure_future(answers.run("owner", "key", "print", slow))
        await asyncio.sleep(0.01)
        try:
            return await answers.run("owner", "key", "print", slow)
        except Exception as error:
            return error
        finally:
            await running

    error = asyncio.run(race())
    assert getattr(error, "status_code", None) == 409  # retried by clients: the first answer is on its way
    assert getattr(error, "headers", {}) == {"Retry-After": "1"}


def test_a_server_failure_is_not_kept(tmp_path: Path) -> None:
    answers = _answers(tmp_path)
    statuses = iter([503, 200])

    async def produce() -> Response:
        return Response(b"", status_code=next(statuses))

    async def twice() -> list[int]:
        return [(await answers.run("owner", "key", "print", produce)).status_code for _ in range(2)]

    assert asyncio.run(twice()) == [503, 200]


def test_old_answers_are_forgotten(tmp_path: Path) -> None:
    answers = _answers(tmp_path)

    async def produce() -> Response:
        return Response(b"kept")

    async def fill() -> None:
        for key in ("a", "b", "c"):
            await answers.run("owner", key, "print", produce)
        await answers.run("other", "a", "print", produce)

    asyncio.run(fill())
    store = answers._store
    assert asyncio.run(prune_idempotent_answers(store, keep=2)) == 1  # per tenant: the other's one answer stays
    assert asyncio.run(prune_idempotent_answers(store, older_than=0)) == 3
