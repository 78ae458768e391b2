"""Inference with an exported classifier directory: tokenizers + onnxruntime + numpy, no torch."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.encoding import pad
from model.labels import LabelSet, ancestors_of, log_softmax, path_scores, top_paths
from model.text import classifier_input

MODEL_FILE, INT8_FILE, META_FILE, LABELS_FILE, TOKENIZER_FILE = (
    "model.onnx", "model.int8.onnx", "meta.json", "labels.json", "tokenizer.json")
EMBEDDING_OUTPUT = "embedding"
PASS_SIZE = 64     # texts per pass of the encoder: bounds the activations onnxruntime allocates (and its arena
                   # keeps) whatever number of texts a caller sends in one call


class ModelError(RuntimeError):
    """A model directory that cannot serve: missing files, or built for another catalogue."""


@dataclass(frozen=True)
class ScoredPath:
    codes: tuple[str, ...]
    names: tuple[str, ...]
    score: float
    trained: bool = True   # False: a leaf the model has not learned yet (new or split), scored zero-shot

    @property
    def leaf(self) -> str:
        return self.codes[-1]

    def to_json(self) -> dict:
        out = {"codes": list(self.codes), "names": list(self.names), "score": round(self.score, 6)}
        return out if self.trained else out | {"trained": False}


@dataclass(frozen=True)
class Prediction:
    paths: tuple[ScoredPath, ...]
    abstain: bool

    def to_json(self) -> dict:
        return {"paths": [p.to_json() for p in self.paths], "abstain": self.abstain}


def read_meta(directory: Path) -> dict:
    try:
        return json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{directory}: no {META_FILE}; not a Jiesu model directory (train one with "
                         "`jiesu train --config quick.toml`)") from None


class Classifier:
    """An exported model: top-k valid catalogue paths with calibrated probabilities and an abstain flag."""

    def __init__(self, directory: Path | str, *, int8: bool | None = None, threads: int | None = None,
                 catalogue_version: str | None = None, allowed_leaves: set[str] | None = None,
                 catalogue=None, new_leaves: set[str] = frozenset(), extra_texts: dict[str, list[str]] | None = None,
                 lexical: bool = True):
        """With `catalogue`, the model serves that catalogue's leaves (model.space): its own carried through the
        catalogue's change files, and new ones (`new_leaves` too) zero-shot; without, its own label set.
        `lexical=False` scores with the encoder alone even where the model mixes in its lexical leaf model (the
        abstain thresholds are then the mixture's: for comparisons, not for serving)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        self.labels = LabelSet.load(self.directory / LABELS_FILE)
        if catalogue is None and catalogue_version and catalogue_version != self.labels.catalogue_version:
            raise ModelError(f"{self.directory}: built for catalogue {self.labels.catalogue_version}, the active "
                             f"catalogue is {catalogue_version}; retrain (`jiesu retrain`) or promote a matching model")
        self.version = self.meta["version"]
        use_int8 = self.meta.get("int8_default", False) if int8 is None else int8
        model_file = self.directory / (INT8_FILE if use_int8 and (self.directory / INT8_FILE).exists() else MODEL_FILE)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.model_file = model_file.name
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.meta["max_length"])
        self.paths = self.labels.path_matrix()
        calibration = self.meta["calibration"]
        self.temperature = calibration["temperature"]
        self.weights = calibration["level_weights"]
        self.threshold = calibration["thresholds"].get(str(calibration["abstain_precision"]))
        self.allowed = None if allowed_leaves is None else np.array([l in allowed_leaves for l in self.labels.leaves])
        self.space = None if catalogue is None else self._space(catalogue, set(new_leaves), extra_texts)
        self.leaves = self.labels.leaves if self.space is None else self.space.leaves
        self.names = self.labels.names if self.space is None else self.space.names
        self.trained = np.ones(len(self.leaves), bool) if self.space is None else self.space.trained
        self.mixture = calibration.get("mixture") if lexical else None
        self.lexical = None if self.mixture is None else self._load_lexical()
        self.lexical_columns = None if self.lexical is None else self._lexical_columns(self.lexical)

    def _load_lexical(self):
        from model.lexical import LEXICAL_FILE, LexicalLeaves

        path = self.directory / LEXICAL_FILE
        if not path.exists():
            raise ModelError(f"{self.directory}: meta.json mixes in a lexical leaf model but {LEXICAL_FILE} is "
                             "missing; copy the whole model directory, or retrain")
        try:
            return LexicalLeaves.load(path)
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: not a readable lexical leaf model ({exc}); retrain") from None

    def _lexical_columns(self, lexical) -> np.ndarray:
        """Each served leaf's column in the lexical model, -1 where it has none (new, split or merged since)."""
        own = lexical.columns_for(self.labels.leaves)
        return own if self.space is None else self.space.carried_columns(own)

    def _space(self, catalogue, new_leaves: set[str], extra_texts):
        from catalog import CatalogueError
        from model.space import OutputSpace

        try:
            steps = catalogue.changes.chain(self.labels.catalogue_version, catalogue.version)
            return OutputSpace(self.labels, catalogue, steps, weights=self.weights, heads=self.meta.get("heads"),
                               embed=self.embed, run=self.forward,
                               new_leaves=new_leaves, extra_texts=extra_texts)
        except CatalogueError as exc:
            raise ModelError(f"{self.directory}: built for catalogue {self.labels.catalogue_version}, the active "
                             f"catalogue is {catalogue.version}: {exc.problems[0].message}; retrain "
                             "(`jiesu retrain`) or promote a matching model") from None
        except ValueError as exc:
            raise ModelError(f"{self.directory}: {exc}") from None

    def encode(self, texts: list[str], titles: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._encode(self.inputs(texts, titles))

    def _encode(self, inputs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and mask of already prepared inputs (classifier_input), with the encoder's prefix."""
        prefixed = [self.meta["prefix"] + text for text in inputs]
        return pad([e.ids for e in self.tokenizer.encode_batch(prefixed)], self.meta["pad_id"])

    @property
    def embeds(self) -> bool:
        """Whether the graph also returns the pooled, L2-normalised text (exports before retrieval did not)."""
        return EMBEDDING_OUTPUT in self.outputs

    def run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[list[np.ndarray], np.ndarray | None]:
        """(each level's logits, the text embeddings or None) for an encoded batch."""
        out = dict(zip(self.outputs, self.session.run(self.outputs, {"input_ids": ids, "attention_mask": mask})))
        return [out[f"level{i}"] for i in range(1, 5)], out.get(EMBEDDING_OUTPUT)

    def forward(self, texts: list[str], titles: list[str] | None = None) -> tuple[list[np.ndarray], np.ndarray | None]:
        """(each level's logits, the embeddings or None) for any number of texts in their order."""
        return self._forward(self.inputs(texts, titles))

    def _forward(self, inputs: list[str]) -> tuple[list[np.ndarray], np.ndarray | None]:
        """forward() on prepared inputs: PASS_SIZE inputs of similar length per pass (little padding)."""
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
        passes = [self.run(*self._encode([inputs[i] for i in chunk]))
                  for chunk in (order[s:s + PASS_SIZE] for s in range(0, max(len(order), 1), PASS_SIZE))]
        back = np.argsort(np.array(order, dtype=int))
        logits = [np.concatenate([p[0][level] for p in passes])[back] for level in range(len(passes[0][0]))]
        embeddings = None if passes[0][1] is None else np.concatenate([p[1] for p in passes])[back]
        return logits, embeddings

    def logits(self, ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        return self.run(ids, mask)[0]

    def top(self, logits: list[np.ndarray], k: int, embeddings: np.ndarray | None = None,
            inputs: list[str] | None = None):
        """(top indices into self.leaves, their calibrated probabilities) from a batch's logits, mixed with the
        lexical model's scores of the same texts' `inputs` (classifier_input) where the model has one."""
        if self.space is not None:
            scores = self.space.scores(logits, embeddings)
            allowed = np.isfinite(scores).any(0)
        else:
            scores, allowed = path_scores(logits, self.paths, self.weights), self.allowed
        if self.lexical is None:
            return top_paths(scores, self.temperature, k, allowed)
        if inputs is None or len(inputs) != len(scores):
            raise ValueError("this model mixes in its lexical leaf model: pass the texts' inputs to top()")
        return top_paths(self._mixed(scores, inputs), self.mixture["temperature"], k, allowed)

    def _mixed(self, scores: np.ndarray, inputs: list[str]) -> np.ndarray:
        from model.lexical import aligned, mixed_log_probabilities

        model_logp = log_softmax(scores / self.temperature)
        lexical_logp = aligned(self.lexical.log_probabilities(inputs), self.lexical_columns, model_logp)
        return mixed_log_probabilities(model_logp, lexical_logp, self.mixture["weight"])

    def inputs(self, texts: list[str], titles: list[str] | None = None) -> list[str]:
        """What the classifier reads of each text: the title, then the body without stock openings, normalised."""
        return [classifier_input(t, h) for t, h in zip(texts, titles or [""] * len(texts))]

    def probabilities(self, texts: list[str], titles: list[str] | None = None, k: int = 3):
        """(top indices into self.leaves, their probabilities) for a batch."""
        inputs = self.inputs(texts, titles)
        logits, embeddings = self._forward(inputs)
        return self.top(logits, k, embeddings, inputs)

    def embed(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        """L2-normalised text embeddings from the fine-tuned encoder (float32, one row per text)."""
        if not self.embeds:
            raise ModelError(f"{self.directory}: this export has no embedding output; re-export it with "
                             "`jiesu train` (models since retrieval landed carry one)")
        return self.forward(texts, titles)[1].astype(np.float32)

    def predict(self, texts: list[str], titles: list[str] | None = None, k: int = 3) -> list[Prediction]:
        if not texts:
            return []
        return self._predictions(*self.probabilities(texts, titles, k))

    def analyse(self, texts: list[str], titles: list[str] | None = None,
                k: int = 3) -> tuple[list[Prediction], np.ndarray | None]:
        """Predictions and embeddings from one pass of the encoder (embeddings None for older exports)."""
        inputs = self.inputs(texts, titles)
        logits, embeddings = self._forward(inputs)
        return self._predictions(*self.top(logits, k, embeddings, inputs)), embeddings

    def _predictions(self, top: np.ndarray, probs: np.ndarray) -> list[Prediction]:
        out = []
        for row, row_probs in zip(top, probs):
            paths = tuple(self._path(int(i), float(p)) for i, p in zip(row, row_probs))
            threshold = self.threshold_for(paths[0].leaf)
            abstain = threshold is None or paths[0].score < threshold
            out.append(Prediction(paths, abstain))
        return out

    def threshold_for(self, leaf: str) -> float | None:
        """The leaf's own threshold when retraining tuned one (`leaf_thresholds`), else the global one."""
        own = self.meta["calibration"].get("leaf_thresholds") or {}
        return own.get(leaf, own.get("*", self.threshold))

    def _path(self, index: int, score: float) -> ScoredPath:
        codes = tuple(ancestors_of(self.leaves[index]))
        return ScoredPath(codes, tuple(self.names[c] for c in codes), score, bool(self.trained[index]))
