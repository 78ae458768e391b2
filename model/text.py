"""Text preparation shared by training and inference: traditional → simplified, half-width forms, and the
informative part of a complaint (agents' and channels' stock openings carry no category and cost tokens)."""
from __future__ import annotations

import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
# Full-width digits and Latin letters to ASCII, the ideographic space to a space; Chinese punctuation stays.
_HALF_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                 *range(0xFF41, 0xFF5B)]} | {0x3000: 0x20}
# Stock openings of channels and agents: "市民来电反映：", "110转办：", "网格员巡查发现：", "市长您好，" …
_OPENINGS = re.compile(
    r"^(?:来电人(?:称|反映|表示)[：:，,]?|(?:市民|群众|居民)?来电(?:反映|称|表示|咨询|投诉|求助)?[：:，,]?"
    r"|市民反映[：:，,]?|市民[：:]"
    r"|\d{3}转办[：:，,]?|网格员(?:巡查|上报|排查)?(?:发现|反映|上报)?[：:，,]?"
    r"|(?:尊敬的)?(?:市长|领导|书记)?(?:您好|你好)[！!，,。：:]?)\s*")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def normalise(text: str) -> str:
    """Simplified characters, half-width digits and letters, single spaces; Chinese punctuation kept."""
    text = to_simplified(text).translate(_HALF_WIDTH)
    return _SPACE.sub(" ", text).strip()


def comparable(text: str) -> str:
    """The characters that carry content: what duplicate checks compare (no punctuation, no spaces)."""
    return _NON_WORD.sub("", normalise(text)).lower()


def strip_openings(text: str) -> str:
    """The text without its stock openings (applied twice: '市民来电反映：您好，…')."""
    for _ in range(2):
        text = _OPENINGS.sub("", text, count=1)
    return text


def classifier_input(text: str, title: str = "") -> str:
    """What the classifier reads: the title, then the body without stock openings, normalised."""
    body = strip_openings(normalise(text))
    title = normalise(title)
    if title and not body.startswith(title):
        return f"{title}。{body}"
    return body or title
