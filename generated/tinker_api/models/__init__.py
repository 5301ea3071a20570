"""Contains all the data models used in inputs/outputs"""

from .create_session_request import CreateSessionRequest
from .create_session_request_user_metadata_type_0 import CreateSessionRequestUserMetadataType0
from .create_session_response import CreateSessionResponse
from .datum import Datum
from .datum_loss_fn_inputs import DatumLossFnInputs
from .encoded_text_chunk import EncodedTextChunk
from .forward_backward_input import ForwardBackwardInput
from .forward_backward_input_loss_fn_config_type_0 import ForwardBackwardInputLossFnConfigType0
from .forward_backward_output import ForwardBackwardOutput
from .forward_backward_output_loss_fn_outputs_item import ForwardBackwardOutputLossFnOutputsItem
from .forward_backward_output_metrics import ForwardBackwardOutputMetrics
from .forward_backward_request import ForwardBackwardRequest
from .future_retrieve_request import FutureRetrieveRequest
from .http_error import HTTPError
from .http_error_detail_type_2 import HTTPErrorDetailType2
from .http_validation_error import HTTPValidationError
from .image_chunk import ImageChunk
from .image_chunk_format import ImageChunkFormat
from .loss_fn_type import LossFnType
from .model_input import ModelInput
from .tensor_data import TensorData
from .tensor_dtype import TensorDtype
from .try_again_response import TryAgainResponse
from .try_again_response_queue_state import TryAgainResponseQueueState
from .untyped_api_future import UntypedAPIFuture
from .validation_error import ValidationError

__all__ = (
    "CreateSessionRequest",
    "CreateSessionRequestUserMetadataType0",
    "CreateSessionResponse",
    "Datum",
    "DatumLossFnInputs",
    "EncodedTextChunk",
    "ForwardBackwardInput",
    "ForwardBackwardInputLossFnConfigType0",
    "ForwardBackwardOutput",
    "ForwardBackwardOutputLossFnOutputsItem",
    "ForwardBackwardOutputMetrics",
    "ForwardBackwardRequest",
    "FutureRetrieveRequest",
    "HTTPError",
    "HTTPErrorDetailType2",
    "HTTPValidationError",
    "ImageChunk",
    "ImageChunkFormat",
    "LossFnType",
    "ModelInput",
    "TensorData",
    "TensorDtype",
    "TryAgainResponse",
    "TryAgainResponseQueueState",
    "UntypedAPIFuture",
    "ValidationError",
)
