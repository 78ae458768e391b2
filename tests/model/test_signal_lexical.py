"""The lexical signal heads: character n-gram TF-IDF that matches scikit-learn's, served with numpy alone, stacked
on the embedding heads and calibrated by the stack."""
from __future__ import annotations

import numpy as np
import pytest

from model.signals.lexical import LexicalHeads
from model.tfidf import Vectoriser, fit_vocabulary, ngrams

TEXTS = ["楼道里有很浓的煤气味", "楼道灯坏了一个月", "小区门口  煤气罐 乱放", "ABC路口积水", "路灯不亮，楼道灯也坏了",
         "煤气味从三楼传下来"]


def test_ngrams_count_one_to_three_characters_lower_cased_with_runs_of_space_as_one():
    counts = ngrams("Ab  ab")
    assert counts["a"] == 2 and counts["ab"] == 2 and counts["b a"] == 1 and counts[" "] == 1
    assert "  " not in counts and sum(counts.values()) == 5 + 4 + 3


def test_the_vectoriser_matches_scikit_learns_char_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    expected = reference.fit_transform(TEXTS).toarray()
    vocabulary, idf = fit_vocabulary(TEXTS)
    assert vocabulary == sorted(reference.vocabulary_, key=reference.vocabulary_.get)
    assert np.allclose(idf, reference.idf_, atol=1e-6)
    ours = Vectoriser(vocabulary, idf)
    assert np.allclose(ours.dense(TEXTS), expected, atol=1e-6)
    assert np.allclose(ours.dense(["全新的句子xyz"]), reference.transform(["全新的句子xyz"]).toarray(), atol=1e-6)


def test_lexical_heads_score_w_dot_x_plus_b_and_refuse_weights_of_another_shape():
    vocabulary, idf = fit_vocabulary(TEXTS)
    vectoriser = Vectoriser(vocabulary, idf)
    rng = np.random.default_rng(0)
    weights, bias = rng.normal(size=(2, len(vocabulary))).astype(np.float32), np.array([0.5, -1.0], np.float32)
    heads = LexicalHeads(vectoriser, weights, bias)
    texts = TEXTS[:3] + ["毫无关系的字"]
    assert np.allclose(heads.scores(texts), vectoriser.dense(texts) @ weights.T + bias, atol=1e-5)
    assert np.allclose(heads.scores(["毫无关系"])[0], bias)       # no known n-gram: the bias alone
    with pytest.raises(ValueError, match="do not fit"):
        LexicalHeads(vectoriser, weights[:, :-1], bias)


def test_cues_quote_the_phrases_between_punctuation_that_raise_a_labels_score_most():
    cued = ["活着没意思", "真的活着没意思", "不如死了算了", "不如死了", "好，药攒够了", "嗯，药攒够了吧"]
    vocabulary, idf = fit_vocabulary(TEXTS + cued)
    vectoriser = Vectoriser(vocabulary, idf)
    weights = np.zeros((2, len(vocabulary)), np.float32)
    for gram, weight in (("煤气", 2.0), ("煤气味", 3.0), ("楼道", -4.0), ("没意思", 2.5), ("死了", 2.0),
                         ("攒够", 1.0), ("，药", 9.0)):
        weights[0, vectoriser.index[gram]] = weight
    heads = LexicalHeads(vectoriser, weights, np.zeros(2, np.float32))
    assert heads.cues("楼道里有很浓的煤气味", 0) == ("楼道里有很浓的煤气味",)
    text = "我觉得活着没意思，药攒够了，今天天气不错，不如死了"
    assert heads.cues(text, 0) == ("我觉得活着没意思", "药攒够了", "不如死了")       # in the text's order
    assert heads.cues(text, 0, limit=1) == ("我觉得活着没意思",)    # "，药" spans punctuation: never a cue
    assert heads.cues("楼道灯坏了", 0) == () and heads.cues("煤气味", 1) == ()        # nothing raises it


def test_a_stacked_model_reads_the_cue_and_the_embedding_and_its_threshold_comes_from_the_stack(tmp_path_factory,
                                                                                               demo_catalogue):
    """The tiny model's heads are stacked: the served probability is the stack of the embedding score and the
    lexical score, the model records both heads' out-of-fold average precision, and a model trained without the
    lexical heads is calibrated by Platt alone."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from model.signals.learned import LABELS, SignalModel, model_text
    from tests.signal_factories import tiny_signals

    _, directory, texts = tiny_signals(tmp_path_factory.getbasetemp(), demo_catalogue)
    model = SignalModel(directory)
    heads = model.heads
    assert heads.lexical is not None and heads.stack.shape == (len(LABELS), 3)
    sample = [t.text for t in texts[:5]]
    z = heads.scores(model.features(sample)) * heads.stack[:, 0] \
        + heads.lexical.scores([model_text(t) for t in sample]) * heads.stack[:, 1] + heads.stack[:, 2]
    assert np.allclose(model.probabilities(sample), 1 / (1 + np.exp(-z)), atol=1e-6)
    report = model.meta["cross_validated"]["立即办"]
    assert {"lexical_oof_ap", "embedding_oof_ap", "stacked_oof_ap", "lexical_c", "stack"} <= set(report)
    assert model.meta["lexical"]["vocabulary"] == len(heads.lexical.vectoriser)
    with pytest.raises(ValueError, match="needs the texts"):
        heads.probabilities(model.features(sample))
    from training.signals.train import SignalConfig, train_signals

    config = SignalConfig(base_path=model.meta["config"]["base_path"], layers=(1, 2), max_length=64, c=1.0,
                          lexical=False)
    home = tmp_path_factory.mktemp("no-lexical")
    plain = SignalModel(train_signals(config, home=home, catalogue=demo_catalogue, progress=False, texts=texts))
    assert plain.heads.lexical is None and plain.meta["lexical"] is None
    z = plain.heads.scores(plain.features(sample)) * plain.heads.platt[:, 0] + plain.heads.platt[:, 1]
    assert np.allclose(plain.probabilities(sample), 1 / (1 + np.exp(-z)), atol=1e-6)
