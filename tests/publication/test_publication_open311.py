"""Open311 GeoReport v2: field lists of the spec in JSON and XML, filters, POST with API key, OpenAPI."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from feedback.extensions import db
from feedback.models import Ticket
from tests.publication.publication_fixtures import (  # noqa: F401
    answered_ticket,
    coordinator,
    publish,
    release_before_requests,
    search_schema,
)

# Field lists of GeoReport v2 (wiki.open311.org/GeoReport_v2).
SPEC_SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SPEC_REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
OUR_EXTENSIONS = {"title", "kind", "due_date", "on_time", "overdue", "answered_datetime", "published_datetime", "url"}
SPEC_ATTRIBUTE = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}
SPEC_DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
SPEC_ENDPOINT = {"specification", "url", "changeset", "type", "formats"}
PERSONAL_KEYS = {
    "email",
    "phone",
    "first_name",
    "last_name",
    "name",
    "tax_code",
    "organization",
    "address_string",
    "device_id",
    "account_id",
}


@pytest.fixture
def data(answered_ticket, make_ticket, coordinator, publish):
    published = answered_ticket(
        category="TDC", unit_code="CCTDC", on_time=False, answer="Sở trả lời: lịch kiểm định đã được bố trí trong tuần."
    )
    publish(published, coordinator, now=datetime(2026, 11, 10, 3))
    unpublished = answered_ticket(category="SHTT", unit_code="QLCN")
    open_ticket = make_ticket(category="SHTT")
    return {"published": published.code, "unpublished": unpublished.code, "open": open_ticket.code}


def xml_items(body: bytes, root: str, item: str) -> list[dict]:
    tree = ET.fromstring(body)
    assert tree.tag == root
    return [{child.tag: child for child in element} for element in tree.findall(item)]


def test_discovery(client):
    doc = client.get("/open311/v2/discovery.json").get_json()
    assert set(doc) == SPEC_DISCOVERY
    assert set(doc["endpoints"][0]) == SPEC_ENDPOINT
    assert doc["endpoints"][0]["url"].endswith("/open311/v2")
    tree = ET.fromstring(client.get("/open311/v2/discovery.xml").data)
    assert tree.tag == "discovery" and {c.tag for c in tree} == SPEC_DISCOVERY
    endpoint = tree.find("endpoints/endpoint")
    assert {c.tag for c in endpoint} == SPEC_ENDPOINT
    assert [f.text for f in endpoint.find("formats")] == ["application/json", "text/xml"]


def test_services_are_our_categories(client):
    services = client.get("/open311/v2/services.json").get_json()
    assert {s["service_code"] for s in services} >= {"SHTT", "TDC", "TTHC", "KHAC"}
    for s in services:
        assert set(s) == SPEC_SERVICE
        assert s["type"] in ("realtime", "batch", "blackbox") and isinstance(s["metadata"], bool)
    xml = xml_items(client.get("/open311/v2/services.xml").data, "services", "service")
    assert len(xml) == len(services) and all(set(s) == SPEC_SERVICE for s in xml)
    definition = client.get("/open311/v2/services/TDC.json").get_json()
    assert definition["service_code"] == "TDC"
    for attribute in definition["attributes"]:
        assert set(attribute) >= SPEC_ATTRIBUTE
        assert attribute["datatype"] in ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
    kind = next(a for a in definition["attributes"] if a["code"] == "kind")
    assert {v["key"] for v in kind["values"]} == {"complaint", "recommendation", "proposal"}
    tree = ET.fromstring(client.get("/open311/v2/services/TDC.xml").data)
    assert tree.tag == "service_definition" and len(tree.findall("attributes/attribute")) == len(
        definition["attributes"]
    )
    missing = client.get("/open311/v2/services/NOPE.json")
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404


def test_requests_list_fields_and_content(client, data):
    requests = client.get("/open311/v2/requests.json").get_json()
    by_id = {r["service_request_id"]: r for r in requests}
    assert set(by_id) == {data["published"], data["open"]}  # answered but unpublished is not listed
    for r in requests:
        assert set(r) == SPEC_REQUEST | OUR_EXTENSIONS
        assert not set(r) & PERSONAL_KEYS
        assert r["address"] is None and r["lat"] is None
        datetime.fromisoformat(r["requested_datetime"])
        datetime.fromisoformat(r["expected_datetime"])
    published = by_id[data["published"]]
    assert published["status"] == "closed" and published["on_time"] is False
    assert "lịch kiểm định" in published["status_notes"]
    assert published["agency_responsible"] == "Chi cục Tiêu chuẩn Đo lường Chất lượng"
    assert published["url"].endswith(f"/results/{data['published']}")
    assert published["expected_datetime"].startswith(published["due_date"])
    opened = by_id[data["open"]]
    assert opened["status"] == "open" and opened["description"] is None and opened["title"] is None
    assert opened["due_date"] and opened["on_time"] is None
    xml = xml_items(client.get("/open311/v2/requests.xml").data, "service_requests", "request")
    assert len(xml) == 2
    for r in xml:
        assert set(r) == SPEC_REQUEST | OUR_EXTENSIONS
    xml_published = next(r for r in xml if r["service_request_id"].text == data["published"])
    assert xml_published["status"].text == "closed" and xml_published["on_time"].text == "false"


def test_requests_filters(client, data):
    def ids(query):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return {r["service_request_id"] for r in response.get_json()}

    assert ids("status=open") == {data["open"]}
    assert ids("status=closed") == {data["published"]}
    assert ids("status=open,closed") == {data["open"], data["published"]}
    assert ids("service_code=TDC") == {data["published"]}
    assert ids("service_code=SHTT,TDC") == {data["open"], data["published"]}
    assert ids(f"service_request_id={data['open']},{data['unpublished']}") == {data["open"]}
    received = db.session.execute(db.select(Ticket.received_at).where(Ticket.code == data["open"])).scalar_one()
    later = (received + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={later}") == set()
    assert ids(f"end_date={later}") == {data["open"], data["published"]}
    assert ids("start_date=2000-01-01T00:00:00%2B07:00&page_size=1") and len(ids("page_size=1")) == 1
    for bad in ("status=pending", "start_date=yesterday", "page_size=0"):
        response = client.get(f"/open311/v2/requests.json?{bad}")
        assert response.status_code == 400 and response.get_json()[0]["code"] == 400
    xml_error = client.get("/open311/v2/requests.xml?status=pending")
    tree = ET.fromstring(xml_error.data)
    assert xml_error.status_code == 400 and tree.tag == "errors" and tree.find("error/code").text == "400"


def test_single_request(client, data):
    one = client.get(f"/open311/v2/requests/{data['published']}.json")
    assert one.status_code == 200 and one.get_json()[0]["service_request_id"] == data["published"]
    xml = xml_items(client.get(f"/open311/v2/requests/{data['open']}.xml").data, "service_requests", "request")
    assert xml[0]["service_request_id"].text == data["open"]
    assert client.get(f"/open311/v2/requests/{data['unpublished']}.json").status_code == 404
    assert client.get("/open311/v2/requests/PAKN-1999-000001.xml").status_code == 404


POST = {
    "service_code": "TDC",
    "description": "Đề nghị Chi cục bố trí lịch kiểm định cân đồng hồ lò xo sớm hơn cho doanh nghiệp.",
    "first_name": "Đỗ",
    "last_name": "Thị Mai",
    "email": "mai.do@example.com",
    "phone": "+84 912 000 111",
    "address_string": "Số 3 đường Nguyễn Huệ, phường 1, TP Tân An",
    "attribute[kind]": "recommendation",
    "attribute[organization]": "Công ty TNHH Cân Việt",
    "attribute[tax_code]": "0101243150",
    "attribute[consent_publish]": "true",
}


@pytest.fixture
def api_key(app):
    app.config["OPEN311_API_KEYS"] = ["k-123", "k-456"]
    return "k-456"


def test_post_requires_api_key(client, api_key):
    for data in (POST, {**POST, "api_key": "wrong"}):
        response = client.post("/open311/v2/requests.json", data=data)
        assert response.status_code == 403 and response.get_json()[0]["code"] == 403
    xml = client.post("/open311/v2/requests.xml", data=POST)
    assert xml.status_code == 403 and ET.fromstring(xml.data).tag == "errors"
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 0


def test_post_creates_a_ticket_through_intake(client, api_key):
    response = client.post("/open311/v2/requests.json", data={**POST, "api_key": api_key})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body[0]) >= {"service_request_id", "service_notice", "account_id"}
    code = body[0]["service_request_id"]
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    assert ticket.channel == "api" and ticket.kind == "recommendation" and ticket.category.code == "TDC"
    assert ticket.name == "Đỗ Thị Mai" and ticket.phone == "0912000111" and ticket.consent_publish
    assert ticket.title.startswith("Đề nghị Chi cục") and ticket.submitter_type == "enterprise"
    assert body[0]["due_date"] == ticket.due_date.isoformat()
    assert ticket.due_date.strftime("%d/%m/%Y") in body[0]["service_notice"]
    assert response.headers["Location"].endswith(f"/open311/v2/requests/{code}.json")
    listed = client.get(f"/open311/v2/requests/{code}.json").get_json()[0]
    assert listed["status"] == "open" and listed["service_code"] == "TDC"
    xml = client.post(
        "/open311/v2/requests.xml", data={**POST, "api_key": api_key, "attribute[title]": "Tiêu đề qua API"}
    )
    assert xml.status_code == 201
    assert ET.fromstring(xml.data).find("request/service_request_id").text.startswith("PAKN-")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_code": "NOPE"}, "service_code"),
        ({"attribute[kind]": ""}, "attribute[kind]"),
        ({"attribute[tax_code]": "0101243151"}, "attribute[tax_code]"),  # wrong check digit
        ({"email": "khong-phai-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"address_string": ""}, "address_string"),
        ({"first_name": "", "last_name": ""}, "first_name/last_name"),
        ({"description": "ngắn"}, "description"),
        ({"attribute[organization]": "", "attribute[submitter_type]": "enterprise"}, "attribute[organization]"),
        ({"attribute[submitter_type]": "robot"}, "attribute[submitter_type]"),
    ],
)
def test_post_validates_like_the_web_form(client, api_key, change, field):
    response = client.post("/open311/v2/requests.json", data={**POST, "api_key": api_key, **change})
    assert response.status_code == 400
    errors = response.get_json()
    assert all(e["code"] == 400 for e in errors)
    assert any(e["description"].startswith(field + ":") for e in errors), errors
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 0


def test_post_is_csrf_exempt_but_web_posts_are_not(client, api_key):
    assert client.post("/open311/v2/requests.json", data={**POST, "api_key": api_key}).status_code == 201
    assert client.post("/submit", data={}).status_code == 400


def test_openapi_document(client):
    doc = client.get("/open311/v2/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {
        "/discovery.{fmt}",
        "/services.{fmt}",
        "/services/{service_code}.{fmt}",
        "/requests.{fmt}",
        "/requests/{service_request_id}.{fmt}",
    }
    schema = doc["components"]["schemas"]["ServiceRequest"]["properties"]
    assert set(schema) == SPEC_REQUEST | OUR_EXTENSIONS
    assert "post" in doc["paths"]["/requests.{fmt}"] and "get" in doc["paths"]["/requests.{fmt}"]

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        assert ref.split("/")[-1] in doc["components"]["schemas"], ref
