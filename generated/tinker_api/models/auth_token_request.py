from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AuthTokenRequest")


@_attrs_define
class AuthTokenRequest:
    """The body of a token exchange, always the empty object; the credential travels in X-API-Key."""

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        auth_token_request = cls()

        return auth_token_request
