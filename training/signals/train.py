"""`jiesu signals train`: embed the training side of the signal texts, fit the calibrated heads and the multi-issue
boundary model, export what serving needs as plain files into $JIESU_HOME/signals/<version>/, and make it current."""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from catalog import Catalogue
from catalog.deadlines import TZ
from model.signals.learned import BASE, HEADS_FILE, LABELS, META_FILE, make_current, signals_root
from model.signals.rules import PATTERNS, PATTERNS_VERSION, pattern_hits
from model.signals.split import RULE_BOUNDARY, span_classifier
from training.corpus.signals import SignalText, load_signals
from training.signals.boundary import fit_boundary
from training.signals.data import SEED, TEST_SHARE, held_out_split, labels_of, texts_version
from training.signals.embed import BaseEmbedder, ClassifierEmbedder, embed_texts
from training.signals.finetune import FineTuneConfig, fine_tuned_heads
from training.signals.fit import FitConfig, fit_heads
from training.signals.joint import JointEmbedder, joint_heads
from training.signals.lexical import LexicalConfig, stack_lexical

PARITY_TEXTS = 16


@dataclass(frozen=True)
class SignalConfig:
    source: str = BASE              # base: the base encoder exported to ONNX; classifier: the current classifier
    base_path: str = ""             # default: $JIESU_HOME/base/multilingual-e5-small-zh
    classifier: str = ""            # a classifier directory (source classifier, and the leaves of split spans)
    layers: tuple[int, ...] = (6, 12)    # base encoder layers whose mean-pooled outputs make the embedding
    max_length: int = 192
    c: float = 0.01
    rule_features: bool = True      # the heads also read the keyword rules' pattern hits
    rule_boost: float = 3.0
    seed: int = SEED
    test_share: float = TEST_SHARE
    fine_tune: FineTuneConfig | None = None     # fine-tune the base encoder with the heads (else heads on it frozen)
    lexical: bool = True            # stack character n-gram TF-IDF heads on the embedding heads

    def __post_init__(self):
        if self.fine_tune is not None and self.source != BASE:
            raise ValueError("only the base encoder is fine-tuned for the signals (--source base)")


def embedder_for(config: SignalConfig, home: Path):
    if config.source == BASE:
        from model.base import DEFAULT_NAME

        return BaseEmbedder(Path(config.base_path or Path(home) / "base" / DEFAULT_NAME), config.layers,
                            config.max_length)
    if not config.classifier:
        raise FileNotFoundError("--source classifier needs a trained classifier: `jiesu train`, or --classifier DIR")
    return ClassifierEmbedder(Path(config.classifier))


def leaf_suggester(catalogue: Catalogue, classifier_dir: str):
    """What classifies split spans: the given classifier, else the keyword suggester (the service's fallback)."""
    if classifier_dir:
        from model.classifier import Classifier

        classifier = Classifier(Path(classifier_dir))   # in the shape of serving's suggester
        return SimpleNamespace(classifier=classifier, version=f"classifier:{classifier.version}")
    from model.keyword import KeywordSuggester

    return KeywordSuggester(catalogue)


def training_side(catalogue: Catalogue, config: SignalConfig) -> tuple[list[SignalText], list[SignalText]]:
    texts = load_signals(catalogue)
    side = held_out_split(texts, config.test_share, config.seed)
    return [t for t, s in zip(texts, side) if s == "train"], [t for t, s in zip(texts, side) if s == "test"]


def frozen_heads(config: SignalConfig, home: Path, texts: list[str], labels: np.ndarray, hits: np.ndarray,
                 progress: bool):
    """(embedder, arrays, report): logistic heads on the base encoder's frozen embeddings (cached by text)."""
    embedder = embedder_for(config, home)
    x = embed_texts(embedder, texts, signals_root(home) / "cache", desc="embedding texts", progress=progress)
    arrays, report = fit_heads(np.hstack([x, hits]), labels,
                               FitConfig(c=config.c, seed=config.seed, rule_boost=config.rule_boost), progress,
                               rule_columns=hits.shape[1])
    return embedder, arrays, report


def fit_signal_heads(config: SignalConfig, home: Path, texts: list[str], labels: np.ndarray, hits: np.ndarray,
                     progress: bool):
    """(the embedder to serve, arrays for heads.npz, the out-of-fold report, seconds of the fine-tuning stages):
    frozen heads; or the encoder fine-tuned with its heads, joined by the frozen heads unless told not to."""
    if config.fine_tune is None:
        return *frozen_heads(config, home, texts, labels, hits, progress), {}
    tuned, arrays, report, stages = fine_tuned_heads(lambda: embedder_for(config, home), texts, labels, hits,
                                                     config.fine_tune, seed=config.seed, progress=progress)
    if not config.fine_tune.frozen_layers:
        return tuned, arrays, report, stages
    frozen_config = replace(config, layers=config.fine_tune.frozen_layers, fine_tune=None)
    frozen = frozen_heads(frozen_config, home, texts, labels, hits, progress)
    arrays, report = joint_heads((arrays, report), frozen[1:], labels, tuned.meta["dimensions"], hits.shape[1])
    return JointEmbedder(tuned, frozen[0]), arrays, report, stages


def train_signals(config: SignalConfig, *, home: Path, catalogue: Catalogue, make_it_current: bool = True,
                  progress: bool = True, texts: list[SignalText] | None = None) -> Path:
    """Train, export and register a signal model; `texts` replaces the corpus's training side (tests)."""
    started = time.monotonic()
    version_read = texts_version() if texts is None else "given"   # read with the texts: files may change meanwhile
    train, test = (texts, []) if texts is not None else training_side(catalogue, config)
    hits = pattern_hits([t.text for t in train]) if config.rule_features else np.zeros((len(train), 0), np.float32)
    embedder, arrays, report, stages = fit_signal_heads(config, home, [t.text for t in train], labels_of(train),
                                                        hits, progress)
    if config.lexical:
        arrays, report = stack_lexical(arrays, report, [t.text for t in train], labels_of(train),
                                       LexicalConfig(seed=config.seed), progress)
    cache = None if config.fine_tune else signals_root(home) / "cache"   # a fine-tuned encoder's rows are its own
    suggester = leaf_suggester(catalogue, config.classifier)
    embed = (lambda parts: embed_texts(embedder, parts, cache, desc="embedding clauses", progress=progress)) \
        if config.source == BASE else None
    boundary, boundary_report = fit_boundary(train, span_classifier(suggester), embed, "training")
    if boundary is not RULE_BOUNDARY:
        arrays |= {"boundary_weights": boundary.weights.astype(np.float32),
                   "boundary_bias": np.float32(boundary.bias), "boundary_threshold": np.float32(boundary.threshold)}
    now = datetime.now(TZ)
    version = f"signals-{now:%Y%m%d-%H%M%S}"
    directory = signals_root(home) / version
    staging = directory.with_name(version + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    parity = None
    if config.source == BASE:
        from training.signals.export import export_encoder, parity as check

        export_encoder(embedder, staging)
        parity = check(embedder, staging, [t.text for t in train[:PARITY_TEXTS]])
    np.savez(staging / HEADS_FILE, **arrays)
    meta = {"version": version, "created_at": now.isoformat(), "labels": list(LABELS), "embedding": embedder.meta,
            "texts": {"version": version_read, "train": len(train), "test": len(test),
                      "split": {"seed": config.seed, "test_share": config.test_share}},
            "config": asdict(config), "catalogue_version": catalogue.version, "parity": parity,
            "rule_features": {"version": PATTERNS_VERSION, "patterns": [name for name, _ in PATTERNS]}
            if config.rule_features else None,
            "cross_validated": {label: {k: v for k, v in r.items() if k != "oof_scores"}
                                for label, r in report.items()},
            "boundary": {"features": list(boundary.features), "span_classifier": getattr(suggester, "version", ""),
                         "cross_validated": boundary_report},
            "lexical": {"ngrams": [1, LexicalConfig().longest], "vocabulary": len(arrays["lexical_vocabulary"])}
            if config.lexical else None,
            "fine_tuned": stages or None, "seconds": round(time.monotonic() - started, 1)}
    (staging / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    staging.rename(directory)
    if make_it_current:
        make_current(home, version)
    return directory
