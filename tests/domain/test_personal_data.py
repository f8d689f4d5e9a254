"""The personal-data detector (feedback.domain.personal_data) on the labelled corpus and on hard cases."""

import importlib.util
from pathlib import Path

import pytest

from feedback.domain.personal_data import detect, mask

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("redaction_quality", ROOT / "bench" / "redaction_quality.py")
quality = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quality)


def test_corpus_is_large_and_labelled() -> None:
    rows = quality.load()
    assert len(rows) >= 300
    kinds = {span["kind"] for row in rows for span in row["spans"]}
    assert kinds >= {"name", "phone", "email", "id", "address", "bank", "plate", "dob"}
    assert sum(1 for row in rows if not row["spans"]) >= 50  # negatives: bodies, officials, laws, places
    for row in rows:
        for span in row["spans"]:
            value = row["text"][span["start"] : span["end"]]
            assert value == value.strip() and value, row


def test_corpus_meets_the_goals() -> None:
    result = quality.evaluate(quality.load())
    for kind, goal in quality.GOALS["recall"].items():
        s = result["stats"][kind]
        assert s["found"] / s["gold"] >= goal, (kind, [m for m in result["misses"] if m[0] == kind])
    for kind, s in result["stats"].items():
        assert s["right"] / s["pred"] >= quality.GOALS["precision"], (kind, result["false_positives"])


def test_held_out_sentences_meet_the_recall_goals() -> None:
    result = quality.evaluate(quality.load(quality.HOLDOUT))
    for kind, goal in quality.GOALS["recall"].items():
        s = result["stats"][kind]
        assert s["found"] / s["gold"] >= goal, (kind, result["misses"])
    assert result["precision"] >= quality.GOALS["precision"]


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("Liên hệ anh Trần Văn Bình, điện thoại 0903 123 456 …", ["Trần", "Bình", "0903", "123 456"]),
        ("Chị Bích Ngọc bên kế toán", ["Bích", "Ngọc"]),
        ("Contact Ngoc Tran: ngoc.tran (at) congtyabc.vn", ["Ngoc", "Tran", "congtyabc"]),
        ("thư hoa.le a còng gmail chấm com", ["hoa.le", "gmail"]),
        ("nhà ở 12/3 hẻm 45 Nguyễn Trãi, phường 2", ["12/3", "Trãi"]),
        ("STK 0071 0009 87654 Vietcombank", ["0071", "87654"]),
        ("xe 51F-123.45", ["51F"]),
        ("sinh ngày 14/07/1979", ["1979"]),
        ("hộ chiếu B1234567", ["B1234567"]),
    ],
)
def test_what_the_issue_found_is_masked(text: str, leaked: list[str]) -> None:
    masked = mask(text, detect(text))
    for value in leaked:
        assert value not in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "Giám đốc Sở Khoa học và Công nghệ Nguyễn Văn Hùng đã ký Quyết định 123/QĐ-SKHCN.",
        "Theo Nghị định 356/2025/NĐ-CP và Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15.",
        "UBND tỉnh Thái Bình, Sở Công Thương và Chi cục Tiêu chuẩn Đo lường Chất lượng phối hợp.",
        "Doanh nghiệp ở TP. Hồ Chí Minh, quận Ba Đình và huyện Đan Phượng.",
        "Lệ phí 1.500.000 đồng theo Thông tư 263/2016/TT-BTC, hạn 20 ngày.",
    ],
)
def test_public_bodies_officials_laws_and_places_stay(text: str) -> None:
    assert detect(text) == []


def test_an_official_without_a_public_title_is_a_person() -> None:
    text = "Cán bộ Lê Thị Hồng ở bộ phận một cửa gây khó dễ; Giám đốc Công ty Minh Phát Đỗ Văn Khải cũng biết."
    kinds = [(f.kind, f.text) for f in detect(text)]
    assert ("name", "Lê Thị Hồng") in kinds and ("name", "Đỗ Văn Khải") in kinds


def test_known_submitter_forms_and_kept_spans() -> None:
    text = "Chị Ngọc (Tran Bich Ngoc, Bích Ngọc) ở 12 Lê Lợi."
    findings = detect(text, names=["Trần Thị Bích Ngọc"], phrases=["12 Lê Lợi, phường Bến Thành"])
    masked = mask(text, findings)
    assert "Ngọc" not in masked and "Lê Lợi" not in masked
    assert mask("Ông Hải Đăng ký", detect("Ông Hải Đăng ký"), keep=["hai dang"]) == "Ông Hải Đăng ký"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Giám đốc Sở KH&CN Nguyễn Văn Hùng và cán bộ Sở Trần Thị Lan.", ["Trần Thị Lan"]),
        ("Bà Nguyễn Thị Xoan và ông Lê Văn Tèo cùng bán hàng.", ["Nguyễn Thị Xoan", "Lê Văn Tèo"]),
        ("tôi là nguyen van hung, còn vợ là trần thị mai.", ["nguyen van hung", "trần thị mai"]),
        ("Ông Bùi Đức và bà Lý Thu Trang cùng là thành viên góp vốn.", ["Bùi Đức", "Lý Thu Trang"]),
        ("Trưởng phòng kế toán của công ty là bà Lê Thị Lan.", ["Lê Thị Lan"]),
        ("Trường Lê Quý Đôn và Bệnh viện Nguyễn Tri Phương; Thứ trưởng Bộ KH&CN Bùi Thế Duy.", []),
        ("Trưởng phòng Quản lý Công nghệ Nguyễn Thanh Hải đã tiếp doanh nghiệp.", []),
    ],
)
def test_who_is_a_person_and_who_acts_in_office(text: str, names: list[str]) -> None:
    assert [f.text for f in detect(text) if f.kind == "name"] == names


def test_numbers_spelled_in_words_and_dotted_local_parts() -> None:
    text = "Em là Phương, SĐT không chín không chín một hai ba bốn năm sáu, mail khoa dot tran at abc dot vn."
    masked = mask(text, detect(text))
    assert masked == "Em là ***, SĐT ***, mail ***."
    assert detect("Năm 2026 có hai ba lần kiểm tra.") == []


def test_an_enterprise_tax_code_stays_but_the_submitters_own_is_masked_wherever_it_stands() -> None:
    text = "Công ty TNHH Thương mại Hưng Thịnh, mã số thuế 0312 345 678, gọi lại số +84 (0) 912 345 678."
    plain = mask(text, detect(text))
    assert "0312 345 678" in plain and "912 345 678" not in plain  # a company's code is public, a phone is not
    own = mask(text, detect(text, numbers=[("0312345678", "id"), ("0912345678", "phone")]))
    assert own == "Công ty TNHH Thương mại Hưng Thịnh, mã số thuế ***, gọi lại số ***."
    household = "Hộ kinh doanh của bà Lương Thị Nhàn, mã số thuế 3901234567, bán cân sai."
    assert mask(household, detect(household)) == "Hộ kinh doanh của bà ***, mã số thuế ***, bán cân sai."
