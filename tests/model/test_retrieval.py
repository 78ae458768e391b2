"""The case index: BM25, faiss (exact and HNSW), fusion, persistence and incremental growth, on tiny data."""
import numpy as np
import pytest

from model.retrieval import dense as dense_module
from model.retrieval.cases import Case, CaseIndex, CaseIndexError, read_manifest, shortlist
from model.retrieval.dense import DenseIndex, kind_for
from model.retrieval.lexical import B, K1, LexicalIndex, terms, top_k

TEXTS = [
    ("c1", "小区暖气不热，室温只有十五度，家里老人冻得受不了", "1001"),
    ("c2", "楼下烧烤店油烟太大，晚上熏得没法开窗", "2001"),
    ("c3", "青年大街路灯不亮好几天了，晚上走路看不清", "3001"),
    ("c4", "暖气片一点都不热，供热公司电话打不通", "1001"),
    ("c5", "工地夜间施工噪音扰民，凌晨还在打桩", "4001"),
]


def vec(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def topic_vectors() -> np.ndarray:
    """One direction per leaf, so cases of a leaf are each other's nearest neighbours."""
    leaf_dirs = {leaf: vec(i) for i, leaf in enumerate(sorted({leaf for _, _, leaf in TEXTS}))}
    rows = [leaf_dirs[leaf] + 0.05 * vec(100 + i) for i, (_, _, leaf) in enumerate(TEXTS)]
    return np.stack([r / np.linalg.norm(r) for r in rows]).astype(np.float32)


def make_index() -> CaseIndex:
    index = CaseIndex("test-encoder", 8)
    index.add([Case(cid, text, leaf, f"unit-{leaf}") for cid, text, leaf in TEXTS], topic_vectors())
    return index


def test_terms_are_words_and_bigrams_of_normalised_text():
    found = terms("暖氣不熱")          # traditional characters are folded to simplified
    assert "#暖气" in found and "#不热" in found
    assert "的" not in terms("小区的暖气")


def test_bm25_ranks_the_case_sharing_rare_terms_first():
    lexical = LexicalIndex()
    lexical.add([t for _, t, _ in TEXTS])
    best = lexical.search("暖气不热怎么办", 3)
    assert [row for row, _ in best][:2] in ([0, 3], [3, 0])
    assert all(score > 0 for _, score in best)
    assert lexical.search("完全无关的火星文字", 3) == []


def test_bm25_grows_incrementally_like_a_fresh_build():
    whole, grown = LexicalIndex(), LexicalIndex()
    whole.add([t for _, t, _ in TEXTS])
    grown.add([t for _, t, _ in TEXTS[:2]])
    grown.add([t for _, t, _ in TEXTS[2:]])
    assert np.allclose(whole.scores("路灯不亮 暖气"), grown.scores("路灯不亮 暖气"))


def test_bm25_scores_are_the_formula_summed_over_the_query_terms():
    texts = [t for _, t, _ in TEXTS]
    lexical = LexicalIndex()
    lexical.add(texts)
    docs = [terms(t) for t in texts]
    mean_length = sum(map(len, docs)) / len(docs)
    query = set(terms("暖气不热，晚上路灯也不亮"))

    def bm25(doc: list[str]) -> float:
        total = 0.0
        for term in query & set(doc):
            df = sum(term in set(d) for d in docs)
            idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            total += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(doc) / mean_length))
        return total

    assert np.allclose(lexical.scores("暖气不热，晚上路灯也不亮"), [bm25(d) for d in docs], rtol=1e-5)
    assert lexical.scores("火星文字").tolist() == [0.0] * len(texts)


def test_top_k_is_deterministic_on_ties():
    assert top_k(np.array([1.0, 3.0, 3.0, 0.5]), 3) == [(1, 3.0), (2, 3.0), (0, 1.0)]
    assert top_k(np.array([]), 3) == []


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_dense_search_finds_the_same_direction(kind):
    vectors = topic_vectors()
    index = DenseIndex.build(vectors, kind)
    hits = index.search(vectors[[0]], 2)[0]
    assert {row for row, _ in hits} == {0, 3}
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_dense_rejects_vectors_of_another_dimension():
    with pytest.raises(ValueError, match="dimension 8"):
        DenseIndex(8).add(np.zeros((2, 5), dtype=np.float32))


def test_kind_is_chosen_by_size():
    assert kind_for(10) == "flat"
    assert kind_for(dense_module.EXACT_UP_TO + 1) == "hnsw"


@pytest.mark.parametrize("mode", ["dense", "lexical", "fusion"])
def test_each_mode_puts_the_same_leaf_first(mode):
    index = make_index()
    query = topic_vectors()[0]
    hits = index.search("暖气不热", query, k=2, mode=mode)
    assert {h.case.leaf for h in hits} == {"1001"}


def test_fusion_records_both_ranks_and_prefers_agreement():
    index = make_index()
    hits = index.search("暖气不热", topic_vectors()[0], k=5, mode="fusion")
    top = hits[0]
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_fusion_lifts_the_cases_of_the_classifiers_likely_leaves_by_their_probability():
    index = make_index()
    query, text = topic_vectors()[0], "暖气不热"
    plain = index.search(text, query, k=len(TEXTS), mode="fusion")
    other = next(h for h in plain if h.case.leaf != "1001")          # a candidate of another leaf
    lifted = index.search(text, query, k=len(TEXTS), mode="fusion", leaves={other.case.leaf: 1.0}, prior=1.0)
    assert lifted[0].case.leaf == other.case.leaf
    assert lifted[0].score == pytest.approx(next(h.score for h in plain if h.case.id == lifted[0].case.id) + 1.0)
    assert [h.case.id for h in index.search(text, query, k=4, mode="fusion", leaves={"1001": 0.9}, prior=0.0)] == \
        [h.case.id for h in plain[:4]]


def test_search_explains_a_bad_mode_or_missing_vector():
    index = make_index()
    with pytest.raises(ValueError, match="not one of dense, lexical, fusion"):
        index.search("暖气", None, mode="magic")
    with pytest.raises(ValueError, match="needs the query's embedding"):
        index.search("暖气", None, mode="fusion")


def test_save_and_load_round_trip_and_refuse_another_encoder(tmp_path):
    index = make_index()
    index.save(tmp_path / "cases", watermark="2026-01-01T00:00:00+08:00")
    loaded = CaseIndex.load(tmp_path / "cases", encoder="test-encoder")
    assert loaded.cases == index.cases and loaded.info["watermark"] == "2026-01-01T00:00:00+08:00"
    query = topic_vectors()[2]
    assert [h.case.id for h in loaded.search("路灯", query, 3)] == [h.case.id for h in index.search("路灯", query, 3)]
    assert not (tmp_path / "cases.partial").exists()
    with pytest.raises(CaseIndexError, match="jiesu index build"):
        CaseIndex.load(tmp_path / "cases", encoder="another-model")
    with pytest.raises(CaseIndexError, match="no case index"):
        read_manifest(tmp_path / "nowhere")


def test_growing_past_the_exact_limit_switches_to_hnsw_and_keeps_every_case(monkeypatch):
    monkeypatch.setattr("model.retrieval.cases.kind_for", lambda n: "flat" if n <= 3 else "hnsw")
    index = CaseIndex("test-encoder", 8)
    vectors = topic_vectors()
    cases = [Case(cid, text, leaf, None) for cid, text, leaf in TEXTS]
    index.add(cases[:3], vectors[:3])
    assert index.dense.kind == "flat"
    index.add(cases[3:], vectors[3:])
    assert index.dense.kind == "hnsw" and len(index.dense) == len(index) == 5
    assert index.search("", vectors[4], 1, "dense")[0].case.id == "c5"


def test_add_refuses_mismatched_cases_and_vectors():
    with pytest.raises(ValueError, match="2 cases but 1 vectors"):
        CaseIndex("e", 8).add([Case("a", "x", None, None), Case("b", "y", None, None)], topic_vectors()[:1])


def test_each_likely_leaf_missing_from_the_hits_brings_its_nearest_case_into_the_last_places():
    index = make_index()
    query, text = topic_vectors()[2], "路灯不亮"                        # c3's leaf, 3001
    plain = index.search(text, query, k=2, mode="fusion", prior=0.0)
    leaves = {"3001": 0.5, "1001": 0.3, "4001": 0.15, "2001": 0.05}
    shown = {h.case.leaf for h in plain}
    closed = index.search(text, query, k=2, mode="fusion", leaves=leaves, prior=0.0, leaf_cases=2)
    missing = [leaf for leaf in leaves if leaf not in shown][:1]       # of the 2 likeliest, the one not shown
    assert [h.case.id for h in closed[:1]] == [plain[0].case.id] and not closed[0].likely_leaf
    assert [h.case.leaf for h in closed[1:]] == missing and closed[1].likely_leaf
    nearest = max((i for i, (_, _, leaf) in enumerate(TEXTS) if leaf == missing[0]),
                  key=lambda i: float(topic_vectors()[i] @ query))
    assert closed[1].case.id == TEXTS[nearest][0] and closed[1].score == pytest.approx(
        float(topic_vectors()[nearest] @ query), abs=1e-6)
    assert closed[1].to_json()["likely_leaf"] is True
    assert index.search(text, query, k=2, mode="fusion", leaves=leaves, prior=0.0, leaf_cases=0) == plain


def test_likely_leaves_come_from_a_reloaded_and_a_grown_index_too(tmp_path):
    index = make_index()
    query, leaves = topic_vectors()[2], {"3001": 0.6, "4001": 0.3}
    hits = index.search("路灯不亮", query, k=1, mode="fusion", leaves=leaves, prior=0.0, leaf_cases=2)
    assert [h.case.id for h in hits] == ["c5"]                         # k=1: the missing likely leaf takes it
    index.save(tmp_path / "cases")
    again = CaseIndex.load(tmp_path / "cases").search("路灯不亮", query, k=1, mode="fusion", leaves=leaves,
                                                      prior=0.0, leaf_cases=2)
    assert [(h.case.id, h.score) for h in again] == [(h.case.id, h.score) for h in hits]
    nearer = topic_vectors()[4] * 0.2 + query * 0.98
    index.add([Case("c6", "工地又在半夜施工", "4001", None)], (nearer / np.linalg.norm(nearer))[None, :])
    grown = index.search("路灯不亮", query, k=1, mode="fusion", leaves=leaves, prior=0.0, leaf_cases=2)
    assert [h.case.id for h in grown] == ["c6"]                        # the newly added case of 4001 is nearer


def test_a_shortened_list_keeps_the_likely_leaves_in_its_last_places():
    from model.retrieval.cases import Hit

    cases = [Case(cid, text, leaf, None) for cid, text, leaf in TEXTS]
    hits = [Hit(cases[0], 0.03, 1, 1), Hit(cases[1], 0.02, 2, None), Hit(cases[2], 0.01, None, 3),
            Hit(cases[3], 0.8, likely_leaf=True), Hit(cases[4], 0.7, likely_leaf=True)]
    assert [h.case.id for h in shortlist(hits, 5)] == ["c1", "c2", "c3", "c4", "c5"]
    assert [h.case.id for h in shortlist(hits, 3)] == ["c1", "c4", "c5"]
    assert [h.case.id for h in shortlist(hits, 2)] == ["c4", "c5"]
    assert [h.case.id for h in shortlist(hits, 1)] == ["c4"] and shortlist(hits, 0) == []
    assert [h.case.id for h in shortlist(hits[:3], 2)] == ["c1", "c2"]
