"""The protobuf messages of the wire (``openapi/tinker_public.proto``), where the official package keeps its own.

``tinker.proto.tinker_public_pb2`` holds the same message classes as the generated ``tinker_api.proto`` module.
"""

from . import tinker_public_pb2

__all__ = ["tinker_public_pb2"]
