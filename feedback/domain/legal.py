"""Legal citations written one way per language: Vietnamese as typed, English with the document types
translated ("Nghị định 20/2008/NĐ-CP" -> "Decree 20/2008/ND-CP", as English translations of Vietnamese
law write them)."""

from __future__ import annotations

import re

# Longest first, so that "Nghị quyết" is not read as "Nghị" + something.
_TERMS_EN = [
    ("Thông tư liên tịch", "Joint Circular"),
    ("Nghị quyết", "Resolution"),
    ("Nghị định", "Decree"),
    ("Thông tư", "Circular"),
    ("Quyết định", "Decision"),
    ("Chỉ thị", "Directive"),
    ("Công văn", "Official Letter"),
    ("Công điện", "Official Dispatch"),
    ("Thông báo", "Notice"),
    ("quy chế tiếp nhận, xử lý phản ánh, kiến nghị của Sở", "the Department's rules for handling feedback"),
    ("Bộ luật Dân sự", "Civil Code"),
    ("Bộ luật", "Code"),
    ("Luật", "Law"),
    ("Điều", "Article"),
    ("Khoản", "Clause"),
    ("Điểm", "Point"),
    ("quy chế nội bộ của Sở", "the Department's internal rules"),
    ("Quy chế nội bộ của Sở", "the Department's internal rules"),
]
_PATTERN = re.compile("|".join(rf"(?<!\w){re.escape(vi)}(?!\w)" for vi, _en in _TERMS_EN))
_LOOKUP = dict(_TERMS_EN)
# A document number such as 20/2008/NĐ-CP or 148/2025/QH15: English texts write its code without
# Vietnamese letters (20/2008/ND-CP).
_NUMBER = re.compile(r"\b\d+/(?:\d{4}/)?[\wĐđ-]+")
_LETTERS = str.maketrans({"Đ": "D", "đ": "d"})
_DATED = re.compile(r" ngày (\d{1,2}/\d{1,2}/\d{4})")


def citation(text: str, locale: str) -> str:
    """`text` with the names of Vietnamese legal document types in `locale` (unchanged in Vietnamese)."""
    if not text or locale != "en":
        return text or ""
    text = _PATTERN.sub(lambda m: _LOOKUP[m.group(0)], text)
    text = _DATED.sub(lambda m: f" of {m.group(1)}", text)  # "ngày 16/06/2025" -> "of 16/06/2025"
    return _NUMBER.sub(lambda m: m.group(0).translate(_LETTERS), text)
