"""Workflow services: deadlines across routing, re-routing, pauses and extensions; approval; refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from feedback.domain.states import State, TransitionError
from feedback.extensions import db
from feedback.models import OutboxMessage, Ticket, TicketEvent
from feedback.services import ServiceError, workflow
from tests.factories import advance
from tests.support import local


def snapshot(ticket: Ticket) -> tuple:
    db.session.expire_all()
    t = db.session.get(Ticket, ticket.id)
    events = db.session.execute(db.select(db.func.count(TicketEvent.id)).where(TicketEvent.ticket_id == t.id)).scalar()
    mails = db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar()
    return (
        t.state,
        t.version,
        t.due_date,
        t.unit_id,
        t.assignee_id,
        t.extension_count,
        t.pending_extension_date,
        events,
        mails,
    )


def refused_without_change(ticket, call, status=None, field=None):
    before = snapshot(ticket)
    exc_type = ServiceError if field else TransitionError
    with pytest.raises(exc_type) as exc:
        call()
    db.session.rollback()
    if status:
        assert exc.value.status == status
    if field:
        assert exc.value.field == field and exc.value.message
    assert snapshot(ticket) == before
    return exc.value


def test_route_sets_the_written_deadline_from_receipt_and_rerouting_keeps_it(team, make_ticket):
    # Received Tuesday 21/04/2026: 20 calendar days -> Monday 11/05/2026 (a working day).
    ticket = make_ticket(now=local(2026, 4, 21))
    assert ticket.received_on == date(2026, 4, 21)
    workflow.route(ticket, team["coordinator"], "CCTDC", local(2026, 4, 24))
    db.session.commit()
    assert ticket.state == State.ASSIGNED and ticket.unit.code == "CCTDC"
    # Counted from receipt, not from routing (which would give 14/05/2026).
    assert ticket.due_date == ticket.original_due_date == date(2026, 5, 11)
    assert "21/04/2026" in ticket.due_explanation
    routed_at = ticket.routed_at
    workflow.assign(ticket, team["head"], team["officer"], local(2026, 4, 24, 11))
    db.session.commit()

    workflow.route(ticket, team["coordinator"], "QLCN", local(2026, 5, 4))
    db.session.commit()
    assert ticket.state == State.ASSIGNED and ticket.unit.code == "QLCN"
    assert ticket.due_date == date(2026, 5, 11) and ticket.routed_at == routed_at
    assert ticket.assignee_id is None  # the old unit's officer no longer sees it
    route_events = [e for e in ticket.events if e.action == "route"]
    assert [e.public for e in route_events] == [True, True] and route_events[1].details["rerouted"] is True
    staff_mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "staff_routed")).scalars()
    assert {m.recipients for m in staff_mail} == {"head@test.vn", "otherhead@test.vn"}


def test_coordinator_may_set_an_earlier_date_but_not_a_later_one(team, make_ticket):
    ticket = make_ticket(now=local(2026, 4, 21))
    coord = team["coordinator"]
    when = local(2026, 4, 24)
    refused_without_change(
        ticket, lambda: workflow.route(ticket, coord, "CCTDC", when, due_date="2026-05-12"), field="due_date"
    )  # later: only by extension
    refused_without_change(
        ticket, lambda: workflow.route(ticket, coord, "CCTDC", when, due_date="2026-05-02"), field="due_date"
    )  # a Saturday
    refused_without_change(
        ticket, lambda: workflow.route(ticket, coord, "CCTDC", when, due_date="2026-04-23"), field="due_date"
    )  # in the past
    refused_without_change(
        ticket, lambda: workflow.route(ticket, coord, "CCTDC", when, due_date="12/13/2026"), field="due_date"
    )  # not a date
    refused_without_change(ticket, lambda: workflow.route(ticket, coord, "NOPE", when), field="unit")
    workflow.route(ticket, coord, "CCTDC", when, due_date="2026-05-05", note="Ưu tiên xử lý")
    db.session.commit()
    assert ticket.due_date == ticket.original_due_date == date(2026, 5, 5)
    assert "05/05/2026" in ticket.due_explanation
    note = [e for e in ticket.events if e.action == "note"]
    assert len(note) == 1 and note[0].public is False and note[0].message == "Ưu tiên xử lý"


def test_pause_over_tet_moves_the_due_date_by_the_paused_working_days(team, make_ticket):
    # Received Monday 25/01/2027: +20 days = Sunday 14/02/2027 -> Monday 15/02/2027.
    ticket = make_ticket(now=local(2027, 1, 25))
    workflow.route(ticket, team["coordinator"], "CCTDC", local(2027, 1, 25, 11))
    db.session.commit()
    assert ticket.due_date == date(2027, 2, 15)
    workflow.request_info(ticket, team["coordinator"], "Đề nghị bổ sung số hồ sơ kiểm định.", local(2027, 2, 3))
    db.session.commit()
    assert ticket.state == State.NEEDS_INFO and ticket.paused_on == date(2027, 2, 3)
    assert ticket.paused_from_state == State.ASSIGNED
    info_mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "info_request")).scalar_one()
    assert info_mail.recipients == "an.nguyen@example.com" and "số hồ sơ kiểm định" in info_mail.body_text
    # Reply Friday 12/02/2027. Paused working days in (03/02, 12/02]: 04-10/02 is Tết and a weekend,
    # so only Thursday 11/02 and Friday 12/02 count.
    workflow.provide_info(ticket, None, "Số hồ sơ: KD-2027-001.", local(2027, 2, 12))
    db.session.commit()
    assert ticket.state == State.ASSIGNED
    assert ticket.paused_working_days == 2 and ticket.paused_on is None and ticket.paused_from_state is None
    assert ticket.due_date == date(2027, 2, 17)
    event = ticket.events[-1]
    assert event.action == "provide_info" and event.public and event.actor_label == "submitter"
    # Re-routing after the pause keeps the moved date.
    workflow.route(ticket, team["coordinator"], "QLCN", local(2027, 2, 15))
    db.session.commit()
    assert ticket.due_date == date(2027, 2, 17)


def test_a_pause_before_routing_is_kept_in_the_written_deadline(team, make_ticket):
    ticket = make_ticket(now=local(2027, 1, 25))
    workflow.request_info(ticket, team["coordinator"], "Bổ sung địa chỉ liên hệ.", local(2027, 1, 26))
    workflow.provide_info(ticket, team["coordinator"], "Đã bổ sung qua điện thoại.", local(2027, 2, 12))
    db.session.commit()
    # (26/01, 12/02]: 27-29/01 and 01-03/02 (6 days) plus 11-12/02 (2 days) = 8 working days.
    assert ticket.state == State.NEW and ticket.paused_working_days == 8
    assert ticket.due_date == date(2027, 2, 25)
    workflow.route(ticket, team["coordinator"], "CCTDC", local(2027, 2, 12, 11))
    db.session.commit()
    assert ticket.due_date == ticket.original_due_date == date(2027, 2, 25)


def test_no_pause_when_the_setting_is_off(app, team, make_ticket):
    app.config["PAUSE_ON_REQUEST_INFO"] = False
    ticket = make_ticket(now=local(2027, 1, 25))
    workflow.request_info(ticket, team["coordinator"], "Bổ sung?", local(2027, 1, 26))
    workflow.provide_info(ticket, None, "Đây.", local(2027, 2, 12))
    db.session.commit()
    assert ticket.due_date == date(2027, 2, 15) and ticket.paused_working_days == 0


def in_progress(team, make_ticket, now=None):
    start = now or local(2026, 4, 21)
    return advance(make_ticket(now=start), team, "in_progress", start)


def test_extension_request_then_approval_and_the_limit(team, make_ticket):
    ticket = in_progress(team, make_ticket)
    assert ticket.due_date == date(2026, 5, 11)
    head, coord = team["head"], team["coordinator"]
    refused_without_change(
        ticket, lambda: workflow.extend(ticket, head, "2026-05-11", "x", local(2026, 5, 4)), field="due_date"
    )  # not later than the current date
    refused_without_change(
        ticket, lambda: workflow.extend(ticket, head, "2026-09-02", "x", local(2026, 5, 4)), field="due_date"
    )  # National Day
    refused_without_change(
        ticket, lambda: workflow.extend(ticket, head, "2026-05-25", "", local(2026, 5, 4)), field="reason"
    )
    workflow.extend(ticket, head, "2026-05-25", "Chờ kết quả kiểm định lại.", local(2026, 5, 4))
    db.session.commit()
    assert ticket.pending_extension_date == date(2026, 5, 25) and ticket.due_date == date(2026, 5, 11)
    assert ticket.events[-1].public is False  # a request is internal until approved
    assert not db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "extension")).first()
    refused_without_change(
        ticket, lambda: workflow.extend(ticket, head, "2026-05-26", "lại", local(2026, 5, 4)), status=409
    )  # one request at a time
    refused_without_change(ticket, lambda: workflow.approve_extension(ticket, head, local(2026, 5, 5)), status=403)
    workflow.approve_extension(ticket, coord, local(2026, 5, 5))
    db.session.commit()
    assert ticket.due_date == date(2026, 5, 25) and ticket.extension_count == 1
    assert ticket.pending_extension_date is None and ticket.events[-1].public is True
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "extension")).scalar_one()
    assert "25/05/2026" in mail.body_text and "11/05/2026" in mail.body_text
    assert "11/05/2026" in ticket.due_explanation and "25/05/2026" in ticket.due_explanation
    # MAX_EXTENSIONS defaults to 1.
    refused_without_change(
        ticket, lambda: workflow.extend(ticket, coord, "2026-06-01", "nữa", local(2026, 5, 6)), status=409
    )
    # Re-routing keeps the extended date.
    workflow.route(ticket, coord, "QLCN", local(2026, 5, 6))
    db.session.commit()
    assert ticket.due_date == date(2026, 5, 25)


def test_coordinator_extension_is_approved_at_once_and_rejection_keeps_the_date(app, team, make_ticket):
    app.config["MAX_EXTENSIONS"] = 2
    ticket = in_progress(team, make_ticket)
    workflow.extend(ticket, team["head"], "2026-05-20", "Cần thêm thời gian.", local(2026, 5, 4))
    db.session.commit()
    refused_without_change(
        ticket, lambda: workflow.reject_extension(ticket, team["officer"], local(2026, 5, 4)), status=403
    )
    workflow.reject_extension(ticket, team["director"], local(2026, 5, 5))
    db.session.commit()
    assert ticket.due_date == date(2026, 5, 11) and ticket.pending_extension_date is None
    assert ticket.extension_count == 0
    refused_without_change(
        ticket, lambda: workflow.approve_extension(ticket, team["coordinator"], local(2026, 5, 5)), status=409
    )  # nothing pending
    workflow.extend(ticket, team["coordinator"], "2026-05-18", "Văn phòng gia hạn.", local(2026, 5, 6))
    db.session.commit()
    assert ticket.due_date == date(2026, 5, 18) and ticket.extension_count == 1


def pending_approval(team, make_ticket, received):
    ticket = in_progress(team, make_ticket, now=received)
    workflow.answer(ticket, team["officer"], "Chi cục trả lời như sau ...", received)
    db.session.commit()
    return ticket


def test_approval_on_the_due_date_is_on_time(team, make_ticket, signing):
    # Received Monday 06/04/2026: +20 days = Sunday 26/04 (Hùng Kings), observed Monday 27/04 -> Tuesday 28/04.
    ticket = pending_approval(team, make_ticket, local(2026, 4, 6))
    assert ticket.due_date == date(2026, 4, 28)
    workflow.approve(ticket, team["head"], local(2026, 4, 28, 16))
    db.session.commit()
    assert ticket.state == State.ANSWERED and ticket.on_time is True and ticket.late_reason is None
    assert ticket.answer == "Chi cục trả lời như sau ..." and ticket.answered_on == date(2026, 4, 28)
    assert ticket.approved_by_id == team["head"].id and ticket.closed_at is not None
    # Publication within 2 working days: 29/04 (1), then 30/04 and 01/05 holidays, weekend -> 04/05 (2).
    assert ticket.publish_due_date == date(2026, 5, 4)
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "answer")).scalar_one()
    assert mail.recipients == "an.nguyen@example.com" and "Chi cục trả lời như sau" in mail.body_text


def test_a_late_approval_needs_a_late_reason(team, make_ticket):
    ticket = pending_approval(team, make_ticket, local(2026, 4, 6))
    late = local(2026, 4, 29)
    refused_without_change(ticket, lambda: workflow.approve(ticket, team["director"], late), field="late_reason")
    workflow.approve(ticket, team["director"], late, late_reason="Chờ ý kiến của Bộ.")
    db.session.commit()
    assert ticket.on_time is False and ticket.late_reason == "Chờ ý kiến của Bộ."
    assert [e for e in ticket.events if e.action == "approve"][-1].details["days_late"] == 1
    # Publication: (29/04, ...]: 30/04 and 01/05 holidays, weekend, 04/05 (1), 05/05 (2).
    assert ticket.publish_due_date == date(2026, 5, 5)


def test_return_sends_the_draft_back_to_the_officer(team, make_ticket):
    ticket = pending_approval(team, make_ticket, local(2026, 4, 6))
    refused_without_change(
        ticket, lambda: workflow.return_(ticket, team["head"], "  ", local(2026, 4, 7)), field="comment"
    )
    workflow.return_(ticket, team["head"], "Bổ sung căn cứ pháp lý.", local(2026, 4, 7))
    db.session.commit()
    assert ticket.state == State.IN_PROGRESS and ticket.events[-1].public is False
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "staff_returned")).scalar_one()
    assert mail.recipients == "officer@test.vn" and "Bổ sung căn cứ pháp lý." in mail.body_text


def test_refuse_and_transfer_tell_the_submitter(team, make_ticket):
    a, b = make_ticket(), make_ticket()
    coord = team["coordinator"]
    refused_without_change(
        a, lambda: workflow.refuse(a, coord, "Lý do", local(2026, 4, 7), reason_code="bogus"), field="reason_code"
    )
    workflow.refuse(a, coord, "Không nêu quy định cụ thể.", local(2026, 4, 7), reason_code="insufficient")
    workflow.transfer(b, coord, "Sở Công Thương", "Thuộc thẩm quyền ngành Công Thương.", local(2026, 4, 7))
    db.session.commit()
    assert (a.state, b.state) == (State.REFUSED, State.TRANSFERRED)
    assert a.refuse_reason_code == "insufficient" and b.transfer_agency == "Sở Công Thương"
    kinds = {m.kind: m for m in db.session.execute(db.select(OutboxMessage)).scalars()}
    assert "Không nêu quy định cụ thể." in kinds["refused"].body_text
    assert "Sở Công Thương" in kinds["transferred"].body_text and kinds["transferred"].body_html


def test_officer_works_only_tickets_assigned_to_them(team, make_ticket):
    ticket = in_progress(team, make_ticket)
    refused_without_change(
        ticket, lambda: workflow.answer(ticket, team["officer2"], "x", local(2026, 4, 22)), status=403
    )
    refused_without_change(
        ticket,
        lambda: workflow.assign(ticket, team["head"], team["other_officer"], local(2026, 4, 22)),
        field="assignee",
    )
    workflow.note(ticket, team["officer2"], "Ghi chú của đồng nghiệp.", local(2026, 4, 22))
    db.session.commit()
    assert ticket.events[-1].public is False
    assert "answer" not in workflow.available_actions(ticket, team["officer2"])
    assert "answer" in workflow.available_actions(ticket, team["officer"])


def test_stale_version_raises_on_flush(team, make_ticket):
    """The optimistic lock: an UPDATE of a row someone else changed since it was read matches nothing."""
    ticket = make_ticket()
    db.session.get(Ticket, ticket.id)
    db.session.execute(text("UPDATE tickets SET version = version + 1 WHERE id = :id"), {"id": ticket.id})

    def refuse_and_flush():  # the stale row may be flushed by a query inside refuse() or by the flush
        workflow.refuse(ticket, team["coordinator"], "Trùng lặp.", local(2026, 4, 7))
        db.session.flush()

    with pytest.raises(StaleDataError):
        refuse_and_flush()
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).state == State.NEW


def test_an_extension_request_overtaken_by_a_pause_cannot_shorten_the_deadline(team, make_ticket):
    ticket = in_progress(team, make_ticket)  # due 11/05/2026
    workflow.request_info(ticket, team["officer"], "Bổ sung?", local(2026, 4, 22))
    workflow.extend(ticket, team["head"], "2026-05-13", "Chờ bổ sung.", local(2026, 4, 22))
    # Reply on 08/05/2026: (22/04, 08/05] has 9 working days (27/04, 30/04 and 01/05 are holidays).
    workflow.provide_info(ticket, None, "Đã bổ sung.", local(2026, 5, 8))
    db.session.commit()
    assert ticket.paused_working_days == 9 and ticket.due_date == date(2026, 5, 22)
    refused_without_change(
        ticket, lambda: workflow.approve_extension(ticket, team["coordinator"], local(2026, 5, 8)), status=409
    )
    workflow.reject_extension(ticket, team["coordinator"], local(2026, 5, 8))
    db.session.commit()
    assert ticket.due_date == date(2026, 5, 22) and ticket.pending_extension_date is None
