"""Staff forms: registering a submission received on paper, by phone or by email."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional, ValidationError

from ..domain.states import CHANNEL_LABELS, Channel
from ..services.intake import Submission
from ..timeutil import to_utc_naive, utcnow
from ..web.forms import Choice, SubmissionForm, choices, domain_label, required

# Channels staff register on behalf of a submitter (web and API submit by themselves).
STAFF_CHANNELS = (Channel.PAPER, Channel.PHONE, Channel.EMAIL)


def parse_local_moment(text: str) -> datetime:
    """A local `YYYY-MM-DDTHH:MM` (or `YYYY-MM-DD HH:MM`) as naive UTC.

    :raises ValueError: when the text is not such a moment.
    """
    text = (text or "").strip().replace(" ", "T")
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return to_utc_naive(datetime.strptime(text, pattern))
        except ValueError:
            continue
    raise ValueError(text)


class StaffSubmissionForm(SubmissionForm):
    """The public submission form plus the channel, the moment of receipt and the incoming number; an
    email address is optional (phone or email)."""

    channel = Choice(
        _l("Kênh tiếp nhận"),
        choices=choices((c.value, domain_label(CHANNEL_LABELS, c)) for c in STAFF_CHANNELS),
        default=Channel.PAPER,
        validators=[required()],
    )
    received_at = StringField(
        _l("Thời điểm tiếp nhận thực tế"),
        validators=[Optional()],
        description=_l(
            "Ngày giờ văn bản đến, cuộc gọi hoặc thư điện tử được nhận (không phải lúc nhập). "
            "Thời hạn giải quyết tính từ thời điểm này."
        ),
    )
    incoming_number = StringField(
        _l("Số đến (văn bản giấy)"),
        validators=[Optional(), Length(max=50)],
        description=_l("Số ghi trong sổ văn bản đến, ví dụ 125/VBĐ."),
    )
    email_required = False

    def validate_received_at(self, field) -> None:
        if not (field.data or "").strip():
            return
        try:
            moment = parse_local_moment(field.data)
        except ValueError:
            raise ValidationError(_l("Thời điểm không hợp lệ (định dạng YYYY-MM-DDTHH:MM).")) from None
        if moment > utcnow():
            raise ValidationError(_l("Thời điểm tiếp nhận không được sau thời điểm hiện tại."))

    def to_submission(self, channel: str) -> Submission:
        sub = super().to_submission(channel)
        if (self.received_at.data or "").strip():
            sub.received_at = parse_local_moment(self.received_at.data)
        sub.incoming_number = (self.incoming_number.data or "").strip() or None
        sub.locale = "vi"  # an item staff register is answered in Vietnamese, whatever their own language
        return sub
