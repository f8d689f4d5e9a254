"""Spreadsheet cells that are never read as formulas (CSV and formula injection, OWASP).

A text cell that starts with = + - @ (or a tab or carriage return, which some readers strip before
looking) is prefixed with an apostrophe, the mark spreadsheet programs use for "text as typed".
Numbers and dates are not text and stay numbers and dates. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_text(value: Any) -> Any:
    """`value` as a spreadsheet should take it: text that could start a formula gets a leading "'"."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `safe_text`."""
    return [safe_text(v) for v in values]


def neutralise_workbook(workbook: Any) -> int:
    """Make every text cell of an openpyxl workbook a plain string (data type "s"); return how many
    cells were changed. openpyxl takes any str starting with "=" as a formula, so this runs on the
    finished workbook, after every writer has appended its rows."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and safe_text(value) is not value):
                    cell.value = safe_text(str(value))
                    cell.data_type = "s"
                    changed += 1
    return changed
