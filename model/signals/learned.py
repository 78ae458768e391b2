"""Learned urgency and risk flags, served without torch: a sentence embedding (the base encoder exported to ONNX, or
the dispatch classifier's own `embedding` output), standardised, one logistic head per label, Platt-calibrated, and a
threshold per label chosen for the issue's recall and precision targets.

A model directory ($JIESU_HOME/signals/<version>/) holds plain files: meta.json, heads.npz and, when it embeds with
the base encoder, encoder.onnx and tokenizer.json. $JIESU_HOME/signals/current names the version in use."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from model.encoding import pad
from model.signals.lexical import LexicalHeads
from model.signals.rules import FLAGS, PATTERNS_VERSION, URGENT_NOW, URGENT_TODAY, pattern_hits
from model.text import classifier_input
from model.tfidf import Vectoriser

# The heads: 立即办; 紧急 means "紧急 or 立即办" (urgency is ordinal); one per risk flag.
LABELS = (URGENT_NOW, URGENT_TODAY, *FLAGS)
META_FILE, HEADS_FILE, ENCODER_FILE, TOKENIZER_FILE, CURRENT_FILE = (
    "meta.json", "heads.npz", "encoder.onnx", "tokenizer.json", "current")
BASE, CLASSIFIER = "base", "classifier"    # where the embedding comes from
EMBEDDING_OUTPUT = "embedding"
RECENT = 256          # embeddings kept for texts seen last (one complaint's clauses are read twice)


class SignalModelError(RuntimeError):
    """A signal model directory that cannot serve: missing files, or built on another classifier's embedding."""


def signals_root(home: Path) -> Path:
    return Path(home) / "signals"


def current_dir(home: Path) -> Path | None:
    """The version named by $JIESU_HOME/signals/current, or None when no learned model was made current."""
    marker = signals_root(home) / CURRENT_FILE
    if not marker.is_file():
        return None
    return signals_root(home) / marker.read_text(encoding="utf-8").strip()


def make_current(home: Path, version: str) -> None:
    root = signals_root(home)
    if not (root / version / META_FILE).is_file():
        raise SignalModelError(f"no signal model {version!r} under {root}")
    staging = root / (CURRENT_FILE + ".tmp")
    staging.write_text(version + "\n", encoding="utf-8")
    os.replace(staging, root / CURRENT_FILE)


def model_text(text: str, title: str = "") -> str:
    """What the encoder reads: the classifier's normalised input (title first, stock openings dropped)."""
    return classifier_input(text, title) or text


class OnnxEncoder:
    """The base encoder's first layers exported to ONNX: mean-pooled, L2-normalised sentence embeddings."""

    def __init__(self, directory: Path, meta: dict, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        self.session = ort.InferenceSession(str(directory / ENCODER_FILE), options,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(meta["max_length"])
        self.prefix, self.pad_id = meta["prefix"], meta["pad_id"]

    def embed(self, texts: list[str]) -> np.ndarray:
        ids, mask = pad([e.ids for e in self.tokenizer.encode_batch([self.prefix + t for t in texts])], self.pad_id)
        return self.session.run([EMBEDDING_OUTPUT], {"input_ids": ids, "attention_mask": mask})[0].astype(np.float32)


class ClassifierEncoder:
    """The dispatch classifier's fine-tuned `embedding` output (one model serves leaves and signals)."""

    def __init__(self, classifier, meta: dict):
        if classifier is None or classifier.version != meta["classifier_version"]:
            found = "no classifier" if classifier is None else f"classifier {classifier.version}"
            raise SignalModelError(f"this signal model reads the embedding of classifier {meta['classifier_version']}, "
                                   f"but {found} is serving; retrain it (`jiesu signals train`)")
        if not classifier.embeds:
            raise SignalModelError(f"classifier {classifier.version} has no embedding output")
        self.classifier = classifier

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.classifier.embed(texts)


class Heads:
    """Standardise, one logistic score per label, then calibrated: by Platt on the embedding score alone, or by the
    stack of the embedding score and the lexical heads' score. Plain numpy arrays from heads.npz."""

    def __init__(self, arrays: dict[str, np.ndarray], labels: tuple[str, ...]):
        self.labels = labels
        self.mean, self.scale = arrays["mean"], arrays["scale"]
        self.weights, self.bias = arrays["weights"], arrays["bias"]
        self.platt = arrays.get("platt")             # [labels, 2]: a, b of sigmoid(a * score + b)
        self.stack = arrays.get("stack")             # [labels, 3]: sigmoid(a * score + c * lexical score + b)
        self.thresholds = arrays["thresholds"]       # [labels], on the calibrated probability
        self.lexical = None if self.stack is None else LexicalHeads(
            Vectoriser(arrays["lexical_vocabulary"], arrays["lexical_idf"]), arrays["lexical_weights"],
            arrays["lexical_bias"])

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        return ((embeddings - self.mean) / self.scale) @ self.weights.T + self.bias

    def probabilities(self, features: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """Calibrated probabilities [texts, labels]; a stacked model also reads the texts (as the encoder saw them)."""
        if self.lexical is None:
            z = self.scores(features) * self.platt[:, 0] + self.platt[:, 1]
        else:
            if texts is None or len(texts) != len(features):
                raise ValueError("a model with lexical heads needs the texts beside their features")
            z = self.scores(features) * self.stack[:, 0] + self.lexical.scores(texts) * self.stack[:, 1] \
                + self.stack[:, 2]
        return 1.0 / (1.0 + np.exp(-z))

    def threshold(self, label: str) -> float:
        return float(self.thresholds[self.labels.index(label)])


def read_meta(directory: Path) -> dict:
    try:
        return json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignalModelError(f"{directory}: no {META_FILE}; not a signal model (train one with "
                               "`jiesu signals train`)") from None


class SignalModel:
    """A trained signal model: calibrated probabilities of every label for a batch of texts."""

    def __init__(self, directory: Path | str, classifier=None, threads: int | None = None):
        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        self.version = self.meta["version"]
        self.labels = tuple(self.meta["labels"])
        with np.load(self.directory / HEADS_FILE) as arrays:
            self.heads = Heads({k: arrays[k] for k in arrays.files}, self.labels)
            self.boundary = {k[9:]: arrays[k] for k in arrays.files if k.startswith("boundary_")}
        self._recent: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.reads_rules = bool(self.meta.get("rule_features"))
        if self.reads_rules and self.meta["rule_features"]["version"] != PATTERNS_VERSION:
            raise SignalModelError(f"signal model {self.version} reads the hits of keyword rules "
                                   f"{self.meta['rule_features']['version']}, but the rules are now {PATTERNS_VERSION}; "
                                   "retrain it (`jiesu signals train`)")
        embedding = self.meta["embedding"]
        if embedding["source"] == BASE:
            self.encoder = OnnxEncoder(self.directory, embedding, threads)
        else:
            self.encoder = ClassifierEncoder(classifier, embedding)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of the model's view of each text; the most recent ones are kept, so the clauses the signals
        and the split proposal of one complaint both read go through the encoder once."""
        inputs = [model_text(t) for t in texts]
        with self._lock:
            known = {t: self._recent[t] for t in inputs if t in self._recent}
        missing = list(dict.fromkeys(t for t in inputs if t not in known))
        if missing:
            known |= dict(zip(missing, self.encoder.embed(missing)))
            with self._lock:
                self._recent.update((t, known[t]) for t in missing)
                while len(self._recent) > RECENT:
                    self._recent.pop(next(iter(self._recent)))
        return np.stack([known[t] for t in inputs]) if inputs else np.zeros((0, 0), np.float32)

    def features(self, texts: list[str]) -> np.ndarray:
        """What the heads read: the embedding, and the keyword rules' pattern hits when the model was trained so."""
        embedded = self.embed(texts)
        return np.hstack([embedded, pattern_hits(texts)]) if self.reads_rules and len(texts) else embedded

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return self.heads.probabilities(self.features(texts), [model_text(t) for t in texts])

    def cues(self, text: str, label: str) -> tuple[str, ...]:
        """The phrases that raise the label's lexical score most (none for a model without lexical heads)."""
        if self.heads.lexical is None:
            return ()
        return self.heads.lexical.cues(model_text(text), self.labels.index(label))
