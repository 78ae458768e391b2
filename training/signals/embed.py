"""Sentence embeddings of the signal texts for training and evaluation: the base encoder run with torch (the same
first layers, prefix, truncation and pooling that its ONNX export serves), or an exported classifier's `embedding`
output. Vectors are cached under $JIESU_HOME/signals/cache per source, so a rerun embeds only new texts."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from model.signals.learned import BASE, CLASSIFIER, model_text

BATCH = 32
PREFIX = "query: "


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def pool(hidden_states, attention_mask, layers: tuple[int, ...]):
    """Mean-pool each listed layer over the mask, L2-normalise each, concatenate, and scale back to unit length."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden_states[layers[0]].dtype)
    pooled = [torch.nn.functional.normalize((hidden_states[n] * mask).sum(1) / mask.sum(1).clamp(min=1), dim=-1)
              for n in layers]
    return torch.cat(pooled, dim=-1) / len(layers) ** 0.5


class BaseEmbedder:
    """The base encoder up to its deepest pooled layer; the text is the mean over tokens of each pooled layer
    (default the 6th and the 12th: the middle layer reads the words, the last the meaning), e5's prefix."""

    def __init__(self, path: Path, layers: tuple[int, ...] = (6, 12), max_length: int = 192, prefix: str = PREFIX):
        from transformers import AutoModel, AutoTokenizer

        self.path = Path(path)
        if not (self.path / "config.json").is_file():
            raise FileNotFoundError(f"no base encoder at {self.path}: build it with `jiesu model base`")
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.model = AutoModel.from_pretrained(self.path).eval()
        deepest = self.model.config.num_hidden_layers
        self.layers = tuple(sorted({min(max(n, 1), deepest) for n in layers}))
        self.model.encoder.layer = self.model.encoder.layer[:self.layers[-1]]
        self.model.config.num_hidden_layers = self.layers[-1]
        self.max_length, self.prefix = max_length, prefix

    @property
    def meta(self) -> dict:
        """What the served encoder needs and what the model records about its embedding."""
        build = self.path / "jiesu_base.json"
        return {"source": BASE, "path": str(self.path), "layers": list(self.layers), "max_length": self.max_length,
                "prefix": self.prefix, "pad_id": self.tokenizer.pad_token_id,
                "dimensions": self.model.config.hidden_size * len(self.layers),
                "build": json.loads(build.read_text(encoding="utf-8")).get("source") if build.is_file() else None}

    @property
    def key(self) -> str:
        return f"{BASE}:{self.path.resolve()}:{self.layers}:{self.max_length}:{self.prefix}"

    def forward(self, input_ids, attention_mask):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return pool(hidden.hidden_states, attention_mask, self.layers)

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self.tokenizer([self.prefix + t for t in texts], padding=True, truncation=True,
                               max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            return self.forward(batch["input_ids"], batch["attention_mask"]).numpy().astype(np.float32)


class ClassifierEmbedder:
    """An exported classifier's pooled, L2-normalised output (fine-tuned for the catalogue's categories)."""

    def __init__(self, directory: Path):
        from model.classifier import Classifier

        self.classifier = Classifier(directory)
        if not self.classifier.embeds:
            raise ValueError(f"classifier {self.classifier.version} has no embedding output; retrain it")

    @property
    def meta(self) -> dict:
        return {"source": CLASSIFIER, "classifier_version": self.classifier.version,
                "path": str(self.classifier.directory), "hidden": None}

    @property
    def key(self) -> str:
        return f"{CLASSIFIER}:{self.classifier.version}"

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.classifier.embed(texts)


class Cache:
    """Vectors by (source, text) in one .npz per source under `directory`."""

    def __init__(self, directory: Path, key: str):
        self.path = Path(directory) / f"{_digest(key)[:16]}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as data:
                self.vectors = dict(zip(data["keys"].tolist(), data["vectors"]))

    def save(self) -> None:
        if not self.vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        staging = self.path.with_suffix(".tmp.npz")
        np.savez(staging, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        staging.replace(self.path)


def embed_texts(embedder, texts: list[str], cache_dir: Path | None = None, desc: str = "embedding",
                progress: bool = True) -> np.ndarray:
    """Embeddings of the model's view of each text (model_text), each distinct text once, batched by length."""
    cache = Cache(cache_dir, embedder.key) if cache_dir else None
    inputs = [model_text(t) for t in texts]
    known = cache.vectors if cache else {}
    missing = sorted({_digest(t): t for t in inputs if _digest(t) not in known}.values(), key=len)
    fresh: dict[str, np.ndarray] = {}
    for start in tqdm(range(0, len(missing), BATCH), desc=desc, unit="batch", disable=not progress or not missing,
                      mininterval=2):
        chunk = missing[start:start + BATCH]
        fresh.update(zip((_digest(t) for t in chunk), embedder.encode(chunk)))
    if cache and fresh:
        cache.vectors.update(fresh)
        cache.save()
    vectors = known | fresh
    return np.stack([vectors[_digest(t)] for t in inputs]).astype(np.float32) if inputs else np.zeros((0, 0))
