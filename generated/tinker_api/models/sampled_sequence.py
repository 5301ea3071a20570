from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stop_reason import StopReason, check_stop_reason
from ..types import UNSET, Unset

T = TypeVar("T", bound="SampledSequence")


@_attrs_define
class SampledSequence:
    """One completion in its JSON form."""

    tokens: list[int]
    """ Generated token ids. """
    stop_reason: StopReason
    """ Why a sequence ended; "stop" for a stop sequence or end-of-sequence token, "length" for max_tokens. """
    logprobs: list[float] | None | Unset = UNSET
    """ Logprob of each generated token. """
    sequence_id: str | Unset = UNSET
    """ Id of this sequence (from the future's sample_sequence_ids), used by provenance spans. """
    topk_logprobs: list[list[list[float | int]] | None] | None | Unset = UNSET
    """ Most likely tokens at each sampled position, when asked for. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tokens = self.tokens

        stop_reason: str = self.stop_reason

        logprobs: list[float] | None | Unset
        if isinstance(self.logprobs, Unset):
            logprobs = UNSET
        elif isinstance(self.logprobs, list):
            logprobs = self.logprobs

        else:
            logprobs = self.logprobs

        sequence_id = self.sequence_id

        topk_logprobs: list[list[list[float | int]] | None] | None | Unset
        if isinstance(self.topk_logprobs, Unset):
            topk_logprobs = UNSET
        elif isinstance(self.topk_logprobs, list):
            topk_logprobs = []
            for componentsschemas_topk_logprobs_item_data in self.topk_logprobs:
                componentsschemas_topk_logprobs_item: list[list[float | int]] | None
                if isinstance(componentsschemas_topk_logprobs_item_data, list):
                    componentsschemas_topk_logprobs_item = []
                    for (
                        componentsschemas_topk_logprobs_item_type_0_item_data
                    ) in componentsschemas_topk_logprobs_item_data:
                        componentsschemas_topk_logprobs_item_type_0_item = []
                        for (
                            componentsschemas_topk_logprobs_item_type_0_item_item_data
                        ) in componentsschemas_topk_logprobs_item_type_0_item_data:
                            componentsschemas_topk_logprobs_item_type_0_item_item: float | int
                            componentsschemas_topk_logprobs_item_type_0_item_item = (
                                componentsschemas_topk_logprobs_item_type_0_item_item_data
                            )
                            componentsschemas_topk_logprobs_item_type_0_item.append(
                                componentsschemas_topk_logprobs_item_type_0_item_item
                            )

                        componentsschemas_topk_logprobs_item.append(componentsschemas_topk_logprobs_item_type_0_item)

                else:
                    componentsschemas_topk_logprobs_item = componentsschemas_topk_logprobs_item_data
                topk_logprobs.append(componentsschemas_topk_logprobs_item)

        else:
            topk_logprobs = self.topk_logprobs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tokens": tokens,
                "stop_reason": stop_reason,
            }
        )
        if logprobs is not UNSET:
            field_dict["logprobs"] = logprobs
        if sequence_id is not UNSET:
            field_dict["sequence_id"] = sequence_id
        if topk_logprobs is not UNSET:
            field_dict["topk_logprobs"] = topk_logprobs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tokens = cast(list[int], d.pop("tokens"))

        stop_reason = check_stop_reason(d.pop("stop_reason"))

        def _parse_logprobs(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                logprobs_type_0 = cast(list[float], data)

                return logprobs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        logprobs = _parse_logprobs(d.pop("logprobs", UNSET))

        sequence_id = d.pop("sequence_id", UNSET)

        def _parse_topk_logprobs(data: object) -> list[list[list[float | int]] | None] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                topk_logprobs_type_0 = []
                _topk_logprobs_type_0 = data
                for componentsschemas_topk_logprobs_item_data in _topk_logprobs_type_0:

                    def _parse_componentsschemas_topk_logprobs_item(data: object) -> list[list[float | int]] | None:
                        if data is None:
                            return data
                        try:
                            if not isinstance(data, list):
                                raise TypeError()
                            componentsschemas_topk_logprobs_item_type_0 = []
                            _componentsschemas_topk_logprobs_item_type_0 = data
                            for (
                                componentsschemas_topk_logprobs_item_type_0_item_data
                            ) in _componentsschemas_topk_logprobs_item_type_0:
                                componentsschemas_topk_logprobs_item_type_0_item = []
                                _componentsschemas_topk_logprobs_item_type_0_item = (
                                    componentsschemas_topk_logprobs_item_type_0_item_data
                                )
                                for (
                                    componentsschemas_topk_logprobs_item_type_0_item_item_data
                                ) in _componentsschemas_topk_logprobs_item_type_0_item:

                                    def _parse_componentsschemas_topk_logprobs_item_type_0_item_item(
                                        data: object,
                                    ) -> float | int:
                                        return cast(float | int, data)

                                    componentsschemas_topk_logprobs_item_type_0_item_item = (
                                        _parse_componentsschemas_topk_logprobs_item_type_0_item_item(
                                            componentsschemas_topk_logprobs_item_type_0_item_item_data
                                        )
                                    )

                                    componentsschemas_topk_logprobs_item_type_0_item.append(
                                        componentsschemas_topk_logprobs_item_type_0_item_item
                                    )

                                componentsschemas_topk_logprobs_item_type_0.append(
                                    componentsschemas_topk_logprobs_item_type_0_item
                                )

                            return componentsschemas_topk_logprobs_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        return cast(list[list[float | int]] | None, data)

                    componentsschemas_topk_logprobs_item = _parse_componentsschemas_topk_logprobs_item(
                        componentsschemas_topk_logprobs_item_data
                    )

                    topk_logprobs_type_0.append(componentsschemas_topk_logprobs_item)

                return topk_logprobs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[list[list[float | int]] | None] | None | Unset, data)

        topk_logprobs = _parse_topk_logprobs(d.pop("topk_logprobs", UNSET))

        sampled_sequence = cls(
            tokens=tokens,
            stop_reason=stop_reason,
            logprobs=logprobs,
            sequence_id=sequence_id,
            topk_logprobs=topk_logprobs,
        )

        sampled_sequence.additional_properties = d
        return sampled_sequence

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
