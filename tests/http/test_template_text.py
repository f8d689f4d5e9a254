"""The templates' `_()`: translated, marked safe, `%`-formatted, with every value escaped but numbers
(feedback/web/templating.py renders this itself, faster than Jinja's i18n extension does)."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup


def render(app, source: str, **context) -> str:
    with app.test_request_context("/"), force_locale("vi"):
        return render_template_string(source, **context)


def test_a_value_with_markup_is_escaped_in_a_translated_sentence(app):
    html = render(app, '{{ _("Tạm dừng từ %(d)s", d=who) }}', who='<script>alert("x")</script> & Cộng sự')
    assert html == "Tạm dừng từ &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Cộng sự"


def test_a_value_already_safe_is_not_escaped_twice(app):
    html = render(app, '{{ _("Tạm dừng từ %(d)s", d=safe) }}', safe=Markup("<b>05/01/2026</b>"))
    assert html == "Tạm dừng từ <b>05/01/2026</b>"


def test_numbers_keep_their_formats(app):
    assert render(app, '{{ _("Quá hạn %(n)d ngày LV", n=3) }}') == "Quá hạn 3 ngày LV"
    assert render(app, '{{ _("Còn %(n)d ngày làm việc", n=n) }}', n=Decimal("12")) == "Còn 12 ngày làm việc"
    assert render(app, '{{ "%.1f" | format(2.25) }} {{ _("tỷ lệ %(r).1f", r=r) }}', r=93.75) == "2.2 tỷ lệ 93.8"


def test_a_doubled_percent_sign_is_one_and_a_sentence_without_variables_is_as_written(app):
    assert render(app, '{{ _("Hài lòng (%%)") }}') == "Hài lòng (%)"
    assert render(app, '{{ _("Đến hạn hôm nay") }}') == "Đến hạn hôm nay"
    # A sentence with no placeholder is not parsed for one: a value passed to it changes nothing.
    assert render(app, '{{ _("Trả lời đúng hạn", n=4) }}') == "Trả lời đúng hạn"


def test_the_translation_itself_is_not_escaped_but_a_value_is(app):
    # The catalogue is trusted markup; what a person typed is not.
    html = render(app, '{{ _("Bỏ qua, đến nội dung chính") }}|{{ x }}', x="<i>")
    assert html == "Bỏ qua, đến nội dung chính|&lt;i&gt;"


def test_english_pages_are_formatted_the_same_way(app):
    with app.test_request_context("/"), force_locale("en"):
        html = render_template_string(
            '{{ _("Quá hạn %(n)d ngày LV", n=2) }}|{{ _("Tạm dừng từ %(d)s", d=v) }}', v="<&>"
        )
    assert html == "2 working days overdue|Paused since &lt;&amp;&gt;"
