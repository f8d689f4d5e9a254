"""The held-out complaints (tests/privacy/data/heldout_complaints.txt and the independent author's
heldout2_complaints.txt), submitted, answered and published
through the real pre-filled publish form: no public page, feed, CSV, search result or Open311 response
holds any of their labelled names, addresses, contacts or numbers."""

from __future__ import annotations

import html
import importlib.util
import json
import re
from pathlib import Path

import pytest

from feedback.domain.redaction import strip_accents
from feedback.extensions import db
from feedback.models import Ticket
from tests.privacy.privacy_support import answered
from tests.support import csrf_token

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("redaction_quality", ROOT / "bench" / "redaction_quality.py")
quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quality)

# Both held-out corpora: the detector's author's and the independent author's (heldout2_complaints.txt).
CORPORA = {"heldout": quality.HELD_OUT, "heldout2": ROOT / "tests" / "privacy" / "data" / "heldout2_complaints.txt"}
SENTENCES = {key: [row for row in quality.load(path) if row["spans"]] for key, path in CORPORA.items()}
NEGATIVES = {key: [row["text"] for row in quality.load(path) if not row["spans"]] for key, path in CORPORA.items()}
PER_TICKET = 6


def _needles(row: dict) -> list[str]:
    """What must not be public: each labelled value; a short one (a given name, a year) with the word
    before it ("chú Tư", "sinh năm 1968"); long numbers also as bare digits."""
    text, found = row["text"], []
    for span in row["spans"]:
        value = text[span["start"] : span["end"]]
        if len(value) < 5 or (" " not in value and not any(c.isdigit() for c in value)):
            before = text[: span["start"]].split()
            value = f"{before[-1]} {value}" if before else value
        found.append(value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 8:
            found.append(digits)
    return found


def _complaints(corpus: str):
    """The labelled sentences as complaints of six sentences: title, content, and an answer that
    repeats two of them (an officer's answer names people too)."""
    sentences, negatives = SENTENCES[corpus], NEGATIVES[corpus]
    for start in range(0, len(sentences), PER_TICKET):
        rows = sentences[start : start + PER_TICKET]
        title = ("Phản ánh: " + rows[0]["text"])[:200]
        content = " ".join(r["text"] for r in rows) + " " + negatives[start // PER_TICKET % len(negatives)]
        answer = "Sở đã tiếp nhận và xác minh. " + " ".join(r["text"] for r in rows[-2:])
        yield rows, title, content, answer


def _body(response) -> str:
    if response.mimetype == "application/json":
        text = json.dumps(response.get_json(), ensure_ascii=False)
    else:
        text = html.unescape(response.get_data(as_text=True))
    return " ".join(text.split()).lower()


@pytest.fixture(params=sorted(CORPORA))
def published(request, client, make_ticket, make_user, login_as):
    coordinator = make_user("coordinator", "VP")
    made = [
        (
            answered(
                make_ticket,
                title=title,
                content=content,
                answer=answer,
                consent_publish=bool(index % 2),
                name="Phùng Văn Khải",
                email="khai.phung@example.vn",
            ),
            rows,
        )
        for index, (rows, title, content, answer) in enumerate(_complaints(request.param))
    ]
    login_as(coordinator)
    tickets = []
    for ticket, rows in made:
        page = client.get(f"/staff/tickets/{ticket.code}/publish").get_data(as_text=True)
        form = {
            "public_title": html.unescape(re.search(r'id="public_title" name="public_title" value="([^"]*)"', page)[1]),
            "public_summary": html.unescape(re.search(r'id="public_summary"[^>]*>(.*?)</textarea>', page, re.S)[1]),
            "public_answer": html.unescape(re.search(r'id="public_answer"[^>]*>(.*?)</textarea>', page, re.S)[1]),
        }
        token = csrf_token(client, f"/staff/tickets/{ticket.code}/publish")
        response = client.post(f"/staff/tickets/{ticket.code}/publish", data={"csrf_token": token, **form})
        assert response.status_code == 303, (
            ticket.code,
            re.findall(r"id=\"(?:form-error|action-error)\"[^>]*>(.*?)<", response.get_data(as_text=True), re.S)
            or response.get_data(as_text=True)[:3000],
        )
        db.session.rollback()
        tickets.append((ticket.code, rows))
    client.get("/staff/logout")
    return request.param, tickets


def test_no_public_output_holds_the_heldout_personal_data(client, published):
    corpus, published = published
    assert len(published) >= 19 and sum(len(rows) for _c, rows in published) == len(SENTENCES[corpus])
    codes = [code for code, _rows in published]
    assert all(db.session.execute(db.select(Ticket.published_at).where(Ticket.code == c)).scalar_one() for c in codes)
    urls = [
        "/results",
        "/results?page=2",
        "/results?page=3",
        "/results/feed.atom",
        "/results/export.csv",
        "/statistics",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/results?q=Nguyen",
        "/results?q=anh",
        "/results/export.csv?q=cân",
        "/results/feed.atom?q=phản ánh",
    ]
    for code in codes:
        urls += [f"/results/{code}", f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml"]
    # The needles are really in what was submitted (so finding none of them in public means something).
    for _c, rows in published:
        for row in rows:
            sentence = row["text"].lower()
            assert all(n.lower() in sentence or n in re.sub(r"\D", "", sentence) for n in _needles(row)), row
    needles = {n.lower() for _c, rows in published for row in rows for n in _needles(row)}
    assert len(needles) >= 160
    needles |= {strip_accents(n) for n in needles}
    patterns = [re.compile(r"(?<!\w)" + re.escape(n) + r"(?!\w)") for n in sorted(needles)]
    bodies = {}
    for url in urls:
        response = client.get(url, buffered=True)
        assert response.status_code == 200, url
        bodies[url] = _body(response)
    leaks = [(url, p.pattern) for url, body in bodies.items() for p in patterns if p.search(body)]
    assert not leaks, leaks[:20]
    # Each result is really there, with its public body and law, not an empty page.
    detail = " ".join(bodies[f"/results/{code}"] for code in codes)
    assert "sở đã tiếp nhận và xác minh" in detail and "***" in detail
    assert all(code.lower() in bodies["/results/export.csv"] for code in codes)
