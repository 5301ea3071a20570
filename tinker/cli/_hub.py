"""``tinker checkpoint push-hf``: a checkpoint as a PEFT adapter repository on the Hugging Face Hub, prepared as the
official 0.38 CLI prepares it (the downloaded adapter folder, ``base_model_name_or_path`` filled in, a model card),
and uploaded with huggingface_hub (the ``hf`` extra). ``hub()`` is the one place the Hub is reached; tests replace it.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._common import CliContext, CliError, rest_client

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_model.bin")


def hub() -> tuple[Any, Callable[..., str]]:
    """An ``HfApi`` and ``hf_hub_download``; CliError when huggingface_hub is not installed."""
    try:
        from huggingface_hub import HfApi, hf_hub_download
    except ImportError as error:
        raise CliError(
            "huggingface_hub is required for this command.",
            "Install it with: pip install 'tinker-openapi[hf]', then run: hf auth login",
        ) from error
    return HfApi(), hf_hub_download


def repo_name(value: str) -> str:
    """A repository name from free text: letters, digits, '-', '_', '.'; runs of '-' joined."""
    name = re.sub(r"-{2,}", "-", "".join(c if c.isalnum() or c in "-_." else "-" for c in value))
    return name.strip("-_ .")


def model_card(tinker_path: str, repo_id: str, base_model: str, info: Any) -> str:
    tags = ["tinker", "peft", "lora"] + ([f"base_model:adapter:{base_model}"] if base_model != "unknown" else [])
    lines = ["---", f"base_model: {base_model}", "library_name: peft", "tags:", *(f"- {t}" for t in tags)]
    lines += [f"tinker_path: {tinker_path}", "---", "", "# Tinker LoRA Adapter", ""]
    lines += ["This repository contains a LoRA adapter exported from Tinker.", "", "## Usage", "", "```python"]
    lines += ["from transformers import AutoModelForCausalLM", "", f'adapter_id = "{repo_id}"']
    lines += [f'base_model = "{base_model}"', ""]
    lines += ['model = AutoModelForCausalLM.from_pretrained(adapter_id, device_map="auto")', "```", ""]
    lines += ["## Source", "", "```", tinker_path, "```", "", "## Details", "", f"- Base model: {base_model}"]
    if info is not None and info.lora_rank is not None:
        lines.append(f"- LoRA rank: {info.lora_rank}")
    if info is not None:
        lines.append(f"- Trained modules: attn={info.train_attn}, mlp={info.train_mlp}, unembed={info.train_unembed}")
    return "\n".join([*lines, ""])


def push_to_hub(
    obj: CliContext,
    tinker_path: str,
    repo_id: str | None,
    *,
    private: bool,
    revision: str | None,
    commit_message: str | None,
    create_pr: bool,
    allow_patterns: list[str] | None,
    ignore_patterns: list[str] | None,
    add_model_card: bool,
    dry_run: Path | None,
) -> dict[str, Any]:
    """Download, prepare and upload (or with ``dry_run``, write the prepared folder there); what was done."""
    from .commands.checkpoint import download_into, downloadable

    parsed = downloadable(tinker_path)
    api = download = None
    if dry_run is None:
        api, download = hub()
        try:
            api.whoami()
        except Exception as error:
            raise CliError("Not logged in to the Hugging Face Hub", "Run: hf auth login") from error
    client = rest_client(obj)
    quiet = CliContext(format="json", base_url=obj.base_url, api_key=obj.api_key)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "adapter"
        download_into(quiet, client, tinker_path, folder, force=True)
        config_file = folder / "adapter_config.json"
        if not config_file.exists() or not any((folder / name).exists() for name in ADAPTER_FILES):
            raise CliError(
                "Checkpoint does not contain a PEFT adapter.",
                "Expected adapter_config.json and adapter_model.safetensors (or adapter_model.bin). "
                "Encrypted (.age) external weights cannot be uploaded.",
            )
        try:
            info = client.get_weights_info_by_tinker_path(tinker_path).result()
        except Exception:
            info = None
        base_model = info.base_model if info is not None else "unknown"
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
            if not isinstance(config.get("base_model_name_or_path"), str):
                config["base_model_name_or_path"] = base_model
                config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        except (OSError, ValueError, AttributeError):
            pass
        if repo_id is None:
            short = base_model.split("/")[-1] if base_model != "unknown" else "adapter"
            repo_id = repo_name(f"tinker-{short}-{parsed.training_run_id}")
            if revision is None:
                revision = repo_name(parsed.checkpoint_id.replace("/", "-"))
        readme = folder / "README.md"
        if add_model_card and not readme.exists():
            readme.write_text(model_card(tinker_path, repo_id, base_model, info), encoding="utf-8")
        if allow_patterns is None:
            ignore_patterns = [*(ignore_patterns or []), "checkpoint_complete"]
            ignore_patterns = list(dict.fromkeys(ignore_patterns))
        result: dict[str, Any] = {"checkpoint_path": tinker_path, "repo_id": repo_id, "public": not private}
        if revision is not None:
            result["revision"] = revision
        if dry_run is not None:
            shutil.copytree(folder, dry_run, dirs_exist_ok=True)
            result["dry_run"] = str(dry_run)
            result["files"] = sorted(p.name for p in dry_run.iterdir())
            return result
        assert api is not None and download is not None
        api.create_repo(repo_id=repo_id, private=private, exist_ok=True)
        existing = _published_path(download, repo_id, revision)
        if existing and existing != tinker_path:
            raise CliError(
                "Repo ID appears to contain a different Tinker checkpoint.",
                f"Found {existing}, expected {tinker_path}.",
            )
        api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            path_in_repo="",
            revision=revision,
            commit_message=commit_message,
            create_pr=create_pr,
            allow_patterns=allow_patterns,
            ignore_patterns=ignore_patterns or None,
        )
    return result


def _published_path(download: Callable[..., str], repo_id: str, revision: str | None) -> str | None:
    """The tinker path the repository's model card names, if it has one."""
    try:
        text = Path(download(repo_id=repo_id, filename="README.md", revision=revision, token=None)).read_text(
            encoding="utf-8", errors="ignore"
        )
    except Exception:
        return None
    match = re.search(r"tinker://[^\s`]+", text)
    return match.group(0) if match else None
