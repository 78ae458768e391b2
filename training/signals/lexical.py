"""Lexical heads stacked on the embedding heads: a character n-gram TF-IDF logistic regression per label, its
out-of-fold scores and the embedding head's combined by a two-input logistic regression (which also calibrates),
and each label's threshold chosen again on the stacked out-of-fold probabilities.

Measured on the held-out signal texts (session 23): the lexical head alone ranks better than the frozen embedding
head on every label, and the stack better than either (eval/RESULTS.md)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.signals.learned import LABELS, model_text
from model.tfidf import NGRAMS, Vectoriser, fit_vocabulary
from training.signals.fit import TARGETS, choose_threshold, stratified_folds

C_GRID = (1.0, 4.0, 10.0, 30.0, 100.0)


@dataclass(frozen=True)
class LexicalConfig:
    c_grid: tuple[float, ...] = C_GRID   # inverse regularisation tried per label, chosen by out-of-fold AP
    folds: int = 5
    seed: int = 7
    longest: int = NGRAMS


def tfidf_matrix(vectoriser: Vectoriser, texts: list[str]):
    """A scipy CSR matrix of the texts' rows (training only; serving scores row by row)."""
    from scipy import sparse

    rows = [vectoriser.row(t) for t in texts]
    indptr = np.r_[0, np.cumsum([len(c) for c, _ in rows])]
    columns = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, np.int64)
    values = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
    return sparse.csr_matrix((values, columns, indptr), shape=(len(texts), len(vectoriser)))


def _logistic(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced")


def _vectorised(texts: list[str], longest: int):
    vocabulary, idf = fit_vocabulary(texts, longest)
    vectoriser = Vectoriser(vocabulary, idf, longest)
    return vectoriser, tfidf_matrix(vectoriser, texts)


def out_of_fold_lexical(texts: list[str], labels: np.ndarray, config: LexicalConfig, progress: bool = True
                        ) -> dict[tuple[int, float], np.ndarray]:
    """Out-of-fold decision values per (label index, C): the vocabulary and idf are fitted without the fold."""
    from tqdm.auto import tqdm

    out = {}
    for j in tqdm(range(len(LABELS)), desc="lexical heads (out of fold)", unit="label", disable=not progress):
        y = labels[:, j].astype(int)
        scores = {c: np.zeros(len(y)) for c in config.c_grid}
        for train, held in stratified_folds(y, config.folds, config.seed):
            vectoriser, x = _vectorised([texts[i] for i in train], config.longest)
            x_held = tfidf_matrix(vectoriser, [texts[i] for i in held])
            for c in config.c_grid:
                scores[c][held] = _logistic(c).fit(x, y[train]).decision_function(x_held)
        out |= {(j, c): s for c, s in scores.items()}
    return out


def _average_precision(scores: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, scores))


def stack_lexical(arrays: dict, report: dict, texts: list[str], labels: np.ndarray,
                  config: LexicalConfig = LexicalConfig(), progress: bool = True) -> tuple[dict, dict]:
    """`arrays` and `report` of the embedding heads (their out-of-fold scores in the report) with the lexical heads,
    the stack coefficients [labels, (embedding, lexical, bias)] and the thresholds chosen on the stack."""
    from sklearn.linear_model import LogisticRegression

    texts = [model_text(t) for t in texts]
    oof = out_of_fold_lexical(texts, labels, config, progress)
    vectoriser, x = _vectorised(texts, config.longest)
    weights, bias, stack, thresholds, out = [], [], [], [], {}
    for j, label in enumerate(LABELS):
        y = labels[:, j].astype(int)
        by_c = {c: _average_precision(oof[(j, c)], y) for c in config.c_grid}
        c = max(config.c_grid, key=lambda k: (round(by_c[k], 4), -k))
        head = _logistic(c).fit(x, y)
        weights.append(head.coef_[0])
        bias.append(head.intercept_[0])
        pair = np.c_[report[label]["oof_scores"], oof[(j, c)]]
        stacker = LogisticRegression(C=1e4, max_iter=5000).fit(pair, y)
        stack.append([*stacker.coef_[0], stacker.intercept_[0]])
        probabilities = stacker.predict_proba(pair)[:, 1]
        chosen = choose_threshold(probabilities, y, TARGETS.get(label))
        thresholds.append(chosen["threshold"])
        out[label] = report[label] | chosen | {
            "lexical_c": c, "lexical_oof_ap": round(by_c[c], 4),
            "embedding_oof_ap": round(_average_precision(report[label]["oof_scores"], y), 4),
            "stacked_oof_ap": round(_average_precision(probabilities, y), 4),
            "stack": [round(float(v), 4) for v in stack[-1]], "oof_scores": probabilities}
    arrays = arrays | {
        "lexical_vocabulary": np.array(sorted(vectoriser.index, key=vectoriser.index.get)),
        "lexical_idf": vectoriser.idf, "lexical_weights": np.array(weights, dtype=np.float32),
        "lexical_bias": np.array(bias, dtype=np.float32), "stack": np.array(stack, dtype=np.float32),
        "thresholds": np.array(thresholds, dtype=np.float32)}
    return arrays, out
