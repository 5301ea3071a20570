"""A local Tinker-compatible server that trains and samples a small model on this machine.

It implements the OpenAPI document on the generated models and never imports the SDK's client layer.
Needs the ``local`` extra (starlette, uvicorn, safetensors, torch).
"""

from ._config import ServerConfig, default_data_dir
from ._faults import FaultSpec
from .app import create_app
from .server import LocalServer, serve

__all__ = ["FaultSpec", "LocalServer", "ServerConfig", "create_app", "default_data_dir", "serve"]
