"""The promotion gate: no regression beyond a tolerance on the fixed held-out set, better on held-out
corrections. Pure: a comparison report in, a decision with its reasons out."""
from __future__ import annotations

from training.classifier.config import RetrainSection


def check(rule: str, passed: bool, detail: str) -> dict:
    return {"rule": rule, "passed": passed, "detail": detail}


def decide(sets: dict, settings: RetrainSection) -> dict:
    """{'passed': bool, 'checks': [...]} for the comparison's sets (test_known, corrections)."""
    checks = []
    known = sets["test_known"]
    if known["old"]["n"]:
        old, new = known["old"]["leaf"], known["new"]["leaf"]
        checks.append(check("固定留出集不退步", new >= old - settings.max_regression - 1e-12,
                            f"叶子准确率 {old:.4f} → {new:.4f}，容差 {settings.max_regression:.4f}"))
    else:
        checks.append(check("固定留出集不退步", False, "留出集为空：无法判断，不发布"))
    corrections = sets["corrections"]
    if settings.require_better_on_corrections and corrections["old"]["n"]:
        old, new = corrections["old"]["leaf"], corrections["new"]["leaf"]
        checks.append(check("近期纠错上更好", new > old or old == 1.0,
                            f"叶子准确率 {old:.4f} → {new:.4f}（{corrections['old']['n']} 条）"))
    elif settings.require_better_on_corrections:
        checks.append(check("近期纠错上更好", True, "没有留出的纠错样本：此项不适用"))
    return {"passed": all(c["passed"] for c in checks), "checks": checks}
