"""Multi-issue splits: clauses cut at punctuation and discourse markers with exact offsets, runs of clauses grouped by
the boundary score, one item per leaf with the unit its rule gives at the place; and how a split is scored."""
from model.signals.segment import clauses
from model.signals.split import RULE_BOUNDARY, Splitter
from training.corpus.signals import Item, SignalText
from training.corpus.texts import Style
from training.signals.evaluate import leaves_right, split_scores

TWO = "市民来电反映：和平区某小区门口的路灯坏了半个月，晚上黑漆漆的；另外楼下垃圾三天没人拉，臭味很大。诉求：尽快处理，同时派人看看。"
ONE = "市民来电反映：小区垃圾三天没人拉，堆在楼下，臭味很大，夏天苍蝇多。诉求：尽快清运。"
WORDS = {"路灯": "040501", "垃圾": "010101", "臭味": "010101", "苍蝇": "010101", "暖气": "09010101"}


def stub(texts: list[str]) -> list[list[tuple[str, float]]]:
    """A span classifier by keywords: the leaf of the first word found, else nothing."""
    out = []
    for text in texts:
        hits = [leaf for word, leaf in WORDS.items() if word in text]
        out.append([(hits[0], 0.9)] if hits else [])
    return out


def test_clauses_are_exact_substrings_without_the_stock_opening(demo_catalogue):
    found = clauses(TWO)
    assert [c.text for c in found] == ["和平区某小区门口的路灯坏了半个月，晚上黑漆漆的", "另外楼下垃圾三天没人拉，臭味很大",
                                       "诉求：尽快处理，同时派人看看"]
    assert all(TWO[c.start:c.end] == c.text for c in found)
    assert [c.marker for c in found] == ["", "strong", ""] and found[2].is_request and found[1].after == "；"
    listed = clauses("网格员巡查发现：一是井盖缺失，二是路灯不亮")
    assert [(c.text, c.marker) for c in listed] == [("一是井盖缺失", "enum"), ("二是路灯不亮", "enum")]


def test_two_problems_become_two_items_with_their_units(demo_catalogue):
    splitter = Splitter(demo_catalogue, stub)
    proposal = splitter.propose(TWO)
    assert [(i.leaf, i.span) for i in proposal.items] == [("040501", "和平区某小区门口的路灯坏了半个月，晚上黑漆漆的"),
                                                          ("010101", "另外楼下垃圾三天没人拉，臭味很大")]
    assert proposal.source == "rules" and [i.unit for i in proposal.items] == [None, None]
    placed = splitter.located(proposal, "HP", "HP01")
    assert [i.unit for i in placed.items] == ["street_lighting", "street:HP01"]
    assert placed.items[1].rule == "territory:street"


def test_one_problem_told_in_many_clauses_is_not_split(demo_catalogue):
    assert Splitter(demo_catalogue, stub).propose(ONE) is None
    assert Splitter(demo_catalogue, stub).propose("路灯坏了") is None


def test_a_boundary_below_its_threshold_keeps_the_clauses_together(demo_catalogue):
    from dataclasses import replace

    never = replace(RULE_BOUNDARY, threshold=1.01)
    assert Splitter(demo_catalogue, stub, never).propose(TWO) is None


def signal_text(body: str, items: tuple[Item, ...] = ()) -> SignalText:
    return SignalText("t", Style.PHONE, "", body, None if items else "010101", "一般", (), (), items)


def test_a_split_counts_when_every_item_has_its_leaf(demo_catalogue):
    splitter = Splitter(demo_catalogue, stub)
    right = signal_text(TWO, (Item("门口的路灯坏了半个月", "040501"), Item("楼下垃圾三天没人拉", "010101")))
    wrong = signal_text(TWO, (Item("门口的路灯坏了半个月", "040501"), Item("楼下垃圾三天没人拉", "010102")))
    assert leaves_right(splitter.propose(TWO), right) and not leaves_right(splitter.propose(TWO), wrong)
    scored = split_scores([right, wrong, signal_text(ONE)], splitter, progress=False)
    assert (scored["precision"], scored["recall"], scored["leaves_right"]) == (1.0, 1.0, 0.5)
    missed = split_scores([signal_text(ONE, (Item("小区垃圾三天没人拉", "010101"), Item("夏天苍蝇多", "170101")))],
                          splitter, progress=False)
    assert (missed["recall"], missed["f1"], missed["leaves_right"]) == (0.0, 0.0, None)


def test_the_whole_complaint_decides_between_a_span_s_close_leaves(demo_catalogue):
    """Span alone: 040501 at 0.50 over 040502 at 0.45. The whole complaint ranks 040502 far higher, so the span
    takes it; a leaf the whole complaint does not rank keeps the span's own order."""
    def classify(texts: list[str]) -> list[list[tuple[str, float]]]:
        out = []
        for text in texts:
            if text == TWO:
                out.append([("010101", 0.6), ("040502", 0.3)])
            elif "路灯" in text:
                out.append([("040501", 0.5), ("040502", 0.45)])
            else:
                out.append([("010101", 0.9)])
        return out
    proposal = Splitter(demo_catalogue, classify).propose(TWO)
    assert [(i.leaf, round(i.probability, 2)) for i in proposal.items] == [("040502", 0.45), ("010101", 0.9)]
    assert proposal.items[0].alternatives == (("040501", 0.5),)



def test_training_and_serving_compute_the_same_boundary_rows(demo_catalogue):
    """The boundary model is fitted on the rows training computes and applied to the rows the splitter computes."""
    import numpy as np
    from model.signals.split import EMBEDDING_PAIRS, FEATURES, Boundary, content_clauses
    from training.signals.boundary import examples

    names = FEATURES + (EMBEDDING_PAIRS,)
    texts = [signal_text("市民来电反映：门口路灯坏了半个月。灯杆也歪了。楼下垃圾三天没人拉。垃圾桶都满了。"),
             signal_text("路灯坏了，垃圾没人拉")]
    rows, _, owner = examples(texts, stub, topic_embed, names)
    assert rows.shape == (3, len(FEATURES) + 6) and list(owner) == [0, 0, 0]     # 3 + 3 numbers per vector pair
    splitter = Splitter(demo_catalogue, stub, Boundary(names, np.zeros(rows.shape[1]), 0.0, 0.5, "test"),
                        embed=topic_embed)
    parts = content_clauses(texts[0].body)
    assert np.array_equal(rows, splitter.boundary_rows(parts, stub([c.text for c in parts])))


TOPICS = {"路灯": 0, "灯杆": 1, "垃圾": 2}


def topic_embed(texts: list[str]):
    """Clause vectors by topic word: the lamp, its pole and the rubbish are three orthogonal directions, so every
    neighbouring pair below has the same cosine (0) and only where the vectors point tells them apart."""
    import numpy as np

    out = np.zeros((len(texts), 3))
    for n, text in enumerate(texts):
        out[n, next(i for word, i in TOPICS.items() if word in text)] = 1.0
    return out


def test_the_boundary_model_learns_from_the_clause_vectors_what_one_cosine_cannot_say(demo_catalogue):
    """A classifier that calls every clause the lamp and a cosine that is 0 everywhere cannot tell the lamp-then-
    rubbish texts from the lamp-then-its-pole ones; the clause vectors themselves can."""
    from training.signals.boundary import fit_boundary

    places = ["和平区", "沈河区", "铁西区", "皇姑区", "大东区", "浑南区", "于洪区", "苏家屯区"]
    multi = [signal_text(f"{p}门口路灯坏了半个月。楼下垃圾三天没人拉。",
                         (Item(f"{p}门口路灯坏了半个月", "040501"), Item("楼下垃圾三天没人拉", "010101"))) for p in places]
    single = [signal_text(f"{p}门口路灯坏了半个月。灯杆也歪了，风一吹直晃。") for p in places]
    lamp = lambda texts: [[("040501", 0.9)] for _ in texts]
    boundary, report = fit_boundary(multi + single, lamp, topic_embed, "test")
    assert report["detection"]["f1"] == 1.0 and report["detection_hand_features_only"]["f1"] < 0.7
    splitter = Splitter(demo_catalogue, lamp, boundary, embed=topic_embed)
    assert len(splitter.runs(multi[0].body)) == 2 and len(splitter.runs(single[0].body)) == 1
