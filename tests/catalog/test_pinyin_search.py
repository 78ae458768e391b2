"""Pinyin search: initials ("nq") and full pinyin ("nuanqi") find 暖气, at syllable boundaries, spelled once."""
import pytest

from catalog import load_catalogue
from catalog.pinyin import is_pinyin_term, spell


@pytest.fixture
def catalogue(catalogue_dir):
    return load_catalogue(catalogue_dir)


def codes(hits):
    return [h.node.code for h in hits]


def test_spelling_is_toneless_with_initials_and_syllable_starts():
    spelled = spell("暖气不热")
    assert (spelled.full, spelled.initials, spelled.starts) == ("nuanqibure", "nqbr", (0, 4, 6, 8))
    assert spell("市12345热线").full == "shirexian"         # digits are not pinyin
    assert spell("ETC办理").initials == "ebl"


def test_pinyin_terms_are_latin_letters_only():
    assert is_pinyin_term("nq") and is_pinyin_term("NuanQi")
    assert not is_pinyin_term("n") and not is_pinyin_term("暖气") and not is_pinyin_term("nq1")


def test_initials_find_the_items_named_after_the_word(catalogue):
    hits = catalogue.search("nq")
    assert codes(hits)[0] == "020102"                  # 暖气漏水跑水: the name starts with 暖气
    assert {"02", "020101", "020102"} <= set(codes(hits))
    assert all(h.matched == ("pinyin",) for h in hits)
    assert "010101" not in codes(hits)                 # 垃圾清运不及时 has no 暖气


def test_full_pinyin_and_upper_case_match_like_initials(catalogue):
    assert codes(catalogue.search("nuanqi")) == codes(catalogue.search("nq"))
    assert codes(catalogue.search("NQ")) == codes(catalogue.search("nq"))


def test_full_pinyin_must_start_at_a_syllable(catalogue):
    assert catalogue.search("uanqi") == []             # inside 暖 (nuan): not a word anyone types
    assert "020102" in codes(catalogue.search("qipian"))   # alias 暖气片呲水了, from its second syllable


def test_pinyin_combines_with_words_and_leaves_only(catalogue):
    assert codes(catalogue.search("nq 漏水")) == ["020102"]
    assert codes(catalogue.search("lj", leaves_only=True)) == ["010101", "010102"]


def test_an_exact_code_is_found(catalogue):
    hits = catalogue.search("020101")
    assert codes(hits)[0] == "020101" and "code" in hits[0].matched


def test_spellings_are_computed_once_per_catalogue(catalogue, monkeypatch):
    import catalog.catalogue as module

    calls = []
    real = module.spell_nodes
    monkeypatch.setattr(module, "spell_nodes", lambda nodes: calls.append(len(nodes)) or real(nodes))
    catalogue.search("垃圾")                            # no pinyin term: nothing spelled
    assert calls == []
    catalogue.search("lj")
    catalogue.search("nuanqi")
    assert calls == [len(catalogue)]
