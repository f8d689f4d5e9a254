"""Form pieces shared by the public site and the staff area."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..domain.contact import clean_text, is_email, normalize_phone
from ..domain.states import KIND_LABELS, SUBMITTER_TYPE_LABELS, Kind, Label, SubmitterType, label, localized_name
from ..domain.taxcode import TaxCodeError, validate_tax_code
from ..extensions import db
from ..services import ServiceError
from ..services.intake import Submission, Upload


def one_line(value):
    return clean_text(value) if isinstance(value, str) else value


def multi_line(value):
    return clean_text(value, multiline=True) if isinstance(value, str) else value


def domain_label(table: dict[str, Label], key: str) -> LazyString:
    """A label from one of the tables of domain/states.py, picked by the locale when rendered."""
    from .templating import current_locale

    return LazyString(lambda: label(table, key, current_locale()))


def choice_values(choices) -> set[str]:
    """The values of a field's choices (SelectChoice objects or (value, label) pairs)."""
    return {str(c.value if isinstance(c, SelectChoice) else c[0]) for c in choices}


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice objects WTForms 3.3 expects."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class Choice(SelectField):
    """A select whose "not one of the choices" error reads in the user's language."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # the required validator speaks for an empty value
        if self.data not in choice_values(self.choices):
            raise ValidationError(_l("Giá trị đã chọn không hợp lệ."))


class ChoiceRadio(RadioField):
    """Radio buttons with the same error in the user's language."""

    def pre_validate(self, form):
        if self.data not in choice_values(self.choices):
            raise ValidationError(_l("Vui lòng chọn một trong các lựa chọn."))


REQUIRED = _l("Vui lòng nhập thông tin này.")


def refused(template: str, form, exc: ServiceError):
    """A submission page after a service refused what it received: the change rolled back, the refusal
    beside its field (when the form has it) and on top of the form, with the refusal's status."""
    db.session.rollback()
    if exc.field and hasattr(form, exc.field):
        getattr(form, exc.field).errors = [exc.message]
    return render_template(template, form=form, form_error=exc.message), exc.status


def required():
    return DataRequired(message=REQUIRED)


def too_long(n: int):
    return Length(max=n, message=_l("Tối đa %(max)d ký tự.", max=n))


class SubmissionForm(FlaskForm):
    """The submission form (DESIGN §9 field names)."""

    submitter_type = ChoiceRadio(
        _l("Quý vị là"),
        choices=choices((t.value, domain_label(SUBMITTER_TYPE_LABELS, t)) for t in SubmitterType),
        default=SubmitterType.ENTERPRISE,
        validators=[DataRequired(message=_l("Vui lòng chọn doanh nghiệp hoặc người dân."))],
    )
    organization = StringField(_l("Tên doanh nghiệp, tổ chức"), filters=[one_line], validators=[too_long(300)])
    tax_code = StringField(
        _l("Mã số thuế"),
        filters=[one_line],
        validators=[too_long(20)],
        description=_l("10 chữ số, hoặc 10 chữ số - 3 chữ số đối với chi nhánh."),
    )
    name = StringField(_l("Họ và tên người liên hệ"), filters=[one_line], validators=[required(), too_long(200)])
    email = StringField(
        _l("Thư điện tử"),
        filters=[one_line],
        validators=[too_long(254)],
        description=_l("Dùng để nhận thông báo và tra cứu kết quả."),
    )
    phone = StringField(
        _l("Số điện thoại"),
        filters=[one_line],
        validators=[too_long(30)],
        description=_l("Ví dụ: 0912 345 678 hoặc 0272 3826 123."),
    )
    # A textarea: HTML's "street-address" autofill token belongs to a multi-line control (kept one line).
    address = TextAreaField(_l("Địa chỉ"), filters=[one_line], validators=[required(), too_long(500)])
    kind = Choice(
        _l("Loại"),
        choices=choices([("", _l("— Chọn loại —"))] + [(k.value, domain_label(KIND_LABELS, k)) for k in Kind]),
        validators=[DataRequired(message=_l("Vui lòng chọn loại phản ánh, kiến nghị."))],
    )
    category = Choice(_l("Lĩnh vực"), choices=[], validators=[DataRequired(message=_l("Vui lòng chọn lĩnh vực."))])
    title = StringField(
        _l("Tiêu đề"),
        filters=[one_line],
        validators=[required(), Length(min=5, max=300, message=_l("Tiêu đề cần từ %(min)d đến %(max)d ký tự."))],
    )
    content = TextAreaField(
        _l("Nội dung phản ánh, kiến nghị"),
        filters=[multi_line],
        validators=[required(), Length(min=20, max=10000, message=_l("Nội dung cần từ %(min)d đến %(max)d ký tự."))],
    )
    regulation = StringField(
        _l("Quy định, thủ tục liên quan (nếu có)"), filters=[one_line], validators=[Optional(), too_long(500)]
    )
    attachments = MultipleFileField(_l("Tệp đính kèm"))
    consent_publish = BooleanField(
        _l("Tôi đồng ý công khai nội dung và kết quả trả lời (không kèm thông tin cá nhân).")
    )
    # Shown on the public form only, never enforced: the legal basis of processing is the department's
    # public task, so a client that posts only the DESIGN §9 fields is not refused (README "Personal data").
    consent_processing = BooleanField(
        _l(
            "Tôi đã đọc thông báo và đồng ý để Sở xử lý dữ liệu cá nhân của tôi nhằm giải quyết phản ánh, kiến nghị "
            "này."
        )
    )
    website = StringField(_l("Để trống ô này"))

    # Set by the view: whether an email address is required (online submissions) and the channel.
    email_required = True
    uploads: list[Upload]

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "vi")
        self.category.choices = choices(
            [("", _l("— Chọn lĩnh vực —"))] + [(c.code, localized_name(c, locale)) for c in categories]
        )
        self.uploads = []

    def validate_category(self, field):
        if not field.data:
            raise ValidationError(_l("Vui lòng chọn lĩnh vực."))

    def validate_website(self, field):
        if field.data:
            raise ValidationError(_l("Ô này phải để trống."))

    def validate_organization(self, field):
        if self.submitter_type.data == SubmitterType.ENTERPRISE and not field.data:
            raise ValidationError(_l("Vui lòng nhập tên doanh nghiệp."))

    def validate_tax_code(self, field):
        if not field.data:
            if self.submitter_type.data == SubmitterType.ENTERPRISE:
                raise ValidationError(_l("Vui lòng nhập mã số thuế của doanh nghiệp."))
            return
        try:
            field.data = validate_tax_code(field.data)
        except TaxCodeError as exc:
            if exc.code == "checksum":
                raise ValidationError(_l("Mã số thuế không đúng (sai chữ số kiểm tra).")) from None
            raise ValidationError(_l("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số - 3 chữ số.")) from None

    def validate_email(self, field):
        if not field.data:
            if self.email_required:
                raise ValidationError(_l("Vui lòng nhập thư điện tử để nhận kết quả."))
            if not self.phone.data:
                raise ValidationError(_l("Vui lòng nhập thư điện tử hoặc số điện thoại."))
            return
        if not is_email(field.data):
            raise ValidationError(_l("Địa chỉ thư điện tử không hợp lệ."))

    def validate_phone(self, field):
        if not field.data:
            return
        phone = normalize_phone(field.data)
        if phone is None:
            raise ValidationError(_l("Số điện thoại không hợp lệ (ví dụ: 0912 345 678)."))
        field.data = phone

    def validate_attachments(self, field):
        from ..domain.files import sniff

        cfg = current_app.config
        files = [f for f in (field.data or []) if f and getattr(f, "filename", "")]
        if len(files) > cfg["MAX_ATTACHMENTS"]:
            raise ValidationError(_l("Tối đa %(n)d tệp đính kèm.", n=cfg["MAX_ATTACHMENTS"]))
        uploads = []
        for storage in files:
            data = storage.read(cfg["MAX_ATTACHMENT_SIZE"] + 1)
            name = clean_text(storage.filename)[:255] or "tep"
            if len(data) > cfg["MAX_ATTACHMENT_SIZE"]:
                raise ValidationError(
                    _l("Tệp %(name)s vượt quá %(mb)d MB.", name=name, mb=cfg["MAX_ATTACHMENT_SIZE"] // (1024 * 1024))
                )
            if not data:
                raise ValidationError(_l("Tệp %(name)s rỗng.", name=name))
            file_type = sniff(data[:8192], data)
            if file_type is None:
                raise ValidationError(
                    _l("Tệp %(name)s không thuộc loại được chấp nhận (PDF, ảnh, Word, Excel).", name=name)
                )
            uploads.append(Upload(filename=name, file_type=file_type, data=data))
        self.uploads = uploads

    def to_submission(self, channel: str) -> Submission:
        """The validated data as the intake service takes it, in the language the submitter used."""
        from .templating import current_locale

        return Submission(
            submitter_type=self.submitter_type.data,
            organization=self.organization.data or None,
            tax_code=self.tax_code.data or None,
            name=self.name.data,
            email=self.email.data or None,
            phone=self.phone.data or None,
            address=self.address.data,
            kind=self.kind.data,
            category=self.category.data,
            title=self.title.data,
            content=self.content.data,
            regulation=self.regulation.data or None,
            consent_publish=bool(self.consent_publish.data),
            consent_processing=bool(self.consent_processing.data),
            channel=channel,
            uploads=self.uploads,
            locale=current_locale(),
        )
