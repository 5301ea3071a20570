"""The long contract run (``nox -s contract``): schemathesis's CLI against ``tinker local serve`` on 127.0.0.1.

``python -m tests.contract.cli [--max-examples N] [--seed S] [-- more st run options]`` starts the server in a
child process on a free port with a fresh data directory and two keys (one for delete_api_key to revoke), runs
every phase (examples, coverage, fuzzing, stateful) with a fixed seed and no example database, and exits with
schemathesis's status: 0 only when it found nothing.

``--independent`` runs it as someone who knows only the document would: ``--checks all`` with schemathesis's
default settings and expected statuses (none of tests/contract/schemathesis.toml, none of the project's hooks but
the keys and the protobuf serializer, which any client needs). What it may still find is listed in
docs/security.md ("An independent contract run").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tinker.local import LocalServer

HERE = Path(__file__).parent
CONFIG = HERE / "schemathesis.toml"
ROOT = HERE.parents[1]
DOCUMENT = ROOT / "openapi" / "tinker.yaml"
KEY = "tml-contract-run"
SPARE_KEY = "tml-contract-spare"
SEED = 20261128


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=None, help="test cases per operation and phase")
    parser.add_argument("--independent", action="store_true", help="schemathesis's defaults and --checks all")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("extra", nargs="*", help="more options for `st run` (after --)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tinker-contract-") as scratch:
        # Short long-polls: a pending future answers try_again after 1 s instead of holding a worker for 30 s.
        server = LocalServer(Path(scratch) / "data", api_keys=(KEY, SPARE_KEY), subprocess=True, long_poll_seconds=1.0)
        with server:
            if options.independent:  # schemathesis's own settings: only the run's seed and size are ours
                config: list[str] = []
                settings = ["--checks", "all"]
                hooks = "tests.contract.cli_keys"
            else:
                config = ["--config-file", str(CONFIG)]
                settings = ["--generation-database", "none", "--phases=examples,coverage,fuzzing,stateful"]
                hooks = "tests.contract.cli_hooks"  # the keys, the hooks, the protobuf serializer
                options.max_examples = options.max_examples or 50
            size = ["--max-examples", str(options.max_examples)] if options.max_examples else []
            command = [sys.executable, "-m", "schemathesis.cli", *config, "run", str(DOCUMENT)]
            command += ["--url", server.base_url, *size, "--seed", str(options.seed), *settings, *options.extra]
            env = {
                **os.environ,
                "TINKER_API_KEY": KEY,
                "TINKER_CONTRACT_SPARE_KEY": SPARE_KEY,
                "SCHEMATHESIS_HOOKS": hooks,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            }
            # the CLI keeps its caches in the working directory; the scratch directory goes away after the run
            return subprocess.run(command, env=env, cwd=scratch, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
