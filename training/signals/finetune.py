"""Fine-tuning the base encoder for the signal heads: the encoder and one linear head per label learn together
(multi-label cross-entropy, rare labels up-weighted). The head's scores are calibrated like the frozen heads', on
out-of-fold scores: each text is scored by a model fine-tuned without its fold (cross-fitting), then one more model
is fine-tuned on every training text and served. The served model keeps the frozen model's files: encoder.onnx
(the fine-tuned encoder and its pooling) and heads.npz (the head as weights over the scaled embedding)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from model.signals.learned import LABELS, model_text
from training.signals.bottom import BottomStates, bottom_states, freeze_bottom, frozen_depth, top_pool
from training.signals.fit import TARGETS, choose_threshold, platt, sigmoid

BUCKET = 8       # batches whose texts are sorted by length together


@dataclass(frozen=True)
class FineTuneConfig:
    epochs: int = 4
    batch_size: int = 16
    lr_encoder: float = 4e-5
    lr_head: float = 1e-3
    warmup: float = 0.1          # share of the steps over which the learning rates rise from zero
    weight_decay: float = 0.01
    folds: int = 3               # cross-fitted models that give every training text an out-of-fold score
    scale: float = 8.0           # the head reads the unit-length embedding times this
    max_positive_weight: float = 10.0
    frozen_layers: tuple[int, ...] = (6, 12)   # the frozen encoder's pooled layers served beside it; () for none
    train_layers: int = 0        # only the top N encoder layers learn, the ones below computed once (0: all learn)

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"fine-tuning {name} must be at least 1, not {getattr(self, name)}")
        if self.train_layers < 0:
            raise ValueError(f"fine-tuning train_layers must be 0 (every layer) or more, not {self.train_layers}")
        if self.folds < 2:
            raise ValueError(f"fine-tuning needs at least 2 folds to calibrate its scores, not {self.folds}")


def _positive_weights(labels: np.ndarray, cap: float):
    import torch

    share = labels.mean(axis=0).clip(1e-3, 1 - 1e-3)
    return torch.tensor(np.minimum((1 - share) / share, cap), dtype=torch.float32)


def _pooled(embedder, inputs: list[str], chosen, bottom: BottomStates | None):
    """The embedding of the chosen texts: from their cached frozen layers when there are some, else from the
    tokens through every layer."""
    if bottom is not None:
        return top_pool(embedder, bottom, chosen)
    batch = embedder.tokenizer([inputs[i] for i in chosen], padding=True, truncation=True,
                               max_length=embedder.max_length, return_tensors="pt")
    return embedder.forward(batch["input_ids"], batch["attention_mask"])


def _head_input(pooled, hits, config: FineTuneConfig):
    import torch

    pooled = pooled * config.scale
    return torch.cat([pooled, hits], dim=1) if hits.shape[1] else pooled


def _inputs(embedder, texts: list[str]) -> list[str]:
    return [embedder.prefix + model_text(t) for t in texts]


def _bottom_for(embedder, texts: list[str], config: FineTuneConfig, bottom: BottomStates | None,
                progress: bool) -> BottomStates | None:
    """The cached frozen layers of these texts when only the top layers learn (frozen from here on), else None."""
    depth = frozen_depth(embedder, config.train_layers)
    if not depth:
        return None
    freeze_bottom(embedder.model, depth)
    if bottom is not None and bottom.depth == depth and len(bottom.states) == len(texts):
        return bottom
    return bottom_states(embedder, _inputs(embedder, texts), depth, progress)


def _batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's batches in random order, each of texts of similar length (less padding): the shuffled texts are
    taken BUCKET batches at a time and sorted by length within."""
    shuffled = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(shuffled), size * BUCKET):
        bucket = shuffled[start:start + size * BUCKET]
        bucket = bucket[np.argsort(lengths[bucket], kind="stable")]
        batches += [bucket[i:i + size] for i in range(0, len(bucket), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fine_tune(embedder, texts: list[str], labels: np.ndarray, hits: np.ndarray, config: FineTuneConfig, *,
              seed: int, progress: bool = True, desc: str = "fine-tuning", bottom: BottomStates | None = None):
    """Fine-tune `embedder.model` in place on texts (the model's view of each) and their labels [n, LABELS], with
    the pattern-hit columns `hits` [n, r] beside the embedding; returns the trained head (torch Linear). With
    `config.train_layers`, only the top layers learn; `bottom` may bring the texts' frozen layers already run."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    inputs = _inputs(embedder, texts)
    bottom = _bottom_for(embedder, texts, config, bottom, progress)
    dimensions = embedder.model.config.hidden_size * len(embedder.layers) + hits.shape[1]
    head = torch.nn.Linear(dimensions, labels.shape[1])
    learning = [p for p in embedder.model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW([{"params": learning, "lr": config.lr_encoder},
                                   {"params": head.parameters(), "lr": config.lr_head}],
                                  weight_decay=config.weight_decay)
    batches = -(-len(inputs) // config.batch_size)
    steps = config.epochs * batches
    schedule = get_linear_schedule_with_warmup(optimiser, int(config.warmup * steps), steps)
    targets, extra = torch.tensor(labels, dtype=torch.float32), torch.tensor(hits, dtype=torch.float32)
    weights = _positive_weights(labels, config.max_positive_weight)
    rng = np.random.default_rng(seed)
    lengths = np.array([len(t) for t in inputs])
    embedder.model.train()
    with tqdm(total=steps, desc=desc, unit="batch", disable=not progress, mininterval=2) as bar:
        for _ in range(config.epochs):
            for chosen in _batches(lengths, config.batch_size, rng):
                logits = head(_head_input(_pooled(embedder, inputs, chosen, bottom), extra[chosen], config))
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets[chosen],
                                                                            pos_weight=weights)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    embedder.model.eval()
    return head.eval()


def head_scores(embedder, head, texts: list[str], hits: np.ndarray, config: FineTuneConfig,
                bottom: BottomStates | None = None) -> np.ndarray:
    """The head's decision values [texts, labels] for texts the model may not have seen (`bottom`: their frozen
    layers already run, when only the top layers were fine-tuned)."""
    import torch

    rows, inputs = [], _inputs(embedder, texts)
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            chosen = np.arange(start, min(start + 32, len(texts)))
            extra = torch.tensor(hits[chosen], dtype=torch.float32)
            rows.append(head(_head_input(_pooled(embedder, inputs, chosen, bottom), extra, config)).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, len(LABELS)))


def folds_of(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Held-out indices of each fold, stratified on the rarest combination that matters most (立即办)."""
    from sklearn.model_selection import StratifiedKFold

    key = labels[:, 0].astype(int)
    smaller = int(min(key.sum(), len(key) - key.sum()))
    if smaller < folds:
        raise ValueError(f"{folds} folds need at least {folds} texts with and without 立即办, got {int(key.sum())} "
                         f"of {len(key)}")
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return [held for _, held in splitter.split(np.zeros(len(key)), key)]


def _subset(bottom: BottomStates | None, indices) -> BottomStates | None:
    return None if bottom is None else bottom.subset(indices)


def cross_fitted_scores(new_embedder, texts: list[str], labels: np.ndarray, hits: np.ndarray,
                        config: FineTuneConfig, *, seed: int, progress: bool = True,
                        bottom: BottomStates | None = None) -> np.ndarray:
    """Each training text's decision values from an encoder fine-tuned without its fold."""
    scores = np.zeros(labels.shape, dtype=np.float64)
    for k, held in enumerate(folds_of(labels, config.folds, seed)):
        kept = np.setdiff1d(np.arange(len(texts)), held)
        embedder = new_embedder()
        head = fine_tune(embedder, [texts[i] for i in kept], labels[kept], hits[kept], config, seed=seed + k,
                         progress=progress, desc=f"fold {k + 1}/{config.folds}", bottom=_subset(bottom, kept))
        scores[held] = head_scores(embedder, head, [texts[i] for i in held], hits[held], config,
                                   _subset(bottom, held))
    return scores


def shared_bottom(new_embedder, texts: list[str], config: FineTuneConfig, progress: bool) -> BottomStates | None:
    """The frozen layers' states of every text, run once for all the folds and the final model (None when every
    layer learns)."""
    embedder = new_embedder()
    depth = frozen_depth(embedder, config.train_layers)
    return bottom_states(embedder, _inputs(embedder, texts), depth, progress) if depth else None


def fine_tuned_heads(new_embedder, texts: list[str], labels: np.ndarray, hits: np.ndarray, config: FineTuneConfig,
                     *, seed: int, progress: bool = True):
    """(the served embedder, arrays for heads.npz, the out-of-fold report per label, seconds per stage)."""
    started = time.monotonic()
    bottom = shared_bottom(new_embedder, texts, config, progress)
    scores = cross_fitted_scores(new_embedder, texts, labels, hits, config, seed=seed, progress=progress,
                                 bottom=bottom)
    crossed = time.monotonic()
    embedder = new_embedder()
    head = fine_tune(embedder, texts, labels, hits, config, seed=seed, progress=progress, desc="final model",
                     bottom=bottom)
    weights = head.weight.detach().numpy().astype(np.float32)
    dimensions = weights.shape[1] - hits.shape[1]
    calibration, thresholds, report = [], [], {}
    for j, label in enumerate(LABELS):
        y = labels[:, j].astype(int)
        a, b = platt(scores[:, j], y)
        chosen = choose_threshold(sigmoid(a * scores[:, j] + b), y, TARGETS.get(label))
        calibration.append((a, b))
        thresholds.append(chosen["threshold"])
        report[label] = chosen | {"support": int(y.sum()), "oof_scores": scores[:, j]}
    arrays = {"mean": np.zeros(weights.shape[1], np.float32),
              "scale": np.r_[np.full(dimensions, 1 / config.scale), np.ones(hits.shape[1])].astype(np.float32),
              "weights": weights, "bias": head.bias.detach().numpy().astype(np.float32),
              "platt": np.array(calibration, dtype=np.float32), "thresholds": np.array(thresholds, dtype=np.float32)}
    seconds = {"cross_fitting": round(crossed - started, 1), "final": round(time.monotonic() - crossed, 1)}
    return embedder, arrays, report, seconds
