"""The cookbook's supervised recipe against a Tinker server: ``tinker_cookbook.supervised.train`` on a seeded
conversation file, role_colon renderer, the byte tokenizer registered under the model's name.

``python recipe_sl.py --log-dir DIR --model tinker-local/tiny`` with TINKER_BASE_URL and TINKER_API_KEY set.
The recipe writes metrics.jsonl and checkpoints.jsonl to the log dir, where the runner reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from pathlib import Path

from recipe_common import register_byte_tokenizer
from tinker_cookbook.supervised import train
from tinker_cookbook.supervised.data import FromConversationFileBuilder
from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

WORDS = ["cat", "dog", "sun", "tree", "fish", "bird", "moon", "star", "lake", "rock", "leaf", "rain"]


def write_conversations(path: Path, count: int, seed: int) -> None:
    """Short, regular conversations (spell a word letter by letter) that a tiny byte model learns in a few steps."""
    rng = random.Random(seed)
    with path.open("w") as out:
        for _ in range(count):
            word = rng.choice(WORDS)
            messages = [
                {"role": "user", "content": f"Spell {word}."},
                {"role": "assistant", "content": "-".join(word.upper())},
            ]
            out.write(json.dumps({"messages": messages}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--model", default="tinker-local/tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--conversations", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    args = parser.parse_args()

    args.log_dir.mkdir(parents=True, exist_ok=True)
    data = args.log_dir / "conversations.jsonl"
    write_conversations(data, args.conversations, args.seed)
    register_byte_tokenizer(args.model)
    config = train.Config(
        log_path=str(args.log_dir),
        model_name=args.model,
        recipe_name="tinker_openapi_cookbook_check_sl",
        renderer_name="role_colon",
        dataset_builder=FromConversationFileBuilder(
            file_path=str(data),
            test_size=8,
            shuffle_seed=args.seed,
            common_config=ChatDatasetBuilderCommonConfig(
                model_name_for_tokenizer=args.model,
                renderer_name="role_colon",
                max_length=128,
                batch_size=args.batch_size,
            ),
        ),
        learning_rate=args.learning_rate,
        lr_schedule="constant",
        num_epochs=args.epochs,
        lora_rank=8,
        save_every=0,
        eval_every=4,
    )
    asyncio.run(train.main(config))


if __name__ == "__main__":
    main()
