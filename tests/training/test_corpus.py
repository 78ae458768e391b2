"""Hand-written texts: normalisation, near-duplicates, the loader's rules and the held-out-text split."""
from collections import Counter

import pytest
import yaml
from typer.testing import CliRunner

from catalog import load_catalogue
from serving.cli import app
from training.corpus.normalise import comparable, normalise
from training.corpus.similarity import jaccard, near_duplicate_pairs, shingles
from training.corpus.splits import SplitConfig, held_out_text_split, leaks
from training.corpus.texts import HandText, Style, infer_style, load_texts

HEAT = "020101"
LEAK = "020102"
BODIES = [  # distinct complaints about a cold flat, one per situation
    "和平区南湖街道文安路3号楼502室暖气片冰凉，家里测温只有14度，老人冻得睡不着觉。",
    "我家在太原街社区，今年开栓以后一直不热，热力公司来看过一次就没信了，孩子都感冒了。",
    "皇姑区三台子某小区整个单元都不热，楼上楼下都一样，交了两千多取暖费就这待遇？",
    "浑南区朗月社区12栋顶层边户，室温常年16度左右，每年都反映每年都不解决。",
    "铁西区兴华街道一户独居老人家里暖气不热，网格员上门测温15.5度，需热力公司处理。",
    "沈河区中街附近老楼，暖气回水管冰凉，物业说归热力管，热力说归物业管，到底谁管。",
    "于洪区迎宾路小区新装修后地暖不热，室温13度，报修三天没人来，晚上只能开电暖器。",
]


def _texts_dir(tmp_path, data):
    directory = tmp_path / "texts"
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in data.items():
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")
    return directory


def _items(bodies, style="phone"):
    return [{"style": style, "text": b} for b in bodies]


@pytest.fixture
def catalogue(catalogue_dir):
    return load_catalogue(catalogue_dir)


def test_normalise_turns_traditional_into_simplified_and_full_width_into_half():
    assert normalise("暖氣片漏水，請盡快處理　２號樓") == "暖气片漏水，请尽快处理 2号楼"
    assert comparable("暖氣 不熱！！") == comparable("暖气不热") == "暖气不热"


def test_near_duplicates_catch_rewrites_not_different_complaints():
    original = BODIES[0]
    rewrite = original.replace("老人冻得睡不着觉", "老人冻得睡不着") + "请尽快处理"
    traditional = "和平區南湖街道文安路3號樓502室暖氣片冰涼，家裡測溫只有14度，老人凍得睡不著覺。"
    assert jaccard(shingles(original), shingles(rewrite)) >= 0.6
    pairs = near_duplicate_pairs([original, BODIES[1], rewrite, traditional])
    assert {(i, j) for i, j, _ in pairs} == {(0, 2), (0, 3), (2, 3)}


def test_style_of_catalogue_examples_is_inferred_from_the_opening():
    assert infer_style("市民来电反映：……") is Style.PHONE
    assert infer_style("【暖气不热】……") is Style.WEB
    assert infer_style("网格员巡查发现：……") is Style.GRID
    assert infer_style("110转办：……") is Style.HANDOVER_110
    assert infer_style("我家暖气不热") is Style.APP


def test_loader_reads_texts_and_the_catalogue_examples(tmp_path, catalogue):
    directory = _texts_dir(tmp_path, {"02": {HEAT: _items(BODIES[:2]) + [
        {"style": "web", "title": "屋里冻手", "text": BODIES[2]}]}})
    texts, problems = load_texts(catalogue, directory)
    assert problems == []
    mine = [t for t in texts if t.origin == "texts"]
    assert [t.style for t in mine] == [Style.PHONE, Style.PHONE, Style.WEB]
    assert mine[2].text == f"屋里冻手\n{BODIES[2]}"
    assert sum(t.origin == "catalogue" for t in texts) == 3 * len(catalogue.leaves())


@pytest.mark.parametrize("content,rule,fragment", [
    ({"0999": _items(BODIES[:1])}, "unknown-leaf", "not a leaf"),
    ({"0201": _items(BODIES[:1])}, "unknown-leaf", "not a leaf"),
    ({HEAT: [{"style": "tv", "text": BODIES[0]}]}, "bad-style", "phone, web"),
    ({HEAT: [{"style": "web", "text": BODIES[0]}]}, "missing-title", "needs a title"),
    ({HEAT: [{"style": "phone", "text": BODIES[0], "mood": "angry"}]}, "unknown-field", "mood"),
    ({HEAT: [{"style": "phone"}]}, "bad-text", "style and text"),
    ({HEAT: _items(["室温不达标"])}, "too-short", "restates"),
    ({HEAT: _items([BODIES[0]]), LEAK: _items([BODIES[0].replace("，", "、")])}, "duplicate-text", "also written"),
])
def test_loader_rejects_bad_texts_naming_file_and_row(tmp_path, catalogue, content, rule, fragment):
    directory = _texts_dir(tmp_path, {"02": content})
    _, problems = load_texts(catalogue, directory)
    assert [p.rule for p in problems] == [rule]
    assert fragment in problems[0].message
    assert problems[0].location.file.endswith("02.yaml") and problems[0].location.row is not None


def _corpus(n_per_leaf=10):
    """Texts for two leaves, with a near-duplicate rewrite of the first heat text."""
    texts = [HandText(HEAT, Style.PHONE, "", b, "texts", None) for b in BODIES]
    texts.append(HandText(HEAT, Style.WEB, "又是不热", BODIES[0] + "已经打过三次电话了", "texts", None))
    texts += [HandText(LEAK, Style.GRID, "", f"网格员巡查发现：第{i}号楼{i + 2}单元楼道暖气管道跑水，水流到{i}楼",
                       "texts", None) for i in range(1, 4)]
    return texts


def test_split_is_deterministic_disjoint_and_keeps_near_duplicates_together():
    texts = _corpus()
    first = held_out_text_split(texts, SplitConfig(seed=3))
    assert first == held_out_text_split(texts, SplitConfig(seed=3))
    assert set(first) <= {"train", "dev", "test"}
    assert first[0] == first[len(BODIES)]                 # the rewrite follows its original
    assert "test" in first[:len(BODIES) + 1]              # a leaf with enough texts is evaluated
    assert first[-3:] == ["train"] * 3                    # a leaf with fewer than 5 texts is only trained on
    assert leaks(texts, first) == 0


def test_split_changes_with_the_seed_and_keeps_proportions():
    texts = [HandText(HEAT, Style.PHONE, "", f"{i}号楼暖气不热，室温{10 + i % 7}度，第{i}次反映了，{'急' * (i % 5)}"
                                                f"地址是和平区第{i * 7}号院{i}单元", "texts", None) for i in range(60)]
    a = held_out_text_split(texts, SplitConfig(seed=1))
    b = held_out_text_split(texts, SplitConfig(seed=2))
    assert a != b
    assert Counter(a) == Counter(b) == Counter({"train": 42, "test": 12, "dev": 6})


def test_split_config_is_checked():
    with pytest.raises(ValueError, match="sum below 1"):
        SplitConfig(test=0.6, dev=0.5)


def test_data_texts_command(tmp_path, catalogue_dir):
    runner = CliRunner()
    good = _texts_dir(tmp_path, {"02": {HEAT: _items(BODIES)}})
    result = runner.invoke(app, ["data", "texts", "--texts", str(good), "--catalog", str(catalogue_dir)])
    assert result.exit_code == 0, result.output
    assert "test_texts_with_near_duplicate_in_train    0" in result.output
    bad = _texts_dir(tmp_path / "bad", {"02": {"0999": _items(BODIES[:1])}})
    result = runner.invoke(app, ["data", "texts", "--texts", str(bad), "--catalog", str(catalogue_dir)])
    assert result.exit_code == 1 and "[unknown-leaf]" in result.output
    missing = runner.invoke(app, ["data", "texts", "--texts", str(tmp_path / "nope"), "--catalog",
                                  str(catalogue_dir)])
    assert missing.exit_code == 2 and "does not exist" in missing.output
