"""Open311 GeoReport v2 (JSON and XML) over categories and tickets, and its OpenAPI document.

Never any personal field: a request carries its code, category, unit, dates, status and, once
published, the public (redacted) title, summary and answer. The submitter's name, organisation,
email, phone, tax code and address are never read into a response. Creating a request (POST) needs
an API key from OPEN311_API_KEYS and goes through the same form validation and intake service as
the web form.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response, current_app, jsonify, request, url_for
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from ..domain import outcomes
from ..domain.contact import strip_illegal
from ..domain.states import (
    CLOSED_STATES,
    KIND_LABELS,
    Channel,
    Kind,
    State,
    SubmitterType,
    label,
    localized_name,
)
from ..extensions import csrf, db
from ..models import OPEN311_LISTED as LISTED
from ..models import OPEN311_OPEN, Category, Ticket
from ..services import ServiceError, intake, letters, reference, throttle
from ..timeutil import local_today, to_local, tz, utcnow
from ..web.forms import SubmissionForm
from . import bp

csrf.exempt(bp)  # API-key POSTs come from other systems, not from our forms

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000
# A page of 100 by default (GeoReport v2 leaves the count to the server): 1,000 requests are 1.2 MB of
# JSON. page_size asks for up to MAX_REQUESTS; a full page carries a Link header to the next one.
DEFAULT_PAGE_SIZE = 100
DEFAULT_DAYS = 90

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")

# Ticket columns a response reads: nothing personal.
PUBLIC_COLUMNS = (
    Ticket.id,
    Ticket.code,
    Ticket.kind,
    Ticket.state,
    Ticket.category_id,
    Ticket.unit_id,
    Ticket.received_at,
    Ticket.due_date,
    Ticket.answered_at,
    Ticket.answered_on,
    Ticket.on_time,
    Ticket.published_at,
    Ticket.updated_at,
    Ticket.public_title,
    Ticket.public_summary,
    Ticket.public_answer,
)


class APIError(Exception):
    """An Open311 error: HTTP status and description (and, for 429, the seconds to wait)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def throttled(verdict: throttle.Verdict, now: datetime) -> None:
    """:raises APIError: 429 with the time to wait, when `verdict` refuses."""
    if not verdict.allowed:
        db.session.rollback()
        raise APIError(429, "Quá nhiều yêu cầu. " + throttle.retry_message(verdict, now), verdict.retry_after)


# --- rendering ----------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                _xml_dict(child, item_tag(tag), item)
            else:
                _xml_value(child, item_tag(tag), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_value(child, key, item)
    elif value is not None:
        child.text = strip_illegal(str(value))  # a stored character XML cannot carry never breaks the document


def item_tag(list_tag: str) -> str:
    """The element name of one item of an XML list (Open311 style: services → service)."""
    return {"endpoints": "endpoint", "formats": "format", "values": "value", "attributes": "attribute"}.get(
        list_tag, list_tag.rstrip("s")
    )


def _xml_dict(parent: ET.Element, tag: str, data: dict) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for key, value in data.items():
        _xml_value(element, key, value)
    return element


def render(fmt: str, data: Any, root: str, item: str | None = None, status: int = 200) -> Response:
    """JSON as is, or XML: `root` holding one `item` element per dict of a list (or `root` = the dict)."""
    if fmt == "json":
        response = jsonify(data)
        response.status_code = status
        return response
    if isinstance(data, list):
        element = ET.Element(root)
        for entry in data:
            _xml_dict(element, item or "item", entry)
    else:
        element = ET.Element(root)
        for key, value in data.items():
            _xml_value(element, key, value)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> Response:
    """An Open311 error list."""
    return render(fmt, [{"code": status, "description": description}], "errors", "error", status=status)


def _w3c(moment: datetime | None, local=None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(local or tz()).isoformat(timespec="seconds")


def _end_of_day(day: date | None, local=None) -> str | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=local or tz()).isoformat(timespec="seconds")


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


# --- representations ----------------------------------------------------------------------------


def service_dict(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": localized_name(category, "en"),
        "metadata": True,
        "type": "batch",
        "keywords": "",
        "group": category.default_unit.name if category.default_unit else "",
    }


@dataclass(frozen=True)
class Context:
    """What every request of a response shares: read once per response, not once per request."""

    base: str
    local: Any
    today: date
    categories: dict
    units: dict
    with_letter: set[int] | frozenset = frozenset()

    @classmethod
    def current(cls, with_letter: set[int] | frozenset = frozenset()) -> Context:
        return cls(_base(), tz(), local_today(), reference.categories(), reference.units(), with_letter)


def request_dict(ticket, ctx: Context) -> dict:
    """A ticket (a row of PUBLIC_COLUMNS) as a GeoReport v2 service request, with our extension fields;
    nothing personal. `media_url` is the public copy of the answer letter for the published tickets in
    `ctx.with_letter`."""
    published = ticket.published_at is not None
    answered = ticket.state == State.ANSWERED
    category = ctx.categories.get(ticket.category_id)
    unit = ctx.units.get(ticket.unit_id) if ticket.unit_id else None
    local = ctx.local
    return {
        "service_request_id": ticket.code,
        "status": "closed" if ticket.state in CLOSED_STATES else "open",
        "status_notes": ticket.public_answer if published else None,
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": ticket.public_summary if published else None,
        "agency_responsible": unit.name if unit else None,
        "service_notice": None,
        "requested_datetime": _w3c(ticket.received_at, local),
        "updated_datetime": _w3c(ticket.published_at if published else ticket.updated_at, local),
        "expected_datetime": _end_of_day(ticket.due_date, local),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": f"{ctx.base}/results/{ticket.code}/letter.pdf"
        if published and ticket.id in ctx.with_letter
        else None,
        # Extensions (documented in the OpenAPI document).
        "title": ticket.public_title if published else None,
        "kind": ticket.kind,
        "due_date": ticket.due_date.isoformat() if ticket.due_date else None,
        "on_time": outcomes.verdict(ticket.on_time, ticket.answered_on, ticket.due_date) if answered else None,
        "overdue": outcomes.is_overdue(ticket.state, ticket.due_date, ctx.today) if not answered else None,
        "answered_datetime": _w3c(ticket.answered_at, local) if answered else None,
        "published_datetime": _w3c(ticket.published_at, local),
        "url": f"{ctx.base}/results/{ticket.code}" if published else None,
    }


def listed():
    """Tickets that Open311 lists (public columns only): published results, and open tickets.

    The condition is the predicate of the partial indexes that serve the date range (migration
    i16_public), written the same way, so PostgreSQL can use them.
    """
    return db.select(*PUBLIC_COLUMNS).where(LISTED)


# --- parameters ---------------------------------------------------------------------------------


def _csv_param(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


def _datetime_param(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise APIError(400, f"{name} phải theo định dạng W3C, ví dụ 2026-01-31T00:00:00+07:00.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz())
    return moment.astimezone(UTC).replace(tzinfo=None)


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise APIError(400, f"{name} phải là số nguyên từ {low} đến {high}.")
    return int(raw)


# --- endpoints ----------------------------------------------------------------------------------

FORMAT = "<any(json, xml):fmt>"


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str):
    base = _base()
    data = {
        "changeset": "2026-01-01T00:00:00+07:00",
        "contact": "Văn phòng Sở Khoa học và Công nghệ",
        "key_service": f"Khóa API (api_key) do Văn phòng Sở cấp; xem {base}/open311/v2/openapi.json",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": f"{base}/open311/v2",
                "changeset": "2026-01-01T00:00:00+07:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, data, "discovery")


@bp.get(f"/services.{FORMAT}")
def services(fmt: str):
    categories = (
        db.session.execute(
            db.select(Category)
            .options(joinedload(Category.default_unit))
            .where(Category.active.is_(True))
            .order_by(Category.sort_order, Category.name)
        )
        .scalars()
        .all()
    )
    return render(fmt, [service_dict(c) for c in categories], "services", "service")


def attributes() -> list[dict]:
    """The extra fields a POST takes (GeoReport v2 service definition attributes)."""

    def attr(code, datatype, required, description, order, values=None):
        entry = {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": required,
            "datatype_description": "",
            "order": order,
            "description": description,
        }
        if values is not None:
            entry["values"] = [{"key": k, "name": n} for k, n in values]
        return entry

    return [
        attr(
            "kind",
            "singlevaluelist",
            True,
            "Loại: phản ánh, kiến nghị hoặc đề xuất.",
            1,
            [(k.value, label(KIND_LABELS, k)) for k in Kind],
        ),
        attr("title", "string", False, "Tiêu đề (5–300 ký tự); mặc định là phần đầu của description.", 2),
        attr(
            "submitter_type",
            "singlevaluelist",
            False,
            "Doanh nghiệp hoặc người dân; mặc định: doanh nghiệp nếu có organization.",
            3,
            [(SubmitterType.ENTERPRISE.value, "Doanh nghiệp"), (SubmitterType.CITIZEN.value, "Người dân")],
        ),
        attr("organization", "string", False, "Tên doanh nghiệp (bắt buộc với doanh nghiệp).", 4),
        attr("tax_code", "string", False, "Mã số thuế (bắt buộc với doanh nghiệp; kiểm tra chữ số kiểm tra).", 5),
        attr("regulation", "string", False, "Quy định, thủ tục liên quan.", 6),
        attr(
            "consent_publish",
            "singlevaluelist",
            False,
            "Đồng ý công khai kết quả (không kèm thông tin cá nhân).",
            7,
            [("true", "Đồng ý"), ("false", "Không đồng ý")],
        ),
    ]


@bp.get(f"/services/<service_code>.{FORMAT}")
def service_definition(service_code: str, fmt: str):
    category = db.session.execute(
        db.select(Category).where(Category.code == service_code, Category.active.is_(True))
    ).scalar_one_or_none()
    if category is None:
        return error(fmt, 404, "Không có dịch vụ (lĩnh vực) với mã này.")
    return render(fmt, {"service_code": category.code, "attributes": attributes()}, "service_definition")


@bp.route(f"/requests.{FORMAT}", methods=["GET", "POST"])
def requests_(fmt: str):
    try:
        if request.method == "POST":
            return create_request(fmt)
        items, next_page = list_requests()
        response = render(fmt, items, "service_requests", "request")
        if next_page:
            args = {**request.args.to_dict(), "page": str(next_page)}
            response.headers["Link"] = f'<{url_for("api.requests_", fmt=fmt, **args)}>; rel="next"'
        return response
    except APIError as exc:
        response = error(fmt, exc.status, exc.description)
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response


def list_requests() -> tuple[list[dict], int | None]:
    """GET requests: the spec's filters, plus page/page_size (extension), newest requested first; with
    the next page's number when this one is full.

    The requested_datetime range always has an upper bound (end_date, else now: nothing is requested in
    the future) and, without either date, starts DEFAULT_DAYS ago (the spec's default); it is walked
    newest first on a partial index and stops after one page. A range ending before it starts is an
    error (400).
    """
    stmt = listed()
    ids = _csv_param("service_request_id")
    if ids:  # the spec: other parameters are ignored when ids are given
        stmt = stmt.where(Ticket.code.in_([i.upper() for i in ids[:MAX_REQUESTS]]))
        return _dicts(db.session.execute(stmt.order_by(Ticket.id))), None
    codes = _csv_param("service_code")
    if codes:
        wanted = set(codes)
        category_ids = [c.id for c in reference.categories().values() if c.code in wanted]
        stmt = stmt.where(Ticket.category_id.in_(category_ids or [-1]))
    start, end = _datetime_param("start_date"), _datetime_param("end_date")
    if start is None and end is None:
        start = utcnow() - timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and end < start:
        raise APIError(400, "end_date phải sau start_date.")
    if start is not None:
        # The legal receipt date is never before the local date of receipt: an indexed pre-filter.
        stmt = stmt.where(Ticket.received_at >= start, Ticket.received_on >= to_local(start).date())
    if end is None:
        end = utcnow()  # an upper bound the index can use: nothing is received in the future
    stmt = stmt.where(Ticket.received_at <= end)
    statuses = {s.lower() for s in _csv_param("status")}
    if statuses - {"open", "closed"}:
        raise APIError(400, "status chỉ nhận open, closed (có thể kết hợp bằng dấu phẩy).")
    if statuses == {"open"}:
        stmt = stmt.where(OPEN311_OPEN)
    elif statuses == {"closed"}:
        stmt = stmt.where(Ticket.state.in_(list(CLOSED_STATES)))
    page_size = _int_param("page_size", DEFAULT_PAGE_SIZE, 1, MAX_REQUESTS)
    page = _int_param("page", 1, 1, 100000)
    stmt = stmt.order_by(Ticket.received_at.desc(), Ticket.id.desc()).limit(page_size).offset((page - 1) * page_size)
    # Core rows straight from the connection: no ORM compile step for a statement of plain columns.
    items = _dicts(db.session.connection().execute(stmt))
    return items, (page + 1 if len(items) == page_size and page < 100000 else None)


def _dicts(rows) -> list[dict]:
    rows = list(rows)
    ctx = Context.current(letters.public_letter_ids([r.id for r in rows if r.published_at is not None]))
    return [request_dict(r, ctx) for r in rows]


def _api_key_ok(key: str) -> bool:
    keys = current_app.config.get("OPEN311_API_KEYS") or []
    return bool(key) and any(hmac.compare_digest(key.encode(), k.encode()) for k in keys)


def create_request(fmt: str) -> Response:
    """POST requests: create a ticket through the intake service, with the web form's validation."""
    params = request.form
    cfg = current_app.config
    now = utcnow()
    address = request.remote_addr or "unknown"
    key = params.get("api_key", "")
    limited = cfg["RATELIMIT_ENABLED"]
    if limited:
        # Wrong keys are counted per address, so keys cannot be guessed at speed.
        throttled(
            throttle.check("api_badkey", address, cfg["OPEN311_BAD_KEY_LIMIT"], cfg["OPEN311_BAD_KEY_WINDOW"], now), now
        )
    if not _api_key_ok(key):
        if limited:
            throttle.record("api_badkey", address, now)
            db.session.commit()
        raise APIError(403, "api_key không hợp lệ hoặc thiếu.")
    if limited:
        # The same per-address limit as the web form, and one per key (a leaked key has a ceiling).
        throttled(intake.rate_limited(address, now), now)
        throttled(
            throttle.check(
                "api_key", throttle.digest(key), cfg["OPEN311_KEY_RATE_LIMIT"], cfg["OPEN311_KEY_RATE_WINDOW"], now
            ),
            now,
        )
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction and jurisdiction != current_app.config["OPEN311_JURISDICTION"]:
        raise APIError(404, "jurisdiction_id không đúng.")

    def attribute(name: str) -> str:
        return params.get(f"attribute[{name}]", "").strip()

    description = params.get("description", "").strip()
    organization = attribute("organization")
    title = attribute("title") or " ".join(description.split())[:120]
    name = " ".join(p for p in (params.get("first_name", "").strip(), params.get("last_name", "").strip()) if p)
    data = MultiDict(
        {
            "submitter_type": attribute("submitter_type")
            or (SubmitterType.ENTERPRISE if organization else SubmitterType.CITIZEN),
            "organization": organization,
            "tax_code": attribute("tax_code"),
            "name": name,
            "email": params.get("email", "").strip(),
            "phone": params.get("phone", "").strip(),
            "address": params.get("address_string", "").strip(),
            "kind": attribute("kind"),
            "category": params.get("service_code", "").strip(),
            "title": title,
            "content": description,
            "regulation": attribute("regulation"),
        }
    )
    if attribute("consent_publish").lower() in ("true", "1", "yes", "y", "on"):
        data["consent_publish"] = "y"
    from ..public.views import active_categories

    form = SubmissionForm(formdata=data, meta={"csrf": False}, categories=active_categories())
    if not form.validate():
        names = {
            "name": "first_name/last_name",
            "address": "address_string",
            "content": "description",
            "category": "service_code",
        }
        described = []
        for field, errors in form.errors.items():
            shown = names.get(field, field if field in ("email", "phone") else f"attribute[{field}]")
            described.append(f"{shown}: {' '.join(map(str, errors))}")
        return render(fmt, [{"code": 400, "description": d} for d in described], "errors", "error", status=400)
    try:
        ticket = intake.submit(form.to_submission(Channel.API), now, client=address)
        if limited:
            throttle.record("api_key", throttle.digest(key), now)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise APIError(exc.status, exc.message) from None
    notice = f"Đã tiếp nhận. Thời hạn giải quyết: {ticket.due_date.strftime('%d/%m/%Y')}."
    body = [
        {
            "service_request_id": ticket.code,
            "service_notice": notice,
            "account_id": None,
            "due_date": ticket.due_date.isoformat(),
            "expected_datetime": _end_of_day(ticket.due_date),
        }
    ]
    response = render(fmt, body, "service_requests", "request", status=201)
    response.headers["Location"] = url_for("api.request_one", code=ticket.code, fmt=fmt)
    return response


@bp.get(f"/requests/<code>.{FORMAT}")
def request_one(code: str, fmt: str):
    row = db.session.execute(listed().where(Ticket.code == code.upper())).first()
    if row is None:
        return error(fmt, 404, "Không tìm thấy yêu cầu công khai với mã này.")
    return render(fmt, _dicts([row]), "service_requests", "request")


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(_base()))


def openapi_document(base: str) -> dict:
    """The OpenAPI 3 description of these endpoints."""
    fmt_param = {
        "name": "fmt",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": ["json", "xml"]},
        "description": "json hoặc xml",
    }
    nullable_str = {"type": "string", "nullable": True}
    request_schema = {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string", "example": "PAKN-2026-000042"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": {**nullable_str, "description": "Nội dung trả lời công khai (chỉ khi đã công khai)."},
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": {**nullable_str, "description": "Tóm tắt công khai (đã che thông tin cá nhân)."},
            "agency_responsible": nullable_str,
            "service_notice": nullable_str,
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "expected_datetime": {
                "type": "string",
                "format": "date-time",
                "nullable": True,
                "description": "Hết ngày của thời hạn giải quyết bằng văn bản.",
            },
            "address": {**nullable_str, "description": "Luôn null: địa chỉ người gửi là thông tin cá nhân."},
            "address_id": nullable_str,
            "zipcode": nullable_str,
            "lat": {"type": "number", "nullable": True},
            "long": {"type": "number", "nullable": True},
            "media_url": nullable_str,
            "title": {**nullable_str, "description": "Mở rộng: tiêu đề công khai."},
            "kind": {"type": "string", "enum": [k.value for k in Kind], "description": "Mở rộng: loại."},
            "due_date": {
                "type": "string",
                "format": "date",
                "description": "Mở rộng: thời hạn giải quyết bằng văn bản.",
            },
            "on_time": {
                "type": "boolean",
                "nullable": True,
                "description": "Mở rộng: trả lời đúng hạn (null khi chưa trả lời).",
            },
            "overdue": {
                "type": "boolean",
                "nullable": True,
                "description": "Mở rộng: đang xử lý và đã quá hạn giải quyết (null khi đã trả lời).",
            },
            "answered_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "published_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "url": {**nullable_str, "description": "Mở rộng: trang kết quả công khai."},
        },
    }
    error_schema = {
        "type": "array",
        "items": {"type": "object", "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    }
    errors = {
        "description": "Lỗi Open311",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }

    def json_array(items: dict, description: str = "OK") -> dict:
        """A response holding a JSON array of `items`."""
        return {
            "description": description,
            "content": {"application/json": {"schema": {"type": "array", "items": items}}},
        }

    def one(summary: str, key: str) -> dict:
        """The GET of one item named by `key` in the path."""
        named = {"name": key, "in": "path", "required": True, "schema": {"type": "string"}}
        return {
            "get": {
                "summary": summary,
                "parameters": [named, fmt_param],
                "responses": {"200": {"description": "OK"}, "404": errors},
            }
        }

    list_params = [
        fmt_param,
        {
            "name": "service_request_id",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Mã, phân cách bằng dấu phẩy; khi có, các tham số khác bị bỏ qua.",
        },
        {
            "name": "service_code",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Mã lĩnh vực, phân cách bằng dấu phẩy.",
        },
        {"name": "start_date", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        {
            "name": "end_date",
            "in": "query",
            "schema": {"type": "string", "format": "date-time"},
            "description": "Không có start_date và end_date: 90 ngày gần nhất; không có end_date: đến hiện tại. "
            "end_date trước start_date: lỗi 400. Kết quả xếp mới nhất trước theo requested_datetime.",
        },
        {
            "name": "status",
            "in": "query",
            "schema": {"type": "string"},
            "description": "open, closed hoặc open,closed.",
        },
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "Mở rộng."},
        {
            "name": "page_size",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_REQUESTS},
            "description": 'Mở rộng; mặc định 100, tối đa 1000. Trang đầy có tiêu đề Link rel="next".',
        },
    ]
    post_fields = {
        "api_key": {"type": "string"},
        "jurisdiction_id": {"type": "string"},
        "service_code": {"type": "string"},
        "description": {"type": "string", "minLength": 20},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string"},
        "address_string": {"type": "string", "description": "Địa chỉ người gửi (bắt buộc theo NĐ 20/2008)."},
        **{f"attribute[{a['code']}]": {"type": "string", "description": a["description"]} for a in attributes()},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Open311 GeoReport v2 — phản ánh, kiến nghị (Sở KH&CN)",
            "version": "2.0",
            "description": "Dữ liệu mở về phản ánh, kiến nghị và kết quả đã công khai. Không trả về "
            "thông tin cá nhân (thư điện tử, điện thoại, mã số thuế, địa chỉ, họ tên, "
            "tên doanh nghiệp).",
        },
        "servers": [{"url": f"{base}/open311/v2"}],
        "externalDocs": {"url": SPEC_URL},
        "components": {
            "schemas": {
                "ServiceRequest": request_schema,
                "Errors": error_schema,
                "Service": {
                    "type": "object",
                    "required": list(SERVICE_FIELDS),
                    "properties": {
                        "service_code": {"type": "string"},
                        "service_name": {"type": "string"},
                        "description": {"type": "string"},
                        "metadata": {"type": "boolean"},
                        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                        "keywords": {"type": "string"},
                        "group": {"type": "string"},
                    },
                },
            }
        },
        "paths": {
            "/discovery.{fmt}": {
                "get": {"summary": "Discovery", "parameters": [fmt_param], "responses": {"200": {"description": "OK"}}}
            },
            "/services.{fmt}": {
                "get": {
                    "summary": "Danh sách dịch vụ (lĩnh vực)",
                    "parameters": [fmt_param],
                    "responses": {"200": json_array({"$ref": "#/components/schemas/Service"})},
                }
            },
            "/services/{service_code}.{fmt}": one(
                "Định nghĩa dịch vụ (các thuộc tính khi tạo yêu cầu)", "service_code"
            ),
            "/requests.{fmt}": {
                "get": {
                    "summary": "Yêu cầu đã công khai và yêu cầu đang mở",
                    "parameters": list_params,
                    "responses": {"200": json_array({"$ref": "#/components/schemas/ServiceRequest"}), "400": errors},
                },
                "post": {
                    "summary": "Tạo yêu cầu (cần api_key)",
                    "parameters": [fmt_param],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": [
                                        "api_key",
                                        "service_code",
                                        "description",
                                        "first_name",
                                        "address_string",
                                        "email",
                                        "attribute[kind]",
                                    ],
                                    "properties": post_fields,
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": json_array(
                            {
                                "type": "object",
                                "properties": {
                                    "service_request_id": {"type": "string"},
                                    "service_notice": {"type": "string"},
                                    "account_id": nullable_str,
                                    "due_date": {"type": "string", "format": "date"},
                                    "expected_datetime": {"type": "string", "format": "date-time"},
                                },
                            },
                            "Đã tạo",
                        ),
                        "400": errors,
                        "403": errors,
                        "429": {
                            **errors,
                            "description": "Quá nhiều yêu cầu (theo địa chỉ, theo khóa, hoặc "
                            "khóa sai); xem tiêu đề Retry-After",
                        },
                    },
                },
            },
            "/requests/{service_request_id}.{fmt}": one("Một yêu cầu", "service_request_id"),
            "/openapi.json": {"get": {"summary": "Tài liệu OpenAPI này", "responses": {"200": {"description": "OK"}}}},
        },
    }
