"""The fine-tuned and the frozen base encoder side by side. Each reads the text; the served embedding is both pooled
vectors in one row (one ONNX graph), and each label's score is a weighted sum of the fine-tuned head's and the frozen
head's scores (each divided by the spread of its out-of-fold scores). The weight is chosen per label on the
out-of-fold scores (the best average precision), so a label the frozen heads rank better keeps them. The sum is one
linear head over the joint row, so serving reads it like any other heads.npz."""
from __future__ import annotations

import numpy as np

from model.signals.learned import LABELS
from training.signals.fit import TARGETS, choose_threshold, platt, sigmoid

WEIGHTS = np.linspace(0.0, 1.0, 11)     # the fine-tuned head's share of a label's score, tried on out-of-fold scores


class JointEmbedder:
    """Two base-encoder embedders over the same tokenizer: their pooled rows side by side, scaled to unit length."""

    def __init__(self, tuned, frozen):
        import torch

        if tuned.path != frozen.path or tuned.max_length != frozen.max_length or tuned.prefix != frozen.prefix:
            raise ValueError("the joint encoder's members must read the same base, prefix and length")
        self.tuned, self.frozen = tuned, frozen
        self.model = torch.nn.ModuleList([tuned.model, frozen.model])
        self.path, self.tokenizer, self.prefix, self.max_length = tuned.path, tuned.tokenizer, tuned.prefix, \
            tuned.max_length

    @property
    def meta(self) -> dict:
        tuned, frozen = self.tuned.meta, self.frozen.meta
        return tuned | {"dimensions": tuned["dimensions"] + frozen["dimensions"],
                        "members": [{"fine_tuned": True, "layers": tuned["layers"]},
                                    {"fine_tuned": False, "layers": frozen["layers"]}]}

    def forward(self, input_ids, attention_mask):
        import torch

        rows = (self.tuned.forward(input_ids, attention_mask), self.frozen.forward(input_ids, attention_mask))
        return torch.cat(rows, dim=-1) / 2 ** 0.5

    def encode(self, texts: list[str]) -> np.ndarray:
        from training.signals.embed import BaseEmbedder

        return BaseEmbedder.encode(self, texts)


def _choose_weight(tuned: np.ndarray, frozen: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    scored = [average_precision_score(y, w * tuned + (1 - w) * frozen) for w in WEIGHTS]
    return float(WEIGHTS[int(np.argmax(scored))])


def joint_heads(tuned: tuple[dict, dict], frozen: tuple[dict, dict], labels: np.ndarray, tuned_dimensions: int,
                rule_columns: int) -> tuple[dict, dict]:
    """(arrays for heads.npz over [joint row, pattern hits], the out-of-fold report per label) from the fine-tuned
    and the frozen (arrays, report) pairs, each over [its own pooled row, pattern hits]."""
    (ta, treport), (fa, freport) = tuned, frozen
    d1 = tuned_dimensions
    d2 = fa["mean"].shape[0] - rule_columns
    hits = slice(d2, None)
    root = 2 ** 0.5
    mean = np.r_[np.zeros(d1), fa["mean"][:d2] / root, np.zeros(rule_columns)]
    scale = np.r_[ta["scale"][:d1] / root, fa["scale"][:d2] / root, np.ones(rule_columns)]
    weights, bias, calibration, thresholds, report = [], [], [], [], {}
    for j, label in enumerate(LABELS):
        y = labels[:, j].astype(int)
        t_oof, f_oof = treport[label]["oof_scores"], freport[label]["oof_scores"]
        t_sd, f_sd = max(float(t_oof.std()), 1e-9), max(float(f_oof.std()), 1e-9)
        share = _choose_weight(t_oof / t_sd, f_oof / f_sd, y)
        ut, uf = share / t_sd, (1 - share) / f_sd
        frozen_hits = fa["weights"][j, hits] / fa["scale"][hits]
        weights.append(np.r_[ut * ta["weights"][j, :d1], uf * fa["weights"][j, :d2],
                             ut * ta["weights"][j, d1:] + uf * frozen_hits])
        bias.append(ut * ta["bias"][j] + uf * (fa["bias"][j] - frozen_hits @ fa["mean"][hits]))
        oof = ut * t_oof + uf * f_oof
        a, b = platt(oof, y)
        chosen = choose_threshold(sigmoid(a * oof + b), y, TARGETS.get(label))
        calibration.append((a, b))
        thresholds.append(chosen["threshold"])
        report[label] = chosen | {"support": int(y.sum()), "fine_tuned_share": share, "oof_scores": oof}
    arrays = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
              "weights": np.array(weights, dtype=np.float32), "bias": np.array(bias, dtype=np.float32),
              "platt": np.array(calibration, dtype=np.float32), "thresholds": np.array(thresholds, dtype=np.float32)}
    return arrays, report
