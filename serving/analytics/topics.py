"""Emerging topics: recent complaint texts clustered by meaning, labelled with their words, and flagged when the
weeks before had nothing like them (新出现) or far less of them (激增). Pure functions over documents and vectors.

Texts become unit vectors: the current classifier's embeddings when a model is loaded, else jieba TF-IDF. The
window's vectors are clustered by average linkage on cosine distance (deterministic: documents in time order), cut
at a distance fixed per kind of vector. A topic reaches the documents whose mean similarity to its members is
within that distance — the same rule that let its members join — and the window's reach is compared with the
baseline's: the Poisson upper tail of the window's count against the baseline's rate."""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from scipy.stats import poisson

from model.text import classifier_input

TFIDF = "tfidf:jieba"
CACHE_SIZE = 40_000        # embedded texts kept: about 60 MB of 384-dimensional vectors
_EMBEDDED: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
_EMBEDDED_LOCK = threading.Lock()
# Words that carry no topic: the channels' and agents' stock phrases, fillers, demands every complaint makes.
STOP_WORDS = frozenset("""
反映 来电 来电人 市民 群众 居民 网格员 巡查 发现 上报 诉求 要求 希望 请求 恳请 建议 尽快 马上 立即 及时 赶紧 抓紧 处理 解决
问题 情况 相关 有关 部门 单位 工作人员 派人 联系 答复 回复 说法 看看 查查 一下 给个 帮忙 帮助 协调 核实 落实 督促 责令 整改
现在 目前 已经 一直 还是 还有 仍然 依然 始终 每天 今天 昨天 昨晚 前天 最近 近期 这几天 几天 多次 好几次 反复 多年 至今 今年 去年
没有 不是 就是 但是 可是 而且 因为 所以 如果 虽然 然后 并且 或者 以及 这个 那个 这些 那些 这样 那样 怎么 什么 为什么 哪里 如何
我们 你们 他们 她们 自己 大家 别人 本人 家里 我家 非常 特别 十分 严重 影响 导致 造成 出现 存在 发生 进行 表示 称 说 讲 告知
可以 不能 不会 应该 需要 必须 能够 无法 不了 不到 不好 知道 觉得 认为 以为 感觉 时候 期间 之后 以后 之前 以前 左右 附近 周边
某小区 小区 某路段 某路口 某街道 某社区 某村 某 市长 您好 你好 尊敬 领导 谢谢 感谢 麻烦 一个 两个 几个 很多 不少 多少 一些 部分
这边 那边 这里 那里 以上 以下 出来 起来 上来 下来 过来 过去 突然 家中 其他 另外 一样 同样 这种 那种 只能 只有 总是 经常 每次
一次 公司 有人 人员 地方 东西 事情 结果 还要 还得 不让 不管 没人 没用 根本 完全 直接 主要 正常 一般 实在 真的 确实
号楼 单元 号院
""".split())
_WORD = frozenset("abcdefghijklmnopqrstuvwxyz")


class Vectoriser(Protocol):
    """Turns documents into L2-normalised rows (dense or sparse); `distance` is where clusters stop merging."""
    name: str
    distance: float

    def vectors(self, docs: Sequence[Doc], words: list[list[str]]): ...


@dataclass(frozen=True)
class Doc:
    """A ticket as the topic detector reads it."""
    id: int
    number: str | None
    at: datetime
    leaf: str | None
    title: str
    text: str


@dataclass(frozen=True)
class TopicPolicy:
    min_size: int = 5           # a smaller cluster is no topic
    alpha: float = 1e-6         # the Poisson tail below which a topic has outgrown its baseline
    growth: float = 3.0         # … and at least this many times its expected count
    prior: float = 0.5          # pseudo-count of the baseline: a topic never seen is not infinitely surprising
    keywords: int = 5
    representatives: int = 3
    max_cluster: int = 4000     # documents clustered at once; a larger window is clustered per 大类, then 小类
    distance: float | None = None   # the vectoriser's own when None

    def __post_init__(self):
        if self.min_size < 2:
            raise ValueError(f"a topic needs at least 2 tickets (min_size), got {self.min_size}")
        if self.distance is not None and not 0 < self.distance < 2:
            raise ValueError(f"the cluster distance is a cosine distance between 0 and 2, got {self.distance}")


@dataclass(frozen=True)
class Topic:
    members: tuple[int, ...]         # document ids, oldest first
    keywords: tuple[str, ...]
    leaves: tuple[tuple[str | None, int], ...]   # (leaf, members) most frequent first
    representatives: tuple[int, ...]   # the members closest to the topic's centre
    reach: int                       # documents of the window within the topic's reach
    baseline: int                    # documents of the baseline within it
    expected: float                  # the window's expected reach from the baseline's rate
    score: float                     # −log10 of the Poisson upper tail
    new: bool
    why: str | None                  # 新出现 (nothing like it before) | 激增 (far more than before) | None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def leaf(self) -> str | None:
        return self.leaves[0][0] if self.leaves else None


def _jieba():
    import jieba

    jieba.setLogLevel(60)
    return jieba


@lru_cache(maxsize=32_768)
def _words_of(text: str) -> tuple[str, ...]:
    return tuple(w for w in _jieba().lcut(text) if _is_content(w))


def _is_content(word: str) -> bool:
    """A word worth counting: two characters or more, not a stop word, not a number, code or Latin fragment."""
    word = word.strip()
    return len(word) >= 2 and word not in STOP_WORDS and not any(ch.isdigit() or ch.lower() in _WORD for ch in word)


def words(doc: Doc) -> list[str]:
    """The content words of a ticket's title and text (jieba; stop words, numbers and single characters dropped)."""
    return list(_words_of(classifier_input(doc.text, doc.title)))


def normalised_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sparse.diags(1 / np.maximum(norms, 1e-12)) @ matrix).tocsr()


def idf_of(words_per_doc: list[list[str]]) -> tuple[dict[str, int], np.ndarray]:
    """The vocabulary (word → column, in first-seen order) and each word's smoothed inverse document frequency."""
    vocab: dict[str, int] = {}
    df: list[int] = []
    for doc_words in words_per_doc:
        for word in dict.fromkeys(doc_words):
            column = vocab.setdefault(word, len(vocab))
            if column == len(df):
                df.append(0)
            df[column] += 1
    n = len(words_per_doc)
    return vocab, np.log((1 + n) / (1 + np.asarray(df, dtype=np.float64))) + 1


class TfidfVectors:
    """Sublinear TF × smoothed IDF over jieba words, fitted on the documents at hand (window and baseline)."""
    name = TFIDF
    distance = 0.95

    def vectors(self, docs: Sequence[Doc], words: list[list[str]]) -> sparse.csr_matrix:
        vocab, idf = idf_of(words)
        rows, columns, values = [], [], []
        for row, doc_words in enumerate(words):
            for word, count in Counter(doc_words).items():
                rows.append(row)
                columns.append(vocab[word])
                values.append((1 + np.log(count)) * idf[vocab[word]])
        matrix = sparse.csr_matrix((values, (rows, columns)), shape=(len(words), len(vocab)), dtype=np.float64)
        return normalised_rows(matrix)


class EmbeddedVectors:
    """The classifier's pooled, L2-normalised text embeddings (model.retrieval.embed), each distinct text once.

    The encoder is the slow part (tens of texts a second on 2 cores). Vectors kept at intake by the same model
    (`stored`, by ticket id) are used as they are; the rest are embedded and kept for the life of the process (a
    window's baseline is mostly the previous run's), the least recently used dropped beyond `cache_size`."""
    distance = 0.45

    def __init__(self, embedder, cache_size: int = CACHE_SIZE, stored: dict[int, np.ndarray] | None = None):
        self.embedder = embedder
        self.name = embedder.version
        self.cache_size = cache_size
        self.stored = stored or {}
        self.embedded_now = 0          # texts the last call had to run the encoder for

    def vectors(self, docs: Sequence[Doc], words: list[list[str]]) -> np.ndarray:
        if not docs:
            return np.zeros((0, 0), dtype=np.float32)
        computed = self._computed([(self.name, d.title, d.text) for d in docs if d.id not in self.stored])
        return np.stack([self.stored[d.id] if d.id in self.stored else computed[(self.name, d.title, d.text)]
                         for d in docs]).astype(np.float32)

    def _computed(self, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], np.ndarray]:
        """Vectors of these texts from the process's cache, embedding the missing ones."""
        from model.retrieval.embed import embed_unique

        with _EMBEDDED_LOCK:
            found = {key: _EMBEDDED[key] for key in dict.fromkeys(keys) if key in _EMBEDDED}
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        self.embedded_now = len(missing)
        if missing:
            fresh = embed_unique(self.embedder, [k[2] for k in missing], [k[1] for k in missing], progress=False)
            found.update(zip(missing, fresh))
        with _EMBEDDED_LOCK:
            for key, vector in found.items():
                _EMBEDDED[key] = vector
                _EMBEDDED.move_to_end(key)
            while len(_EMBEDDED) > self.cache_size:
                _EMBEDDED.popitem(last=False)
        return found


def _dense(matrix) -> np.ndarray:
    return matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)


def _average_linkage(vectors, distance: float) -> np.ndarray:
    """Cluster labels 0… (numbered by first member) from average linkage on cosine distance, cut at `distance`."""
    n = vectors.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    distances = _dense(vectors @ vectors.T).astype(np.float64)    # similarities, turned into distances in place
    np.subtract(1.0, distances, out=distances)
    np.clip(distances, 0.0, 2.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    labels = fcluster(linkage(squareform(distances, checks=False), method="average"), distance, criterion="distance")
    first = {label: i for i, label in reversed(list(enumerate(labels)))}
    order = {label: rank for rank, label in enumerate(sorted(first, key=first.get))}
    return np.array([order[label] for label in labels], dtype=np.int64)


def _parts(docs: Sequence[Doc], indices: list[int], depth: int, limit: int) -> list[list[int]]:
    """The window's documents in groups of at most `limit`: all together, else per 大类, 小类, then leaf."""
    if len(indices) <= limit:
        return [indices]
    if depth > 3:
        raise ValueError(f"{len(indices)} tickets of one leaf are more than the {limit} the topic detector clusters "
                         "at once; ask for fewer days")
    width = (2, 4, 6, 8)[depth]
    groups: dict[str, list[int]] = {}
    for i in indices:
        groups.setdefault((docs[i].leaf or "")[:width], []).append(i)
    return [part for key in sorted(groups) for part in _parts(docs, groups[key], depth + 1, limit)]


def clusters(docs: Sequence[Doc], vectors, distance: float, limit: int = 4000) -> list[list[int]]:
    """Groups of document indices (each in input order; groups ordered by their first document)."""
    found: list[list[int]] = []
    for part in _parts(docs, list(range(len(docs))), 0, limit):
        labels = _average_linkage(vectors[part], distance)
        for label in range(int(labels.max()) + 1 if len(part) else 0):
            found.append([part[i] for i in np.flatnonzero(labels == label)])
    return sorted(found, key=lambda members: members[0])


def keywords_of(members: list[int], words: list[list[str]], idf: dict[str, float], k: int) -> tuple[str, ...]:
    """The words most typical of a cluster: the share of its tickets using a word × the word's IDF, among words
    at least a fifth of its tickets (and two) use; ties by the word."""
    counts = Counter(word for i in members for word in set(words[i]))
    floor = max(2, len(members) / 5)
    scored = [(-(count / len(members)) * idf[word], word) for word, count in counts.items() if count >= floor]
    return tuple(word for _, word in sorted(scored)[:k])


def emerging_topics(window: Sequence[Doc], baseline: Sequence[Doc], *, vectoriser: Vectoriser, window_days: float,
                    baseline_days: float, policy: TopicPolicy = TopicPolicy()) -> list[Topic]:
    """The window's topics of at least `min_size` tickets, flagged ones first (strongest first), then by size."""
    if window_days <= 0 or baseline_days <= 0:
        raise ValueError(f"the window ({window_days} days) and the baseline ({baseline_days} days) must be positive")
    if not window:
        return []
    docs = list(window) + list(baseline)
    doc_words = [words(d) for d in docs]
    vocab, idf_values = idf_of(doc_words)
    idf = {word: float(idf_values[column]) for word, column in vocab.items()}
    vectors = vectoriser.vectors(docs, doc_words)
    recent, before = vectors[:len(window)], vectors[len(window):]
    distance = policy.distance if policy.distance is not None else vectoriser.distance
    topics = [_topic(window, members, recent, before, doc_words, idf, distance, window_days / baseline_days, policy)
              for members in clusters(window, recent, distance, policy.max_cluster)
              if len(members) >= policy.min_size]
    return sorted(topics, key=lambda t: (not t.new, -t.score if t.new else 0, -t.size, t.members[0]))


def _topic(window: Sequence[Doc], members: list[int], recent, before, doc_words: list[list[str]],
           idf: dict[str, float], distance: float, rate: float, policy: TopicPolicy) -> Topic:
    centre = np.asarray(recent[members].mean(axis=0)).ravel()
    to_centre = np.asarray(recent @ centre).ravel()
    reach = int((to_centre >= 1 - distance).sum())
    baseline = int((np.asarray(before @ centre).ravel() >= 1 - distance).sum()) if before.shape[0] else 0
    expected = (baseline + policy.prior) * rate
    tail = float(poisson.sf(reach - 1, expected))
    new = tail <= policy.alpha and reach >= policy.growth * expected
    closest = sorted(members, key=lambda i: (-to_centre[i], window[i].id))[:policy.representatives]
    leaves = Counter(window[i].leaf for i in members).most_common()
    return Topic(tuple(window[i].id for i in members), keywords_of(members, doc_words, idf, policy.keywords),
                 tuple(sorted(leaves, key=lambda lc: (-lc[1], lc[0] or ""))), tuple(window[i].id for i in closest),
                 reach, baseline, round(expected, 3), round(-float(np.log10(max(tail, 1e-300))), 2), new,
                 ("新出现" if baseline == 0 else "激增") if new else None)
