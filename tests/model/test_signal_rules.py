"""The keyword fallback for urgency and risk flags: what it flags, with the phrases that made it."""
from model.signals.rules import detect
from training.evaluation.signals import rule_detector, score


def test_a_gas_smell_with_an_old_person_alone_is_urgent_with_evidence():
    found = detect("市民来电反映：楼道里燃气味很浓，对门八十二岁独居老人敲门没动静。诉求：马上派人。")
    assert found.urgency == "立即办" and "燃气味很浓" in found.urgency_evidence
    assert found.flags["弱势群体"] == ("独居", "八十二岁") and "没动静" in found.flags["人身安全"]
    assert "安全隐患" in found.flags


def test_a_petition_threat_and_a_plain_question_are_told_apart():
    threat = detect("欠了我们三十多个工人三个月工资，再不给明天就一起去区政府，不行就上访。")
    assert {"群体性", "涉诉涉访"} <= set(threat.flags) and threat.urgency == "一般"
    question = detect("请问居住证续签需要带什么材料？")
    assert question.urgency == "一般" and question.flags == {}


def test_scores_count_hits_and_misses(demo_catalogue):
    from training.corpus.signals import SignalText
    from training.corpus.texts import Style

    texts = [SignalText("a", Style.PHONE, "", "电梯困人了，里面有个孕妇，赶紧来人", "100101", "立即办", ("弱势群体",), ()),
             SignalText("b", Style.PHONE, "", "路灯不亮好几天了", "040501", "一般", (), ())]
    result = score(texts, rule_detector)
    assert result["labels"]["立即办"] == {"precision": 1.0, "recall": 1.0, "support": 1}
    assert result["labels"]["弱势群体"]["recall"] == 1.0 and result["urgency_confusion"]["一般→一般"] == 1
