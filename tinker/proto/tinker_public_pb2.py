"""The generated message classes of ``openapi/tinker_public.proto`` (``ForwardBackwardRequest``...)."""

from tinker_api.proto.tinker_public_pb2 import *  # noqa: F403
