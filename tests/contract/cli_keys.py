"""What any client of the API needs, for ``cli.py --independent``: its keys and how to send a protobuf body."""

from __future__ import annotations

import os

import schemathesis

from tests.contract.harness import register_keys, register_protobuf

register_keys(schemathesis.auth, os.environ["TINKER_API_KEY"], os.environ["TINKER_CONTRACT_SPARE_KEY"])
register_protobuf()
