"""Masking personal data in text that is about to be published (DESIGN §7).

The publish form pre-fills a redacted copy of the submitter's text; the coordinator still reads and
edits it, so the rules lean towards masking too much rather than leaking (Law 91/2025/QH15), while
leaving the numbers that a public answer needs (years, dates, amounts, regulation numbers) alone.

Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

__all__ = ["find_personal_data", "redact", "strip_accents"]

_D_STROKE = str.maketrans("đĐ", "dD")

# --- patterns -----------------------------------------------------------------------------------

# \w is Unicode-aware, so a local part or domain with Vietnamese letters is still caught; the
# top-level domain is ASCII so that "an@x.vnđể" (no space typed before the next word) masks
# "an@x.vn" and leaves the Vietnamese word.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])")

# Between two digits of a phone number: at most one space, dot or dash, and the brackets of an
# area code, as in "0912 345 678", "0912.345.678", "(028) 3823 4567", "+84 (28) 3823-4567".
_SEP = r"(?:\)?[ \u00a0.\-]?\(?)"
# National significant number after the trunk "0": 10 digits in all for mobiles (and pre-2017
# landlines such as "08 3823 4567"), 11 digits for landlines since 2017 ("028 3823 4567") and for
# the old 11-digit mobiles ("0168 ...").
_NATIONAL = rf"(?:[12](?:{_SEP}[0-9]){{9}}|[1-9](?:{_SEP}[0-9]){{8}})"
# "+84", "0084", "(+84)", "84"; no dot after the country code, so "84.500.000 đồng" stays an
# amount; people also write the trunk zero after it ("+84 (0) 912...", "+84 0912...").
_INTERNATIONAL = r"(?:\(?(?:\+|00)84\)?|84)[ \u00a0\-]?(?:\(0\)[ \u00a0]?|0[ \u00a0.\-]?)?\(?"
# Only a space may follow the trunk zero: "0.912345678" is a decimal, not a phone.
_DOMESTIC = r"\(?0[ \u00a0]?"
# A number glued to a longer one ("1.500.000", "01.01.2025") is not a phone: no digit, or digit
# and dot or comma, right before or after. "/" and "-" are allowed there because people list
# numbers as "0912345678/0987654321" or "0912345678-0987654321".
_NOT_AFTER_NUMBER = r"(?<![0-9+])(?<![0-9][.,])"
_NOT_BEFORE_NUMBER = r"(?![0-9])(?![.,][0-9])"
_PHONE = re.compile(rf"{_NOT_AFTER_NUMBER}(?:{_INTERNATIONAL}|{_DOMESTIC}){_NATIONAL}{_NOT_BEFORE_NUMBER}")

# Tax codes (10 digits, 10-3 digits, 13 digits), CMND (9) and CCCD (12) numbers, and, as they are
# just as personal, bank accounts and other long identifiers: any run of 9 to 16 digits standing
# alone. A run touching "/" is part of a document number ("123456789/QĐ-UBND"), not an identifier.
_IDENTIFIER = re.compile(
    r"(?<![0-9])(?<![0-9][.,])(?<!/)"
    r"(?:[0-9]{10}[ \u00a0]?[-\u2013][ \u00a0]?[0-9]{3}|[0-9]{9,16})"
    r"(?![0-9])(?![.,][0-9])(?!/)"
)
# CCCD numbers are often printed in groups: "001 203 012 345", "0012 0301 2345".
_GROUPED_ID = re.compile(
    r"(?<![0-9])(?<![0-9][ \u00a0.,])"
    r"(?:[0-9]{3}(?:[ \u00a0][0-9]{3}){3}|[0-9]{4}(?:[ \u00a0][0-9]{4}){2})"
    r"(?![0-9])(?![ \u00a0.,][0-9])"
)
# A number followed by a currency or a magnitude is an amount, whatever its digits look like.
_AMOUNT_UNIT = re.compile(r"[ \u00a0]*(?:đồng|đ|vnđ|vnd|usd|triệu|tỷ|tỉ|nghìn|ngàn|trăm|%)(?!\w)", re.IGNORECASE)

# Forms of address that precede a given name: "ông An", "chị Lan"; with and without diacritics.
_TITLES = (
    "ông",
    "bà",
    "anh",
    "chị",
    "cô",
    "chú",
    "bác",
    "em",
    "ngài",
    "ong",
    "ba",
    "chi",
    "co",
    "chu",
    "bac",
    "ngai",
)


# --- text folding --------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """Return the text without diacritics (Vietnamese tones and vowel marks), with đ→d and Đ→D."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Return one character without diacritics and case (the character itself if that takes two)."""
    folded = strip_accents(char).casefold()
    if len(folded) == 1:
        return folded
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def _fold(text: str) -> str:
    """Return an accent- and case-free copy of the text with the same length, so match offsets carry over."""
    # Folding character by character (not strip_accents on the whole text) keeps offsets aligned:
    # "ß".casefold() == "ss" or a stray combining mark would otherwise shift every later match.
    return "".join(map(_fold_char, text))


# --- matching ------------------------------------------------------------------------------------


def _personal_data_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the spans of emails, phone numbers, tax codes and ID numbers in NFC text."""
    yield from (match.span() for match in _EMAIL.finditer(text))
    for pattern in (_PHONE, _IDENTIFIER, _GROUPED_ID):
        for match in pattern.finditer(text):
            if not _AMOUNT_UNIT.match(text, match.end()):
                yield match.span()


def _phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """Compile a folded phrase into a pattern over folded text, flexible in whitespace, whole words only."""
    tokens = _fold(unicodedata.normalize("NFC", phrase)).split()
    # One letter ("A") would mask that letter all over the text: not worth it.
    if sum(len(token) for token in tokens) < 2:
        return None
    body = r"\s+".join(re.escape(token) for token in tokens)
    # Organisation names may start or end with punctuation ("(Vinamilk)"), where \b would not fit.
    before = r"(?<!\w)" if re.match(r"\w", tokens[0]) else ""
    after = r"(?!\w)" if re.search(r"\w$", tokens[-1]) else ""
    return re.compile(before + body + after)


def _title_pattern(name: str) -> re.Pattern[str] | None:
    """Compile a pattern for "ông An"-style mentions of a person's given name (group 1 is the name)."""
    tokens = unicodedata.normalize("NFC", name).split()
    if len(tokens) < 2 or len(tokens[-1]) < 2:
        return None
    given = tokens[-1]
    # Capitalised or upper case only, with or without diacritics: a lower-case "an" is the word in
    # "an tâm", "an toàn", and an accent-insensitive "An" would match "ăn" (to eat).
    forms = {given[0].upper() + given[1:].lower(), given.upper()}
    forms |= {strip_accents(form) for form in forms}
    titles = "|".join(_TITLES)
    alternatives = "|".join(re.escape(form) for form in sorted(forms))
    return re.compile(rf"(?<!\w)(?i:{titles})\s+({alternatives})(?!\w)")


def _name_spans(text: str, names: Sequence[str], organisations: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Yield the spans of the given person and organisation names in NFC text."""
    folded = _fold(text)
    for phrase in (*names, *organisations):
        pattern = _phrase_pattern(phrase)
        if pattern is not None:
            yield from (match.span() for match in pattern.finditer(folded))
    for name in names:
        pattern = _title_pattern(name)
        if pattern is not None:
            yield from (match.span(1) for match in pattern.finditer(text))


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the spans sorted, with overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- public API ----------------------------------------------------------------------------------


def redact(
    text: str,
    names: Sequence[str] = (),
    organisations: Sequence[str] = (),
    mask: str = "***",
) -> str:
    """Return the text (in NFC) with emails, phones, tax codes, ID numbers and the given names masked."""
    text = unicodedata.normalize("NFC", text)
    spans = _merge([*_personal_data_spans(text), *_name_spans(text, names, organisations)])
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(text[position:start])
        parts.append(mask)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def find_personal_data(text: str) -> list[str]:
    """Return the emails, phone numbers, tax codes and ID numbers found in the text, in order."""
    text = unicodedata.normalize("NFC", text)
    return [text[start:end] for start, end in _merge(_personal_data_spans(text))]
