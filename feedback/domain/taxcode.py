"""Vietnamese tax codes (mã số thuế): normalisation and check-digit validation (DESIGN §3).

A tax code is 10 digits, or 10 digits + "-" + a 3-digit branch number for a dependent unit
(đơn vị phụ thuộc, chi nhánh). The 10th digit is a check digit over the first nine, computed
with the General Department of Taxation's modulo-11 rule.

Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

import re

__all__ = ["TaxCodeError", "check_digit", "normalize_tax_code", "validate_tax_code"]

WEIGHTS: tuple[int, ...] = (31, 29, 23, 19, 17, 13, 7, 5, 3)

# People paste codes from Word or PDFs, which turn "-" into typographic dashes.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
_TEN = re.compile(r"[0-9]{10}")
_BRANCH_DASHED = re.compile(r"([0-9]{10})-([0-9]{3})")
_BRANCH_PLAIN = re.compile(r"([0-9]{10})([0-9]{3})")


class TaxCodeError(ValueError):
    """A tax code that is malformed (``code == "format"``) or fails its check digit (``"checksum"``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_digit(first_nine: str) -> int | None:
    """Return the check digit for nine leading digits, or None when no valid code can have them."""
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    check = 10 - total % 11
    # A remainder of 0 would need a check "digit" of 10: such numbers are not issued.
    return None if check == 10 else check


def normalize_tax_code(raw: str) -> str:
    """Return the code without whitespace, in "NNNNNNNNNN" or "NNNNNNNNNN-BBB" form when it has that shape."""
    # str.split() drops every kind of Unicode whitespace, including no-break spaces from copy-paste.
    code = "".join(raw.split()).translate(_DASHES)
    if match := _BRANCH_PLAIN.fullmatch(code):
        return f"{match[1]}-{match[2]}"
    return code


def validate_tax_code(raw: str) -> str:
    """Return the normalised tax code.

    :raises TaxCodeError: ``code="format"`` for a wrong shape or branch 000,
        ``code="checksum"`` for a wrong check digit.
    """
    code = normalize_tax_code(raw)
    if _TEN.fullmatch(code):
        base = code
    elif match := _BRANCH_DASHED.fullmatch(code):
        base = match[1]
        if match[2] == "000":
            raise TaxCodeError("format", "Số thứ tự đơn vị phụ thuộc phải từ 001 đến 999.")
    else:
        raise TaxCodeError("format", "Mã số thuế gồm 10 chữ số, hoặc 10 chữ số, dấu '-' và 3 chữ số.")
    if check_digit(base[:9]) != int(base[9]):
        raise TaxCodeError("checksum", "Mã số thuế không đúng (sai chữ số kiểm tra).")
    return code
