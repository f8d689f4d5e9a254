"""A personal-data scan of every public output over seeded tickets with known personal data.

Every public format — results page (with every filter and searches), detail pages, Atom, CSV,
statistics, and every Open311 endpoint in JSON and XML, plus error pages for unpublished codes — is
fetched and searched for each submitter's email, phone (in the forms people write it), tax code,
address, contact name (with and without diacritics) and, for submitters who did not consent, their
organisation. The tracking page (the submitter's own, behind a secret) is deliberately excluded.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from feedback.domain.redaction import strip_accents
from feedback.extensions import db
from feedback.models import Unit
from tests.publication.publication_fixtures import (  # noqa: F401
    answered_ticket,
    coordinator,
    publish,
    release_before_requests,
    search_schema,
)

SUBMITTERS = [
    dict(
        name="Nguyễn Thị Hồng Nhung",
        organization="Công ty TNHH Thương mại Dịch vụ Hồng Phát",
        tax_code="0101243150",
        email="nhung.nguyen@hongphat.vn",
        phone="0912345678",
        address="Số 45 đường Trần Hưng Đạo, phường Cửa Nam, Hà Nội",
        consent_publish=False,
    ),
    dict(
        name="Lê Văn Đức",
        organization="Hợp tác xã Nông nghiệp Đức Thành",
        tax_code="0100109106",
        email="duc.le@ducthanh.com.vn",
        phone="02838234567",
        address="Ấp 3, xã Phước Vĩnh An, huyện Củ Chi",
        consent_publish=True,
    ),
    dict(
        submitter_type="citizen",
        name="Phạm Quỳnh Anh",
        organization=None,
        tax_code=None,
        email="quynhanh.pham@gmail.com",
        phone="0868123456",
        address="Tổ 7, khu phố Mỹ Lợi, thị xã Gò Công",
    ),
    dict(
        name="Võ Minh Tuấn",
        organization="Công ty Cổ phần Cơ điện Minh Tuấn",
        tax_code="0101243150-001",
        email="tuan.vo@minhtuan.vn",
        phone="0977000111",
        address="Lô B2 KCN Tân Hương, Châu Thành",
        consent_publish=False,
    ),
]


def text_with_personal_data(s: dict) -> str:
    """A submission text that repeats the submitter's personal data, as real ones do."""
    phone = s["phone"]
    spaced = f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    intl = "+84 " + phone[1:]
    parts = [f"Tôi là {s['name']}, địa chỉ {s['address']}."]
    if s.get("organization"):
        parts.append(f"Đại diện {s['organization']}, mã số thuế {s['tax_code']}.")
    parts.append(f"Liên hệ {s['email']}, điện thoại {spaced} hoặc {intl}.")
    parts.append("Đề nghị hướng dẫn thủ tục công bố hợp chuẩn, hợp quy sản phẩm hàng hóa.")
    return " ".join(parts)


def needles(s: dict) -> list[str]:
    """Every form of a submitter's personal data to look for in public output."""
    phone = s["phone"]
    found = [
        s["email"],
        s["email"].split("@")[0],
        s["name"],
        strip_accents(s["name"]),
        s["address"],
        strip_accents(s["address"]),
        phone,
        f"{phone[:4]} {phone[4:7]} {phone[7:]}",
        "+84 " + phone[1:],
        "84" + phone[1:],
        phone[1:],
    ]
    if s.get("tax_code"):
        found += [s["tax_code"], s["tax_code"].split("-")[0]]
    if s.get("organization") and not s.get("consent_publish"):
        found += [s["organization"], strip_accents(s["organization"])]
    return found


def needles_all() -> list[str]:
    return [n for s in SUBMITTERS for n in needles(s)]


@pytest.fixture
def seeded(app, answered_ticket, make_ticket, coordinator, publish):
    """Two published (one with, one without consent), one answered unpublished, open tickets in several states."""
    tickets = {}
    for i, s in enumerate(SUBMITTERS[:2]):
        fields = {k: v for k, v in s.items() if v is not None}
        ticket = answered_ticket(
            title=f"Thủ tục công bố hợp quy — {s['name']} ({s['phone']})",
            content=text_with_personal_data(s),
            answer=f"Kính gửi {s['name']} ({s['email']}): Sở hướng dẫn thủ tục công bố hợp quy "
            "theo Thông tư 28/2012/TT-BKHCN.",
            on_time=bool(i),
            **fields,
        )
        publish(ticket, coordinator, now=datetime(2026, 11, 10, 3) + timedelta(hours=i))
        tickets[f"published{i}"] = ticket
    s = SUBMITTERS[2]
    tickets["answered"] = answered_ticket(
        content=text_with_personal_data(s),
        title=f"Hỏi của {s['name']}",
        **{k: v for k, v in s.items() if v is not None},
    )
    s = SUBMITTERS[3]
    for state in ("new", "in_progress", "needs_info", "refused"):
        ticket = make_ticket(
            content=text_with_personal_data(s),
            title=f"Kiến nghị của {s['name']}",
            **{k: v for k, v in s.items() if v is not None},
        )
        ticket.state = state
        if state != "new":
            ticket.unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == "CCTDC")).scalar_one()
        db.session.commit()
        tickets[state] = ticket
    return {k: t.code for k, t in tickets.items()}


def public_urls(codes: dict) -> list[str]:
    urls = [
        "/results",
        "/results?page=2",
        "/results/feed.atom",
        "/results/export.csv",
        "/statistics",
        "/statistics?year=2025",
    ]
    for kind in ("complaint", "recommendation", "proposal"):
        urls.append(f"/results?kind={kind}")
    for q in ("thu tuc", "cong bo hop quy", "Nguyễn", "Hồng Phát", "Đức", "hop quy"):
        urls += [f"/results?q={q}", f"/results/feed.atom?q={q}", f"/results/export.csv?q={q}"]
    for code in codes.values():
        urls += [f"/results/{code}"]
        for fmt in ("json", "xml"):
            urls.append(f"/open311/v2/requests/{code}.{fmt}")
            urls.append(f"/open311/v2/requests.{fmt}?service_request_id={code}")
    for fmt in ("json", "xml"):
        urls += [
            f"/open311/v2/discovery.{fmt}",
            f"/open311/v2/services.{fmt}",
            f"/open311/v2/services/TDC.{fmt}",
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests.{fmt}?status=open",
            f"/open311/v2/requests.{fmt}?status=closed",
            f"/open311/v2/requests.{fmt}?service_code=TDC",
            f"/open311/v2/requests.{fmt}?start_date=2000-01-01T00:00:00Z&end_date=2100-01-01T00:00:00Z",
        ]
    urls.append("/open311/v2/openapi.json")
    return urls


def leaks(body: str) -> list[str]:
    lowered = body.lower()
    return [n for n in needles_all() if n.lower() in lowered]


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def test_no_public_output_contains_personal_data(client, seeded):
    scanned = 0
    for url in public_urls(seeded):
        response = client.get(url, buffered=True)
        assert response.status_code in (200, 404), url
        body = response.get_data(as_text=True)
        assert leaks(body) == [], url
        # No email address of anyone at all in a public response (the office's own public contact,
        # shown in the footer of every page, excepted).
        office = client.application.config["OFFICE_EMAIL"]
        assert [e for e in EMAIL.findall(body) if e != office] == [], url
        scanned += 1
    assert scanned > 60
    # The published ones are really there (the scan is not over empty pages).
    for key in ("published0", "published1"):
        detail = client.get(f"/results/{seeded[key]}").get_data(as_text=True)
        assert "Thông tư 28/2012/TT-BKHCN" in detail and "hợp chuẩn" in detail
    # Open tickets are listed by Open311 (non-personal fields), unpublished ones have no public page.
    assert client.get(f"/open311/v2/requests/{seeded['in_progress']}.json").status_code == 200
    for key in ("answered", "new", "refused"):
        assert client.get(f"/results/{seeded[key]}").status_code == 404


def test_consenting_organisation_may_appear_but_no_contact(client, seeded):
    html = client.get(f"/results/{seeded['published1']}").get_data(as_text=True)
    assert SUBMITTERS[1]["organization"] in html
    assert SUBMITTERS[1]["name"] not in html and SUBMITTERS[1]["email"] not in html


def test_searching_by_personal_data_finds_nothing_and_is_not_echoed(client, seeded):
    for s in SUBMITTERS[:2]:
        for q in (s["email"], s["phone"], s["tax_code"]):
            html = client.get("/results", query_string={"q": q}).get_data(as_text=True)
            assert q not in html and 'id="q-refused"' in html
        html = client.get("/results", query_string={"q": strip_accents(s["name"])}).get_data(as_text=True)
        assert seeded["published0"] not in html and seeded["published1"] not in html


def test_open311_post_response_has_no_personal_data(app, client, seeded):
    app.config["OPEN311_API_KEYS"] = ["test-key"]
    s = SUBMITTERS[0]
    for fmt in ("json", "xml"):
        response = client.post(
            f"/open311/v2/requests.{fmt}",
            data={
                "api_key": "test-key",
                "service_code": "TDC",
                "description": text_with_personal_data(s),
                "first_name": s["name"],
                "email": s["email"],
                "phone": s["phone"],
                "address_string": s["address"],
                "attribute[kind]": "complaint",
                "attribute[organization]": s["organization"],
                "attribute[tax_code]": s["tax_code"],
            },
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        assert leaks(response.get_data(as_text=True)) == []


def test_the_scan_detects_personal_data_where_it_is_shown(client, seeded):
    """The detector is not blind: the submitter's own tracking page (excluded from the scan) trips it."""
    from feedback.models import Ticket

    token = db.session.execute(db.select(Ticket.tracking_token).where(Ticket.code == seeded["new"])).scalar_one()
    assert leaks(client.get(f"/track/{token}").get_data(as_text=True))
