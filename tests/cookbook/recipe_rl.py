"""The cookbook's RL recipe against a Tinker server: ``tinker_cookbook.rl.train`` on a seeded single-turn problem
environment built from the cookbook's ``ProblemEnv`` and ``ProblemGroupBuilder``, role_colon renderer, the byte
tokenizer registered under the model's name.

``python recipe_rl.py --log-dir DIR --model tinker-local/tiny`` with TINKER_BASE_URL and TINKER_API_KEY set.
After the recipe it scores a fixed probe under the base model and under the recipe's final sampler checkpoint
(the local engine starts LoRA at zero, so the base model is where training began) and writes the largest
logprob difference to weights_check.json in the log dir: zero would mean the training steps changed nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import string
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import chz
from recipe_common import register_byte_tokenizer, write_json
from tinker_cookbook import renderers
from tinker_cookbook.rl import train
from tinker_cookbook.rl.problem_env import ProblemEnv, ProblemGroupBuilder
from tinker_cookbook.rl.types import EnvGroupBuilder, RLDataset, RLDatasetBuilder
from tinker_cookbook.tokenizer_utils import get_tokenizer

import tinker

QUESTIONS = ["Name a letter.", "Write a word.", "Say something.", "Type a letter."]


class LetterEnv(ProblemEnv):
    """Correct when the answer holds a lowercase ASCII letter: about half of a random byte model's 8-token
    answers do, so every group has rewards that differ and every training step has a gradient."""

    def __init__(self, renderer: renderers.Renderer, question: str) -> None:
        super().__init__(renderer, format_coef=0.1)
        self.question = question

    def get_question(self) -> str:
        return self.question

    def check_answer(self, sample_str: str) -> bool:
        return any(c in string.ascii_lowercase for c in sample_str)

    def check_format(self, sample_str: str) -> bool:
        return bool(sample_str.strip())

    def get_reference_answer(self) -> str:
        return "any lowercase letter"


class LetterDataset(RLDataset):
    def __init__(self, renderer: renderers.Renderer, batches: int, groups: int, group_size: int, seed: int) -> None:
        rng = random.Random(seed)
        self.batches = [
            [
                ProblemGroupBuilder(
                    env_thunk=partial(LetterEnv, renderer, rng.choice(QUESTIONS)),
                    num_envs=group_size,
                    dataset_name="letters",
                )
                for _ in range(groups)
            ]
            for _ in range(batches)
        ]

    def get_batch(self, index: int) -> Sequence[EnvGroupBuilder]:
        return self.batches[index]

    def __len__(self) -> int:
        return len(self.batches)


@chz.chz
class LetterDatasetBuilder(RLDatasetBuilder):
    model_name: str
    batches: int
    groups: int
    group_size: int
    seed: int

    async def __call__(self) -> tuple[RLDataset, RLDataset | None]:
        renderer = renderers.get_renderer("role_colon", get_tokenizer(self.model_name))
        return LetterDataset(renderer, self.batches, self.groups, self.group_size, self.seed), None


def final_sampler_path(log_dir: Path) -> str:
    lines = (log_dir / "checkpoints.jsonl").read_text().splitlines()
    return str(json.loads(lines[-1])["sampler_path"])


def weights_check(log_dir: Path, model: str) -> dict[str, object]:
    """Logprobs of one fixed probe under the base model and under the final sampler weights."""
    tokenizer = get_tokenizer(model)
    renderer = renderers.get_renderer("role_colon", tokenizer)
    prompt = renderer.build_generation_prompt([{"role": "user", "content": QUESTIONS[0]}])
    probe = prompt.append(tinker.types.EncodedTextChunk(tokens=tokenizer.encode(" a b c\n\nUser:")))
    sampler_path = final_sampler_path(log_dir)
    service = tinker.ServiceClient()
    base = service.create_sampling_client(base_model=model).result().compute_logprobs(probe).result()
    trained = service.create_sampling_client(model_path=sampler_path).result().compute_logprobs(probe).result()
    pairs = [(a, b) for a, b in zip(base, trained, strict=True) if a is not None and b is not None]
    return {
        "sampler_path": sampler_path,
        "probe_tokens": probe.length,
        "max_abs_logprob_diff": max(abs(a - b) for a, b in pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--model", default="tinker-local/tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--groups", type=int, default=2)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    args = parser.parse_args()

    args.log_dir.mkdir(parents=True, exist_ok=True)
    register_byte_tokenizer(args.model)
    config = train.Config(
        log_path=str(args.log_dir),
        model_name=args.model,
        recipe_name="tinker_openapi_cookbook_check_rl",
        renderer_name="role_colon",
        dataset_builder=LetterDatasetBuilder(
            model_name=args.model,
            batches=args.iterations,
            groups=args.groups,
            group_size=args.group_size,
            seed=args.seed,
        ),
        learning_rate=args.learning_rate,
        max_tokens=8,
        lora_rank=8,
        eval_every=0,
        save_every=0,
    )
    asyncio.run(train.main(config))
    write_json(args.log_dir / "weights_check.json", weights_check(args.log_dir, args.model))


if __name__ == "__main__":
    main()
