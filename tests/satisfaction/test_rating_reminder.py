"""One reminder to rate, RATING_REMINDER_DAYS after the answer, to a submitter who has not rated: sent once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from feedback.extensions import db
from feedback.models import OutboxMessage, ReminderLog
from feedback.services import calendar, reminders, satisfaction
from feedback.services.outbox import send_pending
from tests.support import to_utc


def moment(day: date, hour: int = 10) -> datetime:
    return to_utc(datetime.combine(day, time(hour)))


def a_working_day_with_one_five_days_later(start: date) -> date:
    cal = calendar.work_calendar()
    day = start
    while not (cal.is_working_day(day) and cal.is_working_day(day + timedelta(days=5))):
        day += timedelta(days=1)
    return day


def test_one_reminder_to_rate_through_smtp(app, answered, smtp_server):
    delay = app.config["RATING_REMINDER_DAYS"]
    assert delay == 5
    answer_day = a_working_day_with_one_five_days_later(date(2026, 6, 1))
    unrated = answered(now=moment(answer_day))
    rated = answered(now=moment(answer_day), email="chi.tran@example.com")
    satisfaction.rate(rated, "satisfied", [], None, moment(answer_day + timedelta(days=1)))
    answered(now=moment(answer_day), email="", phone="0912 000 111", channel="paper")  # no e-mail: not asked
    db.session.commit()

    early = reminders.sweep(moment(answer_day + timedelta(days=delay - 1)))
    assert not [q for q in early.queued if q.kind == "rating_request"]
    report = reminders.sweep(moment(answer_day + timedelta(days=delay)))
    db.session.commit()
    queued = [q for q in report.queued if q.kind == "rating_request"]
    assert [(q.ticket_code, q.recipient) for q in queued] == [(unrated.code, "an.nguyen@example.com")]
    log = db.session.execute(db.select(ReminderLog).where(ReminderLog.kind == "rating_request")).scalars().all()
    assert [(r.ticket_id, r.due_date, r.step) for r in log] == [(unrated.id, answer_day, 0)]

    # Later sweeps (the same day, the next days) never send it again.
    for days in (delay, delay + 1, delay + 3):
        again = reminders.sweep(moment(answer_day + timedelta(days=days), 15))
        db.session.commit()
        assert not [q for q in again.queued if q.kind == "rating_request"]

    send_pending(moment(answer_day + timedelta(days=delay), 11))
    db.session.commit()
    mails = [(r, m) for r, m in smtp_server.messages if "đánh giá" in m["Subject"]]
    assert len(mails) == 1 and mails[0][0] == ["an.nguyen@example.com"]
    text = mails[0][1].get_body(("plain",)).get_content()
    assert f"/track/{unrated.tracking_token}#rating" in text and "thư nhắc duy nhất" in text
    assert (
        db.session.execute(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "rating_reminder")
        ).scalar_one()
        == 1
    )


def test_no_reminder_past_the_rating_window_or_when_disabled(app, answered):
    answer_day = a_working_day_with_one_five_days_later(date(2026, 3, 2))
    answered(now=moment(answer_day))
    cal = calendar.work_calendar()
    past = answer_day + timedelta(days=app.config["RATING_OPEN_DAYS"] + 1)
    while not cal.is_working_day(past):
        past += timedelta(days=1)
    assert not [q for q in reminders.sweep(moment(past)).queued if q.kind == "rating_request"]
    db.session.rollback()
    app.config["RATING_REMINDER_DAYS"] = 0
    assert not [q for q in reminders.sweep(moment(answer_day + timedelta(days=5))).queued if q.kind == "rating_request"]
