"""The report summary and the queue counters behind the dashboard stay equal to a full recount whatever
writes the tickets, `flask reports verify` says so (or prints the differences), the dashboard caps its
lists with a link to the queue, and the detailed CSV is streamed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import text

from feedback.extensions import db
from feedback.models import ReportSummary, Ticket, Unit
from feedback.services import dashboard, privacy, satisfaction, workflow
from feedback.timeutil import local_today


def at(day: date, hour: int = 3) -> datetime:
    """A naive-UTC moment on a local day (03:00 UTC is 10:00 in Hà Nội)."""
    return datetime(day.year, day.month, day.day, hour, 0)


def assert_exact() -> None:
    differences, groups = dashboard.verify()
    assert differences == [] and groups > 0
    # The dashboard's counts by state (from the queue's counters) equal a recount, for all and for a unit.
    unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == "CCTDC")).scalar_one()
    for scope, where in ((dashboard.Scope(True), []), (dashboard.Scope(False, unit_id), [Ticket.unit_id == unit_id])):
        recount = db.select(Ticket.state, db.func.count()).where(*where).group_by(Ticket.state)
        shown = dashboard.dashboard(scope, local_today(), locale="vi").by_state
        assert {s: n for s, n in shown if n} == dict(db.session.execute(recount).all())


def test_summary_equals_recount_after_a_mix_of_workflow_actions(make_ticket, make_user, put_ticket):
    coordinator = make_user("coordinator")
    head = make_user("unit_head", "CCTDC")
    officer = make_user("officer", "CCTDC")
    day = date(2026, 3, 2)

    def worked(received: date, approved: date, late_reason: str | None = None) -> Ticket:
        t = make_ticket(now=at(received), organization="Công ty TNHH Cơ khí Minh Phát")
        workflow.route(t, coordinator, "CCTDC", at(received, 4))
        workflow.assign(t, head, officer, at(received, 5))
        workflow.answer(t, officer, "Chi cục trả lời về thủ tục công bố tiêu chuẩn cơ sở.", at(approved, 2))
        workflow.approve(t, head, at(approved, 3), late_reason=late_reason)
        db.session.commit()
        return t

    on_time = worked(day, day + timedelta(days=10))
    late = worked(day + timedelta(days=1), day + timedelta(days=60), "Chờ ý kiến của Bộ Khoa học và Công nghệ")
    assert (on_time.on_time, late.on_time) == (True, False)
    assert_exact()

    moved = make_ticket(now=at(day + timedelta(days=2)))
    workflow.route(moved, coordinator, "CCTDC", at(day + timedelta(days=2), 4))
    workflow.extend(
        moved,
        coordinator,
        moved.due_date + timedelta(days=14),
        "Cần lấy ý kiến Sở Tài chính",
        at(day + timedelta(days=3)),
    )
    paused = make_ticket(now=at(day + timedelta(days=3)))
    workflow.route(paused, coordinator, "QLCN", at(day + timedelta(days=3), 4))
    workflow.request_info(
        paused, coordinator, "Đề nghị bổ sung giấy chứng nhận đăng ký doanh nghiệp.", at(day + timedelta(days=4))
    )
    workflow.provide_info(paused, None, "Đã bổ sung bản sao giấy chứng nhận.", at(day + timedelta(days=8)))
    refused = make_ticket(now=at(day + timedelta(days=5)))
    workflow.refuse(
        refused, coordinator, "Không thuộc thẩm quyền của Sở.", at(day + timedelta(days=6)), reason_code="out_of_scope"
    )
    transferred = make_ticket(now=at(day + timedelta(days=5)))
    workflow.transfer(
        transferred, coordinator, "Sở Công Thương", "Thuộc thẩm quyền Sở Công Thương.", at(day + timedelta(days=6))
    )
    db.session.commit()
    assert_exact()

    # A calendar recheck moves due dates and verdicts on the ticket rows themselves.
    late.due_date, late.on_time = late.answered_on, True
    db.session.commit()
    assert_exact()

    # Reconsideration: the submitter asks for a review of an answered ticket, which reopens it.
    satisfaction.rate(
        on_time,
        "dissatisfied",
        ["did_not_address"],
        "Chưa trả lời câu hỏi về nhãn hàng hóa.",
        at(day + timedelta(days=11)),
    )
    outcome = satisfaction.request_review(
        on_time, ["did_not_address"], "Đề nghị Sở xem xét lại câu trả lời.", at(day + timedelta(days=12))
    )
    db.session.commit()
    assert outcome is not None and on_time.state != "answered"
    assert_exact()

    # Anonymisation keeps the counts; deleting a ticket takes it away from the summary.
    privacy.anonymise_ticket(refused, at(day + timedelta(days=400)), privacy.AnonymiseResult())
    db.session.commit()
    gone = put_ticket(
        code="PAKN-2026-009001",
        unit="QLCN",
        state="in_progress",
        received_on=day,
        due_date=day + timedelta(days=20),
        title="Đề nghị hướng dẫn thủ tục cấp mã số mã vạch",
    )
    assert_exact()
    db.session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": gone.id})
    db.session.commit()
    assert_exact()
    received = db.session.execute(db.select(db.func.sum(ReportSummary.n))).scalar_one()
    assert received == db.session.execute(db.select(db.func.count()).select_from(Ticket)).scalar_one() == 6


def test_reports_verify_command(runner, put_ticket):
    today = local_today()
    for i in range(3):
        put_ticket(code=f"PAKN-2026-00900{i}", unit="QLCN", state="in_progress", received_on=today, due_date=today)
    ok = runner.invoke(args=["reports", "verify"])
    assert ok.exit_code == 0 and ok.output.startswith("OK: report summary matches a full recount")
    assert runner.invoke(args=["reports", "verify", "--year", str(today.year)]).exit_code == 0

    db.session.execute(text("UPDATE report_summary SET n = n + 5 WHERE state = 'in_progress'"))
    db.session.commit()
    bad = runner.invoke(args=["reports", "verify"])
    assert bad.exit_code == 1
    assert "differs from a full recount in 1 groups" in bad.output
    assert f"in_progress {today:%Y-%m}" in bad.output and "8 != 3" in bad.output


def test_dashboard_caps_the_overdue_list_with_a_link(client, put_ticket, staff):
    today = local_today()
    for i in range(18):
        put_ticket(
            unit="QLCN",
            state="in_progress",
            received_on=today - timedelta(days=60),
            due_date=today - timedelta(days=3 + i),
            title=f"Đề nghị hướng dẫn đo lường số {i}",
        )
    staff("coordinator")
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="overdue-count">18<' in html
    overdue = html.split('id="overdue"')[1].split("</table>")[0]
    assert overdue.count("<tr>") == 16  # the header and the 15 oldest
    assert "Đề nghị hướng dẫn đo lường số 17<" in overdue and "số 2<" not in overdue
    more = re.search(r'id="overdue-more">(.*?)</p>', html, re.S).group(1)
    assert "/staff/?overdue=1" in more


def test_detailed_csv_is_streamed(client, put_ticket, staff):
    today = local_today()
    put_ticket(
        unit="QLCN",
        state="in_progress",
        received_on=today,
        due_date=today + timedelta(days=10),
        title='=HYPERLINK("http://x")',
    )
    staff("coordinator")
    r = client.get(f"/staff/reports/export.csv?from={today:%Y-%m-%d}&to={today:%Y-%m-%d}&part=detail")
    assert r.status_code == 200 and r.is_streamed
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã số,Ngày tiếp nhận,Loại,Lĩnh vực,Đơn vị xử lý,Kênh tiếp nhận,Đối tượng,Tiêu đề")
    assert len(lines) == 2 and "'=HYPERLINK" in lines[1] and today.strftime("%d/%m/%Y") in lines[1]
