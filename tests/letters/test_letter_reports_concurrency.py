"""The periodic report as a numbered báo cáo, its reminder, the answer form over HTTP, and distinct
numbers under concurrent approvals."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from feedback.extensions import db
from feedback.models import OutboxMessage, OutgoingDocument, ReportReminder, Ticket, TicketEvent
from feedback.services import letters, workflow
from feedback.timeutil import local_today
from tests.letters.letter_helpers import LETTER_FORM, local, pdf_text


def test_the_office_issues_the_quarterly_report_as_a_numbered_bao_cao(app, team, to_approval, staff_client, trust):
    ticket = to_approval(received=local(2026, 11, 2))
    workflow.approve(ticket, team["head"], local(2026, 11, 9))  # takes number 01 of 2026
    db.session.commit()
    office = staff_client(team["coordinator"])
    page = office.get("/staff/reports?year=2026&quarter=4").get_data(as_text=True)
    assert 'id="report-document"' in page
    response = office.post(
        "/staff/reports/document",
        data={
            "csrf_token": office.token,
            "year": "2026",
            "quarter": "4",
            "signer": "pgd@test.vn",
            "text": "Sở Khoa học và Công nghệ báo cáo kết quả quý IV năm 2026 như sau.\nKhó khăn: chưa có.",
            "recipients": "UBND tỉnh Tây Ninh (để báo cáo)\nLưu: VT, VP",
        },
    )
    assert response.status_code == 303
    report = db.session.execute(db.select(OutgoingDocument).where(OutgoingDocument.doc_type == "report")).scalar_one()
    # Numbered in the register of the year it is issued in (today's): 02 in 2026, after the letter's 01;
    # 01 of a later year.
    number = 2 if local_today().year == 2026 else 1
    assert (report.number, report.symbol, report.period) == (number, "BC-SKHCN", "2026-q4")
    text = " ".join(pdf_text(report.pdf).split())
    for expected in (
        f"Số: {number:02d}/BC-SKHCN",
        "BÁO CÁO",
        "Quý IV năm 2026",
        "Kính gửi: Ủy ban nhân dân tỉnh Tây Ninh",
        "Khó khăn: chưa có./.",
        "Tổng số tiếp nhận 1",
        "Đã trả lời đúng hạn 1",
        "Theo đơn vị xử lý",
        "Nơi nhận:",
        "- UBND tỉnh Tây Ninh (để báo cáo);",
        "KT. GIÁM ĐỐC",
        "Phạm Văn Giám",
    ):
        assert expected in text, expected
    register = office.get("/staff/register?year=2026").get_data(as_text=True)
    assert f"{number:02d}/BC-SKHCN" in register
    due = register[register.index('data-period="2026-q4"') :]  # the 2026 register's reports, by period
    assert f"{number:02d}/BC-SKHCN" in due[:400]
    # A unit head may not issue it; a bad signer is refused without taking a number.
    assert staff_client(team["head"]).post(
        "/staff/reports/document", data={"csrf_token": office.token, "year": "2026", "quarter": "4"}
    ).status_code in (400, 403)
    refused = office.post(
        "/staff/reports/document",
        data={"csrf_token": office.token, "year": "2026", "quarter": "4", "signer": "cv.cctdc@test.vn"},
    )
    assert refused.status_code == 400
    assert db.session.execute(db.select(db.func.count(OutgoingDocument.id))).scalar() == 2


def test_the_office_is_reminded_five_working_days_before_each_report_once(app, team, runner):
    # Q4/2026 is due before 10/12/2026 (Wednesday): the last day is Wednesday 09/12; five working days
    # before it is Wednesday 02/12. The yearly report is due before 05/12: last day Friday 04/12,
    # reminded on Friday 27/11.
    result = runner.invoke(args=["reminders", "send", "--now", "2026-11-26T09:00:00+07:00"])
    assert result.exit_code == 0 and "report reminder" not in result.output
    result = runner.invoke(args=["reminders", "send", "--now", "2026-11-27T09:00:00+07:00"])
    assert result.output.count("report reminder queued") == 1, result.output
    result = runner.invoke(args=["reminders", "send", "--now", "2026-12-02T09:00:00+07:00"])
    assert result.output.count("report reminder queued") == 1, result.output  # Q4 only; the yearly one is done
    result = runner.invoke(args=["reminders", "send", "--now", "2026-12-03T09:00:00+07:00"])
    assert "report reminder" not in result.output
    db.session.expire_all()
    assert sorted(db.session.execute(db.select(ReportReminder.period)).scalars()) == ["2026", "2026-q4"]
    mails = (
        db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.kind == "report_reminder").order_by(OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    assert [m.recipients for m in mails] == ["vanphong@test.vn", "vanphong@test.vn"]
    assert "04/12/2026" in mails[0].subject and "09/12/2026" in mails[1].subject
    assert "/staff/reports?year=2026&quarter=4" in mails[1].body_text


def test_answer_and_approve_over_http_with_the_letter_fields(app, team, make_ticket, staff_client):
    ticket = make_ticket(now=local(2026, 4, 6))
    workflow.route(ticket, team["coordinator"], "CCTDC", local(2026, 4, 6))
    workflow.assign(ticket, team["head"], team["officer"], local(2026, 4, 6))
    db.session.commit()
    code = ticket.code
    officer = staff_client(team["officer"])
    page = officer.get(f"/staff/tickets/{code}").get_data(as_text=True)
    # The form starts from the defaults: the summary line, the addressee and the body's parts.
    assert "V/v trả lời phản ánh, kiến nghị của Công ty TNHH Cơ khí Chính xác Long An" in page
    assert "Căn cứ pháp lý" in page and "Lưu: VT, CCTDC" in page
    form = dict(LETTER_FORM, signer="pgd@test.vn", csrf_token=officer.token)
    preview = officer.post(f"/staff/tickets/{code}/letter-preview", data=form)
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    text = " ".join(pdf_text(preview.data).split())
    assert "Dự thảo" in text and "/SKHCN-CCTDC" in text and LETTER_FORM["subject"] in text
    bad = officer.post(f"/staff/tickets/{code}/answer", data=dict(form, subject="  ", recipients=""))
    assert bad.status_code == 400 and 'id="answer-subject-error"' in bad.get_data(as_text=True)
    assert officer.post(f"/staff/tickets/{code}/answer", data=dict(form, signer="cv.cctdc@test.vn")).status_code == 400
    assert officer.post(f"/staff/tickets/{code}/answer", data=form).status_code == 303

    director = staff_client(team["director"])
    edited = dict(
        form,
        csrf_token=director.token,
        addressee="Công ty TNHH Cơ khí Chính xác Long An (ông Giám đốc)",
        late_reason="Chờ kết quả kiểm định của Trung tâm.",
    )  # approved today, after the due date
    assert director.post(f"/staff/tickets/{code}/approve", data=edited).status_code == 303
    db.session.expire_all()
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    doc = letters.current_letter(ticket)
    assert doc.addressee.endswith("(ông Giám đốc)") and doc.signer_name == "Phạm Văn Giám"
    actions = [
        e.action
        for e in db.session.execute(
            db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        ).scalars()
    ]
    assert actions[-4:] == ["answer", "edit_draft", "approve", "letter_issued"]
    page = director.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="letter-status" data-status="awaiting_signature"' in page and 'id="form-signed-letter"' in page


def test_concurrent_approvals_take_distinct_numbers(app, team, to_approval):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL one (row lock on the counter)")
    tickets = [to_approval(received=local(2026, 5, 4)) for _ in range(6)]
    ids = [t.id for t in tickets]
    db.session.remove()
    barrier = threading.Barrier(len(ids))
    errors = []

    def approve(ticket_id):
        with app.app_context():
            try:
                from feedback.models import User

                ticket = db.session.execute(
                    db.select(Ticket).where(Ticket.id == ticket_id).with_for_update()
                ).scalar_one()
                head = db.session.execute(db.select(User).where(User.email == "truong.cctdc@test.vn")).scalar_one()
                barrier.wait(timeout=30)
                workflow.approve(ticket, head, local(2026, 5, 11))
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    numbers = sorted(db.session.execute(db.select(OutgoingDocument.number)).scalars())
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert date(2026, 5, 11) in set(db.session.execute(db.select(OutgoingDocument.issued_on)).scalars())
