"""Staff forms: registering a submission received on paper, by phone or by email."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..domain.states import CHANNEL_LABELS, Channel
from ..forms import Choice, SubmissionForm, choices, domain_label, required

# Channels staff register on behalf of a submitter (web and API submit by themselves).
STAFF_CHANNELS = (Channel.PAPER, Channel.PHONE, Channel.EMAIL)


class StaffSubmissionForm(SubmissionForm):
    """The public submission form plus the channel; an email address is optional (phone or email)."""

    channel = Choice(_l("Kênh tiếp nhận"), choices=choices((c.value, domain_label(CHANNEL_LABELS, c)) for c in STAFF_CHANNELS),
                     default=Channel.PAPER, validators=[required()])
    email_required = False
