"""Masking personal data before publication (feedback.domain.redaction)."""

import unicodedata

import pytest

from feedback.domain.redaction import find_personal_data, redact, strip_accents

M = "***"


# --- strip_accents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn An", "Nguyen Van An"),
        ("Đặng Thị Hồng Nhung", "Dang Thi Hong Nhung"),
        ("đường Trần Hưng Đạo", "duong Tran Hung Dao"),
        ("ĐỖ ĐỨC ƯỚC", "DO DUC UOC"),
        ("Sở Khoa học và Công nghệ", "So Khoa hoc va Cong nghe"),
        ("Phản ánh, kiến nghị", "Phan anh, kien nghi"),
        ("ăn ắn ằn ẳn ẵn ặn", "an an an an an an"),
        ("ơ ớ ờ ở ỡ ợ ư ứ ừ ử ữ ự", "o o o o o o u u u u u u"),
        ("plain ASCII 123", "plain ASCII 123"),
        ("", ""),
    ],
)
def test_strip_accents(text: str, expected: str) -> None:
    assert strip_accents(text) == expected


def test_strip_accents_accepts_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert decomposed != "Nguyễn Văn An"
    assert strip_accents(decomposed) == "Nguyen Van An"


# --- emails --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nguyen.van.an@gmail.com", M),
        ("Email: an.nguyen+pakn@congty-abc.com.vn.", f"Email: {M}."),
        ("Liên hệ qua email:hoang_lan@yahoo.com để được trả lời", f"Liên hệ qua email:{M} để được trả lời"),
        ("Gửi tới (ketoan@abc.vn), cảm ơn", f"Gửi tới ({M}), cảm ơn"),
        ("thư gửi an@x.vnđể tiện liên hệ", f"thư gửi {M}để tiện liên hệ"),  # no space typed after it
        ("Email <LAN.TRAN@SOKHCN.GOV.VN>", f"Email <{M}>"),
        ("hai địa chỉ a@b.com; c@d.org", f"hai địa chỉ {M}; {M}"),
    ],
)
def test_emails_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


# --- phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "091 234 5678",
        "0387 654 321",
        "0868123456",
        "0702 123 456",
        "0562123456",
        "+84912345678",
        "+84 912 345 678",
        "+84-912-345-678",
        "+84 (0) 912 345 678",
        "+84 0912 345 678",
        "(+84) 912 345 678",
        "84912345678",
        "0084 912 345 678",
        "(028) 3823 4567",
        "028 3823 4567",
        "028.3823.4567",
        "02838234567",
        "0243 823 4567",
        "+84 28 3823 4567",
        "+84-28-3823-4567",
        "+84 (28) 3823 4567",
        "(0272) 382 6789",
        "04 3823 4567",  # Hà Nội landline before the 2017 renumbering
        "0168 123 4567",  # 11-digit mobile before 2018
    ],
)
def test_phone_formats_are_masked(phone: str) -> None:
    assert redact(phone) == M
    assert redact(f"Điện thoại: {phone}.") == f"Điện thoại: {M}."
    assert redact(f"SĐT {phone}, gọi giờ hành chính") == f"SĐT {M}, gọi giờ hành chính"
    assert find_personal_data(f"Số của tôi là {phone} nhé") == [phone]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ĐT: 0912345678/0987654321", f"ĐT: {M}/{M}"),
        ("ĐT: 0912345678 - 0987654321", f"ĐT: {M} - {M}"),
        ("ĐT: 0912345678-0987654321", f"ĐT: {M}-{M}"),
        ("ĐT: 0912345678 0987654321", f"ĐT: {M} {M}"),
        ("Tel:0912345678", f"Tel:{M}"),
        ("SĐT.0912345678", f"SĐT.{M}"),
        ("gọi số 0912345678 hoặc 0913 456 789 vào buổi sáng", f"gọi số {M} hoặc {M} vào buổi sáng"),
    ],
)
def test_phone_lists_and_punctuation(text: str, expected: str) -> None:
    assert redact(text) == expected


# --- tax codes and ID numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MST: 0101243150", f"MST: {M}"),
        ("mã số thuế 0101243150-001 của chi nhánh", f"mã số thuế {M} của chi nhánh"),
        ("MST 0101243150 - 001", f"MST {M}"),
        ("MST 0101243150001.", f"MST {M}."),
        ("CMND số 123456789 cấp ngày 12/03/2010", f"CMND số {M} cấp ngày 12/03/2010"),
        ("CCCD: 001203012345", f"CCCD: {M}"),
        ("CCCD 001 203 012 345 do Cục Cảnh sát cấp", f"CCCD {M} do Cục Cảnh sát cấp"),
        ("CCCD 0012 0301 2345", f"CCCD {M}"),
        ("số tài khoản 19034567890123 tại Techcombank", f"số tài khoản {M} tại Techcombank"),
        ("(MST:0300588569)", f"(MST:{M})"),
    ],
)
def test_tax_codes_and_id_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


# --- what must stay --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Năm 2026 doanh nghiệp đề xuất",
        "ngày 12/03/2026",
        "ngày 12-03-2026 và 2026-03-12",
        "từ 01.01.2025-31.12.2025",
        "lúc 08:30 ngày 01/01/2026",
        "số tiền 1.500.000 đồng",
        "phí 15.000.000.000 đồng (mười lăm tỷ)",
        "thu 123456789 đồng",
        "thu 123456789đ",
        "vốn 10 000 000 000 đồng",
        "vốn 84.500.000.000 đồng",
        "doanh thu 2.500.000.000 VNĐ",
        "1,5 triệu",
        "tăng 12,5%",
        "Nghị định 20/2008/NĐ-CP",
        "Thông tư 02/2017/TT-VPCP",
        "Quyết định 31/2021/QĐ-TTg",
        "Quyết định số 1234567890/QĐ-UBND ngày 05/06/2024",
        "Luật 91/2025/QH15",
        "ISO 9001:2015",
        "TCVN 5699-1:2010",
        "mã hồ sơ PAKN-2026-000042",
        "Điều 7, khoản 2",
        "tổng đài 1900 1234",
        "tỷ lệ 0,912345678",
        "giá 0.912345678",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == text
    assert find_personal_data(text) == []


# --- names and organisations ---------------------------------------------------------------------------


NAME = "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tôi là Nguyễn Văn An, giám đốc.", f"Tôi là {M}, giám đốc."),
        ("NGUYỄN VĂN AN", M),
        ("nguyễn văn an", M),
        ("Nguyen Van An", M),
        ("NGUYEN VAN AN", M),
        ("Nguyễn  Văn\nAn ký tên", f"{M} ký tên"),
        ("Người nộp: Nguyễn Văn An; Nguyễn Văn An", f"Người nộp: {M}; {M}"),
        # The nice-to-have forms of address: only the given name goes.
        ("Ông An đã gửi hồ sơ", f"Ông {M} đã gửi hồ sơ"),
        ("kính gửi anh An.", f"kính gửi anh {M}."),
        ("ong An gui ho so", f"ong {M} gui ho so"),
        # Longer names that merely start the same way are other people.
        ("Nguyễn Văn Anh", "Nguyễn Văn Anh"),
        ("Nguyễn Văn Ân", M),  # accent-insensitive by design
        # Ordinary words that fold to the given name are not names.
        ("Doanh nghiệp an tâm sản xuất", "Doanh nghiệp an tâm sản xuất"),
        ("để bà an tâm", "để bà an tâm"),
        ("ông ăn cơm", "ông ăn cơm"),
        ("An toàn lao động", "An toàn lao động"),
    ],
)
def test_person_names(text: str, expected: str) -> None:
    assert redact(text, names=[NAME]) == expected


def test_name_given_without_accents_matches_text_with_accents() -> None:
    assert redact("Kính gửi bà Trần Thị Lan", names=["tran thi lan"]) == f"Kính gửi bà {M}"


def test_name_with_accented_given_name_and_title() -> None:
    text = "Anh Đức (Lê Minh Đức) và anh Duc, ANH ĐỨC, còn đức tính thì giữ lại"
    expected = f"Anh {M} ({M}) và anh {M}, ANH {M}, còn đức tính thì giữ lại"
    assert redact(text, names=["Lê Minh Đức"]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Công ty TNHH ABC Việt Nam kiến nghị", f"{M} kiến nghị"),
        ("CÔNG TY TNHH ABC VIỆT NAM", M),
        ("cong ty tnhh abc viet nam", M),
        ("Công ty TNHH ABCD Việt Nam", "Công ty TNHH ABCD Việt Nam"),  # whole words only
    ],
)
def test_organisation_names(text: str, expected: str) -> None:
    assert redact(text, organisations=["Công ty TNHH ABC Việt Nam"]) == expected


def test_organisation_name_with_punctuation() -> None:
    org = "Công ty Cổ phần Sữa Việt Nam (Vinamilk)"
    text = "Ý kiến của CÔNG TY CỔ PHẦN SỮA VIỆT NAM (VINAMILK) về thủ tục"
    assert redact(text, organisations=[org]) == f"Ý kiến của {M} về thủ tục"


@pytest.mark.parametrize("blank", ["", "   ", "A"])
def test_blank_or_one_letter_names_mask_nothing(blank: str) -> None:
    text = "A Bình gửi phản ánh"
    assert redact(text, names=[blank], organisations=[blank]) == text


def test_name_regex_characters_are_literal() -> None:
    assert redact("Công ty A.B.C (Hà Nội) và công ty AxBxC", organisations=["Công ty A.B.C (Hà Nội)"]) == (
        f"{M} và công ty AxBxC"
    )


# --- whole texts, masks, output form ----------------------------------------------------------------------


def test_a_whole_submission() -> None:
    text = (
        "Kính gửi Sở Khoa học và Công nghệ,\n"
        "Tôi là Trần Thị Bích Ngọc, đại diện Công ty TNHH Cơ khí Hoàng Phát (MST 0101243150), "
        "đề nghị hướng dẫn thủ tục theo Nghị định 20/2008/NĐ-CP. Hồ sơ nộp ngày 12/03/2026, "
        "lệ phí 1.500.000 đồng. Liên hệ: ngoc.tran@hoangphat.vn, ĐT 0912.345.678 "
        "hoặc (0272) 382 6789. CCCD của tôi: 080190001234. Trân trọng, chị Ngọc."
    )
    redacted = redact(text, names=["Trần Thị Bích Ngọc"], organisations=["Công ty TNHH Cơ khí Hoàng Phát"])
    assert redacted == (
        "Kính gửi Sở Khoa học và Công nghệ,\n"
        f"Tôi là {M}, đại diện {M} (MST {M}), "
        "đề nghị hướng dẫn thủ tục theo Nghị định 20/2008/NĐ-CP. Hồ sơ nộp ngày 12/03/2026, "
        f"lệ phí 1.500.000 đồng. Liên hệ: {M}, ĐT {M} "
        f"hoặc {M}. CCCD của tôi: {M}. Trân trọng, chị {M}."
    )
    assert find_personal_data(text) == [
        "0101243150",
        "ngoc.tran@hoangphat.vn",
        "0912.345.678",
        "(0272) 382 6789",
        "080190001234",
    ]
    assert find_personal_data(redacted) == []


def test_custom_mask_and_adjacent_items_merge() -> None:
    assert redact("0912345678 a@b.vn", mask="[ẩn]") == "[ẩn] [ẩn]"
    # An email whose local part is a phone number is one item, masked once.
    assert redact("0912345678@gmail.com") == M
    assert find_personal_data("0912345678@gmail.com") == ["0912345678@gmail.com"]


def test_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Tôi là Nguyễn Văn An, ở Hà Nội")
    result = redact(decomposed, names=["Nguyễn Văn An"])
    assert result == f"Tôi là {M}, ở Hà Nội"
    assert unicodedata.is_normalized("NFC", result)


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Đề nghị Sở hướng dẫn thủ tục đăng ký nhãn hiệu theo Thông tư 02/2017/TT-VPCP."
    assert redact(text, names=["Nguyễn Văn An"], organisations=["Công ty ABC"]) == text
    assert redact("") == ""
    assert find_personal_data("") == []
