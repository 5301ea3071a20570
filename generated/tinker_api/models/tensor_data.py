from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.tensor_dtype import TensorDtype, check_tensor_dtype
from ..types import UNSET, Unset

T = TypeVar("T", bound="TensorData")


@_attrs_define
class TensorData:
    """A tensor in JSON form: values flattened row-major. When both sparse index lists are set the tensor is CSR: data
    holds the non-zero values, sparse_crow_indices has rows+1 entries, sparse_col_indices one per value, and shape is
    required.

    """

    dtype: TensorDtype
    """ Element type of a TensorData. """
    data: list[float]
    """ Flat values (integers for int64). """
    shape: list[int] | None | Unset = UNSET
    """ Dimensions; a 1-D shape is inferred when absent. """
    sparse_crow_indices: list[int] | None | Unset = UNSET
    """ CSR row pointers. """
    sparse_col_indices: list[int] | None | Unset = UNSET
    """ CSR column index of each value. """
    pad_value: float | None | Unset = UNSET
    """ Value of the cells a sparse tensor leaves out when it is made dense (0 when absent). The official SDKs send
    none; in SampleRequest.target_prompt_logprobs the cells left out are skipped (-1) either way. """

    def to_dict(self) -> dict[str, Any]:
        dtype: str = self.dtype

        data = self.data

        shape: list[int] | None | Unset
        if isinstance(self.shape, Unset):
            shape = UNSET
        elif isinstance(self.shape, list):
            shape = self.shape

        else:
            shape = self.shape

        sparse_crow_indices: list[int] | None | Unset
        if isinstance(self.sparse_crow_indices, Unset):
            sparse_crow_indices = UNSET
        elif isinstance(self.sparse_crow_indices, list):
            sparse_crow_indices = self.sparse_crow_indices

        else:
            sparse_crow_indices = self.sparse_crow_indices

        sparse_col_indices: list[int] | None | Unset
        if isinstance(self.sparse_col_indices, Unset):
            sparse_col_indices = UNSET
        elif isinstance(self.sparse_col_indices, list):
            sparse_col_indices = self.sparse_col_indices

        else:
            sparse_col_indices = self.sparse_col_indices

        pad_value: float | None | Unset
        if isinstance(self.pad_value, Unset):
            pad_value = UNSET
        else:
            pad_value = self.pad_value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "dtype": dtype,
                "data": data,
            }
        )
        if shape is not UNSET:
            field_dict["shape"] = shape
        if sparse_crow_indices is not UNSET:
            field_dict["sparse_crow_indices"] = sparse_crow_indices
        if sparse_col_indices is not UNSET:
            field_dict["sparse_col_indices"] = sparse_col_indices
        if pad_value is not UNSET:
            field_dict["pad_value"] = pad_value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dtype = check_tensor_dtype(d.pop("dtype"))

        data = cast(list[float], d.pop("data"))

        def _parse_shape(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                shape_type_0 = cast(list[int], data)

                return shape_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        shape = _parse_shape(d.pop("shape", UNSET))

        def _parse_sparse_crow_indices(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                sparse_crow_indices_type_0 = cast(list[int], data)

                return sparse_crow_indices_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        sparse_crow_indices = _parse_sparse_crow_indices(d.pop("sparse_crow_indices", UNSET))

        def _parse_sparse_col_indices(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                sparse_col_indices_type_0 = cast(list[int], data)

                return sparse_col_indices_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        sparse_col_indices = _parse_sparse_col_indices(d.pop("sparse_col_indices", UNSET))

        def _parse_pad_value(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        pad_value = _parse_pad_value(d.pop("pad_value", UNSET))

        tensor_data = cls(
            dtype=dtype,
            data=data,
            shape=shape,
            sparse_crow_indices=sparse_crow_indices,
            sparse_col_indices=sparse_col_indices,
            pad_value=pad_value,
        )

        return tensor_data
