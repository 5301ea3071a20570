"""Contains all the data models used in inputs/outputs"""

from .accessible_search_owner import AccessibleSearchOwner
from .active_session_status_query import ActiveSessionStatusQuery
from .adam_optimizer_config import AdamOptimizerConfig
from .adam_params import AdamParams
from .api_key_info_details import ApiKeyInfoDetails
from .api_key_info_response import ApiKeyInfoResponse
from .api_key_org_details import ApiKeyOrgDetails
from .api_key_user_details import ApiKeyUserDetails
from .assign_session_project_request import AssignSessionProjectRequest
from .audit_log_entry import AuditLogEntry
from .audit_log_entry_event_details import AuditLogEntryEventDetails
from .audit_log_response import AuditLogResponse
from .auth_token_request import AuthTokenRequest
from .auth_token_response import AuthTokenResponse
from .billing_usage_event import BillingUsageEvent
from .billing_usage_response import BillingUsageResponse
from .billing_usage_response_sessions import BillingUsageResponseSessions
from .billing_usage_session import BillingUsageSession
from .cancel_future_request import CancelFutureRequest
from .cancelled_session_status_query import CancelledSessionStatusQuery
from .checkpoint import Checkpoint
from .checkpoint_archive_url_response import CheckpointArchiveUrlResponse
from .checkpoint_billing_event import CheckpointBillingEvent
from .checkpoint_type import CheckpointType
from .checkpoints_list_response import CheckpointsListResponse
from .client_config_request import ClientConfigRequest
from .client_config_response import ClientConfigResponse
from .client_dynamic_config_response import ClientDynamicConfigResponse
from .client_finished_session_status_query import ClientFinishedSessionStatusQuery
from .client_session_finish_errored import ClientSessionFinishErrored
from .client_session_finish_interrupted import ClientSessionFinishInterrupted
from .client_session_finish_reason_type import ClientSessionFinishReasonType
from .client_session_finish_success import ClientSessionFinishSuccess
from .client_session_finished import ClientSessionFinished
from .copy_weights_request import CopyWeightsRequest
from .copy_weights_response import CopyWeightsResponse
from .create_custom_loss_request import CreateCustomLossRequest
from .create_custom_loss_response import CreateCustomLossResponse
from .create_model_request import CreateModelRequest
from .create_model_request_user_metadata_type_0 import CreateModelRequestUserMetadataType0
from .create_model_response import CreateModelResponse
from .create_sampling_session_request import CreateSamplingSessionRequest
from .create_sampling_session_response import CreateSamplingSessionResponse
from .create_session_request import CreateSessionRequest
from .create_session_request_user_metadata_type_0 import CreateSessionRequestUserMetadataType0
from .create_session_response import CreateSessionResponse
from .current_checkpoint_storage_usage_item import CurrentCheckpointStorageUsageItem
from .current_checkpoint_storage_usage_response import CurrentCheckpointStorageUsageResponse
from .cursor import Cursor
from .custom_loss_graph import CustomLossGraph
from .custom_loss_graph_format import CustomLossGraphFormat
from .custom_loss_input import CustomLossInput
from .custom_loss_input_rank import CustomLossInputRank
from .custom_loss_node import CustomLossNode
from .custom_loss_node_kwargs import CustomLossNodeKwargs
from .custom_loss_node_op import CustomLossNodeOp
from .datum import Datum
from .delete_checkpoint_checkpoint_kind import DeleteCheckpointCheckpointKind
from .dimuon_optimizer_config import DimuonOptimizerConfig
from .dimuon_optimizer_config_version import DimuonOptimizerConfigVersion
from .dimuon_params import DimuonParams
from .dmel_chunk import DmelChunk
from .encoded_text_chunk import EncodedTextChunk
from .event_type import EventType
from .external_weights_urls_response import ExternalWeightsUrlsResponse
from .external_weights_urls_response_urls import ExternalWeightsUrlsResponseUrls
from .failed_session_status_query import FailedSessionStatusQuery
from .forward_backward_content_encoding import ForwardBackwardContentEncoding
from .forward_backward_input import ForwardBackwardInput
from .forward_backward_input_loss_fn_config_type_0 import ForwardBackwardInputLossFnConfigType0
from .forward_backward_output import ForwardBackwardOutput
from .forward_backward_output_metrics import ForwardBackwardOutputMetrics
from .forward_backward_request import ForwardBackwardRequest
from .forward_request import ForwardRequest
from .future_failed import FutureFailed
from .future_finished import FutureFinished
from .future_metadata_response import FutureMetadataResponse
from .future_retrieve_request import FutureRetrieveRequest
from .futures_retrieve_request import FuturesRetrieveRequest
from .futures_retrieve_response import FuturesRetrieveResponse
from .generic_event import GenericEvent
from .generic_event_event_data import GenericEventEventData
from .get_audit_log_event_type import GetAuditLogEventType
from .get_billing_usage_request import GetBillingUsageRequest
from .get_checkpoint_archive_url_checkpoint_kind import GetCheckpointArchiveUrlCheckpointKind
from .get_current_checkpoint_storage_usage_request import GetCurrentCheckpointStorageUsageRequest
from .get_external_weights_urls_checkpoint_kind import GetExternalWeightsUrlsCheckpointKind
from .get_info_request import GetInfoRequest
from .get_info_response import GetInfoResponse
from .get_sampler_response import GetSamplerResponse
from .get_server_capabilities_response import GetServerCapabilitiesResponse
from .get_session_access_scope import GetSessionAccessScope
from .get_session_response import GetSessionResponse
from .get_training_run_access_scope import GetTrainingRunAccessScope
from .health_response import HealthResponse
from .http_error import HTTPError
from .http_error_detail_object import HTTPErrorDetailObject
from .http_validation_error import HTTPValidationError
from .image_asset_pointer_chunk import ImageAssetPointerChunk
from .image_chunk import ImageChunk
from .image_chunk_format import ImageChunkFormat
from .image_dimensions import ImageDimensions
from .join_sampling_session_request import JoinSamplingSessionRequest
from .join_sampling_session_response import JoinSamplingSessionResponse
from .list_sessions_access_scope import ListSessionsAccessScope
from .list_sessions_response import ListSessionsResponse
from .list_training_runs_access_scope import ListTrainingRunsAccessScope
from .load_weights_request import LoadWeightsRequest
from .load_weights_request_user_metadata import LoadWeightsRequestUserMetadata
from .load_weights_response import LoadWeightsResponse
from .lora_config import LoraConfig
from .loss_fn_inputs import LossFnInputs
from .loss_fn_output import LossFnOutput
from .loss_fn_type import LossFnType
from .model_data import ModelData
from .model_input import ModelInput
from .optim_step_request import OptimStepRequest
from .optim_step_response import OptimStepResponse
from .optim_step_response_metrics_type_0 import OptimStepResponseMetricsType0
from .optimizer_config_unknown import OptimizerConfigUnknown
from .own_search_owner import OwnSearchOwner
from .parsed_checkpoint_tinker_path import ParsedCheckpointTinkerPath
from .prompt_alt_tokens import PromptAltTokens
from .prompt_provenance_span import PromptProvenanceSpan
from .publish_checkpoint_checkpoint_kind import PublishCheckpointCheckpointKind
from .queue_state import QueueState
from .request_error_category import RequestErrorCategory
from .request_failed_response import RequestFailedResponse
from .sample_request import SampleRequest
from .sample_response import SampleResponse
from .sample_stream_done import SampleStreamDone
from .sample_stream_error import SampleStreamError
from .sample_stream_token import SampleStreamToken
from .sampled_provenance_span import SampledProvenanceSpan
from .sampled_sequence import SampledSequence
from .sampling_client_kind import SamplingClientKind
from .sampling_params import SamplingParams
from .sampling_prefill_billing_event import SamplingPrefillBillingEvent
from .sampling_sample_billing_event import SamplingSampleBillingEvent
from .sampling_session_futures_target import SamplingSessionFuturesTarget
from .save_weights_external_request import SaveWeightsExternalRequest
from .save_weights_external_response import SaveWeightsExternalResponse
from .save_weights_external_response_internal import SaveWeightsExternalResponseInternal
from .save_weights_for_sampler_request import SaveWeightsForSamplerRequest
from .save_weights_for_sampler_response import SaveWeightsForSamplerResponse
from .save_weights_for_sampler_response_internal import SaveWeightsForSamplerResponseInternal
from .save_weights_request import SaveWeightsRequest
from .save_weights_response import SaveWeightsResponse
from .session_active import SessionActive
from .session_cancelled import SessionCancelled
from .session_end_event import SessionEndEvent
from .session_failed import SessionFailed
from .session_failed_category import SessionFailedCategory
from .session_failed_request_reason import SessionFailedRequestReason
from .session_failed_sampling_session_reason import SessionFailedSamplingSessionReason
from .session_failed_training_run_reason import SessionFailedTrainingRunReason
from .session_finish_request import SessionFinishRequest
from .session_heartbeat_request import SessionHeartbeatRequest
from .session_heartbeat_response import SessionHeartbeatResponse
from .session_search_cursor import SessionSearchCursor
from .session_search_request import SessionSearchRequest
from .session_search_response import SessionSearchResponse
from .session_start_event import SessionStartEvent
from .session_summary import SessionSummary
from .session_trace_export_response import SessionTraceExportResponse
from .session_trace_export_response_status import SessionTraceExportResponseStatus
from .set_checkpoint_ttl_checkpoint_kind import SetCheckpointTtlCheckpointKind
from .set_checkpoint_ttl_request import SetCheckpointTtlRequest
from .severity import Severity
from .stop_reason import StopReason
from .storage_billing_event import StorageBillingEvent
from .supported_model import SupportedModel
from .telemetry_batch import TelemetryBatch
from .telemetry_response import TelemetryResponse
from .telemetry_send_request import TelemetrySendRequest
from .tensor_data import TensorData
from .tensor_dtype import TensorDtype
from .training_billing_event import TrainingBillingEvent
from .training_run import TrainingRun
from .training_runs_response import TrainingRunsResponse
from .try_again_response import TryAgainResponse
from .unhandled_exception_event import UnhandledExceptionEvent
from .unload_model_request import UnloadModelRequest
from .unload_model_response import UnloadModelResponse
from .unpublish_checkpoint_checkpoint_kind import UnpublishCheckpointCheckpointKind
from .untyped_api_future import UntypedAPIFuture
from .user_metadata import UserMetadata
from .user_search_owner import UserSearchOwner
from .validation_error import ValidationError
from .weights_info_request import WeightsInfoRequest
from .weights_info_response import WeightsInfoResponse
from .whoami_response import WhoamiResponse

__all__ = (
    "AccessibleSearchOwner",
    "ActiveSessionStatusQuery",
    "AdamOptimizerConfig",
    "AdamParams",
    "ApiKeyInfoDetails",
    "ApiKeyInfoResponse",
    "ApiKeyOrgDetails",
    "ApiKeyUserDetails",
    "AssignSessionProjectRequest",
    "AuditLogEntry",
    "AuditLogEntryEventDetails",
    "AuditLogResponse",
    "AuthTokenRequest",
    "AuthTokenResponse",
    "BillingUsageEvent",
    "BillingUsageResponse",
    "BillingUsageResponseSessions",
    "BillingUsageSession",
    "CancelFutureRequest",
    "CancelledSessionStatusQuery",
    "Checkpoint",
    "CheckpointArchiveUrlResponse",
    "CheckpointBillingEvent",
    "CheckpointsListResponse",
    "CheckpointType",
    "ClientConfigRequest",
    "ClientConfigResponse",
    "ClientDynamicConfigResponse",
    "ClientFinishedSessionStatusQuery",
    "ClientSessionFinished",
    "ClientSessionFinishErrored",
    "ClientSessionFinishInterrupted",
    "ClientSessionFinishReasonType",
    "ClientSessionFinishSuccess",
    "CopyWeightsRequest",
    "CopyWeightsResponse",
    "CreateCustomLossRequest",
    "CreateCustomLossResponse",
    "CreateModelRequest",
    "CreateModelRequestUserMetadataType0",
    "CreateModelResponse",
    "CreateSamplingSessionRequest",
    "CreateSamplingSessionResponse",
    "CreateSessionRequest",
    "CreateSessionRequestUserMetadataType0",
    "CreateSessionResponse",
    "CurrentCheckpointStorageUsageItem",
    "CurrentCheckpointStorageUsageResponse",
    "Cursor",
    "CustomLossGraph",
    "CustomLossGraphFormat",
    "CustomLossInput",
    "CustomLossInputRank",
    "CustomLossNode",
    "CustomLossNodeKwargs",
    "CustomLossNodeOp",
    "Datum",
    "DeleteCheckpointCheckpointKind",
    "DimuonOptimizerConfig",
    "DimuonOptimizerConfigVersion",
    "DimuonParams",
    "DmelChunk",
    "EncodedTextChunk",
    "EventType",
    "ExternalWeightsUrlsResponse",
    "ExternalWeightsUrlsResponseUrls",
    "FailedSessionStatusQuery",
    "ForwardBackwardContentEncoding",
    "ForwardBackwardInput",
    "ForwardBackwardInputLossFnConfigType0",
    "ForwardBackwardOutput",
    "ForwardBackwardOutputMetrics",
    "ForwardBackwardRequest",
    "ForwardRequest",
    "FutureFailed",
    "FutureFinished",
    "FutureMetadataResponse",
    "FutureRetrieveRequest",
    "FuturesRetrieveRequest",
    "FuturesRetrieveResponse",
    "GenericEvent",
    "GenericEventEventData",
    "GetAuditLogEventType",
    "GetBillingUsageRequest",
    "GetCheckpointArchiveUrlCheckpointKind",
    "GetCurrentCheckpointStorageUsageRequest",
    "GetExternalWeightsUrlsCheckpointKind",
    "GetInfoRequest",
    "GetInfoResponse",
    "GetSamplerResponse",
    "GetServerCapabilitiesResponse",
    "GetSessionAccessScope",
    "GetSessionResponse",
    "GetTrainingRunAccessScope",
    "HealthResponse",
    "HTTPError",
    "HTTPErrorDetailObject",
    "HTTPValidationError",
    "ImageAssetPointerChunk",
    "ImageChunk",
    "ImageChunkFormat",
    "ImageDimensions",
    "JoinSamplingSessionRequest",
    "JoinSamplingSessionResponse",
    "ListSessionsAccessScope",
    "ListSessionsResponse",
    "ListTrainingRunsAccessScope",
    "LoadWeightsRequest",
    "LoadWeightsRequestUserMetadata",
    "LoadWeightsResponse",
    "LoraConfig",
    "LossFnInputs",
    "LossFnOutput",
    "LossFnType",
    "ModelData",
    "ModelInput",
    "OptimizerConfigUnknown",
    "OptimStepRequest",
    "OptimStepResponse",
    "OptimStepResponseMetricsType0",
    "OwnSearchOwner",
    "ParsedCheckpointTinkerPath",
    "PromptAltTokens",
    "PromptProvenanceSpan",
    "PublishCheckpointCheckpointKind",
    "QueueState",
    "RequestErrorCategory",
    "RequestFailedResponse",
    "SampledProvenanceSpan",
    "SampledSequence",
    "SampleRequest",
    "SampleResponse",
    "SampleStreamDone",
    "SampleStreamError",
    "SampleStreamToken",
    "SamplingClientKind",
    "SamplingParams",
    "SamplingPrefillBillingEvent",
    "SamplingSampleBillingEvent",
    "SamplingSessionFuturesTarget",
    "SaveWeightsExternalRequest",
    "SaveWeightsExternalResponse",
    "SaveWeightsExternalResponseInternal",
    "SaveWeightsForSamplerRequest",
    "SaveWeightsForSamplerResponse",
    "SaveWeightsForSamplerResponseInternal",
    "SaveWeightsRequest",
    "SaveWeightsResponse",
    "SessionActive",
    "SessionCancelled",
    "SessionEndEvent",
    "SessionFailed",
    "SessionFailedCategory",
    "SessionFailedRequestReason",
    "SessionFailedSamplingSessionReason",
    "SessionFailedTrainingRunReason",
    "SessionFinishRequest",
    "SessionHeartbeatRequest",
    "SessionHeartbeatResponse",
    "SessionSearchCursor",
    "SessionSearchRequest",
    "SessionSearchResponse",
    "SessionStartEvent",
    "SessionSummary",
    "SessionTraceExportResponse",
    "SessionTraceExportResponseStatus",
    "SetCheckpointTtlCheckpointKind",
    "SetCheckpointTtlRequest",
    "Severity",
    "StopReason",
    "StorageBillingEvent",
    "SupportedModel",
    "TelemetryBatch",
    "TelemetryResponse",
    "TelemetrySendRequest",
    "TensorData",
    "TensorDtype",
    "TrainingBillingEvent",
    "TrainingRun",
    "TrainingRunsResponse",
    "TryAgainResponse",
    "UnhandledExceptionEvent",
    "UnloadModelRequest",
    "UnloadModelResponse",
    "UnpublishCheckpointCheckpointKind",
    "UntypedAPIFuture",
    "UserMetadata",
    "UserSearchOwner",
    "ValidationError",
    "WeightsInfoRequest",
    "WeightsInfoResponse",
    "WhoamiResponse",
)
