"""The engine: base models built once and shared, and the trainers and samplers made on them."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import torch

from tinker._byte_tokenizer import ByteTokenizer

from ._config import linear_shapes
from ._lora import adapter_from_tensors, check_spec
from ._model import BaseModel
from ._registry import MODELS, model_config, model_info
from ._sampler import Sampler, plan_sampling
from ._trainer import Trainer
from ._types import BaseModelInfo, EngineInputError, LoraSpec, SampleSpec


class Engine:
    """Entry point for the local server; safe to share between threads."""

    def __init__(self, device: str | None = None) -> None:
        self.device = torch.device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
        self._models: dict[str, BaseModel] = {}
        self._lock = threading.Lock()

    def base_models(self) -> list[BaseModelInfo]:
        return [model_info(config) for config in MODELS.values()]

    def base_model(self, name: str) -> BaseModelInfo:
        return model_info(model_config(name))

    def tokenizer(self, base_model: str) -> ByteTokenizer:
        """The tokenizer of ``base_model`` (every local model uses the byte tokenizer), for clients that ask."""
        model_config(base_model)
        return ByteTokenizer()

    def create_trainer(self, base_model: str, lora: LoraSpec) -> Trainer:
        """A fresh adapter (a no-op until trained) with its own AdamW state."""
        model = self._model(base_model)
        return Trainer(model, model_info(model.config), lora)

    def create_sampler(
        self,
        base_model: str,
        lora: LoraSpec | None = None,
        adapter: Mapping[str, torch.Tensor] | None = None,
    ) -> Sampler:
        """A sampler for the base model, or for it plus ``adapter`` (``Trainer.sampler_weights()``), copied here.

        ``lora``, when given with an adapter, must describe it; adapter problems raise EngineInputError("model_path").
        """
        model = self._model(base_model)
        if lora is not None:
            check_spec(lora)
        loaded = None
        if adapter is not None:
            loaded = adapter_from_tensors(model.config, adapter, self.device, "model_path")
            if lora is not None:
                expected = linear_shapes(
                    model.config, attn=lora.train_attn, mlp=lora.train_mlp, unembed=lora.train_unembed
                )
                if loaded.rank != lora.rank or list(loaded.a) != list(expected):
                    raise EngineInputError(
                        "model_path", f"the adapter (rank {loaded.rank}) does not match the LoRA config {lora}"
                    )
        return Sampler(model, model_info(model.config), ByteTokenizer(), loaded)

    def check_sample(self, base_model: str, spec: SampleSpec) -> None:
        """Raises the EngineInputError that ``Sampler.sample(spec)`` would, without building or running a model."""
        plan_sampling(spec, model_info(model_config(base_model)))

    def _model(self, name: str) -> BaseModel:
        config = model_config(name)
        with self._lock:
            model = self._models.get(name)
            if model is None:
                model = self._models[name] = BaseModel(config, self.device)
            return model
