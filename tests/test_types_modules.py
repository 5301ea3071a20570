"""tinker.types: every generated name (the 0.38 dataclasses in place of theirs), and the official SDK's deep import
paths to the same objects."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import pytest

from tinker import types
from tinker.types import _dataclasses, _modules
from tinker_api import pydantic_models

# The public modules of the official tinker 0.38 ``tinker/types`` package (its underscore modules aside).
_OFFICIAL_0_38_MODULE_LIST = """
audit_log_entry audit_log_response auth_token_response billing_usage_request billing_usage_response checkpoint
checkpoints_list_response client_config_request client_config_response client_dynamic_config_response
copy_weights_request copy_weights_response create_custom_loss_request create_custom_loss_response
create_model_request create_model_response create_sampling_session_request create_sampling_session_response
create_session_request create_session_response current_checkpoint_storage_usage_request
current_checkpoint_storage_usage_response cursor custom_loss_graph custom_loss_input datum dmel_chunk
encoded_text_chunk event_type external_weights_urls_response forward_backward_input forward_backward_output
forward_backward_request forward_request future_completion future_retrieve_request future_retrieve_response
futures_retrieve_request futures_retrieve_response generic_event get_info_request get_info_response
get_sampler_response get_server_capabilities_response get_session_response health_response
image_asset_pointer_chunk image_chunk join_sampling_session_request join_sampling_session_response
list_sessions_response load_weights_request load_weights_response lora_config loss_fn_inputs loss_fn_output
loss_fn_type model_id model_input model_input_chunk optim_step_request optim_step_response optimizer
prompt_alt_tokens provenance_spans request_error_category request_failed_response request_id sample_request
sample_response sampled_sequence sampling_client_kind sampling_params save_weights_external_request
save_weights_external_response save_weights_for_sampler_request save_weights_for_sampler_response
save_weights_request save_weights_response search_owner session_end_event session_heartbeat_request
session_heartbeat_response session_search_cursor session_search_request session_search_response
session_start_event session_status session_status_query session_summary severity stop_reason telemetry_batch
telemetry_event telemetry_response telemetry_send_request tensor_data tensor_dtype topk_logprobs training_run
training_runs_response try_again_response unhandled_exception_event unload_model_request unload_model_response
weights_info_response whoami_response shared shared.untyped_api_future
"""
OFFICIAL_0_38_MODULES = _OFFICIAL_0_38_MODULE_LIST.split()


def test_every_official_module_is_supported() -> None:
    assert len(OFFICIAL_0_38_MODULES) == 109
    assert sorted(_modules.OFFICIAL_MODULES) == sorted(OFFICIAL_0_38_MODULES)


@pytest.mark.parametrize("path", OFFICIAL_0_38_MODULES)
def test_each_deep_path_exports_the_same_objects(path: str) -> None:
    module = importlib.import_module(f"tinker.types.{path}")
    assert module.__name__ == f"tinker.types.{path}"
    assert importlib.util.find_spec(module.__name__) is not None
    names = _modules.OFFICIAL_MODULES[path]
    assert names and module.__all__ == list(names)
    for name in names:
        expected = _dataclasses.TopkLogprobs if name == "TopkLogprobs" else getattr(types, name)
        assert getattr(module, name) is expected, name


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("tensor_data", "TensorData"),
        ("model_input", "ModelInput"),
        ("datum", "Datum"),
        ("sampling_params", "SamplingParams"),
        ("checkpoint", "ParsedCheckpointTinkerPath"),
        ("checkpoint", "CheckpointType"),
        ("optim_step_request", "AdamParams"),
        ("provenance_spans", "PromptProvenanceSpan"),
        ("loss_fn_type", "LossFnType"),
        ("shared", "UntypedAPIFuture"),
        ("shared.untyped_api_future", "UntypedAPIFuture"),
    ],
)
def test_import_forms(path: str, name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from tinker.types.{path} import {name}", namespace)
    assert namespace[name] is getattr(types, name)
    exec(f"import tinker.types.{path} as module", namespace)
    assert namespace["module"] is sys.modules[f"tinker.types.{path}"]


def test_statement_imports_and_attributes() -> None:
    import tinker.types.tensor_data
    from tinker.types import datum, shared
    from tinker.types.tensor_data import TensorData

    assert TensorData is tinker.types.TensorData is tinker.types.tensor_data.TensorData
    assert datum.Datum is types.Datum and shared.untyped_api_future.UntypedAPIFuture is types.UntypedAPIFuture


def test_unknown_deep_paths_are_import_errors() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tinker.types.no_such_module")
    with pytest.raises(ImportError):
        exec("from tinker.types.tensor_data import ModelInput", {})


def test_the_package_exports_every_generated_name_and_no_imports() -> None:
    # the generated models of the 0.38 dataclasses are left out of pydantic_models.__all__; TopkLogprobs is the one
    # dataclass 0.38 keeps out of tinker.types (it is in tinker.types.topk_logprobs)
    assert types.__all__ == sorted({*pydantic_models.__all__, *_dataclasses.__all__})
    assert "TopkLogprobs" not in types.__all__
    assert {"Datum", "LossFnType", "ModelInputChunk", "StopReason", "TensorData", "UntypedAPIFuture"} <= set(
        types.__all__
    )
    assert not {"BaseModel", "Field", "Literal", "DatumMixin"} & set(types.__all__)
    for name in types.__all__:
        expected = getattr(_dataclasses, name) if name in _dataclasses.__all__ else getattr(pydantic_models, name)
        assert getattr(types, name) is expected, name
