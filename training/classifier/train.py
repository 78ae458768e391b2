"""`jiesu train`: fine-tune the hierarchical classifier on the corpus, calibrate it on dev, and export it."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from catalog import Catalogue
from catalog.deadlines import TZ
from model.encoding import pad
from model.labels import LabelSet, log_softmax, path_scores
from model.lexical import LexicalLeaves, aligned
from training.classifier import data as cdata
from training.classifier.calibration import fit_temperature
from training.classifier.config import TrainConfig, torch_threads
from training.classifier.modeling import HierarchicalClassifier, hierarchical_loss, truncate_layers

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """Everything the loop needs: model, tokenizer, labels and the tokenised splits."""
    model: HierarchicalClassifier
    tokenizer: object
    pad_id: int
    labels: LabelSet
    datasets: dict
    base_info: dict


def load_base(config: TrainConfig, home: Path):
    """The base encoder (a local checkpoint directory or a hub id), its fast tokenizer and pad id."""
    from transformers import AutoModel, AutoTokenizer

    source = config.base_path(home)
    if source.startswith(("/", ".")) and not Path(source).exists():
        raise FileNotFoundError(f"base model {source} does not exist; build it with `jiesu model base` "
                                "or set base.path to a Hugging Face checkpoint directory")
    encoder = AutoModel.from_pretrained(source)
    tokenizer = AutoTokenizer.from_pretrained(source).backend_tokenizer
    tokenizer.no_padding()
    tokenizer.enable_truncation(config.data.max_length)
    info_file = Path(source) / "jiesu_base.json"
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.exists() else {}
    return truncate_layers(encoder, config.base.layers), tokenizer, encoder.config.pad_token_id or 0, \
        {"source": source, **info}


def prepare(config: TrainConfig, home: Path, catalogue: Catalogue, texts=None) -> Prepared:
    torch.manual_seed(config.train.seed)
    encoder, tokenizer, pad_id, base_info = load_base(config, home)
    labels = cdata.label_set_for(catalogue, cdata.chosen_leaves(catalogue, config.data))
    splits = cdata.corpus_split(catalogue, config.data, texts)
    datasets = {side: cdata.to_dataset(examples, labels, tokenizer, config.base.prefix)
                for side, examples in splits.items() if examples}
    model = HierarchicalClassifier(encoder, labels.sizes(), config.train.cosine_scale, config.train.dropout,
                                   config.base.pooling)
    if config.train.freeze_embeddings:
        encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return Prepared(model, tokenizer, pad_id, labels, datasets, base_info)


def batch_tensors(columns: dict, indices: list[int], pad_id: int):
    """Padded tensors for a batch, from the split's columns held as Python lists (fast random access)."""
    ids, mask = pad([columns["input_ids"][i] for i in indices], pad_id)
    return torch.from_numpy(ids), torch.from_numpy(mask), torch.tensor([columns["targets"][i] for i in indices])


def batch_weights(columns: dict, indices: list[int]) -> torch.Tensor:
    return torch.tensor([columns["weight"][i] for i in indices], dtype=torch.float32)


def columns_of(dataset) -> dict:
    return {name: dataset[name] for name in ("input_ids", "targets", "length", "weight")}


@torch.no_grad()
def pooled_embeddings(model: HierarchicalClassifier, tokenizer, texts: list[str], pad_id: int,
                      batch_size: int = 64) -> torch.Tensor:
    model.eval()
    out = []
    for start in range(0, len(texts), batch_size):
        ids, mask = pad([e.ids for e in tokenizer.encode_batch(texts[start:start + batch_size])], pad_id)
        out.append(model.pooled(torch.from_numpy(ids), torch.from_numpy(mask)))
    return torch.cat(out)


def init_heads(prep: Prepared, catalogue: Catalogue, prefix: str) -> None:
    """Each class's weight starts at the embedding of its path name and description (a zero-shot start)."""
    labels, model = prep.labels, prep.model
    for level, codes in enumerate(labels.levels):
        real = [c for c in codes if c]
        weight = model.heads[level].weight.data
        rows = [i for i, c in enumerate(codes) if c]
        if real:
            texts = [prefix + cdata.description_text(catalogue, c) for c in real]
            weight[rows] = pooled_embeddings(model, prep.tokenizer, texts, prep.pad_id)
        if len(rows) < len(codes):   # 'no 子类': the mean of the leaves that stop at level 3
            stops = [i for i, leaf in enumerate(labels.leaves) if len(leaf) == 6]
            level3 = labels.path_matrix()[2][stops] if stops else []
            weight[0] = model.heads[2].weight.data[level3].mean(0) if len(level3) else 0.0


def optimizer_for(model: HierarchicalClassifier, config: TrainConfig, steps: int):
    t = config.train
    groups = [{"params": [p for p in model.encoder.parameters() if p.requires_grad], "lr": t.lr_encoder},
              {"params": list(model.heads.parameters()), "lr": t.lr_heads}]
    optimizer = torch.optim.AdamW(groups, weight_decay=t.weight_decay)
    warmup = max(1, int(steps * t.warmup_ratio))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / max(1, steps - warmup)))
    return optimizer, schedule


@torch.no_grad()
def split_logits(prep: Prepared, side: str, batch_size: int = 64) -> list[np.ndarray]:
    """Each level's logits for every example of a split, in the split's order."""
    dataset = columns_of(prep.datasets[side])
    prep.model.eval()
    order = cdata.length_grouped_batches(dataset["length"], batch_size, seed=0, shuffle=False)
    outputs: list[list[np.ndarray]] = [[] for _ in prep.labels.levels]
    positions = []
    for batch in order:
        ids, mask, _ = batch_tensors(dataset, batch, prep.pad_id)
        for level, logits in enumerate(prep.model(ids, mask)):
            outputs[level].append(logits.numpy())
        positions += batch
    inverse = np.argsort(np.array(positions))
    return [np.concatenate(chunks)[inverse] for chunks in outputs]


def gold_indices(prep: Prepared, side: str) -> np.ndarray:
    index = {leaf: i for i, leaf in enumerate(prep.labels.leaves)}
    return np.array([index[leaf] for leaf in prep.datasets[side]["leaf"]])


def leaf_accuracy(prep: Prepared, side: str, weights: list[float]) -> float:
    scores = path_scores(split_logits(prep, side), prep.labels.path_matrix(), weights)
    return float((scores.argmax(1) == gold_indices(prep, side)).mean())


@dataclass
class LoopResult:
    epochs_run: int
    best_dev: float
    history: list[dict]
    stopped: str


def run_epochs(prep: Prepared, config: TrainConfig, progress: bool = True,
               on_step: Callable[[int, int], None] | None = None) -> LoopResult:
    """Train with early stopping on dev leaf accuracy; the best epoch's weights are kept. `on_step(done, total)`
    hears about every 20th batch (jobs report their progress with it)."""
    t = config.train
    train = columns_of(prep.datasets["train"])
    steps = t.epochs * -(-len(train["length"]) // t.batch_size)
    done = 0
    optimizer, schedule = optimizer_for(prep.model, config, steps)
    started, best, best_state, history, waited, stopped = time.monotonic(), -1.0, None, [], 0, "epochs"
    for epoch in range(t.epochs):
        prep.model.train()
        batches = cdata.length_grouped_batches(train["length"], t.batch_size, seed=t.seed + epoch)
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{t.epochs}", disable=not progress, unit="batch")
        total = 0.0
        for i, batch in enumerate(bar):
            ids, mask, targets = batch_tensors(train, batch, prep.pad_id)
            loss = hierarchical_loss(prep.model(ids, mask), targets, t.level_weights, batch_weights(train, batch))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(prep.model.parameters(), 1.0)
            optimizer.step(), schedule.step(), optimizer.zero_grad()
            total += loss.item()
            bar.set_postfix(loss=f"{total / (i + 1):.3f}")
            done += 1
            if on_step is not None and done % 20 == 0:
                on_step(done, steps)
            if t.max_minutes and time.monotonic() - started > t.max_minutes * 60:
                stopped = "time budget"
                break
        dev = leaf_accuracy(prep, "dev", t.level_weights) if "dev" in prep.datasets else 0.0
        history.append({"epoch": epoch + 1, "loss": total / max(1, i + 1), "dev_leaf_acc": dev,
                        "minutes": (time.monotonic() - started) / 60})
        log.info("epoch %d: loss %.4f, dev leaf acc %.4f", epoch + 1, history[-1]["loss"], dev)
        if dev > best:
            best, waited = dev, 0
            best_state = {k: v.detach().clone() for k, v in prep.model.state_dict().items()}
        else:
            waited += 1
        if stopped == "time budget" or waited >= t.patience:
            stopped = stopped if stopped == "time budget" else "early stopping"
            break
    if best_state is not None:
        prep.model.load_state_dict(best_state)
    return LoopResult(len(history), best, history, stopped)


def calibrate(prep: Prepared, config: TrainConfig) -> tuple[dict, LexicalLeaves | None]:
    """Temperature on dev; the lexical leaf model and its mixture weight (when enabled and it helps on dev); then
    the thresholds that reach each precision target on dev, for what is served."""
    from training.evaluation.metrics import threshold_for_precision

    weights = config.train.level_weights
    scores = path_scores(split_logits(prep, "dev"), prep.labels.path_matrix(), weights)
    gold = gold_indices(prep, "dev")
    temperature = fit_temperature(scores, gold)
    model_logp = log_softmax(scores / temperature)
    lexical, mixture, probs = None, None, np.exp(model_logp)
    if config.lexical.enabled:
        lexical, mixture, probs = lexical_mixture(prep, config, model_logp, gold)
    confidence, correct = probs.max(1), probs.argmax(1) == gold
    thresholds = {}
    for target in config.calibration.precision_targets:
        found = threshold_for_precision(confidence, correct, target)
        thresholds[str(target)] = None if found is None else float(found[0])
    calibration = {"temperature": temperature, "level_weights": weights, "thresholds": thresholds,
                   "abstain_precision": config.calibration.abstain_precision, "dev_leaf_acc": float(correct.mean())}
    return calibration | ({"mixture": mixture} if mixture else {}), lexical


def split_texts(prep: Prepared, side: str, prefix: str) -> tuple[list[str], list[str], list[float]]:
    """A split's classifier inputs (without the encoder's prefix), leaves and weights (agents' corrections weigh
    more in a retraining)."""
    dataset = prep.datasets[side]
    return [text[len(prefix):] for text in dataset["input"]], list(dataset["leaf"]), list(dataset["weight"])


def lexical_mixture(prep: Prepared, config: TrainConfig, model_logp: np.ndarray, gold: np.ndarray):
    """(the lexical model, its mixture, the served dev probabilities), or (None, None, the encoder's own) when the
    mixture keeps the encoder alone."""
    from training.classifier.lexical import choose_mixture, fit_lexical, mixture_probabilities

    started = time.monotonic()
    train_texts, train_leaves, train_weights = split_texts(prep, "train", config.base.prefix)
    dev_texts, dev_leaves, _ = split_texts(prep, "dev", config.base.prefix)
    lexical = fit_lexical(train_texts, train_leaves, dev_texts, dev_leaves, config.lexical, train_weights)
    lexical_logp = aligned(lexical.log_probabilities(dev_texts), lexical.columns_for(prep.labels.leaves), model_logp)
    mixture = choose_mixture(model_logp, lexical_logp, gold)
    if mixture["weight"] >= 1:
        return None, None, np.exp(model_logp)
    mixture |= {"lexical_temperature": lexical.temperature, "kept_weights": lexical.kept_weights,
                "seconds": round(time.monotonic() - started, 1)}
    return lexical, mixture, mixture_probabilities(model_logp, lexical_logp, mixture)


def model_version(config: TrainConfig, now: datetime) -> str:
    return f"{config.name}-{now.astimezone(TZ):%Y%m%d-%H%M%S}"


def train_model(config: TrainConfig, *, home: Path, catalogue: Catalogue, out_root: Path | None = None,
                now: Callable[[], datetime] = lambda: datetime.now(TZ), progress: bool = True,
                texts=None) -> Path:
    """Train, calibrate and export; returns the new model directory (not yet promoted)."""
    from training.classifier.export import export_model

    torch.set_num_threads(torch_threads(config))
    started = time.monotonic()
    prep = prepare(config, home, catalogue, texts)
    if config.train.init_heads_from_names:
        init_heads(prep, catalogue, config.base.prefix)
    loop = run_epochs(prep, config, progress)
    calibration, lexical = calibrate(prep, config)
    training = {"seconds": round(time.monotonic() - started, 1), "epochs_run": loop.epochs_run,
                "stopped": loop.stopped, "history": loop.history,
                "examples": {side: len(ds) for side, ds in prep.datasets.items()}}
    version = model_version(config, now())
    directory = (out_root or home / "models") / version
    export_model(prep, config, directory, version=version, calibration=calibration, training=training,
                 created_at=now(), lexical=lexical)
    return directory
