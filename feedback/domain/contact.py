"""Contact details: Vietnamese phone numbers, email addresses, and text clean-up. Pure."""

from __future__ import annotations

import re
import unicodedata

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_HOTLINE = re.compile(r"^1[89]00\d{4,6}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# Characters no text of ours may hold, because XML 1.0 (the Atom feed, Open311 XML) cannot carry them
# or Unicode reserves them: C0 controls but tab/LF/CR, DEL and the C1 controls, lone surrogates, and
# the 66 non-characters (U+FDD0-U+FDEF and the last two code points of every plane, U+FFFE, U+FFFF...).
_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
# Besides those, what a one-line or multi-line field drops: zero-width and bidi-override characters.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + _NONCHARACTERS
    + "\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def strip_illegal(value: str) -> str:
    """`value` without the characters XML cannot carry and Unicode's non-characters (NUL included)."""
    return _ILLEGAL.sub("", value)


def normalize_phone(raw: str) -> str | None:
    """A Vietnamese phone number in its national form (0912345678, 02838234567, 1900xxxx), or None.

    Accepts +84 / 84 / 0084 prefixes and spaces, dots, dashes and brackets between groups.
    """
    text = _PHONE_SEPARATORS.sub("", raw or "")
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("0084"):
        text = "0" + text[4:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if _MOBILE.match(text) or _LANDLINE.match(text) or _HOTLINE.match(text):
        return text
    return None


def is_email(raw: str) -> bool:
    """Whether `raw` looks like a deliverable email address (one @, a dotted domain, no spaces)."""
    return bool(raw) and len(raw) <= 254 and bool(_EMAIL.match(raw)) and ".." not in raw


def clean_text(value: str | None, multiline: bool = False) -> str:
    """NFC-normalise, drop control and bidi-override characters, trim; keep newlines only if multiline."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _CONTROL.sub("", text)
    if not multiline:
        text = re.sub(r" {2,}", " ", text)
    return text.strip()
