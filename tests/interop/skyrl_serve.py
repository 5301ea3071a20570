"""Start SkyRL tx's Tinker API server from a pip-installed ``skyrl`` (run with the interpreter of its environment).

``python skyrl_serve.py --host 127.0.0.1 --port N --base-model DIR [other EngineConfig options]``. Two things differ
from ``python -m skyrl.tinker.api``, and only in how it is started:

- SkyRL's API server starts its engine as ``uv run <the API's own uv flags> -m skyrl.tinker.engine ...``, which
  assumes a uv project checkout; installed from the registry there is none, so the engine is started with this
  interpreter instead (this file with ``--engine`` and the same options, which runs SkyRL's engine ``main``).
- skyrl 0.3.0 declares Python >= 3.11, but one model of ``skyrl.tinker.types`` is a ``typing.TypedDict``, which
  pydantic accepts only from Python 3.12 (on 3.11 it wants ``typing_extensions.TypedDict``, the same class there).
  On 3.11 ``typing.TypedDict`` is pointed at ``typing_extensions.TypedDict`` before skyrl is imported, so that it
  runs where this project's CPU torch wheel does (torch for Python 3.12 would be a CUDA build of several GB).
"""

from __future__ import annotations

import argparse
import sys
import typing

if sys.version_info < (3, 12):
    import typing_extensions

    typing.TypedDict = typing_extensions.TypedDict  # type: ignore[misc]


def engine_command(parent_cmd: list[str], engine_config: typing.Any) -> list[str]:
    from skyrl.tinker.config import config_to_argv

    return [sys.executable, __file__, "--engine", *config_to_argv(engine_config)]


def main() -> None:
    if sys.argv[1:2] == ["--engine"]:
        from skyrl.tinker import engine

        sys.argv = [sys.argv[0], *sys.argv[2:]]
        engine.main()
        return
    import uvicorn
    from skyrl.tinker import api
    from skyrl.tinker.config import EngineConfig, add_model
    from skyrl.utils.log import get_uvicorn_log_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model(parser, EngineConfig)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    api._build_uv_run_cmd_engine = engine_command
    api.app.state.engine_config = EngineConfig.model_validate(
        {k: v for k, v in vars(args).items() if k in EngineConfig.model_fields}
    )
    uvicorn.run(api.app, host=args.host, port=args.port, log_config=get_uvicorn_log_config())


if __name__ == "__main__":
    main()
