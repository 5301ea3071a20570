from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.model_input import ModelInput
    from ..models.sampling_params import SamplingParams
    from ..models.tensor_data import TensorData


T = TypeVar("T", bound="SampleRequest")


@_attrs_define
class SampleRequest:
    """Asks for completions of one prompt; answered with a future that resolves to SampleResponse. Target either a sampling
    session, a model_path, or a base_model; a request naming none of them fails the schema (422).

    """

    prompt: ModelInput
    """ Model input as an ordered list of chunks (text tokens, images, dmel audio). """
    sampling_params: SamplingParams
    """ Decoding settings of a sample call; unknown keys are ignored. """
    num_samples: int | Unset = 1
    """ Number of independent completions. The local server takes at most 128 per request, and at most its
    max_sampled_tokens (65,536 by default) as max_tokens x num_samples; past either it answers 400. """
    base_model: str | Unset = UNSET
    """ Base model to sample from. """
    model_path: str | Unset = UNSET
    """ tinker:// path of weights to sample from, as a server returned it. The hosted service and the local server
    make tinker://<training run id>/<weights|sampler_weights|external_weights>/<name>; other servers make other
    forms (SkyRL tx: tinker://<model id>/<name>), so the schema asks only for the tinker:// prefix, as the official
    SDK checks. The local server answers a path of another form as one naming no checkpoint (404). """
    sampling_session_id: str | Unset = UNSET
    """ Sampling session to run in. """
    seq_id: int | Unset = UNSET
    """ Per-sampling-client counter (from 0, new for every retry); may exceed 2^53. """
    prompt_logprobs: bool | None | Unset = UNSET
    """ Also return the logprob of every prompt token. """
    topk_prompt_logprobs: int | Unset = 0
    """ Also return the k most likely tokens at every prompt position (0 = off). """
    topk_sample_logprobs: int | Unset = 0
    """ Also return the k most likely tokens at every sampled position (0 = off). """
    target_prompt_logprobs: TensorData | Unset = UNSET
    """ A tensor in JSON form: values flattened row-major. When both sparse index lists are set the tensor is CSR:
    data holds the non-zero values, sparse_crow_indices has rows+1 entries, sparse_col_indices one per value, and
    shape is required. """
    prompt_alt_tokens_k: int | Unset = 0
    """ Also return k alternative tokens per prompt position with their logprobs (0 = off). """
    prompt_logprobs_last_n: int | None | Unset = UNSET
    """ Limit prompt logprobs to the last n positions. """
    record_stability_info: bool | None | Unset = UNSET
    """ Record what stable_reinforce needs about these samples. """
    type_: Literal["sample"] | Unset = "sample"
    """ Request kind tag. """

    def to_dict(self) -> dict[str, Any]:
        prompt = self.prompt.to_dict()

        sampling_params = self.sampling_params.to_dict()

        num_samples = self.num_samples

        base_model = self.base_model

        model_path = self.model_path

        sampling_session_id = self.sampling_session_id

        seq_id = self.seq_id

        prompt_logprobs: bool | None | Unset
        if isinstance(self.prompt_logprobs, Unset):
            prompt_logprobs = UNSET
        else:
            prompt_logprobs = self.prompt_logprobs

        topk_prompt_logprobs = self.topk_prompt_logprobs

        topk_sample_logprobs = self.topk_sample_logprobs

        target_prompt_logprobs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.target_prompt_logprobs, Unset):
            target_prompt_logprobs = self.target_prompt_logprobs.to_dict()

        prompt_alt_tokens_k = self.prompt_alt_tokens_k

        prompt_logprobs_last_n: int | None | Unset
        if isinstance(self.prompt_logprobs_last_n, Unset):
            prompt_logprobs_last_n = UNSET
        else:
            prompt_logprobs_last_n = self.prompt_logprobs_last_n

        record_stability_info: bool | None | Unset
        if isinstance(self.record_stability_info, Unset):
            record_stability_info = UNSET
        else:
            record_stability_info = self.record_stability_info

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "prompt": prompt,
                "sampling_params": sampling_params,
            }
        )
        if num_samples is not UNSET:
            field_dict["num_samples"] = num_samples
        if base_model is not UNSET:
            field_dict["base_model"] = base_model
        if model_path is not UNSET:
            field_dict["model_path"] = model_path
        if sampling_session_id is not UNSET:
            field_dict["sampling_session_id"] = sampling_session_id
        if seq_id is not UNSET:
            field_dict["seq_id"] = seq_id
        if prompt_logprobs is not UNSET:
            field_dict["prompt_logprobs"] = prompt_logprobs
        if topk_prompt_logprobs is not UNSET:
            field_dict["topk_prompt_logprobs"] = topk_prompt_logprobs
        if topk_sample_logprobs is not UNSET:
            field_dict["topk_sample_logprobs"] = topk_sample_logprobs
        if target_prompt_logprobs is not UNSET:
            field_dict["target_prompt_logprobs"] = target_prompt_logprobs
        if prompt_alt_tokens_k is not UNSET:
            field_dict["prompt_alt_tokens_k"] = prompt_alt_tokens_k
        if prompt_logprobs_last_n is not UNSET:
            field_dict["prompt_logprobs_last_n"] = prompt_logprobs_last_n
        if record_stability_info is not UNSET:
            field_dict["record_stability_info"] = record_stability_info
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_input import ModelInput  # noqa: PLC0415
        from ..models.sampling_params import SamplingParams  # noqa: PLC0415
        from ..models.tensor_data import TensorData  # noqa: PLC0415

        d = dict(src_dict)
        prompt = ModelInput.from_dict(d.pop("prompt"))

        sampling_params = SamplingParams.from_dict(d.pop("sampling_params"))

        num_samples = d.pop("num_samples", UNSET)

        base_model = d.pop("base_model", UNSET)

        model_path = d.pop("model_path", UNSET)

        sampling_session_id = d.pop("sampling_session_id", UNSET)

        seq_id = d.pop("seq_id", UNSET)

        def _parse_prompt_logprobs(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        prompt_logprobs = _parse_prompt_logprobs(d.pop("prompt_logprobs", UNSET))

        topk_prompt_logprobs = d.pop("topk_prompt_logprobs", UNSET)

        topk_sample_logprobs = d.pop("topk_sample_logprobs", UNSET)

        _target_prompt_logprobs = d.pop("target_prompt_logprobs", UNSET)
        target_prompt_logprobs: TensorData | Unset
        if isinstance(_target_prompt_logprobs, Unset):
            target_prompt_logprobs = UNSET
        else:
            target_prompt_logprobs = TensorData.from_dict(_target_prompt_logprobs)

        prompt_alt_tokens_k = d.pop("prompt_alt_tokens_k", UNSET)

        def _parse_prompt_logprobs_last_n(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        prompt_logprobs_last_n = _parse_prompt_logprobs_last_n(d.pop("prompt_logprobs_last_n", UNSET))

        def _parse_record_stability_info(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        record_stability_info = _parse_record_stability_info(d.pop("record_stability_info", UNSET))

        type_ = cast(Literal["sample"] | Unset, d.pop("type", UNSET))
        if type_ != "sample" and not isinstance(type_, Unset):
            raise ValueError(f"type must match const 'sample', got '{type_}'")

        sample_request = cls(
            prompt=prompt,
            sampling_params=sampling_params,
            num_samples=num_samples,
            base_model=base_model,
            model_path=model_path,
            sampling_session_id=sampling_session_id,
            seq_id=seq_id,
            prompt_logprobs=prompt_logprobs,
            topk_prompt_logprobs=topk_prompt_logprobs,
            topk_sample_logprobs=topk_sample_logprobs,
            target_prompt_logprobs=target_prompt_logprobs,
            prompt_alt_tokens_k=prompt_alt_tokens_k,
            prompt_logprobs_last_n=prompt_logprobs_last_n,
            record_stability_info=record_stability_info,
            type_=type_,
        )

        return sample_request
