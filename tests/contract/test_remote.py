"""The read-only part of the contract suite, against any Tinker server: the hosted service or another one.

``nox -s contract_remote`` runs it on the server at TINKER_BASE_URL with the key in TINKER_API_KEY. Only operations
that change nothing are sent (every GET, and the POSTs that only ask a question), so it is safe on an account
holding real work; the stateful phase follows the links among them from the session list. It is collected only
with TINKER_CONTRACT_REMOTE=1 (see conftest.py), so that the test command never reaches a server on its own.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .harness import fresh_document, load_config, only_read_only, register_hooks, register_keys

BASE_URL = os.environ.get("TINKER_BASE_URL", "")
KEY = os.environ.get("TINKER_API_KEY", "")
EXAMPLES = 10
SETTINGS = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True)
remote = pytest.mark.skipif(not (BASE_URL and KEY), reason="set TINKER_BASE_URL and TINKER_API_KEY")

schema = only_read_only(schemathesis.openapi.from_dict(fresh_document(), config=load_config()))
schema.config.update(base_url=BASE_URL or "http://127.0.0.1:9")
register_keys(schema.auth, KEY, "tml-not-used")  # delete_api_key is not read-only, so no key is ever revoked
register_hooks(schema.hook)


@remote
@schema.parametrize()
@settings(SETTINGS, max_examples=EXAMPLES)
def test_read_only_operation(case: schemathesis.Case) -> None:
    case.call_and_validate()


@remote
def test_read_only_links() -> None:
    schema.as_state_machine().run(settings=settings(SETTINGS, max_examples=EXAMPLES, stateful_step_count=6))
