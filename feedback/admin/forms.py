"""Forms of the administration pages (Vietnamese labels, English from the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..domain.contact import is_email
from ..web.forms import Choice, one_line


def email_address(_form, field) -> None:
    if field.data and not is_email(field.data):
        raise ValidationError(_l("Thư điện tử không hợp lệ."))


def _required():
    return DataRequired(message=_l("Vui lòng nhập thông tin này."))


class Needed:
    """Marks a field required on the page (the `required` attribute) while the service checks its
    value and words the refusal (a unit's code, a rule's purpose)."""

    field_flags = {"required": True}

    def __call__(self, _form, _field) -> None:
        return None


class UserCreateForm(FlaskForm):
    email = StringField(_l("Thư điện tử"), filters=[one_line], validators=[_required(), Length(max=254), email_address])
    name = StringField(_l("Họ và tên"), filters=[one_line], validators=[_required(), Length(max=200)])
    role = Choice(_l("Vai trò"), validators=[_required()])
    unit = Choice(_l("Đơn vị"), validators=[Optional()])
    # The policy (length, common and guessable passwords) is the service's: services/auth.py.
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[_required()])


class UserEditForm(FlaskForm):
    name = StringField(_l("Họ và tên"), filters=[one_line], validators=[_required(), Length(max=200)])
    role = Choice(_l("Vai trò"), validators=[_required()])
    unit = Choice(_l("Đơn vị"), validators=[Optional()])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[_required()])


# The admin pages show a form's fields in the order declared here and mark the required ones
# (admin/views.py render_form): a create form and an edit form differ by the code and `active`.


def _code(label):
    return StringField(label, filters=[one_line], validators=[Needed(), Length(max=32)])


def _name(label):
    return StringField(label, filters=[one_line], validators=[_required(), Length(max=200)])


def _name_en():
    return StringField(_l("Tên tiếng Anh"), filters=[one_line], validators=[Optional(), Length(max=200)])


def _sort_order():
    return IntegerField(_l("Thứ tự hiển thị"), default=100, validators=[Optional(), NumberRange(min=0, max=10000)])


def editing(create: type[FlaskForm], keep: tuple[str, ...], active) -> type[FlaskForm]:
    """The edit form of a create form: the fields in `keep` (the others, a code or a rule's scope, never
    change once created), the same objects in the same order, then the `active` box labelled `active`."""
    fields = {name: getattr(create, name) for name in keep}
    name = create.__name__.replace("CreateForm", "Form")
    return type(name, (FlaskForm,), {**fields, "active": BooleanField(active, default=True)})


class UnitCreateForm(FlaskForm):
    code = _code(_l("Mã đơn vị"))
    name = _name(_l("Tên đơn vị"))
    name_en = _name_en()
    email = StringField(
        _l("Thư điện tử của đơn vị"), filters=[one_line], validators=[Optional(), Length(max=254), email_address]
    )
    sort_order = _sort_order()


UnitForm = editing(UnitCreateForm, keep=("name", "name_en", "email", "sort_order"), active=_l("Đang hoạt động"))


class CategoryCreateForm(FlaskForm):
    code = _code(_l("Mã lĩnh vực"))
    name = _name(_l("Tên lĩnh vực"))
    name_en = _name_en()
    default_unit = Choice(_l("Đơn vị xử lý mặc định"), validators=[Optional()])
    sort_order = _sort_order()


CategoryForm = editing(
    CategoryCreateForm, keep=("name", "name_en", "default_unit", "sort_order"), active=_l("Đang sử dụng")
)


class RuleCreateForm(FlaskForm):
    purpose = Choice(_l("Loại thời hạn"), validators=[Needed()])
    regime = Choice(_l("Áp dụng cho chế độ xử lý"), validators=[Optional()])
    kind = Choice(_l("Áp dụng cho loại phản ánh"), validators=[Optional()])
    category = Choice(_l("Áp dụng cho lĩnh vực"), validators=[Optional()])
    amount = IntegerField(
        _l("Số ngày"),
        validators=[
            DataRequired(message=_l("Vui lòng nhập số ngày.")),
            NumberRange(min=0, max=365, message=_l("Số ngày phải từ 0 đến 365.")),
        ],
    )
    day_unit = Choice(_l("Cách tính"), validators=[_required()])
    legal_basis = TextAreaField(_l("Căn cứ pháp lý"), validators=[_required(), Length(max=1000)])


RuleForm = editing(RuleCreateForm, keep=("amount", "day_unit", "legal_basis"), active=_l("Đang áp dụng"))


class OverrideForm(FlaskForm):
    day = DateField(_l("Ngày"), validators=[DataRequired(message=_l("Nhập ngày dạng yyyy-mm-dd."))])
    day_type = Choice(_l("Loại điều chỉnh"), validators=[_required()])
    note = StringField(
        _l("Ghi chú (ví dụ: số văn bản thông báo)"), filters=[one_line], validators=[Optional(), Length(max=300)]
    )


class AnnouncementForm(FlaskForm):
    """A document announcing a year's days off and swapped working days."""

    year = IntegerField(
        _l("Năm"),
        validators=[
            DataRequired(message=_l("Vui lòng nhập năm.")),
            NumberRange(min=2000, max=2100, message=_l("Năm không hợp lệ.")),
        ],
    )
    document_number = StringField(
        _l("Số văn bản"),
        filters=[one_line],
        validators=[_required(), Length(max=100)],
        description=_l("Ví dụ: 12729/VPCP-KGVX"),
    )
    document_date = DateField(_l("Ngày ban hành"), validators=[DataRequired(message=_l("Nhập ngày dạng yyyy-mm-dd."))])
    issuer = StringField(
        _l("Cơ quan ban hành"),
        filters=[one_line],
        validators=[Optional(), Length(max=200)],
        description=_l("Ví dụ: Văn phòng Chính phủ, Bộ Nội vụ, UBND tỉnh"),
    )
    days_off = TextAreaField(
        _l("Ngày nghỉ"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Mỗi ngày hoặc khoảng ngày một dòng, dạng dd/mm/yyyy hoặc dd/mm/yyyy-dd/mm/yyyy."),
    )
    working_days = TextAreaField(
        _l("Ngày làm việc bù (thứ Bảy, Chủ nhật đi làm)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Mỗi ngày một dòng, dạng dd/mm/yyyy."),
    )
    summary = StringField(
        _l("Nội dung (ví dụ: nghỉ Tết Nguyên đán)"), filters=[one_line], validators=[Optional(), Length(max=300)]
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""
