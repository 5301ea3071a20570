"""Conservative requests: every request the SDK sends, made with default arguments, leaves out each field at the
default the document gives it unless the operation requires it, so that older and third-party servers accept it.

TuFT and SkyRL tx read request bodies with official tinker 0.25's request models, which forbid unknown fields: a
0.38 field sent at its default (``optimizer_config``, ``topk_sample_logprobs``, ``prompt_alt_tokens_k``, ``kind``)
failed every training client and sampler there with a 422. Each public method that sends a request runs once against
the local server; every body it sent is checked against the document (schema, and no field at the document's
default), and against the request models of the official 0.25.0 and 0.38.0 wheels, each read in a subprocess (both
import as ``tinker``). The wheels come from ``TINKER_OFFICIAL_PYTHONS`` (``0.25.0=/venv/bin/python,...``: an
interpreter where that release is installed, as ``nox -s compat`` makes), else a directory with the unpacked wheel
under ``TINKER_OFFICIAL_WHEELS`` (default: the temporary directory), else ``pip download``; offline, those two
tests skip and say why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import zstandard
from jsonschema import Draft202012Validator

import tinker
from tinker import types
from tinker._base_client import BaseClient, ClientSettings
from tinker.lib import _holder
from tinker.lib._encoding import OFFICIAL_REQUIRED, json_body, plain
from tinker.local import LocalServer
from tinker_api import openapi_document
from tinker_api.proto import tinker_public_pb2

from ..contract.recording import DocumentChecker
from .conftest import KEY, TINY, text_datum

OFFICIAL_VERSIONS = ("0.25.0", "0.38.0")
PROTOBUF = "application/x-protobuf"


@dataclass
class Sent:
    operation: str
    content_type: str
    content: bytes
    request: httpx.Request
    prefix: str  # the base URL's path

    @property
    def body(self) -> Any:
        return orjson.loads(self.content)


class Capture(httpx.AsyncBaseTransport):
    """Keeps every request on its way to ``inner``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, sink: list[httpx.Request]) -> None:
        self.inner = inner
        self.sink = sink

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sink.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def drive(local: LocalServer) -> None:
    """Every public method that sends a request, with default arguments wherever the method has them."""
    service = tinker.ServiceClient(base_url=local.base_url, api_key=KEY, wire_format="json")
    training = service.create_lora_training_client(TINY).result()
    training.forward([text_datum()], "cross_entropy").result()
    training.forward_backward([text_datum()], "cross_entropy").result()
    training.optim_step(types.AdamParams()).result()
    state = training.save_state("conservative-state").result().path
    sampler_path = training.save_weights_for_sampler("conservative-sampler").result().path
    with pytest.warns(FutureWarning):
        training.load_state(state).result()
    with pytest.warns(FutureWarning):
        training.load_state_with_optimizer(state).result()
    training.get_info()
    training.save_weights_and_get_sampling_client()
    training.create_sampling_client(sampler_path)
    service.create_training_client_from_state(state).result()
    service.create_training_client_from_state_with_optimizer(state).result()
    sampler = service.create_sampling_client(base_model=TINY).result()
    prompt = types.ModelInput.from_ints(list(b"the"))
    sampler.sample(prompt, 1, types.SamplingParams(max_tokens=2)).result()
    sampler.compute_logprobs(prompt).result()
    rest = tinker.RestClient(base_url=local.base_url, api_key=KEY)
    rest.get_weights_info_by_tinker_path(state).result()
    rest.set_checkpoint_ttl_from_tinker_path(sampler_path, 3600).result()
    rest.delete_checkpoint_from_tinker_path(rest.copy_weights(state).result()).result()
    rest.search_sessions(types.SessionSearchRequest()).result()
    session_id = service.holder._session_id
    assert session_id is not None
    rest.assign_session_project(session_id, "conservative").result()
    service.close("success").result()
    # the default wire: forward_backward and forward in protobuf
    with tinker.ServiceClient(base_url=local.base_url, api_key=KEY) as proto_service:
        proto_training = proto_service.create_lora_training_client(TINY).result()
        proto_training.forward_backward([text_datum()], "cross_entropy").result()
        proto_training.forward([text_datum()], "cross_entropy").result()


@pytest.fixture(scope="module")
def sent(local: LocalServer) -> list[Sent]:
    requests: list[httpx.Request] = []
    original = BaseClient.__init__

    def init(self: BaseClient, settings: ClientSettings, **kwargs: Any) -> None:
        original(self, settings, **kwargs)
        if kwargs.get("http_client") is None:
            self._http._transport = Capture(self._http._transport, requests)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "__init__", init)
        patch.setattr(_holder, "HEARTBEAT_INTERVAL", 0.05)  # so that a heartbeat goes out too
        drive(local)
    checker = DocumentChecker()
    prefix = httpx.URL(local.base_url).path.rstrip("/")
    found = []
    for request in requests:
        operation, problems = checker.match(request, prefix)
        assert operation is not None, problems
        if request.content:
            content_type = request.headers.get("content-type", "").split(";")[0]
            found.append(Sent(operation.operation_id, content_type, request.content, request, prefix))
    return found


def json_bodies(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.content_type == "application/json"]


def test_every_operation_with_a_body_was_driven(sent: list[Sent]) -> None:
    operations = {s.operation for s in sent}
    assert {
        "create_session",
        "session_heartbeat",
        "create_model",
        "forward",
        "forward_backward",
        "optim_step",
        "save_weights",
        "save_weights_for_sampler",
        "load_weights",
        "get_info",
        "create_sampling_session",
        "asample",
        "retrieve_future",
        "get_weights_info",
        "copy_weights",
        "search_sessions",
        "finish_session",
    } <= operations, sorted(operations)


def test_the_fields_issue_18_names_stay_out(sent: list[Sent]) -> None:
    """The 0.38 fields at their defaults that made every training client and sampler fail on TuFT."""
    for s in json_bodies(sent):
        body = s.body
        if s.operation == "create_model":
            assert "optimizer_config" not in body and set(body["lora_config"]) == {"rank"}
        elif s.operation == "asample":
            assert not {"topk_sample_logprobs", "prompt_alt_tokens_k", "topk_prompt_logprobs"} & set(body)
        elif s.operation == "save_weights_for_sampler":
            assert "kind" not in body
        elif s.operation == "save_weights":
            assert "overwrite" not in body
        elif s.operation == "optim_step":
            assert body["adam_params"] == {}
        if "type" in (schema := _request_schema(s.operation)).get("properties", {}):
            assert "type" in body, f"{s.operation}: the type tag stays"
        assert "seq_id" in body or "seq_id" not in schema.get("properties", {}) or s.operation in _NO_SEQ_ID


_NO_SEQ_ID = {"create_sampling_session", "load_weights"}  # create-from-state has no seq_id; a sampler is made


def test_every_body_fits_the_document(sent: list[Sent]) -> None:
    checker = DocumentChecker()
    problems = []
    for s in sent:
        operation, _ = checker.match(s.request, s.prefix)
        assert operation is not None
        problems += checker.check_request(operation, s.request, s.prefix)
    assert not problems, "\n".join(problems)


def test_no_field_is_sent_at_the_document_default(sent: list[Sent]) -> None:
    """Walked along the document's own schemas (not the SDK's models): a property with a default, not required, not
    a one-value tag, is not sent at that default."""
    found: list[str] = []
    for s in json_bodies(sent):
        _defaults_sent(_request_schema(s.operation), s.body, s.operation, None, found)
    assert not found, "fields sent at the document's default:\n" + "\n".join(found)


def test_protobuf_requests_write_no_field_at_its_default(sent: list[Sent]) -> None:
    """proto3 leaves scalars at their default out; a writer that wrote one anyway makes a longer body than protobuf
    itself would for the same message (optional fields and oneofs with presence included)."""
    proto = [s for s in sent if s.content_type == PROTOBUF]
    assert {s.operation for s in proto} >= {"forward_backward"}
    for s in proto:
        content = s.content
        if s.request.headers.get("content-encoding") == "zstd":
            content = zstandard.ZstdDecompressor().decompressobj().decompress(content)
        message = tinker_public_pb2.ForwardBackwardRequest()
        message.ParseFromString(content)
        assert message.ByteSize() == len(content), f"{s.operation}: a field written at its default"
        assert message.seq_id >= 1 and message.model_id and message.loss_fn == "cross_entropy"


@pytest.mark.parametrize("version", OFFICIAL_VERSIONS)
def test_official_request_models_accept_every_body(sent: list[Sent], version: str) -> None:
    """Each JSON body validates against that release's request model of the schema's name (they forbid unknown
    fields); an operation the release has no model for is one a server built on it does not serve."""
    command = _official_python(version)
    payload = [[s.operation, _schema_name(s.operation), s.body] for s in json_bodies(sent)]
    done = subprocess.run(
        [*command, "-P", "-c", _VALIDATE], input=json.dumps(payload), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["version"] == version
    assert not outcome["refused"], f"official {version} refuses:\n" + "\n".join(outcome["refused"])
    checked = set(outcome["checked"])
    assert {"create_session", "create_model", "asample", "create_sampling_session", "optim_step"} <= checked


def test_a_field_away_from_its_default_is_sent() -> None:
    request = types.SampleRequest.model_validate(
        {
            "prompt": types.ModelInput.from_ints([1]),
            "num_samples": 2,
            "sampling_params": types.SamplingParams(temperature=0.5, top_k=-1),
            "topk_sample_logprobs": 3,
        }
    )
    body = plain(request)
    assert body["num_samples"] == 2 and body["topk_sample_logprobs"] == 3 and body["type"] == "sample"
    assert body["sampling_params"] == {"temperature": 0.5}
    model = types.CreateModelRequest.model_validate(
        {
            "session_id": "s",
            "model_seq_id": 0,
            "base_model": TINY,
            "user_metadata": None,
            "optimizer_config": {"type": "dimuon", "version": 1},
        }
    )
    assert plain(model)["optimizer_config"] == {"type": "dimuon", "version": 1}
    assert "optimizer_config" not in plain(model.model_copy(update={"optimizer_config": {"type": "adamw"}}))
    saved = types.SaveWeightsForSamplerRequest(model_id="m", path="p", kind="inflight", seq_id=1)
    assert orjson.loads(json_body(saved).content)["kind"] == "inflight"
    session = types.CreateSessionRequest(tags=[], user_metadata=None, sdk_version="1")
    assert plain(session) == {"tags": [], "user_metadata": None, "sdk_version": "1", "type": "create_session"}
    empty = types.Datum(model_input=types.ModelInput.from_ints([1]), loss_fn_inputs={})
    assert plain(empty)["loss_fn_inputs"] == {}  # required by the official wire models: OFFICIAL_REQUIRED


# --- the document -----------------------------------------------------------------------------------------------

_DOCUMENT = openapi_document()


def _resolve(schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = _DOCUMENT["components"]["schemas"][name]
    return schema, name


def _request_schema(operation_id: str) -> dict[str, Any]:
    return _resolve(_request_schema_ref(operation_id))[0]


def _schema_name(operation_id: str) -> str | None:
    return _resolve(_request_schema_ref(operation_id))[1]


def _request_schema_ref(operation_id: str) -> dict[str, Any]:
    for item in _DOCUMENT["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return dict(operation["requestBody"]["content"]["application/json"]["schema"])
    raise KeyError(operation_id)


def _fits(schema: dict[str, Any], value: Any) -> bool:
    return bool(Draft202012Validator({**schema, "components": _DOCUMENT["components"]}).is_valid(value))


def _is_tag(schema: dict[str, Any]) -> bool:
    schema, _ = _resolve(schema)
    return "const" in schema or len(schema.get("enum", ())) == 1


def _defaults_sent(schema: dict[str, Any], value: Any, where: str, name: str | None, found: list[str]) -> None:
    schema, ref_name = _resolve(schema)
    name = ref_name or name
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()):
            if key == "allOf" or _fits(branch, value):
                _defaults_sent(branch, value, where, name, found)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        for field, item in value.items():
            if field not in properties:
                extra = schema.get("additionalProperties")
                if isinstance(extra, dict):
                    _defaults_sent(extra, item, f"{where}.{field}", None, found)
                continue
            prop = properties[field]
            if (
                "default" in prop
                and field not in required
                and not _is_tag(prop)
                and (name, field) not in OFFICIAL_REQUIRED
                and item == prop["default"]
            ):
                found.append(f"{where}.{field} = {item!r}")
            _defaults_sent(prop, item, f"{where}.{field}", None, found)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value[:3]):
            _defaults_sent(schema["items"], item, f"{where}[{index}]", None, found)


# --- the official releases ---------------------------------------------------------------------------------------


def _official_python(version: str) -> list[str]:
    """The command that imports official ``tinker`` ``version``: an interpreter it is installed in, else this one
    with the unpacked wheel first on ``sys.path``."""
    for entry in filter(None, os.environ.get("TINKER_OFFICIAL_PYTHONS", "").split(",")):
        named, _, python = entry.partition("=")
        if named.strip() == version:
            return [python.strip()]
    root = Path(os.environ.get("TINKER_OFFICIAL_WHEELS") or Path(tempfile.gettempdir()) / "tinker-official-wheels")
    unpacked = root / version
    if not (unpacked / "tinker" / "types").is_dir():
        _download(version, unpacked)
    return [sys.executable, "-X", f"tinker_official_path={unpacked}"]


def _download(version: str, into: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
        try:
            done = subprocess.run(
                [*pip, f"tinker=={version}", "-d", scratch],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            pytest.skip(f"official tinker {version} wheel not available ({error}); set TINKER_OFFICIAL_WHEELS")
        wheels = list(Path(scratch).glob("tinker-*.whl"))
        if done.returncode != 0 or not wheels:
            reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
            pytest.skip(f"official tinker {version} wheel could not be downloaded (offline?): {reason}")
        partial = Path(tempfile.mkdtemp(dir=into.parent if into.parent.is_dir() else None))
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(partial)
        into.parent.mkdir(parents=True, exist_ok=True)
        if not into.exists():  # another run may have unpacked it meanwhile
            partial.replace(into)


# Runs in the subprocess: official ``tinker`` (installed, or unpacked and put first on sys.path without running its
# package __init__, which needs dependencies this environment may lack); reads [[operation, schema, body], ...].
_VALIDATE = r"""
import dataclasses, json, sys, types
path = sys._xoptions.get("tinker_official_path")
if path:
    package = types.ModuleType("tinker")
    package.__path__ = [path + "/tinker"]
    sys.modules["tinker"] = package
    try:
        import sniffio  # noqa: F401  (imported by the package, used only when a client runs)
    except ImportError:
        sys.modules["sniffio"] = types.ModuleType("sniffio")
import importlib, importlib.metadata
import pydantic
import tinker.types as official
version = path.rstrip("/").rsplit("/", 1)[-1] if path else importlib.metadata.version("tinker")
wire = importlib.import_module("tinker.types._pydantic_types.forward_backward_input").ForwardBackwardInput
refused, checked = [], []
for operation, name, body in json.load(sys.stdin):
    model = getattr(official, name or "", None)
    if model is None:
        continue
    checked.append(operation)
    try:
        if dataclasses.is_dataclass(model):
            fields = {f.name: f for f in dataclasses.fields(model)}
            unknown = set(body) - set(fields)
            missing = {n for n, f in fields.items() if f.default is dataclasses.MISSING and n not in body}
            if unknown or missing:
                raise ValueError(f"unknown {sorted(unknown)}, missing {sorted(missing)}")
            for field in fields:
                if field.endswith("_input") and field in body:
                    wire.model_validate(body[field])
        else:
            model.model_validate(body)
    except (pydantic.ValidationError, ValueError) as error:
        refused.append(f"{operation} ({name}): {error}")
print(json.dumps({"version": version, "refused": refused, "checked": checked}))
"""
