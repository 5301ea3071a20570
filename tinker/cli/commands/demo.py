"""``tinker demo``: fine-tune a small model on a bundled question-answer set and sample from it."""

from __future__ import annotations

import argparse
from typing import Any

import click

LOCAL_MODEL = "tinker-local/small"


@click.command()
@click.option("--local", is_flag=True, help="use the embedded local server even if TINKER_BASE_URL is set")
@click.option("--model", default=None, help=f"base model (default {LOCAL_MODEL} on the local server)")
@click.option("--steps", type=int, default=40, show_default=True)
@click.option("--rank", type=int, default=16, show_default=True)
@click.option("--learning-rate", type=float, default=3e-3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--samples", type=int, default=5, show_default=True, help="how many questions to answer after training")
@click.option("--name", default="demo-final", show_default=True, help="name of the saved checkpoint")
def cli(**options: Any) -> int:
    """Fine-tune a small model on a bundled dataset and sample from it."""
    from tinker._demo import run

    return run(argparse.Namespace(**options))
