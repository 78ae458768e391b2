"""Keyword rules for urgency and risk flags: the transparent fallback and the baseline a learned model must beat.

Each rule is a regular expression; a flag's evidence is the phrases its rules matched, so an agent sees why."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

URGENT_NOW = "立即办"
URGENT_TODAY = "紧急"
NORMAL = "一般"

RULES: dict[str, tuple[str, ...]] = {
    URGENT_NOW: (r"(煤气|燃气|天然气)味(很|特别|非常)?(浓|重|冲|大)", r"漏气", r"(困|关)在电梯|电梯(里)?困人|被困",
                 r"冒(火花|明火|黑烟)|起火|着火|明火", r"井盖(丢|没了|不见|被偷|缺失)", r"(爆管|管道爆裂|水管爆了)",
                 r"(塌|坍塌|倒塌|要倒|快倒|掉下来|脱落)", r"(漏电|电线.{0,6}(掉|垂|断|搭))",
                 r"(不想活|跳楼|跳下去|轻生|寻死|喝药|割腕)", r"(晕倒|昏迷|倒在(家|地)|没动静|叫不醒)",
                 r"(锁在车里|困在车(里|内))", r"齐腰|没过(膝盖|车门)", r"立即(抢修|救援|处置|到场)"),
    "群体性": (r"(几十|三十多|二十多|上百|一百多|几百|三百|两百|数十)(个|名|户|人|位)", r"(集体|一起|联名|聚集|组织)(去|到|上访|起诉|维权|反映)?",
               r"(全小区|整个小区|全村|整栋|全楼|业主们|工人们|会员们)", r"共\d+(人|户|名)"),
    "涉诉涉访": (r"上访|信访|去北京|到省里|进京", r"起诉|打官司|律师函|找律师|法院|仲裁",
                 r"(媒体|记者|电视台|曝光|发(到)?网上|发抖音|发微博|小红书)"),
    "人身安全": (r"(不想活|活着没意思|跳楼|跳下去|轻生|寻死|喝药|割腕|同归于尽)", r"(拿刀|动刀|砍|打死|弄死|家暴|打老婆|打孩子)",
                 r"(晕倒|昏迷|倒在(家|地)|没动静|叫不醒|头晕|胸闷)", r"(困在车(里|内)|锁在车里)"),
    "弱势群体": (r"(独居|孤寡|空巢)", r"[六七八九]十[一二三四五六七八九]?多?岁|高龄", r"(残疾|轮椅|盲人|聋哑|瘫痪|卧床)",
                 r"(孕妇|怀孕|婴儿|新生儿|刚满月|出满月|幼儿|留守儿童|未成年)", r"(透析|重病|癌症|吸氧)"),
    "安全隐患": (r"(煤气|燃气|天然气|液化气)", r"(火灾|消防通道|安全出口|灭火器|电动车.{0,6}(充电|上楼|进楼))",
                 r"(裂缝|倾斜|塌|脱落|危房|钢筋外露)", r"(漏电|电线|配电箱|变压器|冒火花)", r"(井盖|深坑|大坑|护栏)"),
}
FLAGS = ("群体性", "涉诉涉访", "人身安全", "弱势群体", "安全隐患")
_COMPILED = {label: [re.compile(p) for p in patterns] for label, patterns in RULES.items()}
_TODAY = re.compile(r"(今天|当天|马上|尽快|赶紧|一直没水|停水|停暖|没有暖气|暖气不热.{0,8}(婴儿|老人)|污水|红绿灯)")


TODAY = "今日"
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (f"{label}:{rx.pattern}", rx) for label in RULES for rx in _COMPILED[label]) + ((f"{TODAY}:{_TODAY.pattern}", _TODAY),)
# Names the pattern set: a learned model that reads the patterns' hits serves only with the same patterns.
PATTERNS_VERSION = hashlib.sha1("\n".join(name for name, _ in PATTERNS).encode("utf-8")).hexdigest()[:12]


def pattern_hits(texts: list[str]) -> np.ndarray:
    """[texts, patterns] 1.0 where a rule's pattern occurs in the text: what the learned heads may read beside the
    embedding (the rules are precise where they fire; the embedding carries the rest)."""
    return np.array([[1.0 if rx.search(text) else 0.0 for _, rx in PATTERNS] for text in texts], dtype=np.float32)


@dataclass(frozen=True)
class RuleSignals:
    urgency: str
    flags: dict[str, tuple[str, ...]]   # flag → the phrases that matched
    urgency_evidence: tuple[str, ...]


def _matches(label: str, text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group(0) for rx in _COMPILED[label] for m in rx.finditer(text)))


def detect(text: str) -> RuleSignals:
    now = _matches(URGENT_NOW, text)
    today = tuple(dict.fromkeys(m.group(0) for m in _TODAY.finditer(text)))
    urgency = URGENT_NOW if now else URGENT_TODAY if today else NORMAL
    flags = {flag: found for flag in FLAGS if (found := _matches(flag, text))}
    return RuleSignals(urgency, flags, now or today)
