"""The training configuration: one TOML file with a strict schema (unknown keys are errors) plus
`section.key=value` overrides from the command line."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says which key and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseSection(_Strict):
    path: str = "$JIESU_HOME/base/multilingual-e5-small-zh"   # a local HF checkpoint directory or a hub id
    layers: int = Field(0, ge=0)          # keep the encoder's first N layers; 0 keeps them all
    prefix: str = "query: "               # e5 convention; "" for encoders trained without one
    pooling: Literal["mean", "cls"] = "mean"


class DataSection(_Strict):
    max_length: int = Field(96, ge=8, le=512)
    catalogue_examples: bool = True      # the catalogue's own examples join the training split
    node_names: bool = True              # each leaf's path name and description as one more training text
    test: float = Field(0.2, ge=0, lt=1)
    dev: float = Field(0.1, gt=0, lt=1)
    split_seed: int = 7
    limit_leaves: int = Field(0, ge=0)    # train on the first N leaves only (tests, smoke runs); 0 = all
    exclude_leaves: list[str] = []       # leaves the model does not learn at all (new-leaf simulations)


class TrainSection(_Strict):
    epochs: int = Field(3, ge=1)
    batch_size: int = Field(32, ge=1)
    lr_encoder: float = Field(8e-5, gt=0)
    lr_heads: float = Field(3e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    freeze_embeddings: bool = True       # the token embeddings are most of the parameters and gain little here
    level_weights: list[float] = [0.5, 0.5, 1.0, 1.0]
    cosine_scale: float = Field(24.0, gt=0)
    init_heads_from_names: bool = True   # each class starts at the embedding of its names and description
    patience: int = Field(2, ge=1)       # epochs without a better dev score before stopping
    max_minutes: float = Field(0, ge=0)  # stop at the end of the batch that passes this budget; 0 = none
    seed: int = 13
    threads: int = Field(0, ge=0)        # torch threads; 0 = all cores

    @model_validator(mode="after")
    def _four_levels(self):
        if len(self.level_weights) != 4 or any(w < 0 for w in self.level_weights):
            raise ValueError("level_weights needs four non-negative weights (大类, 小类, 细类, 子类)")
        return self


class CalibrationSection(_Strict):
    precision_targets: list[float] = [0.95, 0.99]
    abstain_precision: float = Field(0.95, gt=0, le=1)   # below the threshold for this precision: abstain


class ExportSection(_Strict):
    int8: bool = True
    opset: int = Field(17, ge=13)
    parity_texts: int = Field(64, ge=1)


class LexicalSection(_Strict):
    """The lexical leaf model served beside the encoder (model.lexical): TF-IDF one-vs-rest SVMs, each leaf's
    largest weights kept, mixed with the encoder's log-probabilities at a weight chosen on dev."""
    enabled: bool = True
    C: float = Field(0.5, gt=0)                   # the SVMs' inverse regularisation
    per_leaf: int = Field(1000, ge=1)             # weights kept per leaf (by magnitude): the model's size
    word_features: int = Field(30000, ge=1)       # jieba words kept, the most frequent first
    char_features: int = Field(50000, ge=1)       # character 1-3-grams kept, the most frequent first


class RetrainSection(_Strict):
    """`jiesu retrain`: continue from the current model on the corpus and the agents' decisions, then gate."""
    epochs: int = Field(1, ge=1)
    lr_scale: float = Field(0.5, gt=0)            # learning rates relative to [train]
    decision_weight: float = Field(1.0, ge=0)     # an agent's decision that confirmed the model's top leaf
    correction_weight: float = Field(3.0, ge=0)   # an agent's decision that overrode the model
    half_life_days: float = Field(90.0, gt=0)     # a decision's weight halves every this many days (recent first)
    holdout: float = Field(0.2, ge=0, lt=1)       # the most recent share of corrections, held out for evaluation
    history_sample: float = Field(1.0, gt=0, le=1)  # the share of each leaf's corpus texts replayed beside the
                                                  # decisions (less: a faster retraining; rehearsal keeps the rest)
    precision_target: float = Field(0.95, gt=0, le=1)   # per-leaf thresholds are tuned for this precision
    min_support: int = Field(5, ge=1)             # a leaf needs this many held-out predictions for its own threshold
    max_regression: float = Field(0.005, ge=0)    # gate: held-out leaf accuracy may drop at most this much
    require_better_on_corrections: bool = True    # gate: the candidate must beat the current model on them


class TrainConfig(_Strict):
    name: str = "default"
    base: BaseSection = BaseSection()
    data: DataSection = DataSection()
    train: TrainSection = TrainSection()
    calibration: CalibrationSection = CalibrationSection()
    export: ExportSection = ExportSection()
    lexical: LexicalSection = LexicalSection()
    retrain: RetrainSection = RetrainSection()

    def base_path(self, home: Path) -> str:
        """The base model: $JIESU_HOME expanded; a path when it exists, else taken as a hub id."""
        return self.base.path.replace("$JIESU_HOME", str(home))


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """`train.epochs=2`, `base.path=/models/x`: values parsed as TOML, else kept as strings."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r}: write section.key=value, e.g. train.epochs=2")
        *sections, leaf = key.strip().split(".")
        node = data
        for section in sections:
            node = node.setdefault(section, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {section} is not a section")
        node[leaf] = _parse_value(raw.strip())
    return data


def load_config(path: Path | str, overrides: list[str] = ()) -> TrainConfig:
    path = Path(path)
    if not path.exists() and (CONFIG_DIR / path).exists():
        path = CONFIG_DIR / path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config; the shipped ones are in {CONFIG_DIR}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    data = apply_overrides(data, list(overrides))
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None


def torch_threads(config: TrainConfig) -> int:
    return config.train.threads or os.cpu_count() or 1
