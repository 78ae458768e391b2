"""TF-IDF baseline: jieba words + character 1-3-grams, a linear classifier over the leaves, temperature-scaled.

The reference the neural classifier has to beat. Texts are normalised (simplified, half-width) and cut with jieba;
the word and character TF-IDF blocks are L2-normalised and stacked. The classifier's decision scores become
probabilities by a softmax whose temperature is fitted on the dev texts by negative log-likelihood."""
from __future__ import annotations

import time

import numpy as np

from model.labels import softmax
from model.lexical import jieba_words
from training.classifier.calibration import fit_temperature
from training.corpus.normalise import normalise

DEFAULT_TEMPERATURE = 0.1  # used when fit() gets no dev texts: decision scores are roughly in [-1, 1]
SVM_CHUNKS_PER_JOB = 8     # the leaves are fitted in this many chunks per worker (the progress bar's steps)


class TfidfBaseline:
    """jieba-word + char 1-3-gram TF-IDF, one-vs-rest linear SVM over the leaves, softmax with a fitted temperature.

    classifier: "svm" (LinearSVC one-vs-rest, the most accurate measured) or "centroid" (cosine to each leaf's
    mean TF-IDF vector: trains in a second, a few points less accurate).

    Measured on the held-out test split (seed 7, 15.4k train texts, 1538 leaves, 2 shared cores), leaf acc@1 /
    acc@3: LinearSVC C=0.5 70.4 / 88.1 % (about 2-2.5 min); centroid 68.4 / 87.5 % (<1 s); SGD hinge 5 epochs
    69.0 / 84.7 %; ComplementNB 60.8 / 81.6 %; 118k instead of 68k features no better. Multinomial logistic
    regression was not tried: each lbfgs pass multiplies X by a dense 68k x 1538 matrix, hundreds of passes."""

    def __init__(self, classifier: str = "svm", C: float = 0.5, tol: float = 0.1, word_features: int | None = 30000,
                 char_features: int | None = 50000, min_df: int = 2, n_jobs: int = 2, random_state: int = 0,
                 progress: bool = True):
        if classifier not in ("svm", "centroid"):
            raise ValueError(f"classifier {classifier!r} must be 'svm' or 'centroid'")
        self.classifier, self.C, self.tol = classifier, C, tol
        self.word_features, self.char_features, self.min_df = word_features, char_features, min_df
        self.n_jobs, self.random_state, self.progress = n_jobs, random_state, progress
        self.temperature = DEFAULT_TEMPERATURE
        self.timings: dict[str, float] = {}

    # -- features -------------------------------------------------------------------------------------------------

    def _features(self, texts: list[str], fit: bool = False):
        import scipy.sparse as sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        norm = [normalise(t) for t in texts]
        words = [jieba_words(t) for t in norm]
        if fit:
            # Tiny training sets (tests) cannot afford min_df > 1.
            min_df = self.min_df if len(texts) >= 50 * self.min_df else 1
            self._words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df,
                                          max_features=self.word_features)
            self._chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=min_df,
                                          max_features=self.char_features)
            blocks = [self._words.fit_transform(words), self._chars.fit_transform(norm)]
        else:
            blocks = [self._words.transform(words), self._chars.transform(norm)]
        return normalize(sparse.hstack(blocks).tocsr())

    # -- training -------------------------------------------------------------------------------------------------

    def fit(self, texts: list[str], leaves: list[str], dev_texts: list[str] | None = None,
            dev_leaves: list[str] | None = None, weights: list[float] | None = None) -> TfidfBaseline:
        """Train on texts and their leaf codes (each text weighted when `weights` are given: the SVM only); fit
        the softmax temperature on the dev texts when given."""
        start = time.perf_counter()
        X = self._features(list(texts), fit=True)
        y = np.asarray(leaves)
        self.timings["features_s"] = time.perf_counter() - start
        start = time.perf_counter()
        if self.classifier == "svm":
            self.classes_, self._weights, self._bias = self._fit_svm(X, y, weights)
        else:
            self.classes_, self._weights, self._bias = self._fit_centroids(X, y)
        self.timings["classifier_s"] = time.perf_counter() - start
        start = time.perf_counter()
        if dev_texts is not None and len(dev_texts):
            self.calibrate(dev_texts, dev_leaves)
        self.timings["calibration_s"] = time.perf_counter() - start
        self.timings["fit_s"] = sum(self.timings[k] for k in ("features_s", "classifier_s", "calibration_s"))
        return self

    def _fit_svm(self, X, y, sample_weight=None):
        """Classes, feature x class weights (float32) and biases of one-vs-rest linear SVMs, one per leaf.

        Each leaf's binary SVM is fitted alone with the same seed, so the weights do not depend on n_jobs; the
        leaves are dealt in chunks to n_jobs worker processes (not threads: liblinear's shuffling uses the C
        library's global random state, which threads would share and make the result vary from run to run)."""
        from joblib import Parallel, delayed
        from tqdm.auto import tqdm

        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError("the SVM baseline needs texts of at least two leaves")
        if len(classes) == 2:  # one binary SVM; its margin is for the second class
            w, b = _binary_svms(X, y, classes[1:], self.C, self.tol, self.random_state, sample_weight)
            return classes, np.column_stack([-w[:, 0], w[:, 0]]), np.r_[-b, b]
        jobs = max(1, min(self.n_jobs, len(classes)))
        step = min(len(classes), jobs * SVM_CHUNKS_PER_JOB)
        chunks = [classes[j::step] for j in range(step)]
        args = (self.C, self.tol, self.random_state, sample_weight)
        if jobs == 1:
            parts = (_binary_svms(X, y, chunk, *args) for chunk in chunks)
        else:
            parts = Parallel(n_jobs=jobs, backend="loky", return_as="generator")(
                delayed(_binary_svms)(X, y, chunk, *args) for chunk in chunks)
        weights = np.empty((X.shape[1], len(classes)), dtype=np.float32)
        bias = np.empty(len(classes), dtype=np.float32)
        bar = tqdm(parts, total=step, desc="leaf SVMs", unit="chunk", disable=not self.progress)
        for j, (w, b) in enumerate(bar):
            weights[:, j::step], bias[j::step] = w, b
        return classes, weights, bias

    @staticmethod
    def _fit_centroids(X, y):
        """Classes, feature x class unit-length mean vectors (sparse) and zero biases."""
        import scipy.sparse as sparse
        from sklearn.preprocessing import normalize

        classes, inverse = np.unique(y, return_inverse=True)
        member = sparse.csr_matrix((np.ones(len(y)), (inverse, np.arange(len(y)))), shape=(len(classes), len(y)))
        centroids = normalize(member @ X).astype(np.float32)
        return classes, centroids.T.tocsc(), np.zeros(len(classes), dtype=np.float32)

    def calibrate(self, texts: list[str], leaves: list[str]) -> float:
        """Fit the softmax temperature on held-out texts by NLL (texts of unseen leaves are skipped)."""
        index = {code: i for i, code in enumerate(self.classes_)}
        keep = [i for i, leaf in enumerate(leaves) if leaf in index]
        if not keep:
            return self.temperature
        scores = self.decision_scores([texts[i] for i in keep])
        self.temperature = fit_temperature(scores, np.array([index[leaves[i]] for i in keep]))
        return self.temperature

    # -- prediction -----------------------------------------------------------------------------------------------

    def decision_scores(self, texts: list[str]) -> np.ndarray:
        """n x classes raw scores, columns in the order of classes_."""
        X = self._features(list(texts)).astype(np.float32)
        scores = X @ self._weights
        scores = scores.toarray() if hasattr(scores, "toarray") else np.asarray(scores)
        return scores + self._bias

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """n x classes calibrated probabilities, columns in the order of classes_."""
        return softmax(self.decision_scores(texts) / self.temperature)

    def predict_topk(self, texts: list[str], k: int = 3, batch: int = 2048) -> tuple[list[list[str]], np.ndarray]:
        """The k most probable leaves per text, best first, and their probabilities (n x k)."""
        k = min(k, len(self.classes_))
        codes: list[list[str]] = []
        probs = np.zeros((len(texts), k))
        for start in range(0, len(texts), batch):
            p = self.predict_proba(texts[start:start + batch])
            top = np.argsort(-p, axis=1, kind="stable")[:, :k]
            codes += [[str(c) for c in row] for row in self.classes_[top]]
            probs[start:start + len(p)] = np.take_along_axis(p, top, axis=1)
        return codes, probs


def _binary_svms(X, y, positives, C: float, tol: float, seed: int,
                 sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
    """Feature x class weights and biases of one binary linear SVM per positive class against all other texts."""
    from sklearn.svm import LinearSVC

    weights = np.empty((X.shape[1], len(positives)), dtype=np.float32)
    bias = np.empty(len(positives), dtype=np.float32)
    for j, code in enumerate(positives):
        svm = LinearSVC(C=C, tol=tol, random_state=seed).fit(X, y == code, sample_weight=sample_weight)
        weights[:, j], bias[j] = svm.coef_.ravel(), svm.intercept_[0]
    return weights, bias


def _identity(tokens):
    return tokens
