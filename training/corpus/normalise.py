"""Text normalisation shared by the corpus checks and, later, the classifier: traditional → simplified, NFKC."""
from __future__ import annotations

import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
# Full-width digits and Latin letters to ASCII, the ideographic space to a space; Chinese punctuation stays.
_HALF_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                 *range(0xFF41, 0xFF5B)]} | {0x3000: 0x20}


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
