"""Tax code normalisation and check digit (feedback.domain.taxcode)."""

import pytest

from feedback.domain.taxcode import TaxCodeError, check_digit, normalize_tax_code, validate_tax_code

# Published tax codes of large, well-known enterprises, used to confirm the weights
# (31, 29, 23, 19, 17, 13, 7, 5, 3) and "check = 10 - sum % 11". The owners are as the author
# remembers them from public registers; each code passing is what matters, since a wrong rule
# would not pass a dozen real codes. Rows marked "remainder 10" exercise the check digit 0.
REAL_CODES = [
    ("0100109106", "Viettel"),
    ("0100107518", "Vietnam Airlines"),
    ("0300588569", "Vinamilk"),
    ("0101243150", "FPT group company (remainder 10, check digit 0)"),
    ("0101248141", "FPT Corporation"),
    ("0100100079", "EVN"),
    ("0100112437", "Vietcombank"),
    ("0100111948", "VietinBank"),
    ("0100150619", "BIDV"),
    ("0100230800", "Techcombank (remainder 10, check digit 0)"),
    ("0100107370", "Petrolimex (remainder 10, check digit 0)"),
    ("0100684378", "VNPT"),
    ("0101245486", "Vingroup"),
    ("0900189284", "Hoa Phat"),
    ("0303576603", "Masan"),
    ("0300583659", "Sabeco"),
]


@pytest.mark.parametrize(("code", "owner"), REAL_CODES)
def test_real_codes_pass(code: str, owner: str) -> None:
    assert validate_tax_code(code) == code, owner


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0101243150", "0101243150"),
        ("0101243150-001", "0101243150-001"),
        ("0101243150001", "0101243150-001"),
        (" 0101 243 150 ", "0101243150"),
        ("0101243150 - 001", "0101243150-001"),
        ("0101243150\u2013001", "0101243150-001"),  # en dash pasted from a document
        ("0101243150\u00a0-\u00a0999", "0101243150-999"),  # no-break spaces
        ("\t0100109106\n", "0100109106"),
    ],
)
def test_valid_codes_are_normalised(raw: str, expected: str) -> None:
    assert normalize_tax_code(raw) == expected
    assert validate_tax_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc", "abc"),
        ("01012 43150-01", "0101243150-01"),
        ("", ""),
    ],
)
def test_normalize_leaves_other_shapes_alone(raw: str, expected: str) -> None:
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "010124315",  # 9 digits
        "01012431500",  # 11 digits
        "010124315000",  # 12 digits (a CCCD number, not an enterprise code here)
        "01012431500001",  # 14 digits
        "0101243150-01",
        "0101243150-0001",
        "0101243150-000",  # branch numbers start at 001
        "0101243150000",  # same, written without the dash
        "0101243150/001",
        "0101.243.150",
        "01O1243150",  # letter O, not zero
        "MST0101243150",
        "0101243150-",
        "-001",
        "٠١٠١٢٤٣١٥٠",  # Arabic-Indic digits match \d in Python but are not a tax code
    ],
)
def test_format_errors(raw: str) -> None:
    with pytest.raises(TaxCodeError) as info:
        validate_tax_code(raw)
    assert info.value.code == "format"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "raw",
    [
        "0101243151",  # last digit changed
        "0101243159",
        "0100109107",
        "0100109160",  # last two digits swapped
        "1100109106",  # first digit changed
        "0100109105-001",  # branch of a bad base code
        "0123456789",
        "0000000001",  # sum 0 -> remainder 0 -> no valid check digit exists
        "0000000000",
    ],
)
def test_checksum_errors(raw: str) -> None:
    with pytest.raises(TaxCodeError) as info:
        validate_tax_code(raw)
    assert info.value.code == "checksum"


@pytest.mark.parametrize(
    ("first_nine", "expected"),
    [
        ("010010910", 6),
        ("010124315", 0),  # remainder 10
        ("000000000", None),  # remainder 0: would need 10
    ],
)
def test_check_digit(first_nine: str, expected: int | None) -> None:
    assert check_digit(first_nine) == expected


def test_every_single_digit_change_is_caught() -> None:
    """Changing any one of the ten digits of a real code breaks the check."""
    code = "0300588569"
    for position in range(10):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            mutated = code[:position] + digit + code[position + 1 :]
            with pytest.raises(TaxCodeError):
                validate_tax_code(mutated)
