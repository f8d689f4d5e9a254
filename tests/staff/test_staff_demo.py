"""`flask demo` leaves a sample ticket in every state, worked through the real services."""

from feedback.domain.states import State
from feedback.extensions import db
from feedback.models import Ticket, TicketEvent


def test_demo_covers_every_state(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    states = set(db.session.execute(db.select(Ticket.state)).scalars())
    assert states == {s.value for s in State}
    pending = db.session.execute(db.select(Ticket).where(Ticket.pending_extension_date.is_not(None))).scalars().all()
    assert len(pending) == 1
    answered = db.session.execute(db.select(Ticket).where(Ticket.state == State.ANSWERED)).scalar_one()
    assert answered.on_time is True and answered.publish_due_date is not None
    # The answered sample is published, redacted, so the public results page has something to show.
    assert answered.published_at is not None and answered.public_answer
    assert answered.name not in (answered.public_title + answered.public_summary + answered.public_answer)
    actions = set(db.session.execute(db.select(TicketEvent.action)).scalars())
    assert {
        "submit",
        "route",
        "assign",
        "answer",
        "approve",
        "request_info",
        "extend",
        "refuse",
        "transfer",
        "note",
    } <= actions
    # Running it again adds nothing.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "Sample tickets added: 0" in again.output
