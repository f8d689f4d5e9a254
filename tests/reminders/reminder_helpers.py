"""Helpers shared by the reminder, outbox and scheduler tests (imported by conftest and test modules)."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import OutboxMessage, ReminderLog, Unit
from tests.support import LOCAL, SMTPSink, at, free_port  # noqa: F401  (at, LOCAL: re-exported)


def unit(code: str) -> Unit:
    return db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one()


def reminder_keys() -> list[tuple]:
    rows = db.session.execute(
        db.select(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def reminder_messages() -> list[OutboxMessage]:
    rows = (
        db.session.execute(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind.in_(["reminder_digest", "progress_update"]))
            .order_by(OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    return rows


class SwitchableSMTP:
    """A real SMTP server (aiosmtpd) on a fixed port that a test can stop and start again."""

    def __init__(self, app) -> None:
        from feedback.extensions import mail

        self.sink = SMTPSink()
        self.port = free_port()
        self.controller = None
        app.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False, OUTBOX_SMTP_TIMEOUT=5
        )
        mail.init_app(app)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.sink.messages
