from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sampling_session_futures_target import SamplingSessionFuturesTarget


T = TypeVar("T", bound="FuturesRetrieveRequest")


@_attrs_define
class FuturesRetrieveRequest:
    """Long-polls (about 30 s) for completions of all pending futures of one sampling session (POST
    /api/v1/retrieve_futures).

    """

    target: SamplingSessionFuturesTarget
    """ Which sampling client a retrieve_futures poll covers. """
    prev_cursor: int | Unset = 0
    """ Position returned by the preceding poll; results up to that point count as already delivered, and 0 means
    none have been. """
    timeout: float | None | Unset = UNSET
    """ Longest wait in seconds; 0 asks for an immediate answer (used for acknowledge-only polls). """
    retrieved_request_ids: list[str] | Unset = UNSET
    """ Futures whose results the client has fully fetched, so the service may drop them. """

    def to_dict(self) -> dict[str, Any]:
        target = self.target.to_dict()

        prev_cursor = self.prev_cursor

        timeout: float | None | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        retrieved_request_ids: list[str] | Unset = UNSET
        if not isinstance(self.retrieved_request_ids, Unset):
            retrieved_request_ids = self.retrieved_request_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "target": target,
            }
        )
        if prev_cursor is not UNSET:
            field_dict["prev_cursor"] = prev_cursor
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if retrieved_request_ids is not UNSET:
            field_dict["retrieved_request_ids"] = retrieved_request_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sampling_session_futures_target import SamplingSessionFuturesTarget  # noqa: PLC0415

        d = dict(src_dict)
        target = SamplingSessionFuturesTarget.from_dict(d.pop("target"))

        prev_cursor = d.pop("prev_cursor", UNSET)

        def _parse_timeout(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        retrieved_request_ids = cast(list[str], d.pop("retrieved_request_ids", UNSET))

        futures_retrieve_request = cls(
            target=target,
            prev_cursor=prev_cursor,
            timeout=timeout,
            retrieved_request_ids=retrieved_request_ids,
        )

        return futures_retrieve_request
