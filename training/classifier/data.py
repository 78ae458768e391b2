"""The classifier's data: the corpus's held-out-text split, the label set, tokenisation through `datasets`,
and length-grouped batches with dynamic padding."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from datasets import Dataset
from tokenizers import Tokenizer

from catalog import Catalogue
from model.labels import LabelSet
from model.space import leaf_description
from model.text import classifier_input
from training.classifier.config import DataSection
from training.corpus.splits import SplitConfig, held_out_text_split
from training.corpus.texts import HandText, load_texts

SPLITS = ("train", "dev", "test")
TRAINING_TEXTS_FILE = "training_texts.txt"   # in a model directory: digests of its training inputs


@dataclass(frozen=True)
class Example:
    text: str       # the raw body
    title: str
    leaf: str
    weight: float = 1.0   # in the loss (retraining weighs agents' recent corrections more)


def label_set_for(catalogue: Catalogue, leaves: list[str] | None = None) -> LabelSet:
    codes = leaves if leaves is not None else [leaf.code for leaf in catalogue.leaves()]
    paths = {code: [(node.code, node.name) for node in catalogue.path(code)] for code in codes}
    return LabelSet.from_paths(paths, catalogue.version)


def chosen_leaves(catalogue: Catalogue, data: DataSection) -> list[str]:
    """The leaves the model learns: the first `limit_leaves` (0 = all), less the withheld ones, which the model
    does not know at all (as if the catalogue did not have them yet)."""
    leaves = [leaf.code for leaf in catalogue.leaves()]
    leaves = leaves[: data.limit_leaves] if data.limit_leaves else leaves
    withheld = set(data.exclude_leaves)
    return [leaf for leaf in leaves if leaf not in withheld]


def corpus_split(catalogue: Catalogue, data: DataSection, texts: list[HandText] | None = None,
                 leaves: set[str] | None = None) -> dict[str, list[Example]]:
    """Train/dev/test examples from the hand-written corpus (the same split the corpus report checks), for the
    config's leaves or the ones given."""
    if texts is None:
        texts, _ = load_texts(catalogue, include_catalogue=data.catalogue_examples)
    sides = held_out_text_split(texts, SplitConfig(test=data.test, dev=data.dev, seed=data.split_seed))
    keep = set(chosen_leaves(catalogue, data)) if leaves is None else set(leaves)
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for text, side in zip(texts, sides):
        if text.leaf in keep:
            out[side].append(Example(text.body, text.title, text.leaf))
    if data.node_names:
        out["train"] += [Example(description_text(catalogue, code), "", code) for code in sorted(keep)]
    return out


def description_text(catalogue: Catalogue, code: str) -> str:
    """A leaf described in the catalogue's own words (model.space.leaf_description)."""
    return leaf_description(catalogue, code)


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


def model_inputs(examples: list[Example], prefix: str) -> list[str]:
    return [prefix + classifier_input(e.text, e.title) for e in examples]


def input_digest(text: str) -> str:
    """A short digest of one model input: what a model directory keeps to tell which texts it was trained on."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def write_training_texts(directory: Path, inputs, parent: Path | None = None) -> None:
    """Record the digests of a model's training inputs, and those of the model it was retrained from."""
    digests = {input_digest(text) for text in inputs}
    if parent is not None and (parent / TRAINING_TEXTS_FILE).exists():
        digests |= set((parent / TRAINING_TEXTS_FILE).read_text(encoding="utf-8").split())
    (directory / TRAINING_TEXTS_FILE).write_text("\n".join(sorted(digests)) + "\n", encoding="utf-8")


def seen_in_training(directory: Path, examples: list[Example], prefix: str) -> int | None:
    """How many of the examples the model in `directory` was trained on (compared by model input); None when
    the directory does not record its training texts (models exported before session 25)."""
    path = directory / TRAINING_TEXTS_FILE
    if not path.exists():
        return None
    trained = set(path.read_text(encoding="utf-8").split())
    return sum(input_digest(text) in trained for text in model_inputs(examples, prefix))


def to_dataset(examples: list[Example], labels: LabelSet, tokenizer: Tokenizer, prefix: str) -> Dataset:
    """A `datasets.Dataset` with input_ids and each level's target."""
    dataset = Dataset.from_dict({"input": model_inputs(examples, prefix), "leaf": [e.leaf for e in examples],
                                 "weight": [e.weight for e in examples]})

    def encode(batch):
        ids = [enc.ids for enc in tokenizer.encode_batch(batch["input"])]
        targets = [labels.targets(leaf) for leaf in batch["leaf"]]
        return {"input_ids": ids, "targets": targets, "length": [len(i) for i in ids]}

    return dataset.map(encode, batched=True, batch_size=512, desc="tokenising")


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int, shuffle: bool = True) -> list[list[int]]:
    """Batches of similar length (less padding), in a shuffled order; deterministic for the seed."""
    order = list(range(len(lengths)))
    rng = random.Random(seed)
    if shuffle:
        rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    if shuffle:
        rng.shuffle(batches)
    return batches
