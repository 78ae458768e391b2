"""The shipped hand-written texts: clean, at least 15 per leaf, varied voices, and a leak-free split."""
from collections import Counter

import pytest

from catalog import load_catalogue
from training.corpus.splits import held_out_text_split, leaks
from training.corpus.texts import TARGET_PER_LEAF, Style, load_texts


@pytest.fixture(scope="module")
def corpus():
    catalogue = load_catalogue()
    texts, problems = load_texts(catalogue)
    return catalogue, texts, problems


def test_texts_have_no_problems(corpus):
    _, _, problems = corpus
    assert [str(p) for p in problems[:10]] == []


def test_every_leaf_has_its_target_of_distinct_texts(corpus):
    catalogue, texts, _ = corpus
    per_leaf = Counter(t.leaf for t in texts)
    short = {leaf.code: per_leaf[leaf.code] for leaf in catalogue.leaves() if per_leaf[leaf.code] < TARGET_PER_LEAF}
    assert short == {}
    assert len({t.text_id for t in texts}) == len(texts)


def test_every_voice_is_present(corpus):
    _, texts, _ = corpus
    styles = Counter(t.style for t in texts)
    assert set(styles) == set(Style) and styles[Style.PHONE] == max(styles.values())


def test_held_out_text_split_does_not_leak(corpus):
    _, texts, _ = corpus
    splits = held_out_text_split(texts)
    assert leaks(texts, splits) == 0
    assert 0.15 < Counter(splits)["test"] / len(texts) < 0.25
