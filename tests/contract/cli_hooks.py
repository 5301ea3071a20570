"""Schemathesis hooks for the CLI run (cli.py sets SCHEMATHESIS_HOOKS to this module): its keys and hooks."""

from __future__ import annotations

import os

import schemathesis

from tests.contract.harness import register_hooks, register_keys

register_keys(schemathesis.auth, os.environ["TINKER_API_KEY"], os.environ["TINKER_CONTRACT_SPARE_KEY"])
register_hooks(schemathesis.hook)
