"""Masking personal data in imported texts: phone numbers, ID numbers, names and exact house numbers."""
from __future__ import annotations

import hashlib
import re
from collections import Counter

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_NAME_INTRO = re.compile(r"(我叫|本人|我是|姓名[:：]?|联系人[:：]?)([\u4e00-\u9fa5]{2,3})(?=[，,。.\s]|$)")
_ROOM = re.compile(r"(\d+)(单元)(\d{2,4})(室|户|号)?")
_ROOM_ONLY = re.compile(r"(?<![\d单元])(\d{3,4})(室|户)")


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "****"


def phone_hash(phone: str, salt: str) -> str:
    """A keyed hash of a phone number: repeat callers stay linkable, the number itself is not kept."""
    digits = re.sub(r"\D", "", phone)
    return hashlib.sha256(f"{salt}|{digits}".encode("utf-8")).hexdigest() if digits else ""


class Masker:
    """Masks one text at a time and counts what it masked."""

    def __init__(self, names: tuple[str, ...] = ()):
        self.counts: Counter = Counter()
        self.names = names

    def _sub(self, pattern: re.Pattern, repl, text: str, kind: str) -> str:
        text, n = pattern.subn(repl, text)
        self.counts[kind] += n
        return text

    def mask(self, text: str, names: tuple[str, ...] = ()) -> str:
        if not text:
            return text
        text = self._sub(_ID_CARD, lambda m: f"{m.group(1)}********{m.group(3)[-1]}", text, "id_numbers")
        text = self._sub(_MOBILE, lambda m: f"{m.group(1)}****{m.group(3)}", text, "phones")
        text = self._sub(_LANDLINE, lambda m: f"{m.group(1)}-****{m.group(2)[-2:]}", text, "phones")
        text = self._sub(_NAME_INTRO, lambda m: f"{m.group(1)}某某", text, "names")
        for name in (*self.names, *names):
            if name and len(name) >= 2 and name in text:
                self.counts["names"] += text.count(name)
                text = text.replace(name, name[0] + "某" * (len(name) - 1))
        text = self._sub(_ROOM, lambda m: f"{m.group(1)}{m.group(2)}***{m.group(4) or ''}", text, "house_numbers")
        return self._sub(_ROOM_ONLY, lambda m: f"***{m.group(2)}", text, "house_numbers")
