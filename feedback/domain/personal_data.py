"""Finding personal data of anyone in free Vietnamese text: people, addresses and disguised contacts.

`redaction.redact` masks the patterns and the submitter's own details; this module finds the rest
of what Law 91/2025/QH15 calls personal data in a complaint: other people's names (full, partial,
reversed, after a form of address, with or without diacritics), street addresses, e-mails and phone
numbers written to dodge filters, bank accounts, vehicle plates, dates of birth, ID and passport
numbers. Each finding carries its kind, so the publish guard can say what is left and the bench can
measure recall and precision per kind (bench/redaction_quality.py).

What stays (decided rules, see README "Personal data"):
- names of public bodies (Sở, UBND, Phòng, Chi cục, Trung tâm, Bộ, Cục ...), of laws and documents
  (Luật, Nghị định, Thông tư ...), and administrative units from district level up (quận, huyện,
  tỉnh, thành phố and the places of `data/vn_places.txt`); landmarks, prizes, museums and programmes
  named after people ("Giải thưởng Tạ Quang Bửu"): they are public facts, not personal data;
- an official named with a leadership title of a public body, acting in office ("Giám đốc Sở KH&CN
  Nguyễn Văn Hùng", "Chủ tịch UBND tỉnh Lê Văn A"): such names sign public decisions already.
  A staff member named without such a title ("cán bộ Trần Văn B ở bộ phận một cửa") is masked: a
  complaint about a person is that person's data;
- ward, commune, hamlet and street-number level places are part of an address and masked.

Names are found by construction, not by example: the shape of a Vietnamese name (two to four
capitalised syllables, a surname first, name words of the lexicon after it), the words that
introduce a person (forms of address, family and roles, "là", "cảm ơn" ...), and the reversed and
partial forms; the lexicon key keeps diacritics when a word has them, so "Nhân" is not the surname
"Nhan". Measured on held-out text: README "Personal data".

Pure: no Flask, no database, no clock. The lexicons ship as `data/vn_names.txt` and `data/vn_places.txt`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, cast

from .redaction import (
    _AMOUNT_UNIT,
    _EMAIL,
    _GROUPED_ID,
    _IDENTIFIER,
    _PHONE,
    strip_accents,
)
from .redaction import _fold as _fold_text

# The same text is folded by several rules: keep the last few.
_fold = lru_cache(maxsize=64)(_fold_text)

__all__ = ["KINDS", "Finding", "detect", "fold_key", "mask"]


@cache
def _re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled pattern, kept: the patterns built from word lists are compiled once, not per call."""
    return re.compile(pattern, flags)


def _finditer(pattern: str | re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    return (pattern if isinstance(pattern, re.Pattern) else _re(pattern)).finditer(text)


def _match(pattern: str, text: str) -> re.Match[str] | None:
    return _re(pattern).match(text)


def _search(pattern: str, text: str) -> re.Match[str] | None:
    return _re(pattern).search(text)


def _fullmatch(pattern: str, text: str) -> re.Match[str] | None:
    return _re(pattern).fullmatch(text)


def _split(pattern: str, text: str) -> list[str | Any]:
    return _re(pattern).split(text)


@cache
def _alternation(words: tuple[str, ...], fold: bool) -> str:
    """A regex alternation of the words (folded or as written), longest first."""
    forms = {(_fold(w) if fold else w) for w in words}
    return "|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True))


KINDS = ("name", "phone", "email", "id", "address", "bank", "plate", "dob", "organisation")


@dataclass(frozen=True)
class Finding:
    """A span of personal data in a text: [start, end) offsets in the NFC text, its kind and text."""

    start: int
    end: int
    kind: str
    text: str


def fold_key(text: str) -> str:
    """An accent-, case- and space-insensitive key for comparing a span with a kept one."""
    return " ".join(strip_accents(unicodedata.normalize("NFC", text)).casefold().split())


# --- lexicon -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    sections: dict[str, set[str]] = {}
    current = None
    text = resources.files(__package__).joinpath("data/vn_names.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections.setdefault(current, set())
            continue
        if current:
            sections[current].add(_fold(line))
            sections.setdefault(current + ":exact", set()).add(line.lower())
    return {key: frozenset(value) for key, value in sections.items()}


def _lexicon_word(token: _Token, section: str) -> bool:
    """Whether a lower-case token is a lexicon word: as written, or typed without any diacritics."""
    if token.text.lower() in _lexicon()[section + ":exact"]:
        return True
    return token.text == strip_accents(token.text) and token.folded in _lexicon()[section]


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    """Surnames as looked up by `_Token.key`: as written (lower case) and typed without diacritics."""
    lex = _lexicon()
    return lex["surname"] | lex["surname:exact"]


@lru_cache(maxsize=1)
def _name_words() -> frozenset[str]:
    lex = _lexicon()
    return lex["middle"] | lex["given"] | lex["middle:exact"] | lex["given:exact"]


# Places that look like names ("Thái Bình", "Hồ Chí Minh", "Kiên Giang", "Nhật Bản"): the 34
# provinces after the 2025 merger, former provinces, big cities and districts, landmarks and
# countries, shipped as `data/vn_places.txt`. They stay in the text.
@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/vn_places.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("#", "[")))


# Words that open the name of a public body; the capitalised words after them are the body's name.
_BODY_WORDS = (
    "sở",
    "ubnd",
    "ủy ban",
    "uỷ ban",
    "hđnd",
    "hội đồng nhân dân",
    "phòng",
    "chi cục",
    "trung tâm",
    "bộ",
    "cục",
    "tổng cục",
    "văn phòng",
    "thanh tra",
    "ban",
    "viện",
    "trường",
    "bệnh viện",
    "công an",
    "kho bạc",
    "ngân hàng nhà nước",
    "tòa án",
    "toà án",
    "viện kiểm sát",
    "sở kh&cn",
    "đài",
    "báo",
    "học viện",
    "đại học",
    "quỹ",
    "tỉnh ủy",
    "tỉnh uỷ",
    "thành ủy",
    "bảo hiểm xã hội",
    "chi nhánh",
    "hội",
    "liên đoàn",
    "hiệp hội",
    "phòng thương mại",
    "vcci",
    "khu công nghiệp",
    "ban quản lý",
    "cảng vụ",
    "hải quan",
    "cục thuế",
    "chi cục thuế",
    "quốc hội",
    "chính phủ",
    "thủ tướng chính phủ",
    "đảng",
)
_NAMED_AFTER_PEOPLE = frozenset({"trường", "bệnh viện", "học viện", "đại học"})
# Legal documents: "Luật Doanh nghiệp", "Nghị định 356/2025/NĐ-CP", "Thông tư 02/2017/TT-VPCP".
_LAW_WORDS = (
    "luật",
    "bộ luật",
    "nghị định",
    "thông tư",
    "quyết định",
    "nghị quyết",
    "chỉ thị",
    "công văn",
    "thông báo",
    "kế hoạch",
    "hiến pháp",
    "pháp lệnh",
    "tiêu chuẩn",
    "quy chuẩn",
    "tcvn",
    "qcvn",
)
# Leadership titles of officials acting in office: a name right after them (with the body in
# between, if any) is that official's public capacity and stays.
_OFFICIAL_TITLES = (
    "giám đốc",
    "phó giám đốc",
    "chủ tịch",
    "phó chủ tịch",
    "chánh văn phòng",
    "phó chánh văn phòng",
    "chi cục trưởng",
    "phó chi cục trưởng",
    "trưởng phòng",
    "phó trưởng phòng",
    "bộ trưởng",
    "thứ trưởng",
    "cục trưởng",
    "phó cục trưởng",
    "vụ trưởng",
    "thủ tướng",
    "phó thủ tướng",
    "chánh thanh tra",
    "phó chánh thanh tra",
    "bí thư",
    "phó bí thư",
    "tổng cục trưởng",
    "viện trưởng",
    "hiệu trưởng",
    "trưởng ban",
    "phó trưởng ban",
    "đại biểu quốc hội",
    "chủ nhiệm",
    "tổng thư ký",
    "người phát ngôn",
)
_TITLES_WITH_BODY = frozenset(
    _fold(t)
    for t in (
        "trưởng phòng",
        "phó trưởng phòng",
        "trưởng ban",
        "phó trưởng ban",
        "chánh văn phòng",
        "phó chánh văn phòng",
        "chi cục trưởng",
        "phó chi cục trưởng",
        "cục trưởng",
        "phó cục trưởng",
        "viện trưởng",
        "hiệu trưởng",
    )
)
_PUBLIC_TITLES = frozenset(
    _fold(t)
    for t in (
        "bộ trưởng",
        "thứ trưởng",
        "thủ tướng",
        "phó thủ tướng",
        "cục trưởng",
        "chi cục trưởng",
        "chánh văn phòng",
        "chánh thanh tra",
        "tổng cục trưởng",
        "vụ trưởng",
        "đại biểu quốc hội",
        "bí thư",
    )
)
_PUBLIC_BODY_AFTER_TITLE = (
    "sở",
    "ubnd",
    "ủy ban",
    "uỷ ban",
    "hđnd",
    "bộ",
    "cục",
    "chi cục",
    "tổng cục",
    "văn phòng",
    "thanh tra",
    "trung tâm",
    "ban",
    "viện",
    "phòng",
    "tỉnh",
    "thành phố",
    "tp",
    "huyện",
    "quận",
    "xã",
    "phường",
    "chính phủ",
    "quốc hội",
    "kh&cn",
    "khcn",
    "đoàn",
    "đảng",
)
# Private titles: the name after them is a private person (the director of a company is not a
# public official), whatever follows.
_PRIVATE_AFTER_TITLE = ("công ty", "cty", "doanh nghiệp", "hợp tác xã", "htx", "cửa hàng", "tập đoàn")

# The kinship words Vietnamese addresses people with ("ông", "chị" ...), before a name or in a sentence.
_KINSHIP = ("ông", "bà", "anh", "chị", "em", "cô", "chú", "bác")
# Titles abbreviated before a name, written with or without the full stop: English forms of address,
# degrees and professions (tiến sĩ, thạc sĩ, phó giáo sư, giáo sư, kỹ sư, bác sĩ, luật sư).
_SHORT_TITLES = ("mr", "ms", "mrs", "dr", "ts", "ths", "pgs", "gs", "ks", "bs", "ls")
# Forms of address before a name (folded). "anh"/"em"/"cô" are also pronouns, so a capitalised
# word must follow.
_HONORIFICS = (
    *_KINSHIP,
    "cậu",
    "dì",
    "thím",
    "cháu",
    "cụ",
    "ngài",
    *_SHORT_TITLES,
    *(f"{title}." for title in _SHORT_TITLES),
    "miss",
    "a.",
    "c.",
    "đ/c",
    "đồng chí",
    "chủ hộ",
    "hộ ông",
    "hộ bà",
    "người dân",
    "công dân",
    "bạn",
    "tên",
    "tên là",
    "họ tên",
    "cán bộ",
    "chuyên viên",
    "nhân viên",
    "kỹ sư",
    "kỹ thuật viên",
    "bác sĩ",
    "luật sư",
    "pgs.ts",
    "người nhận",
    "người gửi",
    "người liên hệ",
    "người đại diện",
    "giáo viên",
    "thầy",
    "tài xế",
    "người bán",
    "chủ xe",
    "chủ cơ sở",
    "chủ nhà",
    "gặp",
    "nhờ",
    "theo lời",
    "tôi là",
    "em là",
    "mình là",
    "cháu là",
    "con là",
    "tôi tên",
    "em tên",
    "mình tên",
    # Family and roles a complaint names people by: whatever capitalised words follow are a person.
    "vợ",
    "chồng",
    "mẹ",
    "bố",
    "cha",
    "má",
    "con trai",
    "con gái",
    "anh trai",
    "chị gái",
    "em trai",
    "em gái",
    "vợ tôi",
    "chồng tôi",
    "mẹ tôi",
    "bố tôi",
    "con tôi",
    "bạn tôi",
    "hàng xóm",
    "nhân chứng",
    "người làm chứng",
    "người khiếu nại",
    "người tố cáo",
    "người bị hại",
    "người mua",
    "người thuê",
    "người phụ trách",
    "người được ủy quyền",
    "người ủy quyền",
    "người lái xe",
    "chủ tài khoản",
    "chủ tk",
    "kế toán",
    "thủ kho",
    "thủ quỹ",
    "học sinh",
    "sinh viên",
    "cô giáo",
    "thầy giáo",
    "thợ",
    "trưởng thôn",
    "tổ trưởng",
    "người mua hàng",
    "người bán hàng",
    "người nhận hàng",
    "người đứng tên",
    "người thuê nhà",
    "người phụ trách kỹ thuật",
    "sir",
    "madam",
)
# Words after which a run of capitalised words is a person only if it looks like a name (its first
# word is in the lexicon and it has two words or more): "là Khuất Duy Tiến", "cảm ơn Thiệu Quang Vũ".
_WEAK_CUES = frozenset(
    {
        "là",
        "la",
        "về",
        "mời",
        "cảm ơn",
        "với",
        "cùng",
        "và",
        "gửi",
        "của",
        "nhờ",
        "gặp",
        "hỏi",
        "do",
        "cho",
        "bởi",
        "từ",
        "thay",
        "giúp",
        "báo",
        "ký",
        "ủy quyền cho",
        "liên hệ",
        "lien he",
        "gọi",
    }
)
_HONORIFIC_SET = frozenset(
    {h.lower() for h in _HONORIFICS}
    | {"ong", "ba", "chi", "co", "chu", "bac", "ngai", "can bo", "nhan vien", "chuyen vien", "ten"}
)
# Connectives and verbs that open a sentence: capitalised there, never a name, and they end a run of
# name words.
_CONNECTIVES = (
    "Và",
    "Là",
    "Đã",
    "Có",
    "Không",
    "Cũng",
    "Được",
    "Với",
    "Ở",
    "Tại",
    "Của",
    "Cho",
    "Để",
    "Thì",
    "Mà",
    "Nên",
    "Hoặc",
    "Hay",
    "Khi",
    "Nếu",
    "Theo",
    "Về",
)
# Words after a form of address that are not names ("ông Giám đốc", "bà Chủ tịch", "anh Em").
_NOT_A_NAME = {
    w.lower()
    for w in (
        "Giám",
        "Phó",
        "Chủ",
        "Trưởng",
        "Chánh",
        "Bộ",
        "Sở",
        "Cục",
        "Thứ",
        "Tổng",
        "Viện",
        "Hiệu",
        "Bí",
        "Đại",
        "Cán",
        "Chuyên",
        "Nhân",
        "Kế",
        "Thủ",
        "Phòng",
        "Ban",
        "UBND",
        "Này",
        "Ấy",
        "Kia",
        "Nào",
        "Ta",
        "Tôi",
        "Em",
        "Anh",
        "Chị",
        "Ông",
        "Bà",
        "Các",
        "Những",
        "Mọi",
        "Xin",
        "Hãy",
        "The",
        "Sau",
        "Trước",
        "Trong",
        "Ngoài",
        "Nội",
        "Họ",
        "Mình",
        "Quý",
        "Con",
        "Nhà",
        "Đơn",
        *_CONNECTIVES,
    )
}

# Capitalised words that end a run of name words (sentence-initial connectives and verbs).
_STOP_IN_RUN = {
    w.lower()
    for w in (
        *_CONNECTIVES,
        "Sở",
        "Phòng",
        "UBND",
        "Ban",
        "Bộ",
        "Cục",
        # English place words: "Ho Chi Minh City", "Ben Thanh Ward"
        "City",
        "Province",
        "District",
        "Ward",
        "Commune",
        "Street",
        "Road",
    )
}

# Cues that are roles ("Kế toán", "Thợ"): capitalised at a sentence start they may open a title
# ("Kế toán Trưởng"), so there the name after them must look like one.
_ROLE_CUES = frozenset({"kế toán", "thợ", "thủ kho", "thủ quỹ", "học sinh", "sinh viên", "nhân chứng"})
# First words of bodies and places that may stand before "Văn"/"Thị" ("Phòng Văn hóa", "Nhà Văn hóa").
_BODY_FIRST_WORDS = frozenset(
    {
        "phong",
        "nha",
        "trung",
        "so",
        "hoi",
        "cuc",
        "vien",
        "bo",
        "ban",
        "khu",
        "cau",
        "cho",
        "truong",
        "quan",
        "huyen",
        "tinh",
        "thanh",
        "thi",
        "xa",
        "phuong",
        "ngo",
        "hem",
        "kiet",
        "ngach",
        "duong",
        "pho",
        "thon",
        "xom",
        "ap",
        "lang",
    }
)

# Words of two syllables that read as a surname and a middle name when typed without diacritics:
# "tư vấn", "cố vấn", "phỏng vấn", "học vấn", "chất vấn", "lê thị" ... not "Từ Văn".
_WORD_PAIRS = frozenset(
    {
        ("tu", "van"),
        ("co", "van"),
        ("phong", "van"),
        ("hoc", "van"),
        ("chat", "van"),
        ("thi", "van"),
        ("dan", "van"),
        ("ho", "thi"),
        ("khi", "thi"),
        ("ba", "thi"),
        ("thu", "thi"),
        ("luu", "thong"),
        ("ton", "thi"),
    }
)

_STRONG_MIDDLE = frozenset({"van", "thi", "huu", "duc", "dinh", "quoc", "xuan", "ngoc", "minh", "thanh", "cong"})

_WORD = _re(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    folded: str

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def key(self) -> str:
        """The lexicon key: the word as written, or folded when typed without any diacritics, so that
        "Nhân" is not the surname "Nhan" nor "Mông" "Mong", while "Nguyen" is still "Nguyễn"."""
        lower = self.text.lower()
        return self.folded if lower == self.folded else lower


def _tokens(text: str) -> list[_Token]:
    folded = _fold(text)
    return [_Token(m.start(), m.end(), m.group(), folded[m.start() : m.end()]) for m in _WORD.finditer(text)]


def _joined(text: str, a: _Token, b: _Token) -> bool:
    """Whether two tokens are neighbours in one phrase: only spaces (no newline, no punctuation) between."""
    between = text[a.end : b.start]
    return 0 < len(between) <= 2 and between.strip(" \u00a0") == ""


def _phrase_spans(folded: str, phrases: Iterable[str], *, extend: bool) -> list[tuple[int, int]]:
    """Spans of any of the folded phrases as whole words; with `extend`, plus the name that follows.

    A body's or law's name runs on through capitalised words, numbers and short connectives
    ("Sở Khoa học và Công nghệ", "Nghị định 356/2025/NĐ-CP"), up to punctuation.
    """
    spans: list[tuple[int, int]] = []
    pattern = _re(rf"(?<!\w)(?:{_alternation(tuple(phrases), True)})(?!\w)")
    tail = _re(
        r"(?:[ \u00a0]+(?:(?:và|va|&|-|–)[ \u00a0]+)?"
        r"(?:[^\W\d_][\w&./-]*|[0-9][0-9A-Za-z./-]*))*"
    )
    for match in pattern.finditer(folded):
        end = match.end()
        if extend:
            end = cast(re.Match[str], tail.match(folded, end)).end()  # matches: every part is optional
        spans.append((match.start(), end))
    return spans


# Lower-case words inside an enterprise's name ("Thiết bị Đo lường", "Thương mại và Dịch vụ"): any
# word but a form of address or a word that ends the name ("của", "là", "ở" ...).
_COMPANY_STOPS = (
    *_KINSHIP,
    "của",
    "là",
    "ở",
    "tại",
    "đã",
    "cho",
    "với",
    "có",
    "không",
    "được",
    "đề",
    "xin",
    "gửi",
    "kính",
    "theo",
    "về",
    "nhưng",
    "mà",
    "thì",
    "nên",
    "do",
    "vì",
    "khi",
    "từ",
    "đến",
    "trong",
    "ngoài",
    "trên",
    "dưới",
    "sau",
    "trước",
    "người",
    "giám",
)
_COMPANY_FILLERS = r"(?!(?:" + "|".join(_COMPANY_STOPS) + r")(?!\w))[a-zà-ỹđ]\w*"


@lru_cache(maxsize=1)
def _places_index() -> dict[str, list[tuple[str, ...]]]:
    """Place names by their first word, lower case, with their diacritics and typed without them."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for place in _places():
        for form in {place.lower(), strip_accents(place).lower()}:
            words = tuple(_WORD.findall(form))
            if words:
                index.setdefault(words[0], []).append(words)
    for forms in index.values():
        forms.sort(key=len, reverse=True)
    return index


def _place_spans(text: str) -> list[tuple[int, int]]:
    """Spans of known places ("Ba Đình" is a district, "Bà Đinh" a person), found word by word."""
    index = _places_index()
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    spans = []
    for i, (start, _end, word) in enumerate(words):
        for form in index.get(word, ()):
            candidate = words[i : i + len(form)]
            if len(candidate) == len(form) and all(w[2] == f for w, f in zip(candidate, form, strict=True)):
                spans.append((start, candidate[-1][1]))
                break
    return spans


def _cut_before_person(text: str, start: int, end: int, name_start: int) -> tuple[int, int]:
    """The span shortened to end before a three-word full name ("Công ty Minh Phát Đỗ Văn Khải");
    right after the keyword only a name with "Văn"/"Thị" ("Hộ kinh doanh Lê Văn Tâm": the owner's
    name) is cut, not a trade name ("Hộ kinh doanh Kim Ngân Phát")."""
    tokens = list(_tokens(text[start:end]))
    surnames, words = _surnames(), _name_words()
    for index in range(2, len(tokens) - 2):
        run = tokens[index : index + 3]
        if start + run[0].start == name_start and run[1].folded not in ("van", "thi"):
            continue
        if run[0].key in surnames and all(t.key in words for t in run[1:]) and all(t.capitalised for t in run):
            return start, start + tokens[index - 1].end
    return start, end


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of laws and places that stay whatever they contain."""
    folded = _fold(text)
    spans = _phrase_spans(folded, _LAW_WORDS, extend=False)
    # A law's number and name: "Nghị định 356/2025/NĐ-CP", "Luật Bảo vệ dữ liệu cá nhân".
    law_tail = _re(r"(?:[ \u00a0]+(?:so[ \u00a0]+)?[0-9][0-9A-Za-z./-]*)?")
    spans = [(s, cast(re.Match[str], law_tail.match(folded, e)).end()) for s, e in spans]  # always matches
    # District level and up stays: "huyện Đan Phượng", "tỉnh Thái Bình", "TP. Thủ Đức".
    unit = _re(
        r"(?<!\w)(?:(?i:quận|huyện|tỉnh|thành phố|tp\.?|thị xã|tx\.?)|quan|huyen|tinh|thanh pho|thi xa|Huyen|Tinh)"
        r"(?:[ \u00a0]+(?:cũ|mới|\(cũ\)))?[ \u00a0]*"
        rf"(?:[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}}|[0-9]{{1,2}}(?![0-9]))"
    )
    # Enterprises are not persons: "Công ty TNHH Hoàng Phát", "HTX Nông nghiệp An Bình".
    company = _re(
        r"(?<!\w)(?<![Cc]hủ )(?i:công ty|cong ty|cty|doanh nghiệp|dn|htx|hợp tác xã|tập đoàn|cửa hàng|nhà máy|"
        r"xí nghiệp|"
        r"tnhh|cổ phần|cp|jsc|co\.?,? ltd|thương hiệu|nhãn hiệu|sản phẩm|hộ kinh doanh|hkd|cây xăng|"
        r"trạm xăng|đại lý|tiệm|nhà thuốc|phòng khám|garage|gara|xưởng|cơ sở sản xuất|thẩm mỹ viện|spa)"
        rf"(?:[ \u00a0]+(?i:tnhh|cổ phần|cp|mtv|một thành viên|hai thành viên|trách nhiệm hữu hạn|tư nhân|"
        rf"xăng dầu|vàng bạc|điện máy|vật liệu xây dựng|thuốc|đa khoa|nha khoa))*"
        rf"[ \u00a0]+[\"“]?(?P<name>[{_UP}][\w&.-]*|[0-9]+)"
        rf"(?:(?:[ \u00a0]+(?:{_COMPANY_FILLERS})){{0,2}}[ \u00a0]+(?:[{_UP}][\w&.-]*|[0-9]+))*"
    )
    landmark = _re(
        r"(?<!\w)(?:(?i:chợ|cầu|sông|núi|chùa|đền|bến|tuyến đường|đoạn đường|con đường|đường|phố|"
        r"đại lộ|duong|pho)[ \u00a0]+(?=[^\W\d_])|"
        r"(?:chợ|cầu|sông|núi|hồ|đèo|bến|chùa|đình|đền|nhà thờ|sân bay|cảng|ga|bãi biển|vịnh|"
        r"công viên|quảng trường|siêu thị|trường|bệnh viện|khách sạn|làng nghề|phố đi bộ|cửa khẩu|"
        # Prizes, museums, monuments and programmes named after people of history stay.
        r"giải|lăng|quỹ|quán|rạp|(?i:giải thưởng|bảo tàng|nhà văn hóa|nhà văn hoá|tượng đài|di tích|khu di tích|"
        r"đền thờ|học bổng|chương trình|đề án|dự án|nhà hàng|nhà sách|sân vận động|nhà thi đấu))"
        rf"[ \u00a0]+\"?)(?:[{_UP}]\w*)(?:[ \u00a0]+[{_UP}]\w*){{0,3}}"
    )
    # A quoted name after the word for a shop, an app, a brand or a programme ("quán "Bún bò Dì Tư"",
    # "ứng dụng "Đồng Nai Smart"") is that thing's name, whatever words it holds.
    quoted = _re(
        r"(?<!\w)(?i:quán|tiệm|cửa hàng|nhà hàng|ứng dụng|app|phần mềm|trang|website|fanpage|nhóm|kênh|"
        r"nhãn hiệu|thương hiệu|sản phẩm|chương trình|cuộc thi|dự án|đề tài|mô hình|giải|sách|phim)"
        r"[ \u00a0]+[\"“][^\"“”\n]{1,60}[\"”]"
    )
    spans += [match.span() for pattern in (unit, quoted, landmark) for match in pattern.finditer(text)]
    for match in company.finditer(text):
        spans.append(_cut_before_person(text, match.start(), match.end(), match.start("name")))
    spans += _place_spans(text)
    # A leadership title is not a name: "Phó Chủ tịch", "Giám đốc" at the start of a sentence.
    for match in _finditer(rf"(?<!\w)(?:{_alternation(_OFFICIAL_TITLES, True)})(?!\w)", folded):
        spans.append(match.span())
    return spans


def _body_spans(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """Spans of public bodies' names: the opening word and the capitalised words of the name.

    The name stops before a person's full name ("Sở KH&CN Nguyễn Văn Hùng"), so the official rule
    can judge it.
    """
    # Matched with diacritics: folded, "Đặng" (a surname) would be "Đảng" and "Trương" "Trường".
    lowered = text.lower()
    token_starts = [t.start for t in tokens]
    spans = []
    for match in _finditer(rf"(?<!\w)(?:{_alternation(_BODY_WORDS, False)})(?!\w)", lowered):
        # Only a capitalised opening word makes a body ("Sở", "Phòng"); "phòng họp" is a room.
        if not (text[match.start()].isupper() or text[match.start() : match.end()].isupper()):
            continue
        end = match.end()
        # Schools, hospitals, universities bear the names of people ("Trường Lê Quý Đôn", "Bệnh
        # viện Nguyễn Tri Phương"); a department or a committee does not ("Sở Trần Thị Lan" is a
        # person of the Sở).
        named_after_people_any = match.group() in _NAMED_AFTER_PEOPLE
        named_after_people = named_after_people_any
        first = bisect.bisect_left(token_starts, end)
        following = tokens[first : first + 16]  # a body's name is short
        previous = None
        for index, token in enumerate(following):
            gap = text[end : token.start] if previous is None else text[previous.end : token.start]
            if not _fullmatch(r"[ \u00a0]+(?:(?:và|va|&|-|–)[ \u00a0]+)?|&|[ \u00a0]*&[ \u00a0]*", gap):
                break
            # (Right after the opening word the name is the body's: "Trường Lê Quý Đôn".)
            if (
                (index > 0 or not named_after_people)
                and not named_after_people_any
                and token.capitalised
                and token.key in _surnames()
                and index + 1 < len(following)
                and following[index + 1].capitalised
                and following[index + 1].key in _name_words()
                and _joined(text, token, following[index + 1])
            ):
                break  # a person's name starts here
            if not token.capitalised and token.folded not in (
                "va",
                "hoc",
                "nghe",
                "ly",
                "luong",
                "chat",
                "tin",
                "dung",
                "thuat",
                "tinh",
                "pho",
                "uy",
                "ban",
                "nhan",
                "dan",
                "chuyen",
                "khoa",
                "da",
                "mam",
                "non",
                "tieu",
                "trung",
                "cap",
                "chuan",
                "nghiep",
                "hoa",
                "hoi",
                "te",
                "vu",
                "dich",
                "cong",
                "nong",
                "thon",
                "moi",
                "hanh",
                "chinh",
                "truong",
                "thong",
                "sinh",
                "dao",
                "tao",
            ):
                break
            end = token.end
            previous = token
        spans.append((match.start(), end))
    return spans


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _official_context(text: str, start: int, bodies: Sequence[tuple[int, int]] = ()) -> bool:
    """Whether the name starting at `start` follows a leadership title of a public body.

    Between the title and the name only the body's name may stand ("Phó Giám đốc Sở Khoa học và
    Công nghệ Trần Quang Hưng"); "Giám đốc Sở X và cán bộ Sở Trần Thị Lan" names a second person.
    """
    window_start = max(0, start - 120)
    window = _fold(text[window_start:start])
    # Only the current clause counts: "Giám đốc Sở ... ký; ông Trần Văn B cho biết" is not one.
    clause_start = max((m.end() for m in _finditer(r"[;:()\n\"“”]|[,.](?=\s)", window)), default=0)
    clause = window[clause_start:]
    matches = list(_finditer(rf"(?<!\w)(?:{_alternation(_OFFICIAL_TITLES, True)})(?!\w)", clause))
    if not matches:
        return False
    match = matches[-1]  # the title nearest the name
    rest = clause[match.end() :].strip()
    if not rest:
        # "Giám đốc Nguyễn Văn A" alone could be a company's director: only a title that is
        # public by itself (Bộ trưởng, Cục trưởng ...) counts without a body after it.
        return match.group() in _PUBLIC_TITLES
    if _re(rf"(?:{_alternation(_PRIVATE_AFTER_TITLE, True)})(?!\w)").match(rest):
        return False
    gap_start = window_start + clause_start + match.end()
    gap_start += len(text[gap_start:start]) - len(text[gap_start:start].lstrip())
    gap_end = start - (len(text[gap_start:start]) - len(text[gap_start:start].rstrip()))
    gap = text[gap_start:gap_end]
    if (
        match.group() in _TITLES_WITH_BODY
        and gap[:1].isupper()
        and len(gap.split()) <= 8
        and not _search(r"(?<!\w)(?:cán bộ|nhân viên|chuyên viên|ông|bà|anh|chị|của|là|với|cùng)(?!\w)", gap.lower())
    ):
        return True  # "Trưởng phòng Quản lý Công nghệ Nguyễn Thanh Hải": the title holds the body's word
    # The gap is one public body's name ("Sở Khoa học và Công nghệ", "UBND tỉnh", "Bộ KH&CN").
    return any(b_start <= gap_start and gap_end <= b_end for b_start, b_end in bodies) or bool(
        _re(rf"(?:{_alternation(_PUBLIC_BODY_AFTER_TITLE, True)})(?:[ \u00a0]+[^\W\d_][\w&.-]*){{0,2}}$").match(rest)
    )


def _address_gap(gap: str, cue: str, honorifics: frozenset[str]) -> bool:
    """Whether what stands between a form of address and a name joins them: spaces, a colon
    ("Nhân chứng: ..."), or the full stop of an abbreviation ("Mr. Lee", "TS. Hà"). The full stop
    after "chị" ends a sentence ("... việc của chị. Tài khoản ...")."""
    bare = gap.strip(" \u00a0")
    return bare in ("", ":") or (bare == "." and cue + "." in honorifics)


# Lower-case words after a form of address that are words, not names ("bác sĩ", "chú ý", "anh
# hùng", "ông năm nay", "chi phí" typed without diacritics).
_LOWER_NOT_NAMES = frozenset(
    {
        "anh",
        "trai",
        "sĩ",
        "trọng",
        "ý",
        "lập",
        "hai",
        "ba",
        "tư",
        "năm",
        "sáu",
        "bảy",
        "tám",
        "mười",
        "thương",
        "hiền",
        "học",
        "dân",
        "em",
        "chị",
        "ông",
        "bà",
        "cô",
        "chú",
        "bác",
        "con",
        "cháu",
        "ấy",
        "ta",
        # verbs and function words that are also given names ("chị bảo", "anh đang", "ông được")
        "bảo",
        "phát",
        "thành",
        "đạt",
        "vui",
        "giao",
        "tiến",
        "đang",
        "được",
        "cần",
        "định",
        "nghị",
        "liên",
        "đồng",
        "quyết",
        "sang",
        "chính",
        "tuyên",
        "công",
        "sinh",
        "lý",
        "kiểm",
        "hoàn",
        "thông",
        "vẫn",
        "cũng",
        "hứa",
    }
)
_LOWER_NOT_AFTER = {"chú": {"tâm", "thích"}, "anh": {"hùng", "minh"}, "cô": {"đơn", "gái"}}
_LOWER_HONORIFICS = frozenset({*_KINSHIP, "dì", "cậu", "thím", "cháu"})
# Typed without diacritics, the forms of address are also common words ("chi phi", "co the"):
# they count only in a text written without any diacritics, and not before these words.
_BARE_HONORIFICS = frozenset({"anh", "chi", "em", "co", "chu", "bac", "ong", "ba"})
_BARE_NOT_NAMES = frozenset(
    {
        "phi",
        "cuc",
        "nhanh",
        "tiet",
        "tra",
        "the",
        "quan",
        "so",
        "mot",
        "hai",
        "ba",
        "bon",
        "nam",
        "sau",
        "bay",
        "tam",
        "chin",
        "muoi",
        "tu",
        "anh",
        "em",
        "chi",
        "ong",
        "co",
        "chu",
        "bac",
        "con",
        "chau",
        "ay",
        "ta",
        "trai",
        "si",
        "trong",
        "y",
        "lap",
        "hoc",
        "dan",
        "thuong",
        "hien",
        "hung",
        "tai",
        "cong",
        "phan",
        "gai",
        "don",
        "dinh",
        "ly",
        "loi",
        "le",
        "ho",
        "bo",
        "tien",
        "ban",
        "hang",
        "khi",
        "van",
        "thi",
        "ngay",
        "bao",
        "phat",
        "thanh",
        "dat",
        "vui",
        "giao",
        "dang",
        "duoc",
        "can",
        "nghi",
        "lien",
        "dong",
        "quyet",
        "sang",
        "chinh",
        "tuyen",
        "sinh",
        "kiem",
        "hoan",
        "thong",
        "cung",
        "hua",
        "da",
        "se",
        "la",
        "o",
        "de",
        "va",
        "cho",
    }
)


@lru_cache(maxsize=16)
def _with_diacritics(text: str) -> bool:
    """Whether the text is written with diacritics (asked for each word: computed once a text)."""
    return strip_accents(text) != text


def _lower_name_after(text: str, cue: str, word: _Token) -> bool:
    """Whether a lower-case word after a lower-case form of address is a given name."""
    if _with_diacritics(text):  # a text written with diacritics
        return (
            cue in _LOWER_HONORIFICS
            and word.text in _lexicon()["given:exact"]
            and word.text not in _LOWER_NOT_NAMES
            and word.text not in _LOWER_NOT_AFTER.get(cue, ())
        )
    return cue in _BARE_HONORIFICS and word.folded in _lexicon()["given"] and word.folded not in _BARE_NOT_NAMES


def _surname_like(text: str, token: _Token, following: _Token) -> bool:
    """Whether a capitalised word before a partial name reads as its surname: inside a sentence (not
    its first word), a short syllable that is no form of address, cue or stop word."""
    lower = token.text.lower()
    before = text[: token.start].rstrip()
    return (
        token.capitalised
        and _joined(text, token, following)
        and len(token.text) <= 6
        and before[-1:] not in ("", ".", "!", "?", "\n", '"', "“")
        and lower not in _NOT_A_NAME
        and lower not in _STOP_IN_RUN
        and lower not in _HONORIFIC_SET
        and lower not in _WEAK_CUES
        and token.key not in _name_words()
    )


def _hyphen_end(text: str, end: int) -> int:
    """The end of a name extended over hyphenated syllables ("Kim Jong-su", "Y-Moan")."""
    match = _re(r"(?:-[^\W\d_]+)+").match(text, end)
    return match.end() if match else end


def _name_like(run: Sequence[_Token]) -> bool:
    """Whether a capitalised run reads as a person's name: it starts with a surname or a name word of
    the lexicon, every word is short (a Vietnamese syllable) and none ends a phrase ("Sở", "Và")."""
    if not run:
        return False
    surnames, words = _surnames(), _name_words()
    if run[0].key not in surnames and run[0].key not in words:
        return False
    for t in run:
        if len(t.text) > 7 or t.text.lower() in _STOP_IN_RUN or t.text.lower() in _NOT_A_NAME - {"anh"}:
            return False
    return sum(1 for t in run if t.key in surnames or t.key in words) * 2 >= len(run)


def _name_findings(text: str, tokens: list[_Token], protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    surnames, words = _surnames(), _name_words()
    # Compared with diacritics ("cháu" is a form of address, "Châu" a surname), plus the usual
    # forms typed without them.
    honorifics = _HONORIFIC_SET
    spans: list[tuple[int, int]] = []
    used: set[int] = set()
    count = len(tokens)

    def run_from(i: int, limit: int = 4) -> int:
        """Index after the run of joined capitalised tokens starting at i (at most `limit`)."""
        j = i + 1
        while (
            j < count
            and j - i < limit
            and tokens[j].capitalised
            and _joined(text, tokens[j - 1], tokens[j])
            and tokens[j].text.lower() not in _STOP_IN_RUN
        ):
            j += 1
        return j

    for i, token in enumerate(tokens):
        if i in used:
            continue
        # 0. "a Nghĩa", "c Lan", "e Hùng": anh, chị, em shortened in a chat, before a lexicon name.
        if (
            token.text in ("a", "c", "e")
            and i + 1 < count
            and tokens[i + 1].capitalised
            and _joined(text, token, tokens[i + 1])
            and (tokens[i + 1].key in words or tokens[i + 1].key in surnames)
            and tokens[i + 1].text.lower() not in _NOT_A_NAME
        ):
            end = run_from(i + 1)
            span = (tokens[i + 1].start, _hyphen_end(text, tokens[end - 1].end))
            if not _overlaps(span, protected):
                spans.append(span)
                used.update(range(i + 1, end))
                continue
        # 1. After a form of address: the capitalised words that follow are a name, lexicon or not.
        lower = token.text.lower()
        pair = lower
        title_end = i
        for width in (4, 3, 2):  # the longest form of address that starts here
            last = i + width - 1
            if last < count and all(_joined(text, tokens[n], tokens[n + 1]) for n in range(i, last)):
                cue = " ".join(t.text.lower() for t in tokens[i : last + 1])
                if cue in honorifics:
                    title_end, pair = last, cue
                    break
        if pair in honorifics or (lower + "." in honorifics and text[token.end : token.end + 1] == "."):
            k = title_end + 1
            if (
                k < count
                and tokens[k].capitalised
                and tokens[k].text.lower() not in _NOT_A_NAME
                and (
                    tokens[k].text.lower() not in honorifics
                    or tokens[k].key in _name_words()
                    or tokens[k].key in _surnames()
                )
                and 0 < tokens[k].start - tokens[title_end].end <= 3
                and _address_gap(text[tokens[title_end].end : tokens[k].start], pair, honorifics)
                and not (token.capitalised and pair in _ROLE_CUES and not _name_like(tokens[k : run_from(k)]))
            ):
                # "Anh Quốc" (England) and other places after "anh" are protected already.
                end = run_from(k)
                span = (tokens[k].start, _hyphen_end(text, tokens[end - 1].end))
                if (
                    title_end == i
                    and token.capitalised
                    and token.key in _surnames()
                    and tokens[k].text in ("Thị", "Văn")
                    and text[: token.start].strip()[-1:] not in ("", ".", "!", "?")
                ):
                    span = (token.start, span[1])  # "Tôi, Ông Thị Bưởi": "Ông" is her surname
                if not _overlaps(span, protected):
                    spans.append(span)
                    used.update(range(k, end))
                    continue
        if not token.capitalised or lower in _WEAK_CUES:
            # 1b. After a weak cue ("là", "cảm ơn", "về"): a capitalised run that looks like a name.
            cue_end = i
            if i + 1 < count and f"{lower} {tokens[i + 1].text.lower()}" in _WEAK_CUES:
                cue_end = i + 1
            if (lower in _WEAK_CUES or cue_end > i) and cue_end + 1 < count:
                k = cue_end + 1
                gap = text[tokens[cue_end].end : tokens[k].start]
                if tokens[k].capitalised and 0 < len(gap) <= 3 and gap.strip(" :,\u00a0") == "":
                    end = run_from(k)
                    run = tokens[k:end]
                    span = (run[0].start, run[-1].end)
                    if len(run) >= 2 and _name_like(run) and not _overlaps(span, protected):
                        spans.append(span)
                        used.update(range(k, end))
                        continue
        if (
            not token.capitalised
            and i + 1 < count
            and _joined(text, token, tokens[i + 1])
            and not tokens[i + 1].capitalised
            and _lower_name_after(text, lower, tokens[i + 1])
        ):
            # 1c. A given name typed in lower case after a form of address ("liên hệ anh tuấn",
            #     "gap chi lan"), with the middle or given names that follow.
            end = i + 2
            # "anh tuấn anh" is rare, "anh tuấn để" common: typed without diacritics, one word only.
            while (
                _with_diacritics(text)
                and end < count
                and end - i < 4
                and not tokens[end].capitalised
                and _joined(text, tokens[end - 1], tokens[end])
                and tokens[end].text in _lexicon()["given:exact"]
                and tokens[end].text not in _LOWER_NOT_NAMES
            ):
                end += 1
            span = (tokens[i + 1].start, tokens[end - 1].end)
            if not _overlaps(span, protected):
                spans.append(span)
                used.update(range(i + 1, end))
                continue
        if not token.capitalised:
            # 4. A name typed in lower case ("tôi là nguyen van hung"): a surname, a common
            #    middle name, then a given name; without the middle name it is too often a phrase.
            if (
                _lexicon_word(token, "surname")
                and i + 2 < count
                and tokens[i + 1].folded in _STRONG_MIDDLE
                and (token.folded, tokens[i + 1].folded) not in _WORD_PAIRS
                and _lexicon_word(tokens[i + 1], "middle")
            ):
                end = i + 2
                while (
                    end < count
                    and end - i < 4
                    and (_lexicon_word(tokens[end], "given") or _lexicon_word(tokens[end], "middle"))
                    and _joined(text, tokens[end - 1], tokens[end])
                    and not tokens[end].capitalised
                ):
                    end += 1
                if end - i >= 3 and all(_joined(text, tokens[j - 1], tokens[j]) for j in range(i + 1, end)):
                    span = (token.start, tokens[end - 1].end)
                    if not _overlaps(span, protected):
                        spans.append(span)
                        used.update(range(i, end))
            continue
        # 2. A full name: surname + one to three name words ("Trần Văn Bình", "Nguyễn Bình").
        end = run_from(i)
        rest = tokens[i + 1 : end]
        known = sum(1 for t in rest if t.key in words or t.key in surnames)
        if (
            token.key in surnames
            and end - i >= 2
            and (
                all(
                    t.key in words
                    or t.key in surnames
                    # "Nguyễn Văn A": the placeholder letter after a middle name is a name too.
                    or (len(t.text) == 1 and t.text.isupper() and tokens[n - 1].folded in _STRONG_MIDDLE)
                    for n, t in enumerate(rest, start=i + 1)
                )
                # A rarer given name after a common middle one: "Nguyễn Thị Xoan", "Lê Văn Tèo".
                or (len(rest) >= 2 and rest[0].folded in _STRONG_MIDDLE and known >= len(rest) - 1)
                # Three or four syllables, at least half of the rest in the lexicon ("Lê Khả Phiêu Dao").
                or (len(rest) >= 2 and 2 * known >= len(rest) and _name_like(tokens[i:end]))
            )
        ):
            span = (token.start, tokens[end - 1].end)
            if not _inside(span, protected):
                spans.append(span)
                used.update(range(i, end))
                continue
        # 2b. A rare surname the lexicon lacks: "Xxx Văn Yyy", "Xxx Thị Yyy" (the two middle names
        #     that are only middle names) with a given name from the lexicon.
        if (
            end - i >= 3
            and tokens[i + 1].text in ("Văn", "Thị", "Van", "Thi")
            and tokens[i + 2].key in words
            and token.text.lower() not in _NOT_A_NAME
            and token.folded not in _BODY_FIRST_WORDS
        ):
            span = (token.start, tokens[end - 1].end)
            if not _overlaps(span, protected):
                spans.append(span)
                used.update(range(i, end))
                continue
        # 3. A reversed or partial name: name words ending with a surname ("Ngoc Tran"), or two
        #    or three given/middle names ("Bích Ngọc", "Minh Anh").
        if end - i >= 2:
            run = tokens[i:end]
            reversed_form = all(t.key in words for t in run[:-1]) and run[-1].key in surnames
            partial = all(t.key in words for t in run)
            if (reversed_form or partial) and not (partial and run[0].folded in {"van", "thi"}):
                span = (run[0].start, run[-1].end)
                if partial and i > 0 and (i - 1) not in used and _surname_like(text, tokens[i - 1], tokens[i]):
                    span = (tokens[i - 1].start, span[1])  # "Chiêm Quốc Thái": a surname the lexicon lacks
                if not _inside(span, protected) and not _overlaps(span, protected):
                    spans.append(span)
                    used.update(range(i, end))
    return spans


# --- addresses -----------------------------------------------------------------------------------

# Upper-case letters of Vietnamese (a range such as À-Ỹ would take lower-case letters as well).
_UP = "A-Z" + "".join(chr(c) for c in range(0xC0, 0x1EFA) if chr(c).isupper() and chr(c).isalpha())

_NAME_WORDS = rf"(?:[{_UP}]\w*|[0-9]+[A-Za-z]?)(?:[ \u00a0]+(?:[{_UP}]\w*|[0-9]+[A-Za-z]?)){{0,4}}"
_HOUSE = (
    r"(?:(?i:(?:số[ \u00a0]+nhà|nhà[ \u00a0]+số|số|sn|so[ \u00a0]+nha|so|"
    r"nha[ \u00a0]+so))[ \u00a0]*)?[0-9]+[A-Za-z]?(?:[/-][0-9]+[A-Za-z]?)*"
)
_ALLEY = (
    rf"(?i:hẻm|hẽm|ngõ|ngách|kiệt|kiet|hem|ngo|ngach|"
    rf"hxh)[ \u00a0]+(?:[0-9]+[A-Za-z]?(?:/[0-9]+[A-Za-z]?)*(?:[ \u00a0]+[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}})?|"
    rf"[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}})"
)
_STREET = (
    rf"(?i:đường|phố|duong|pho|đại[ \u00a0]+lộ|quốc[ \u00a0]+lộ|tỉnh[ \u00a0]+lộ|ql)[ \u00a0]+(?:(?i:số|"
    rf"so)[ \u00a0]+[0-9]+[A-Za-z]?|"
    rf"[0-9]{{1,2}}[ \u00a0]+(?i:tháng|thang)[ \u00a0]+[0-9]{{1,2}}|{_NAME_WORDS})"
)
_LOCALITY = (
    rf"(?i:khu[ \u00a0]+tái[ \u00a0]+định[ \u00a0]+cư|khu[ \u00a0]+dân[ \u00a0]+cư|kdc|khu[ \u00a0]+nhà[ \u00a0]+ở|"
    rf"buôn|bon|làng|sóc|plei|khu[ \u00a0]+pho|to[ \u00a0]+dan[ \u00a0]+pho|phum|srok|thôn|ấp|khu[ \u00a0]+phố|kp|"
    rf"tổ[ \u00a0]+dân[ \u00a0]+phố|tdp|tổ|xóm|bản|khóm|khu[ \u00a0]+tập[ \u00a0]+thể|ktt|chung[ \u00a0]+cư|"
    rf"khu[ \u00a0]+đô[ \u00a0]+thị|kđt|thon|ap|xom|to|khom)[ \u00a0]+{_NAME_WORDS}"
)
_WARD = (
    rf"(?i:phường|xã|thị[ \u00a0]+trấn|phuong|xa|p\.|x\.|"
    rf"tt\.)[ \u00a0]*{_NAME_WORDS}(?:[ \u00a0]+[-–][ \u00a0]+[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}})?"
)
_APARTMENT = (
    rf"(?:(?i:căn[ \u00a0]+hộ|phòng|lô|block|tầng|tòa|toà|can[ \u00a0]+ho|tang)[ \u00a0]+[0-9A-Z][0-9A-Za-z.-]*|"
    rf"(?i:tòa[ \u00a0]+nhà|toà[ \u00a0]+nhà|cao[ \u00a0]+ốc|"
    rf"building)[ \u00a0]+[{_UP}0-9][\w-]*(?:[ \u00a0]+[{_UP}0-9][\w-]*){{0,3}})"
)
_HOUSE_NAMED = (
    rf"(?:(?i:số[ \u00a0]+nhà|nhà[ \u00a0]+số|số|"
    rf"sn)[ \u00a0]*)?[0-9]+[A-Za-z]?(?:/[0-9]+[A-Za-z]?)*[ \u00a0]+[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{1,4}}"
)
_ESTATE = (
    rf"(?i:khu[ \u00a0]+công[ \u00a0]+nghiệp|kcn|cụm[ \u00a0]+công[ \u00a0]+nghiệp|khu[ \u00a0]+chế[ \u00a0]+xuất|"
    rf"khu[ \u00a0]+kinh[ \u00a0]+tế)[ \u00a0]+{_NAME_WORDS}"
)
_COMPONENT = rf"(?:{_ESTATE}|{_APARTMENT}|{_ALLEY}|{_STREET}|{_LOCALITY}|{_WARD}|{_HOUSE_NAMED}|{_HOUSE})"
_ADDRESS = _re(rf"(?<!\w){_COMPONENT}(?:[ \u00a0]*[,\-–]?[ \u00a0]*{_COMPONENT})*")
_FINE = _re(
    rf"(?:{_HOUSE_NAMED}[ \u00a0]*,|(?i:số)[ \u00a0]+{_HOUSE_NAMED}|{_ALLEY}|{_LOCALITY}|{_WARD}|"
    rf"(?<![\w/])[0-9]+[A-Za-z]?(?:/[0-9]+[A-Za-z]?)*[ \u00a0]*,?[ \u00a0]*(?:{_STREET}|{_ALLEY})|"
    rf"(?i:số[ \u00a0]+nhà|nhà[ \u00a0]+số|so[ \u00a0]+nha)[ \u00a0]*[0-9]|"
    rf"{_APARTMENT}[ \u00a0]*,?[ \u00a0]*(?:{_STREET}|{_LOCALITY}|{_HOUSE}))"
)


# "123 Trần Hưng Đạo", "45/7 Nguyễn Trãi" after "tại", "ở", "địa chỉ": a house on a street.
_HOUSE_ON_STREET = _re(
    rf"(?<![\w/.,])[0-9]+[A-Za-z]?(?:/[0-9]+[A-Za-z]?)*[ \u00a0]+[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}}"
)
_HOUSE_CUE = _re(r"(?i:tại|ở|chỉ|nhà|số|sn|tai|o|dc|đc|thường trú|tạm trú|cư trú|sống)[ \u00a0]*:?[ \u00a0]*$")


# An address written in English: "12 Nguyen Trai street, Ben Thanh ward".
_EN_ADDRESS = _re(
    rf"(?<![\w/])[0-9]+[A-Za-z]?(?:/[0-9]+[A-Za-z]?)*[ \u00a0]+[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}}[ \u00a0]+"
    rf"(?i:street|st\.|road|rd\.|avenue|ave\.|lane|"
    rf"alley)(?:[ \u00a0]*,[ \u00a0]*[{_UP}]\w*(?:[ \u00a0]+[{_UP}]\w*){{0,3}}"
    rf"[ \u00a0]+(?i:ward|commune|hamlet|village|quarter))?"
)
# A place talked about, at the start of a sentence: "Hẻm 51 khu này bị ngập", "Khu phố 3 có nhiều ...".
_PLACE_ALONE = rf"(?:{_ALLEY}|{_LOCALITY})"
# ... or the hamlet of a public place: "Nhà văn hóa thôn Phú Xuân", "Trạm y tế xã", "trường thôn Đông".
_PUBLIC_PLACE_BEFORE = _re(
    r"(?i:nhà[ \u00a0]+văn[ \u00a0]+hó?a|nhà[ \u00a0]+văn[ \u00a0]+hoá|hội[ \u00a0]+trường|"
    r"trạm[ \u00a0]+y[ \u00a0]+tế|trường|chợ|đình|chùa|sân|ubnd|ủy[ \u00a0]+ban(?:[ \u00a0]+nhân[ \u00a0]+dân)?)"
    r"[ \u00a0]+$"
)


def _address_spans(text: str) -> list[tuple[int, int]]:
    spans = [
        m.span()
        for m in _HOUSE_ON_STREET.finditer(text)
        if _HOUSE_CUE.search(text[max(0, m.start() - 20) : m.start()])
        # "quầy số 3 Trung tâm Phục vụ hành chính công": a body's name, not a street
        and not _match(
            rf"[0-9A-Za-z/]+[ \u00a0]+(?:{_alternation(_BODY_WORDS, False)})(?!\w)", text[m.start() :].lower()
        )
    ]
    spans += [m.span() for m in _EN_ADDRESS.finditer(text)]
    for match in _ADDRESS.finditer(text):
        chunk = match.group()
        if _fullmatch(_PLACE_ALONE, chunk.rstrip(" ,-–")) and (
            not text[: match.start()].strip(" \"“'(-–") or _PUBLIC_PLACE_BEFORE.search(text[: match.start()])
        ):
            continue
        # A street alone ("thi công trên đường Lê Lợi") is a public place, and a bare number is not
        # an address: an address has a house number with its street, an alley, a hamlet or a ward.
        if not _FINE.search(chunk):
            continue
        # A ward or commune alone ("người dân xã Tam Hiệp") is a place; after "ở", "tại", "trú"
        # or "địa chỉ" it is where someone lives.
        if _fullmatch(_WARD, chunk.rstrip(" ,-–")) and not _HOUSE_CUE.search(
            text[max(0, match.start() - 20) : match.start()]
        ):
            continue
        # Lower-case component words must be the keywords themselves, not "số 5 điều" etc.: the
        # pattern is case-insensitive only for the keywords, so check the names are capitalised.
        start, end = match.span()
        stripped = text[start:end].rstrip(" ,-–")
        spans.append((start, start + len(stripped)))
    return spans


# --- contacts written to dodge filters -------------------------------------------------------------

_AT = (
    r"(?:[ \u00a0]*@[ \u00a0]*|[ \u00a0]*[\(\[\{<][ \u00a0]*(?:at|a[ \u00a0]?còng|a[ \u00a0]?cong|@|"
    r"a)[ \u00a0]*[\)\]\}>][ \u00a0]*|[ \u00a0]+(?:at|a[ \u00a0]?còng|a[ \u00a0]?cong|acong|a còng|tại|"
    r"tai)[ \u00a0]+)"
)
_DOT = (
    r"(?:[ \u00a0]*\.[ \u00a0]*|[ \u00a0]*[\(\[\{<][ \u00a0]*(?:dot|chấm|cham|\.)[ \u00a0]*[\)\]\}>][ \u00a0]*|"
    r"[ \u00a0]+(?:dot|chấm|cham)[ \u00a0]+)"
)
_TLD = (
    r"(?:com|vn|net|org|edu|gov|info|biz|io|co|me|asia|name|mobi|uk|us|jp|kr|cn|de|fr|au|sg|th|tw|hk|app|dev|online|"
    r"site|xyz|ru|in|ca|eu)"
)
_DISGUISED_EMAIL = _re(
    rf"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._+-]*(?:[ \u00a0]+(?:dot|chấm|"
    rf"cham)[ \u00a0]+[A-Za-z0-9][A-Za-z0-9._+-]*)*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}{_TLD}(?![A-Za-z0-"
    rf"9])",
    re.IGNORECASE,
)
# Numbers spelled out in words ("không chín không chín một hai ba ..."): eight digits or more.
_DIGIT_WORDS = (
    r"(?:không|một|mốt|hai|ba|bốn|tư|năm|lăm|sáu|bảy|bẩy|tám|chín|khong|mot|bon|sau|bay|tam|chin|"
    r"zero|one|two|three|four|five|six|seven|eight|nine)"
)
_SPELLED_NUMBER = _re(rf"(?<!\w)(?i:{_DIGIT_WORDS}(?:[ \u00a0,.\-]+{_DIGIT_WORDS}){{7,}})(?!\w)")
# Digits and digit words mixed ("098 bảy 654 321"), and the letter O typed for a zero ("09O3 123 456"):
# a run of such groups that starts like a phone number and holds 9 to 11 digits.
_MIXED_GROUP = rf"(?:(?=[Oo]*[0-9])[0-9Oo]+|(?i:{_DIGIT_WORDS}))"
_MIXED_NUMBER = _re(
    rf"(?<![\w+])(?:\+[ \u00a0]?84|0|[Oo](?=[0-9])|(?i:không|zero|"
    rf"khong))[0-9Oo]*(?:[ \u00a0.\-]+{_MIXED_GROUP}){{2,}}(?![\w])"
)


# An e-mail typed letter by letter: single characters (and the words for "@" and ".") with spaces.
_SPACED_EMAIL = _re(
    r"(?<![\w.@])(?:[A-Za-z0-9._+@-]|\((?:at|dot)\)|\[(?:at|dot)\]|(?i:a[ \u00a0]còng|chấm|cham|dot|at))"
    r"(?:[ \u00a0]{1,2}(?:[A-Za-z0-9._+@-]|\((?:at|dot)\)|\[(?:at|dot)\]|(?i:a[ \u00a0]còng|chấm|cham|dot|at))){5,}"
)


def _spaced_emails(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SPACED_EMAIL.finditer(text):
        value = m.group().rstrip(" .")
        joined = _re(r"(?i:\(at\)|\[at\]|a[ \u00a0]còng|(?<![a-z])at(?![a-z]))").sub("@", value)
        joined = _re(r"(?i:\(dot\)|\[dot\]|chấm|cham|(?<![a-z])dot(?![a-z]))").sub(".", joined)
        joined = _re(r"[ \u00a0]+").sub("", joined)
        if _fullmatch(rf"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.{_TLD}", joined.lower()):
            spans.append((m.start(), m.start() + len(value)))
    return spans


def _digit_count(value: str) -> int:
    """How many digits a mixed number holds: each digit, each "O" among digits, each digit word."""
    words = _re(rf"(?i:{_DIGIT_WORDS})(?!\w)")
    return sum(
        len(_re(r"[0-9Oo]").findall(part)) if _search(r"[0-9]", part) or not words.match(part) else 1
        for part in _split(r"[ \u00a0.\-]+", value.lstrip("+"))
        if part
    )


# Phone numbers spelled with wider gaps or letters between groups: "09 03 12 34 56", "0903-123-456".
_SPACED_PHONE = _re(r"(?<![0-9])(?:\+[ \u00a0]?8[ \u00a0]?4|0)(?:[ \u00a0.\-_/]{0,3}[0-9]){9,10}(?![0-9])")

_BANK_NAMES = (
    "vietcombank",
    "vcb",
    "vietinbank",
    "bidv",
    "agribank",
    "techcombank",
    "tcb",
    "mb bank",
    "mbbank",
    "mb",
    "acb",
    "vpbank",
    "sacombank",
    "tpbank",
    "shb",
    "hdbank",
    "vib",
    "ocb",
    "msb",
    "seabank",
    "eximbank",
    "lienvietpostbank",
    "lpbank",
    "scb",
    "abbank",
    "bac a bank",
    "baovietbank",
    "namabank",
    "nam a bank",
    "pvcombank",
    "kienlongbank",
    "vietbank",
    "ncb",
    "saigonbank",
    "dongabank",
    "oceanbank",
    "gpbank",
    "cbbank",
    "pgbank",
    "bvbank",
    "vikki",
    "cake",
    "timo",
    "momo",
    "zalopay",
    "ngân hàng",
)
_BANK_CONTEXT = _re(
    r"(?:stk|số[ \u00a0]+tài[ \u00a0]+khoản|so[ \u00a0]+tai[ \u00a0]+khoan|tài[ \u00a0]+khoản|tai[ \u00a0]+khoan|"
    r"tk|account|a/c|số[ \u00a0]+tk|" + "|".join(re.escape(b) for b in _BANK_NAMES) + r")"
    r"[^0-9\n]{0,40}$",
    re.IGNORECASE,
)
_BANK_NUMBER = _re(r"(?<![0-9])[0-9](?:[ \u00a0.\-]?[0-9]){5,18}(?![0-9])")
_ID_CONTEXT = _re(
    r"(?:cccd|cmnd|cmt|căn[ \u00a0]+cước|can[ \u00a0]+cuoc|chứng[ \u00a0]+minh|định[ \u00a0]+danh|"
    r"mã[ \u00a0]+số[ \u00a0]+thuế|"
    r"mst|hộ[ \u00a0]+chiếu|ho[ \u00a0]+chieu|passport|bhxh|bảo[ \u00a0]+hiểm[ \u00a0]+xã[ \u00a0]+hội|"
    r"giấy[ \u00a0]+phép[ \u00a0]+lái[ \u00a0]+xe|gplx|mã[ \u00a0]+số[ \u00a0]+bhxh)[^0-9\n]{0,25}$",
    re.IGNORECASE,
)
_ID_NUMBER = _re(r"(?<![0-9])[0-9](?:[ \u00a0.\-]?[0-9]){7,14}(?![0-9])")
_PASSPORT = _re(r"(?<![\w/-])[A-Z][0-9]{7,8}(?![\w/-])")
# A passport number written with a space after its letter, after the word: "hộ chiếu C 1234567".
_PASSPORT_SPACED = _re(
    r"(?i:hộ[ \u00a0]+chiếu|ho[ \u00a0]+chieu|"
    r"passport)[^0-9\n]{0,12}?(?-i:(?<![\w])([A-Z][ \u00a0.\-][0-9]{7,8}))(?![\w])"
)
_PLATE = _re(
    r"(?<![\w/.-])[0-9]{2}[ \u00a0]?-?[ \u00a0]?[A-Z]{1,2}[0-9]?[ \u00a0]?-?[ \u00a0]?[0-9]{3}[.\u00a0 ]?[0-9]{1,2}(?"
    r"![\w/-])"
    r"|(?<![\w/.-])[0-9]{2}[A-Z]{1,2}[0-9]?-[0-9]{4,5}(?![\w/-])"
)
_PLATE_CONTEXT = _re(r"(?:biển|bien|bks|bsx|xe|plate|số xe)", re.IGNORECASE)
_DATE = (
    r"(?:[0-3]?[0-9][ \u00a0]*[/.\-][ \u00a0]*[01]?[0-9][ \u00a0]*[/.\-][ \u00a0]*(?:19|20)[0-9]{2}|"
    r"(?:ngày[ \u00a0]+)?[0-3]?[0-9][ \u00a0]+tháng[ \u00a0]+[01]?[0-9][ \u00a0]+năm[ \u00a0]+(?:19|20)[0-9]{2}|"
    r"(?:19|20)[0-9]{2})"
)
_DOB = _re(
    rf"(?:sinh[ \u00a0]+ngày|ngày[ \u00a0]+sinh|ngày,?[ \u00a0]+tháng,?[ \u00a0]+năm[ \u00a0]+sinh|năm[ \u00a0]+sinh|"
    rf"sinh[ \u00a0]+năm|"
    rf"sinh[ \u00a0]+vào[ \u00a0]+ngày|sinh[ \u00a0]+ra[ \u00a0]+ngày|sn|ns|dob|date[ \u00a0]+of[ \u00a0]+birth|"
    rf"born(?:[ \u00a0]+on)?|"
    rf"sinh[ \u00a0]+ngay|ngay[ \u00a0]+sinh|nam[ \u00a0]+sinh|sinh[ \u00a0]+nam|sinh)"
    rf"[ \u00a0]*[:.]?[ \u00a0]*({_DATE})",
    re.IGNORECASE,
)
# "Ngày sinh của người đại diện: 25/12/1985": the keyword, a few words about whose it is, the date.
_DOB_FAR = _re(
    rf"(?:ngày[ \u00a0]+sinh|năm[ \u00a0]+sinh|ngày[ \u00a0]+tháng[ \u00a0]+năm[ \u00a0]+sinh|ngay[ \u00a0]+sinh|"
    rf"nam[ \u00a0]+sinh|"
    rf"date[ \u00a0]+of[ \u00a0]+birth|dob)(?:[^0-9.;!?\n]{{1,40}})({_DATE})",
    re.IGNORECASE,
)


# Numbers of documents and goods, not of people: a certificate, a customs declaration, a waybill,
# an invoice, a meter's serial number. The nearest keyword before a number says what it is.
_DOCUMENT_CONTEXT = _re(
    r"(?i:giấy[ \u00a0]+chứng[ \u00a0]+nhận|gcn|chứng[ \u00a0]+chỉ|đăng[ \u00a0]+ký[ \u00a0]+doanh[ \u00a0]+nghiệp|"
    r"đăng[ \u00a0]+ký[ \u00a0]+kinh[ \u00a0]+doanh|mã[ \u00a0]+số[ \u00a0]+doanh[ \u00a0]+nghiệp|tờ[ \u00a0]+khai|"
    r"vận[ \u00a0]+đơn|mã[ \u00a0]+đơn|đơn[ \u00a0]+hàng|hóa[ \u00a0]+đơn|hoá[ \u00a0]+đơn|hợp[ \u00a0]+đồng|"
    r"seri|serial|số[ \u00a0]+hiệu|số[ \u00a0]+máy|số[ \u00a0]+khung|lô[ \u00a0]+hàng|biên[ \u00a0]+bản|"
    r"mã[ \u00a0]+hồ[ \u00a0]+sơ|số[ \u00a0]+hồ[ \u00a0]+sơ|mã[ \u00a0]+vạch|mã[ \u00a0]+sản[ \u00a0]+phẩm|"
    r"giấy[ \u00a0]+phép(?![ \u00a0]+lái)|quyết[ \u00a0]+định|công[ \u00a0]+văn|văn[ \u00a0]+bản)"
)
_ENTERPRISE = _re(
    r"(?i:công[ \u00a0]+ty|cty|doanh[ \u00a0]+nghiệp|tập[ \u00a0]+đoàn|hợp[ \u00a0]+tác[ \u00a0]+xã|htx|"
    r"chi[ \u00a0]+nhánh|tnhh|cổ[ \u00a0]+phần|jsc)(?!\w)"
)
_PERSONAL_TAX = _re(
    r"(?i:hộ[ \u00a0]+kinh[ \u00a0]+doanh|hkd|cá[ \u00a0]+nhân|thu[ \u00a0]+nhập|của[ \u00a0]+(?:tôi|ông|bà|anh|chị|"
    r"em))"
)


_PHONE_WORDS = _re(
    r"(?i:sđt|sdt|đt|dt|điện[ \u00a0]+thoại|dien[ \u00a0]+thoai|di[ \u00a0]+động|zalo|gọi|goi|"
    r"hotline|phone|tel|mobile|số[ \u00a0]+máy|liên[ \u00a0]+hệ|lien[ \u00a0]+he|nhắn|viber|fax)"
)


def _public_number(text: str, start: int, end: int, before: str) -> bool:
    """Whether a number is a document's or an enterprise's, not a person's: glued to letters
    ("EB123456789VN"), after a document's keyword nearer than any ID keyword, or an enterprise's tax
    code (published in the national business registry; a household business's is its owner's)."""
    if text[end : end + 1].isalpha() or (start and text[start - 1].isalpha() and text[start - 1].isascii()):
        return True
    doc = list(_DOCUMENT_CONTEXT.finditer(before))
    ids = list(_re(_ID_CONTEXT.pattern.replace("[^0-9\\n]{0,25}$", ""), re.IGNORECASE).finditer(before))
    if doc and (not ids or doc[-1].start() > ids[-1].start()):
        return True
    if ids and _search(r"(?i:mã[ \u00a0]+số[ \u00a0]+thuế|mst)", ids[-1].group()):
        clause = text[max(0, start - 120) : start]
        clause = clause[max((m.end() for m in _finditer(r"[.;!?\n]", clause)), default=0) :]
        owner = _match(r"[ \u00a0]*(?i:của|thuộc)[ \u00a0]+", text[end : end + 12])  # "0301234567 của Công ty ..."
        if owner and _ENTERPRISE.match(text, end + owner.end()):
            return True
        return bool(_ENTERPRISE.search(clause)) and not _PERSONAL_TAX.search(clause)
    return False


def _contact_findings(text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(start: int, end: int, kind: str) -> None:
        found.append(Finding(start, end, kind, text[start:end]))

    for pattern in (_EMAIL, _DISGUISED_EMAIL):
        for m in pattern.finditer(text):
            add(*m.span(), "email")
    for span in _spaced_emails(text):
        add(*span, "email")
    emails = [(f.start, f.end) for f in found]
    for m in _SPELLED_NUMBER.finditer(text):
        add(*m.span(), "phone")
    for m in _MIXED_NUMBER.finditer(text):
        value = m.group()
        plain = _fullmatch(r"[0-9+ \u00a0.\-]+", value)  # plain digits: the usual phone rules judge
        if not plain and 9 <= _digit_count(value) <= 11 and not _AMOUNT_UNIT.match(text, m.end()):
            add(*m.span(), "phone")
    for m in _PASSPORT_SPACED.finditer(text):
        add(*m.span(1), "id")
    for pattern in (_DOB, _DOB_FAR):
        for m in pattern.finditer(text):
            start = m.start(1)
            day = _search(r"(?i:ngày|ngay)[ \u00a0]+$", text[max(0, start - 8) : start])
            if day and _search(r"(?i:tháng|thang)", m.group(1)):
                start -= len(day.group())  # "ngày 5 tháng 7 năm 1959" is the date, in words
            add(start, m.end(1), "dob")
    for m in _PASSPORT.finditer(text):
        add(*m.span(), "id")
    for m in _PLATE.finditer(text):
        if not _overlaps(m.span(), emails):
            add(*m.span(), "plate")
    taken = [(f.start, f.end) for f in found]
    numbers: list[tuple[int, int, str]] = []
    for pattern, kind in ((_PHONE, "phone"), (_SPACED_PHONE, "phone"), (_IDENTIFIER, "id"), (_GROUPED_ID, "id")):
        for m in pattern.finditer(text):
            if _AMOUNT_UNIT.match(text, m.end()) or _overlaps(m.span(), taken):
                continue
            numbers.append((m.start(), m.end(), kind))
    for pattern in (_BANK_NUMBER, _ID_NUMBER):
        for m in pattern.finditer(text):
            if _AMOUNT_UNIT.match(text, m.end()) or _overlaps(m.span(), taken):
                continue
            before = text[max(0, m.start() - 60) : m.start()]
            if pattern is _BANK_NUMBER and _BANK_CONTEXT.search(before):
                numbers.append((m.start(), m.end(), "bank"))
            elif pattern is _ID_NUMBER and _ID_CONTEXT.search(before):
                numbers.append((m.start(), m.end(), "id"))
    for start, end, kind in numbers:
        before = text[max(0, start - 60) : start]
        # The words before a number say what it is: "STK 0071000123456" is an account, "CCCD
        # 0912..." an ID, whatever the digits look like.
        if kind != "bank" and _BANK_CONTEXT.search(before) and not _ID_CONTEXT.search(before[-25:]):
            kind = "bank"
        elif kind == "phone" and _ID_CONTEXT.search(before):
            kind = "id"
        if kind == "id" and _public_number(text, start, end, before):
            continue
        # "mã số doanh nghiệp 0401234567": a registration number that looks like a phone, with no
        # word of telephoning nearer to it.
        if kind == "phone" and not _PHONE_WORDS.search(before[-30:]) and _public_number(text, start, end, before[-30:]):
            continue
        add(start, end, kind)
    return found


def _phrase_pattern(tokens: list[str]) -> str:
    """A pattern for folded tokens in a row, not cut out of a longer word at either end."""
    body = r"\s+".join(re.escape(t) for t in tokens)
    before = r"(?<!\w)" if _match(r"\w", tokens[0]) else ""
    after = r"(?!\w)" if _search(r"\w$", tokens[-1]) else ""
    return before + body + after


def _known_findings(text: str, names: Sequence[str], phrases: Sequence[str]) -> list[Finding]:
    """The submitter's own name (and its partial forms) and other known phrases (address, organisation)."""
    folded = _fold(text)
    found = []
    for name in names:
        tokens = _fold(unicodedata.normalize("NFC", name)).split()
        forms = set()
        if len(tokens) >= 2:
            forms.add(" ".join(tokens))
            forms.add(" ".join(tokens[-2:]) if len(tokens) >= 3 else "")  # "Bích Ngọc"
            forms.add(f"{tokens[-1]} {tokens[0]}")  # "Ngoc Tran"
            forms.add(" ".join(tokens[1:] + tokens[:1]))  # "Van Binh Tran"
        for form in filter(None, forms):
            body = r"\s+".join(re.escape(t) for t in form.split())
            for m in _finditer(rf"(?<!\w){body}(?!\w)", folded):
                found.append(Finding(m.start(), m.end(), "name", text[m.start() : m.end()]))
    for phrase in phrases:
        parts = [unicodedata.normalize("NFC", phrase)]
        # An address is also found by its parts: "12 Lê Lợi" of "12 Lê Lợi, phường Bến Thành, ...".
        parts += [p for p in _split(r"[,;]", parts[0]) if _search(r"[0-9]", p) or len(p.split()) >= 3]
        for part in parts:
            tokens = _fold(part).split()
            if sum(len(t) for t in tokens) < 4:
                continue
            for m in _finditer(_phrase_pattern(tokens), folded):
                found.append(Finding(m.start(), m.end(), "address", text[m.start() : m.end()]))
    return found


def _known_numbers(text: str, numbers: Sequence[tuple[str, str]]) -> list[Finding]:
    """The submitter's own numbers ((value, kind): a phone, a tax code), whatever a rule thinks of the
    words around them, written with any separators and with or without the leading 0 or +84."""
    found = []
    for value, kind in numbers:
        digits = "".join(ch for ch in value or "" if ch.isdigit()).lstrip("0")
        if len(digits) < 8:
            continue
        body = r"[ \u00a0.\-]?".join(digits)
        pattern = rf"(?<![0-9])(?:\+?[ \u00a0]?84[ \u00a0.\-]?(?:\(0\)[ \u00a0]?)?|0[ \u00a0.\-]?)?{body}(?![0-9])"
        for m in _finditer(pattern, text):
            found.append(Finding(m.start(), m.end(), kind, m.group()))
    return found


def _merge(findings: Iterable[Finding], text: str) -> list[Finding]:
    """Findings sorted, overlapping ones joined (the kind of the longer one wins)."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            end = max(last.end, f.end)
            kind = last.kind if (last.end - last.start) >= (f.end - f.start) else f.kind
            merged[-1] = Finding(last.start, end, kind, text[last.start : end])
        else:
            merged.append(f)
    return merged


def detect(
    text: str,
    names: Sequence[str] = (),
    phrases: Sequence[str] = (),
    organisations: Sequence[str] = (),
    numbers: Sequence[tuple[str, str]] = (),
) -> list[Finding]:
    """Every piece of personal data found in the (NFC) text, in order, overlapping finds joined.

    `names` are people known to be named (the submitter), `phrases` other known personal phrases
    (their address), `organisations` names that must not appear (the organisation of a submitter
    who did not consent to publication).
    """
    text = unicodedata.normalize("NFC", text)
    if not text:
        return []
    found: list[Finding] = []
    # Every rule looks at a clause or a sentence at most, so a long text is read piece by piece
    # (lines, then sentences): the cost grows with the length, not with its square.
    for start, end in _pieces(text):
        piece = text[start:end]
        for f in _detect_piece(piece, names, phrases, organisations):
            found.append(Finding(f.start + start, f.end + start, f.kind, f.text))
    found += _known_numbers(text, numbers)
    return _merge(found, text)


_SENTENCE_END = _re(rf"(?<=[.!?…])[ \u00a0]+(?=[\"“(]?[{_UP}])")
_ABBREVIATIONS = {
    *(f"{title}." for title in _SHORT_TITLES),
    "tp.",
    "p.",
    "q.",
    "x.",
    "tt.",
    "tx.",
    "st.",
    "no.",
    "pgs.ts.",
    "a.",
    "c.",
    "ô.",
    "b.",
}


def _pieces(text: str, limit: int = 400) -> list[tuple[int, int]]:
    """(start, end) of the lines of the text, long lines cut at sentence ends (not after "Mr.", "TP.")."""
    pieces = []
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        if end - start <= limit:
            pieces.append((start, end))
            continue
        cut = start
        for match in _SENTENCE_END.finditer(text, start, end):
            word = text[max(start, match.start() - 8) : match.start()].split()[-1:] or [""]
            if word[0].lower() in _ABBREVIATIONS or match.start() - cut < 40:
                continue
            pieces.append((cut, match.start()))
            cut = match.end()
        pieces.append((cut, end))
    return pieces


# "Địa chỉ của Sở ... là ...", "đường dây nóng của Sở: ...": a public body's own contact details.
_PUBLIC_CONTACT = _re(
    r"(?i:địa[ \u00a0]+chỉ|trụ[ \u00a0]+sở|đường[ \u00a0]+dây[ \u00a0]+nóng|hotline|tổng[ \u00a0]+đài|"
    r"điện[ \u00a0]+thoại|e-?mail|hộp[ \u00a0]+thư|thư[ \u00a0]+điện[ \u00a0]+tử|fax)"
    r"(?:[ \u00a0]+[^\W\d_]+){0,3}?[ \u00a0]+(?i:của|tại)[ \u00a0]+"
    r"(?:Sở|UBND|Ủy ban|Uỷ ban|Trung tâm|Chi cục|Cục|Bộ|Văn phòng|Thanh tra|Ban|Bộ phận một cửa|Phòng)(?!\w)"
    r"[^;.!?\n]{0,60}$"
)
_PERSON_IN_CLAUSE = _re(r"(?<!\w)(?i:ông|bà|anh|chị|em|cán bộ|chuyên viên|nhân viên|cô|chú)[ \u00a0]+[^\W\d_]")
# Role mailboxes of organisations: "info@", "contact@", "hotro@" are no one's personal address.
_ROLE_MAILBOX = _re(
    r"(?i:info|contact|hotro|ho\.tro|support|sales|cskh|office|tiepnhan|"
    r"noreply|no-reply|webmaster|hello)@"
)


def _public_contact(text: str, finding: Finding) -> bool:
    if finding.kind == "email" and _ROLE_MAILBOX.match(finding.text):
        return True
    if finding.kind not in ("address", "phone", "email"):
        return False
    before = text[max(0, finding.start - 160) : finding.start]
    match = _PUBLIC_CONTACT.search(before)
    return match is not None and not _PERSON_IN_CLAUSE.search(before[match.start() :])


def _detect_piece(
    text: str, names: Sequence[str], phrases: Sequence[str], organisations: Sequence[str]
) -> list[Finding]:
    findings = [f for f in _contact_findings(text) if not _public_contact(text, f)]
    numbers = [(f.start, f.end) for f in findings]
    tokens = _tokens(text)
    protected = _protected_spans(text)
    bodies = _body_spans(text, tokens)
    for start, end in _address_spans(text):
        if not _inside((start, end), protected) and not _public_contact(
            text, Finding(start, end, "address", text[start:end])
        ):
            findings.append(Finding(start, end, "address", text[start:end]))
    addresses = [(f.start, f.end) for f in findings if f.kind == "address"]
    # The name of a ward or commune is a place, whether or not it is part of an address.
    addresses += [m.span() for m in _finditer(_WARD, text)]
    addresses += [m.span() for m in _finditer(_PLACE_ALONE, text)]  # "Ngõ Văn Chương", "thôn Đông Anh"
    for start, end in _name_findings(text, tokens, protected + bodies):
        if _overlaps((start, end), numbers) or _inside((start, end), addresses):
            continue
        if _official_context(text, start, bodies):
            continue
        findings.append(Finding(start, end, "name", text[start:end]))
    findings += _known_findings(text, names, phrases)
    folded = _fold(text)
    for org in organisations:
        tokens_ = _fold(unicodedata.normalize("NFC", org)).split()
        if sum(len(t) for t in tokens_) < 2:
            continue
        for m in _finditer(_phrase_pattern(tokens_), folded):
            findings.append(Finding(m.start(), m.end(), "organisation", text[m.start() : m.end()]))
    return _merge(findings, text)


def mask(text: str, findings: Sequence[Finding], keep: Iterable[str] = (), token: str = "***") -> str:
    """The NFC text with each finding replaced by `token`, except those whose folded text is kept."""
    text = unicodedata.normalize("NFC", text)
    kept = {fold_key(k) for k in keep}
    parts, position = [], 0
    for f in findings:
        if fold_key(f.text) in kept:
            continue
        parts.append(text[position : f.start])
        parts.append(token)
        position = f.end
    parts.append(text[position:])
    return "".join(parts)
