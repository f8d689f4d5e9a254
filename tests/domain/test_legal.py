"""Legal citations one way per language (no app, no clock)."""

import pytest

from feedback.domain.legal import citation


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Thông tư 02/2017/TT-VPCP", "Circular 02/2017/TT-VPCP"),
        (
            "Nghị định 20/2008/NĐ-CP, Điều 9; Nghị định 92/2017/NĐ-CP",
            "Decree 20/2008/ND-CP, Article 9; Decree 92/2017/ND-CP",
        ),
        ("Luật 148/2025/QH15", "Law 148/2025/QH15"),
        ("Nghị quyết 02/2023/NQ-HĐND", "Resolution 02/2023/NQ-HDND"),
        ("quy chế nội bộ của Sở", "the Department's internal rules"),
        (
            "20 calendar days from receipt on 03/12/2026 per Thông tư 02/2017/TT-VPCP",
            "20 calendar days from receipt on 03/12/2026 per Circular 02/2017/TT-VPCP",
        ),
    ],
)
def test_english_citations(text, english):
    assert citation(text, "en") == english


def test_vietnamese_is_left_as_typed():
    text = "Nghị định 20/2008/NĐ-CP, Điều 9"
    assert citation(text, "vi") == text
    assert citation("", "en") == ""


def test_words_inside_other_words_are_not_translated():
    # "Điều" only as a word: "Điều phối" (coordination) is not an article
    assert citation("Điềuphối", "en") == "Điềuphối"
