"""The lexical baseline suggester on the small fixture catalogue."""
import pytest

from catalog import load_catalogue
from model.keyword import KeywordSuggester


@pytest.fixture
def suggester(catalogue_dir):
    return KeywordSuggester(load_catalogue(catalogue_dir))


def test_colloquial_words_find_the_leaf(suggester):
    [first, *_] = suggester.suggest("我家暖气片呲水了，地上全是水，跑水啦！")
    assert first.leaf == "020102" and "跑水" in first.evidence


def test_probabilities_are_ranked_and_sum_to_at_most_one(suggester):
    candidates = suggester.suggest("垃圾站臭得不行，垃圾好几天没人拉", k=3)
    assert candidates[0].leaf == "010102" and "垃圾站臭得不行" in candidates[0].evidence  # its exact alias
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert candidates[0].probability >= candidates[-1].probability
    assert 0.99 <= sum(c.probability for c in suggester.suggest("垃圾站臭得不行，垃圾好几天没人拉", k=10)) <= 1.0001


def test_no_catalogue_word_no_suggestion(suggester):
    assert suggester.suggest("你好，请问今天天气怎么样") == []
