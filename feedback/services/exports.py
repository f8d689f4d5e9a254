"""The report's exports: XLSX (openpyxl write-only) and CSV (streamed), from one table of columns.

`DETAIL_COLUMNS` and `OVERDUE_COLUMNS` are the one description of the long lists (key, header,
width): the XLSX sheets, the detailed CSV and the page's lists read them. Rows come from generators
(`reports.iter_detail_rows`, `reports.overdue_rows`) and go straight to the writer, so memory does not
grow with the number of tickets: the workbook is written row by row to a file (`write_xlsx`), the CSV
is yielded in chunks (`iter_csv`, `iter_details_csv`) for a streamed HTTP response.

Further tables of the summary sheet and the summary CSV (e.g. the data-subject requests of the
period) come from `extra_sections`, a list of functions `report -> (title, [(label, value), ...])`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from flask_babel import gettext as _

from ..domain.spreadsheet import FORMULA_STARTS, safe_row, safe_text
from . import reports
from .reports import DIMENSIONS, Report, Row, dimension_title, figure_columns


def N_(text: str) -> str:  # a message id, translated where it is shown
    return text


DATE_FORMAT = "DD/MM/YYYY"
BOM = "\ufeff"

# (key of the row dict, header message id, column width)
DETAIL_COLUMNS: list[tuple[str, str, int]] = [
    ("code", N_("Mã số"), 20),
    ("received_on", N_("Ngày tiếp nhận"), 14),
    ("kind", N_("Loại"), 14),
    ("category", N_("Lĩnh vực"), 30),
    ("unit", N_("Đơn vị xử lý"), 36),
    ("channel", N_("Kênh tiếp nhận"), 16),
    ("submitter_type", N_("Đối tượng"), 14),
    ("title", N_("Tiêu đề"), 50),
    ("state", N_("Trạng thái hiện tại"), 22),
    ("status", N_("Tình trạng tại ngày báo cáo"), 30),
    ("due_date", N_("Hạn giải quyết"), 14),
    ("answered_on", N_("Ngày trả lời"), 14),
    ("working_days", N_("Số ngày làm việc để trả lời"), 14),
    ("published_on", N_("Ngày công khai"), 14),
    ("received_at", N_("Thời điểm tiếp nhận"), 18),
    ("incoming_number", N_("Số đến"), 14),
]
OVERDUE_COLUMNS: list[tuple[str, str, int]] = [
    ("code", N_("Mã số"), 20),
    ("title", N_("Tiêu đề"), 50),
    ("kind_label", N_("Loại"), 14),
    ("category", N_("Lĩnh vực"), 30),
    ("unit", N_("Đơn vị xử lý"), 36),
    ("assignee", N_("Người xử lý"), 24),
    ("received_on", N_("Ngày tiếp nhận"), 14),
    ("due_date", N_("Hạn giải quyết"), 14),
    ("days_late", N_("Số ngày làm việc quá hạn"), 14),
]

# Functions report -> (section title, [(label, value), ...]) adding tables under the summary.
extra_sections: list[Callable[[Report], tuple[str, list[tuple[str, Any]]]]] = []


def headers(columns: list[tuple[str, str, int]]) -> list[str]:
    return [_(head) for _key, head, _width in columns]


def summary_items(report: Report) -> list[tuple[str, Any]]:
    """The summary sheet as (label, value) pairs."""
    t = report.total
    return [
        (_("Kỳ báo cáo"), report.period.label),
        (_("Từ ngày"), report.period.start),
        (_("Đến ngày"), report.period.end),
        (_("Tình trạng tính đến ngày"), report.as_of),
        (_("Tổng số tiếp nhận"), t.received),
        (_("Đã trả lời đúng hạn"), t.answered_on_time),
        (_("Đã trả lời quá hạn"), t.answered_late),
        (_("Đang xử lý trong hạn"), t.open_in_time),
        (_("Trong đó: chờ bổ sung thông tin"), t.open_paused),
        (_("Đang xử lý quá hạn"), t.open_overdue),
        (_("Đang xử lý tại ngày báo cáo nhưng đã kết thúc sau đó"), t.closed_later),
        (_("Không tiếp nhận"), t.refused),
        (_("Chuyển cơ quan khác"), t.transferred),
        (_("Đã công khai kết quả"), t.published),
        (_("Tỷ lệ trả lời đúng hạn (%)"), t.on_time_rate),
        (_("Trung vị số ngày làm việc để trả lời"), t.median_days),
        (_("Trung bình số ngày làm việc để trả lời"), t.mean_days),
    ]


# --- XLSX ----------------------------------------------------------------------------------------


class _Sheet:
    """A write-only sheet: widths, print set-up and frozen header first, then rows one by one."""

    def __init__(self, wb, title: str, head: list[str], widths: list[int], setup) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        self._cell = WriteOnlyCell
        self.ws = ws = wb.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        if setup is not None:
            setup(ws, len(widths))
        self.bold = Font(bold=True)
        fill, wrap = PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True, vertical="top")
        ws.append([self.styled(h, font=self.bold, fill=fill, alignment=wrap) for h in head])

    def styled(self, value, **style):
        cell = self._cell(self.ws, value=value)
        for name, v in style.items():
            setattr(cell, name, v)
        return cell

    def row(self, values: Iterable[Any], *, bold: bool = False) -> None:
        """Text as text (never a live formula), dates as dates (dd/mm/yyyy), decimals with one digit."""
        cells = []
        for value in values:
            if isinstance(value, str) and value[:1] in _FIRST:  # e.g. a title typed as "=HYPERLINK(...)"
                value = safe_text(value)
            if isinstance(value, date):
                cell = self._cell(self.ws, value=value)
                cell.number_format = DATE_FORMAT
            elif isinstance(value, float):  # a number, shown with the reader's decimal mark
                cell = self._cell(self.ws, value=value)
                cell.number_format = "0.0"
            elif bold:
                cell = self._cell(self.ws, value=value)
            else:
                cells.append(value)
                continue
            if bold:
                cell.font = self.bold
            cells.append(cell)
        self.ws.append(cells)

    def title_row(self, *values) -> None:
        """A bold first cell: the title of a section under the summary."""
        self.ws.append([self.styled(values[0], font=self.bold), *values[1:]])


def write_xlsx(
    report: Report,
    details: Iterable[dict] | Iterable[tuple],
    target: str | IO[bytes],
    *,
    overdue: Iterable[dict] | None = None,
    setup=None,
) -> None:
    """The report as an Excel workbook written to `target` (a path or a binary file): summary, by unit,
    by category, overdue list, detailed list, satisfaction. `overdue` defaults to the report's own list;
    `setup(ws, columns)` prepares each sheet for printing."""
    for _step in _assembling(target, *_workbook(report, details, overdue=overdue, setup=setup)):
        pass


def iter_xlsx(
    report: Report, details: Iterable[dict] | Iterable[tuple], *, overdue: Iterable[dict] | None = None, setup=None
) -> Iterator[bytes]:
    """`write_xlsx` as chunks of bytes, for a streamed response: the small sheets are made now, the
    zip is written on an unseekable output (its entries with data descriptors) and handed out as the
    long lists' rows are read, so neither the file nor the rows are held in memory."""
    parts = _workbook(report, details, overdue=overdue, setup=setup)

    def chunks() -> Iterator[bytes]:
        pipe = _Pipe()
        for _step in _assembling(pipe, *parts):
            if pipe.chunks:
                yield pipe.take()
        if pipe.chunks:  # the zip's central directory, written as it closes
            yield pipe.take()

    return chunks()


class _Pipe:
    """An unseekable binary output whose writes are collected until taken."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        if data:
            self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _workbook(report: Report, details, *, overdue=None, setup=None) -> tuple[io.BytesIO, dict[str, tuple], dict]:
    """The workbook saved without the long lists' rows, the lists by sheet part, and the cell styles."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    figures = figure_columns()

    ws = _Sheet(wb, _("Tổng hợp"), [_("Chỉ tiêu"), _("Giá trị")], [44, 40], setup)
    for label, value in summary_items(report):
        ws.row([label, value])
    # The smaller breakdowns (kind, channel) and the reasons go under the summary.
    for dim in ("kind", "channel"):
        ws.ws.append([])
        ws.title_row(dimension_title(dim), _("Tiếp nhận"))
        for row in report.by[dim]:
            ws.row([row.label, row.received])
    ws.ws.append([])
    ws.title_row(_("Lý do không tiếp nhận"), _("Số lượng"))
    for code, n in report.refused_reasons:
        ws.row([code or _("(không ghi mã)"), n])
    ws.ws.append([])
    ws.title_row(_("Cơ quan nhận chuyển"), _("Số lượng"))
    for agency, n in report.transferred_agencies:
        ws.row([agency or _("(không ghi)"), n])
    for section in extra_sections:
        title, items = section(report)
        ws.ws.append([])
        ws.title_row(title, _("Số lượng"))
        for label, value in items:
            ws.row([label, value])
    from .data_requests import report_block  # data-subject requests by kind and by their clocks

    report_block(ws, report)

    for dim, title in (("unit", _("Theo đơn vị")), ("category", _("Theo lĩnh vực"))):
        header = _("Đơn vị xử lý") if dim == "unit" else _("Lĩnh vực")
        ws = _Sheet(wb, title, [header, *[h for _a, h in figures]], [48, *[14] * len(figures)], setup)
        for r in report.by[dim]:
            ws.row([r.label, *[getattr(r, attr) for attr, _h in figures]])
        ws.row([_("Tổng số"), *[getattr(report.total, attr) for attr, _h in figures]], bold=True)

    # The long lists: the header through openpyxl, the rows written as sheet XML once the workbook is
    # saved (`_assemble`), since openpyxl's per-cell objects cost more than the rest of the export.
    long_lists: list[tuple[Any, list[str], Iterable[dict]]] = []
    for title, columns, rows in (
        (_("Quá hạn"), OVERDUE_COLUMNS, report.overdue if overdue is None else overdue),
        (_("Chi tiết"), DETAIL_COLUMNS, details),
    ):
        ws = _Sheet(wb, title, headers(columns), [w for _k, _h, w in columns], setup)
        long_lists.append((ws.ws, [k for k, _h, _w in columns], rows))
    styles = _styles(ws.ws)

    if report.satisfaction is not None:  # satisfaction per unit
        from .satisfaction import figure_columns as sat_columns

        sat = sat_columns()
        ws = _Sheet(wb, _("Mức độ hài lòng"), [_("Đơn vị xử lý"), *[h for _a, h in sat]], [48, *[14] * len(sat)], setup)
        for r in report.satisfaction.units:
            ws.row([r.label, *[getattr(r, attr) for attr, _h in sat]])
        ws.row([_("Tổng số"), *[getattr(report.satisfaction.total, attr) for attr, _h in sat]], bold=True)
    small = io.BytesIO()  # every sheet but the long lists' rows: a few kilobytes
    wb.save(small)
    return small, {sheet.path.lstrip("/"): (keys, rows) for sheet, keys, rows in long_lists}, styles


# --- the long lists' rows as sheet XML -----------------------------------------------------------

_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (1900 date system, past its 1900 leap bug)
XLSX_COMPRESSLEVEL = 1  # deflate level of the long sheets: level 6 costs twice the time for 10 % less


def _styles(ws) -> dict[str, int]:
    """The workbook's style ids of a date (dd/mm/yyyy) and a decimal cell, registered before saving."""
    from openpyxl.cell import WriteOnlyCell

    ids = {}
    for name, fmt in (("date", DATE_FORMAT), ("float", "0.0")):
        cell = WriteOnlyCell(ws, value=None)
        cell.number_format = fmt
        ids[name] = cell.style_id
    return ids


def _text(value: str) -> str:
    """Text as the XML of an inline string: never a formula, markup escaped, characters XML forbids dropped."""
    if value[:1] in _FIRST:
        value = safe_text(value)
    if _XML_SPECIAL.search(value):
        value = _XML_ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


# Columns whose values are (nearly) all different: their cells are made for each row; every other
# column's cells are made once per distinct value (labels, names, dates, day counts) and looked up.
_UNIQUE = frozenset({"code", "title", "received_at", "incoming_number"})
_MEMO_LIMIT = 20_000  # distinct values kept per column (a column of unexpected values stops growing)


def _cell_maker(date_style: int, float_style: int) -> Callable[[Any], str]:
    """A function giving a cell's XML after its `r="…"` attribute: type, style and value (`"/>"`, an
    empty cell, for None and empty text)."""

    def rest(v: Any) -> str:
        kind = type(v)
        if kind is str:
            return f' t="inlineStr">{_text(v)}</c>' if v else "/>"
        if v is None:
            return "/>"
        if kind is int:
            return f"><v>{v}</v></c>"
        if kind is date:
            return f' s="{date_style}"><v>{v.toordinal() - _EPOCH}</v></c>'
        if kind is float:
            return f' s="{float_style}"><v>{v!r}</v></c>'
        if isinstance(v, bool):
            return f' t="b"><v>{int(v)}</v></c>'
        if isinstance(v, datetime):
            serial = v.toordinal() - _EPOCH + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
            return f' s="{date_style}"><v>{serial!r}</v></c>'
        if isinstance(v, date):
            return f' s="{date_style}"><v>{v.toordinal() - _EPOCH}</v></c>'
        if isinstance(v, int | float | Decimal):
            return f"><v>{v}</v></c>"
        return f' t="inlineStr">{_text(str(v))}</c>'

    return rest


class _Memo(dict):
    """The cells of one column by value, each made on first use (a dict lookup afterwards)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: Any) -> str:
        cell = self.make(value)
        if len(self) < _MEMO_LIMIT:
            self[value] = cell
        return cell


def _sheet_rows(
    keys: list[str], rows: Iterable[dict | tuple], styles: dict[str, int], *, first: int = 2
) -> Iterator[bytes]:
    """`<row>` elements of the rows (dicts, or tuples in `keys` order; from row `first`), in chunks of
    a thousand rows: text as inline strings (as openpyxl writes them), dates as serial numbers with the
    dd/mm/yyyy style, decimals with one digit, None and empty text as an empty cell.

    Each row is one `str.format` of a template made once (`<row r="{0}"><c r="A{0}"{1}…`) with the
    cells of its values; the cells of every column but the unique ones (`_UNIQUE`) are made once per
    distinct value."""
    from openpyxl.utils import get_column_letter

    rest = _cell_maker(styles["date"], styles["float"])
    makers = [rest if key in _UNIQUE else _Memo(rest).__getitem__ for key in keys]
    template = (
        '<row r="{0}">'
        + "".join(f'<c r="{get_column_letter(i)}{{0}}"{{{i}}}' for i in range(1, len(keys) + 1))
        + "</row>"
    ).format

    out: list[str] = []
    append = out.append
    for n, d in enumerate(rows, start=first):
        # A tuple row holds its values in `keys` order (`reports.iter_detail_tuples`); a dict, by key.
        values = d if isinstance(d, tuple) else [d[key] for key in keys]
        append(template(n, *[make(v) for make, v in zip(makers, values, strict=True)]))
        if n % 1000 == 0:
            yield "".join(out).encode("utf-8")
            out.clear()
    yield "".join(out).encode("utf-8")


def _assemble(small: io.BytesIO, target: str | IO[bytes], long_lists: dict[str, tuple], styles) -> None:
    """Copy the saved workbook `small` to `target`, streaming each long list's rows into its sheet
    (`long_lists`: part name -> (keys, rows)) just before the end of its sheetData."""
    for _step in _assembling(target, small, long_lists, styles):
        pass


def _assembling(target, small: io.BytesIO, long_lists: dict[str, tuple], styles) -> Iterator[None]:
    """`_assemble`, pausing after each piece written to `target` (a streamed response takes it then)."""
    small.seek(0)
    with (
        zipfile.ZipFile(small) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSLEVEL) as out,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename not in long_lists:
                out.writestr(info, data)
                yield
                continue
            keys, rows = long_lists[info.filename]
            head, tail = data.split(b"</sheetData>", 1)
            with out.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                for chunk in _sheet_rows(keys, rows, styles):
                    part.write(chunk)
                    yield
                part.write(b"</sheetData>" + tail)
            yield


def to_xlsx(report: Report, details: Iterable[dict] | Iterable[tuple]) -> bytes:
    """`write_xlsx` into bytes (small periods and tests)."""
    buffer = io.BytesIO()
    write_xlsx(report, details, buffer)
    return buffer.getvalue()


# --- CSV -----------------------------------------------------------------------------------------


class _Lines:
    """A csv writer whose lines are collected and handed out in chunks (UTF-8, CRLF for Excel)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


_FIRST = frozenset(c for c in FORMULA_STARTS) | {" "}


def _cell(value: Any) -> Any:
    """A CSV cell: dates as dd/mm/yyyy, None empty, text that could start a formula neutralised."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value) if value[:1] in _FIRST else value
    if isinstance(value, date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return value


def iter_csv(report: Report) -> Iterator[bytes]:
    """The report as one CSV table (UTF-8 with BOM, for Excel): one line per group, figures as columns."""
    figures = figure_columns()
    out = _Lines()
    out.writer.writerow([_("Kỳ báo cáo"), _("Tính đến ngày"), _("Nhóm"), _("Mục"), *[h for _a, h in figures]])
    period, as_of = report.period.label, report.as_of.strftime("%d/%m/%Y")

    def line(group: str, row: Row) -> None:
        out.writer.writerow(safe_row([period, as_of, group, row.label, *[_cell(getattr(row, a)) for a, _h in figures]]))

    line(_("Tổng số"), report.total)
    for dim in DIMENSIONS:
        for row in report.by[dim]:
            line(dimension_title(dim), row)
    for section in extra_sections:
        title, items = section(report)
        for label, value in items:
            out.writer.writerow(safe_row([period, as_of, title, label, _cell(value)]))
    yield (BOM + out.buffer.getvalue()).encode("utf-8")


def to_csv(report: Report) -> bytes:
    return b"".join(iter_csv(report))


def iter_details_csv(details: Iterable[dict], *, chunk: int = 500) -> Iterator[bytes]:
    """The detailed list as CSV (UTF-8 with BOM), dates as dd/mm/yyyy, yielded every `chunk` lines
    (the header is made now, in the caller's language; the rows as they are consumed)."""
    keys = [k for k, _h, _w in DETAIL_COLUMNS]
    out = _Lines()
    out.writer.writerow(headers(DETAIL_COLUMNS))
    head = BOM.encode("utf-8") + out.take()

    def lines() -> Iterator[bytes]:
        yield head
        for i, d in enumerate(details, start=1):
            out.writer.writerow([_cell(d[k]) for k in keys])
            if i % chunk == 0:
                yield out.take()
        yield out.take()

    return lines()


def details_csv(details: Iterable[dict]) -> bytes:
    return b"".join(iter_details_csv(details))


def satisfaction_csv(report: Report) -> bytes:
    """The satisfaction figures per unit as CSV (UTF-8 with BOM), in the layout of `iter_csv`."""
    from .satisfaction import figure_columns as sat_columns

    sat = sat_columns()
    out = _Lines()
    out.writer.writerow([_("Kỳ báo cáo"), _("Tính đến ngày"), _("Nhóm"), _("Mục"), *[h for _a, h in sat]])
    for group, row in [
        (_("Tổng số"), report.satisfaction.total),
        *[(_("Theo đơn vị xử lý"), r) for r in report.satisfaction.units],
    ]:
        out.writer.writerow(
            [
                report.period.label,
                report.as_of.strftime("%d/%m/%Y"),
                group,
                row.label,
                *[_cell(getattr(row, a)) for a, _h in sat],
            ]
        )
    return BOM.encode("utf-8") + out.take()


def full_overdue(report: Report, connection=None) -> Iterator[dict]:
    """Every open overdue ticket of the report's period (the page's list may be capped), read from
    `connection` when given."""
    from .calendar import work_calendar

    cal = work_calendar()
    status = reports.status_case(report.as_of)
    return reports.overdue_rows(
        report.as_of,
        cal,
        [*report.cohort(), status == "open_overdue"],
        reports.labels(report.locale),
        connection=connection,
    )
