"""Who is told (services/recipients.py): each workflow event and reminder kind for units set up in
different ways, and the workflow's own emails and the reminders falling back the same way."""

from __future__ import annotations

import pytest

from feedback.extensions import db
from feedback.models import OutboxMessage, User
from feedback.services import calendar, recipients, workflow
from feedback.services.reminders import sweep
from tests.reminders.reminder_helpers import at, unit

OFFICER, HEAD, MAILBOX = "officer@sokhcn.vn", "head.qlcn@sokhcn.vn", "qlcn@sokhcn.vn"
OFFICE, DIRECTOR = "vanphong@sokhcn.vn", "giamdoc@sokhcn.vn"

# Unit set-ups: the QLCN unit with its head, a mailbox and an assigned officer; without a mailbox;
# without head nor mailbox; the same with nobody assigned; and with nobody at all, not even the office.
SETUPS = {
    "full": dict(mailbox=True, head=True, assigned=True, office=True),
    "no_mailbox": dict(mailbox=False, head=True, assigned=True, office=True),
    "no_head": dict(mailbox=False, head=False, assigned=True, office=True),
    "unassigned_no_head": dict(mailbox=False, head=False, assigned=False, office=True),
    "directors_only": dict(mailbox=False, head=False, assigned=False, office=False),
}

TABLE = [  # (event or reminder kind, set-up, who is told)
    ("staff_routed", "full", {HEAD, MAILBOX}),
    ("staff_routed", "no_mailbox", {HEAD}),
    ("staff_routed", "no_head", {OFFICE}),
    ("staff_routed", "directors_only", {DIRECTOR}),
    ("staff_info_provided", "full", {OFFICER}),
    ("staff_info_provided", "unassigned_no_head", {OFFICE}),
    ("staff_approval", "full", {HEAD}),
    ("staff_approval", "no_head", {DIRECTOR}),  # coordinators do not approve
    ("staff_extension_request", "full", {OFFICE, DIRECTOR}),
    ("staff_review_requested", "full", {HEAD, OFFICER, MAILBOX, OFFICE}),
    ("staff_answer_returned", "no_head", {OFFICER}),
    ("staff_answer_returned", "unassigned_no_head", {OFFICE}),
    ("before_due", "full", {OFFICER, MAILBOX}),
    ("before_due", "unassigned_no_head", {OFFICE}),
    ("before_due", "directors_only", {DIRECTOR}),
    ("overdue_head", "full", {HEAD}),
    ("overdue_head", "no_head", {OFFICE}),
    ("overdue_head", "directors_only", {DIRECTOR}),
    ("escalate", "full", {OFFICE, DIRECTOR}),
    ("escalate", "directors_only", {DIRECTOR}),
    ("route_overdue", "full", {OFFICE}),
    ("route_overdue", "directors_only", {DIRECTOR}),
    ("final_escalation", "full", {OFFICE, DIRECTOR}),
]


@pytest.fixture
def desk(make_user, make_ticket, put):
    def build(setup: str):
        s = SETUPS[setup]
        officer = make_user("officer", "QLCN", email=OFFICER, name="Trần Chuyên Viên")
        if s["head"]:
            make_user("unit_head", "QLCN", email=HEAD, name="Lê Trưởng Phòng")
        if s["office"]:
            make_user("coordinator", "VP", email=OFFICE, name="Văn Phòng")
        make_user("director", "BGD", email=DIRECTOR, name="Giám Đốc")
        unit("QLCN").email = MAILBOX if s["mailbox"] else None
        db.session.commit()
        ticket = make_ticket(now=at("2027-03-01T09:00"))
        return put(
            ticket,
            unit_code="QLCN",
            assignee=officer if s["assigned"] else None,
            state="in_progress" if s["assigned"] else "assigned",
        )

    return build


@pytest.mark.parametrize(("what", "setup", "told"), TABLE, ids=[f"{w}-{s}" for w, s, _t in TABLE])
def test_who_is_told(app, desk, what, setup, told):
    ticket = desk(setup)
    assert set(recipients.emails(what, ticket)) == told


def test_an_inactive_head_or_one_without_email_counts_as_none(app, desk):
    ticket = desk("no_mailbox")
    head = db.session.execute(db.select(User).where(User.email == HEAD)).scalar_one()
    head.active = False
    db.session.commit()
    assert recipients.emails("overdue_head", ticket) == [OFFICE]
    assert recipients.emails("staff_routed", ticket) == [OFFICE]


def test_workflow_mail_and_reminders_fall_back_alike_for_a_unit_without_head(app, desk, make_user, make_ticket):
    """A unit with no head and no mailbox: the routing email and the unit head's overdue reminder
    both go one level up, to the office; with a head, both go to the head."""
    desk("no_head")
    coordinator = db.session.execute(db.select(User).where(User.email == OFFICE)).scalar_one()
    routed = make_ticket(now=at("2027-03-01T09:30"), title="Chậm cấp giấy chứng nhận")
    workflow.route(routed, coordinator, "QLCN", at("2027-03-01T10:00"))
    db.session.commit()
    routed_mail = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.kind == "staff_routed", OutboxMessage.ticket_id == routed.id)
    ).scalar_one()
    assert routed_mail.recipients == OFFICE

    overdue = calendar.work_calendar().add_working_days(routed.due_date, 3)  # 3 working days late
    report = sweep(at(f"{overdue.isoformat()}T09:00"))
    db.session.commit()
    heads_lines = {q.recipient for q in report.queued if q.kind == "overdue_head" and q.ticket_code == routed.code}
    assert heads_lines == {OFFICE}

    make_user("unit_head", "QLCN", email=HEAD, name="Lê Trưởng Phòng")
    db.session.commit()
    again = make_ticket(now=at("2027-03-01T09:40"))
    workflow.route(again, coordinator, "QLCN", at("2027-03-01T10:05"))
    db.session.commit()
    assert (
        db.session.execute(
            db.select(OutboxMessage.recipients).where(
                OutboxMessage.kind == "staff_routed", OutboxMessage.ticket_id == again.id
            )
        ).scalar_one()
        == HEAD
    )
    assert set(recipients.emails("overdue_head", again)) == {HEAD}
