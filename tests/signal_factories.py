"""A tiny learned signal model built on the fly for tests: heads on a few dozen signal texts over a 2-layer random
encoder (tests/ml_factories.py), trained once per test process."""
from __future__ import annotations

from pathlib import Path

from model.signals.learned import LABELS

PER_GROUP = 8
_BUILT: dict[str, tuple] = {}


def few_texts(catalogue) -> list:
    """Up to PER_GROUP texts of each kind: 立即办, 紧急, plain, multi-issue, and each flag."""
    from training.corpus.signals import load_signals

    every = load_signals(catalogue)
    groups = [lambda t: t.urgency == "立即办", lambda t: t.urgency == "紧急" and not t.flags,
              lambda t: t.urgency == "一般" and not t.flags and not t.multi_issue, lambda t: t.multi_issue,
              *[(lambda f: lambda t: f in t.flags)(f) for f in LABELS[2:]]]
    return list({t.id: t for g in groups for t in [t for t in every if g(t)][:PER_GROUP]}.values())


def tiny_signals(root: Path, catalogue) -> tuple[Path, Path, list]:
    """(home, model directory, the texts it learned), trained under `root` on the first call of the process."""
    if "model" not in _BUILT:
        from tests.ml_factories import tiny_base
        from training.corpus.signals import load_signals
        from training.signals.train import SignalConfig, train_signals

        texts = few_texts(catalogue)
        home = Path(root) / "signals-home"
        base = tiny_base(home / "base", [t.text for t in load_signals(catalogue)] + ["query: "], hidden=32, layers=2)
        config = SignalConfig(base_path=str(base), layers=(1, 2), max_length=64, c=1.0)
        directory = train_signals(config, home=home, catalogue=catalogue, progress=False, texts=texts)
        _BUILT["model"] = (home, directory, texts)
    return _BUILT["model"]


def tiny_fine_tuned(root: Path, catalogue) -> tuple[Path, Path, list]:
    """(home, model directory, the texts it learned, the base): the tiny encoder fine-tuned with its heads,
    cross-fitted in two folds, served beside the frozen one; built on the first call of the process."""
    if "fine-tuned" not in _BUILT:
        from tests.ml_factories import tiny_base
        from training.corpus.signals import load_signals
        from training.signals.finetune import FineTuneConfig
        from training.signals.train import SignalConfig, train_signals

        texts = few_texts(catalogue)
        home = Path(root) / "fine-tuned-home"
        base = tiny_base(home / "base", [t.text for t in load_signals(catalogue)] + ["query: "], hidden=32, layers=2)
        tuning = FineTuneConfig(epochs=6, batch_size=8, lr_encoder=2e-3, lr_head=2e-2, folds=2)
        config = SignalConfig(base_path=str(base), layers=(2,), max_length=64, fine_tune=tuning)
        directory = train_signals(config, home=home, catalogue=catalogue, progress=False, texts=texts)
        _BUILT["fine-tuned"] = (home, directory, texts, base)
    return _BUILT["fine-tuned"]
