"""The scale benchmark's data set: tickets of a province's desk over three years ending now, loaded
through the migrations (`flask db upgrade` on an empty database, `flask seed`), then by COPY
(PostgreSQL) or executemany in large transactions (SQLite).

Distribution (fractions of --count, the same at any size): tickets received evenly over the 1,095 days
ending now, in office hours mostly; the last 20 days' tickets mostly open (new ones unrouted); of the
older ones about 13.3 % stuck open past their due date (new, assigned, in progress, awaiting approval:
the overdue), 5 % waiting for information (clock paused), a quarter of those 20 to 60 days old extended
into the future, 2.5 % refused, 1.5 % transferred, the rest answered (85 % on time, the others up to 30
days late), 70 % of the answered with consent published and the others answered but not published. So at
1,000,000: 204,198 open, 130,459 overdue, 422,240 published, 334,547 answered and not published,
5,000,000 timeline events (5 per ticket). Deadlines come from the app's own rules and calendar
(`services.calendar.compute`, cached per day, kind and category), tracking codes are PAKN-YYYY-NNNNNN
per year with the counters set after them.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import date, datetime, timedelta

DAYS = 1095
EVENTS_PER_TICKET = 5

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Đinh",
    "Lâm",
    "Mai",
]
MIDDLES = ["Văn", "Thị", "Minh", "Hữu", "Thanh", "Ngọc", "Quốc", "Đức", "Thu", "Hoàng", "Kim", "Gia"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Nhung",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Trung",
    "Tuấn",
    "Uyên",
    "Vinh",
    "Yến",
]
ASCII = str.maketrans(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ",
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd",
)
COMPANY_NAMES = [
    "Minh Phát",
    "Thành Công",
    "Hưng Thịnh",
    "Phú Quý",
    "An Khang",
    "Tân Tiến",
    "Đại Việt",
    "Hoàng Long",
    "Sao Mai",
    "Phương Nam",
    "Bình Minh",
    "Trường Sơn",
    "Việt Tiến",
    "Kim Ngân",
    "Hải Đăng",
    "Thiên Phúc",
    "Nam Á",
    "Đông Dương",
    "Phát Đạt",
    "Tiến Thành",
    "Quang Minh",
    "Gia Huy",
    "Hòa Bình",
    "Tấn Lộc",
    "Mekong Xanh",
    "Sông Hậu",
    "Tây Nguyên",
    "Thái Sơn",
    "Vạn Xuân",
    "Hồng Hà",
    "Bảo Tín",
    "Lộc Phát",
    "Trí Việt",
    "Nhật Tân",
    "Khải Hoàn",
    "Phúc An",
    "Ánh Dương",
    "Thịnh Vượng",
    "Đồng Tâm",
    "Tín Nghĩa",
]
COMPANY_FORMS = ["Công ty TNHH", "Công ty cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã", "Công ty TNHH MTV"]
TRADES = [
    "Thương mại Dịch vụ",
    "Sản xuất",
    "Cơ khí",
    "Thực phẩm",
    "Xây dựng",
    "Công nghệ",
    "Nông nghiệp công nghệ cao",
    "Điện tử",
    "Dược phẩm",
    "Chế biến gỗ",
    "Xăng dầu",
    "Vật liệu mới",
    "Phần mềm",
]
STREETS = [
    "Trần Hưng Đạo",
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Cách Mạng Tháng Tám",
    "Nguyễn Trãi",
    "Lý Thường Kiệt",
    "Phạm Văn Đồng",
    "Võ Văn Kiệt",
    "30 Tháng 4",
    "Quang Trung",
    "Điện Biên Phủ",
]
WARDS = [
    "Phường 1",
    "Phường 3",
    "Phường Hiệp Ninh",
    "Phường Ninh Sơn",
    "Xã Thạnh Tân",
    "Phường Long Hoa",
    "Xã Tân Bình",
    "Phường An Tịnh",
    "Xã Phước Vinh",
    "Phường Gia Lộc",
    "Xã Lộc Hưng",
    "Phường Trảng Bàng",
]
TOPICS = [
    "thủ tục cấp giấy chứng nhận đăng ký chuyển giao công nghệ",
    "kiểm định phương tiện đo nhóm 2",
    "thời gian kiểm định cân thương mại",
    "đăng ký nhãn hiệu và kiểu dáng công nghiệp",
    "công bố hợp chuẩn, hợp quy sản phẩm hàng hóa",
    "hồ sơ đề nghị xét tặng giải thưởng chất lượng quốc gia",
    "hỗ trợ doanh nghiệp khởi nghiệp đổi mới sáng tạo",
    "dịch vụ công trực tuyến mức độ 4",
    "thẩm định công nghệ dự án đầu tư",
    "cấp giấy phép tiến hành công việc bức xạ",
    "chứng nhận doanh nghiệp khoa học và công nghệ",
    "kinh phí hỗ trợ nâng cao năng suất chất lượng",
    "mã số mã vạch cho sản phẩm xuất khẩu",
    "đo lường chất lượng xăng dầu tại cửa hàng",
    "thông tin khoa học và công nghệ phục vụ doanh nghiệp",
    "đăng ký kết quả thực hiện nhiệm vụ khoa học",
    "thủ tục đăng ký thông tin nhiệm vụ khoa học",
    "hướng dẫn lập hồ sơ đề tài cấp tỉnh",
]
OPENINGS = [
    "Doanh nghiệp chúng tôi đã nộp hồ sơ về {t} từ tháng trước nhưng đến nay chưa nhận được phản hồi.",
    "Kính đề nghị Sở hướng dẫn trình tự, thành phần hồ sơ và thời hạn giải quyết {t}.",
    "Chúng tôi kiến nghị rút ngắn thời gian giải quyết {t} và công khai lệ phí trên cổng thông tin.",
    "Đề xuất Sở bổ sung hướng dẫn chi tiết về {t} trên cổng dịch vụ công của tỉnh.",
    "Cơ sở sản xuất của chúng tôi gặp khó khăn khi thực hiện {t}.",
]
MIDDLE_TEXTS = [
    "Cán bộ tiếp nhận yêu cầu bổ sung giấy tờ nhiều lần, mỗi lần một loại khác nhau.",
    "Thông tin trên cổng dịch vụ công chưa thống nhất với hướng dẫn tại bộ phận một cửa.",
    "Thời hạn giải quyết thực tế dài hơn thời hạn được công bố trong bộ thủ tục hành chính.",
    "Doanh nghiệp cần kết quả để kịp ký hợp đồng xuất khẩu trong quý này.",
    "Chúng tôi mong Sở xem xét tổ chức tập huấn cho các doanh nghiệp trên địa bàn.",
]
CLOSINGS = [
    "Trân trọng cảm ơn.",
    "Rất mong nhận được phản hồi sớm của Sở.",
    "Xin chân thành cảm ơn Quý Sở.",
    "Kính mong Sở xem xét, giải quyết.",
]
ANSWERS = [
    "Sở Khoa học và Công nghệ trả lời như sau: thủ tục thực hiện theo quy định hiện hành; hồ sơ nộp trực tuyến "
    "trên Cổng dịch vụ công, thời hạn giải quyết được tính từ ngày nhận đủ hồ sơ hợp lệ.",
    "Chi cục Tiêu chuẩn Đo lường Chất lượng đã bố trí lịch kiểm định và thông báo cho doanh nghiệp; thời hạn "
    "giải quyết là 05 ngày làm việc kể từ ngày nhận đủ hồ sơ.",
    "Sở ghi nhận kiến nghị của doanh nghiệp và sẽ tổng hợp, đề xuất cơ quan có thẩm quyền sửa đổi quy định.",
    "Doanh nghiệp vui lòng liên hệ Bộ phận tiếp nhận và trả kết quả của Sở để được hướng dẫn chi tiết thành "
    "phần hồ sơ; Sở đã chấn chỉnh việc yêu cầu bổ sung giấy tờ ngoài quy định.",
]
NOTES = [
    "Đã liên hệ điện thoại với người gửi để làm rõ nội dung.",
    "Đang phối hợp với đơn vị liên quan.",
    "Đã xin ý kiến lãnh đạo đơn vị.",
    "Đang tra cứu hồ sơ lưu trữ.",
    "Chờ kết quả kiểm tra thực tế.",
]
AGENCIES = ["Sở Công Thương", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Cục Sở hữu trí tuệ", "UBND huyện Gò Dầu"]
LATE_REASONS = [
    "Cần xác minh thực tế tại cơ sở.",
    "Chờ ý kiến của cơ quan trung ương.",
    "Nội dung phức tạp, liên quan nhiều đơn vị.",
]

TICKET_COLUMNS = (
    "id",
    "code",
    "tracking_token",
    "version",
    "kind",
    "category_id",
    "unit_id",
    "assignee_id",
    "state",
    "channel",
    "incoming_number",
    "regime",
    "submitter_type",
    "organization",
    "tax_code",
    "name",
    "email",
    "phone",
    "address",
    "consent_publish",
    "locale",
    "notice_version",
    "consent_processing_at",
    "consent_publish_at",
    "privacy_kept",
    "title",
    "content",
    "received_at",
    "received_on",
    "due_date",
    "original_due_date",
    "due_explanation",
    "due_explanation_en",
    "deadline_basis",
    "route_due_date",
    "transfer_due_date",
    "routed_at",
    "paused_at",
    "paused_on",
    "paused_from_state",
    "paused_working_days",
    "extension_count",
    "draft_answer",
    "answer",
    "answered_at",
    "answered_on",
    "answered_by_id",
    "approved_by_id",
    "on_time",
    "late_reason",
    "refuse_reason_code",
    "refuse_reason",
    "transfer_agency",
    "transfer_reason",
    "closed_at",
    "publish_due_date",
    "published_at",
    "public_title",
    "public_summary",
    "public_answer",
    "search_text",
    "review_round",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = (
    "id",
    "ticket_id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "from_state",
    "to_state",
    "public",
    "message",
    "details",
)
JSON_TICKET = {"privacy_kept", "deadline_basis"}


class Staff:
    """The staff accounts the data refers to: per unit a head and officers; coordinators, a director, an admin."""

    def __init__(self, users: list[tuple[int, str, str, int | None, str]]) -> None:
        self.by_role: dict[str, list[tuple[int, str]]] = {}
        self.officers: dict[int, list[tuple[int, str]]] = {}
        self.heads: dict[int, tuple[int, str]] = {}
        for uid, name, role, unit_id, _email in users:
            self.by_role.setdefault(role, []).append((uid, name))
            if role == "officer":
                self.officers.setdefault(unit_id, []).append((uid, name))
            elif role == "unit_head":
                self.heads[unit_id] = (uid, name)


class Generator:
    """Builds ticket rows and their events, deterministic for a seed, with the app's deadline functions."""

    def __init__(self, app, count: int, now: datetime, staff: Staff, seed: int = 16) -> None:
        from feedback.domain import deadlines
        from feedback.domain.taxcode import check_digit
        from feedback.extensions import db
        from feedback.models import Category, Unit
        from feedback.services import calendar

        self.deadlines, self.check_digit = deadlines, check_digit
        self.app, self.count, self.now, self.staff = app, count, now, staff
        self.rng = random.Random(seed)
        self.calendar = calendar
        with app.app_context():
            self.cal = calendar.work_calendar()
            units = db.session.execute(db.select(Unit)).scalars().all()
            self.units = {u.id: u.code for u in units}
            self.categories = [
                (c.id, c.default_unit_id or units[0].id)
                for c in db.session.execute(
                    db.select(Category).where(Category.active.is_(True)).order_by(Category.id)
                ).scalars()
            ]
            self.prefix = app.config["TRACKING_PREFIX"]
            self.notice = app.config.get("PRIVACY_NOTICE_VERSION")
            self.rule_for = {
                (p, k, c): calendar.rule_for(p, k, c)
                for p in ("answer", "route", "transfer", "publish")
                for k in ("complaint", "recommendation", "proposal")
                for c, _u in self.categories
            }
            db.session.commit()  # no read transaction left open (SQLite would refuse the bulk writes)
        from feedback.db.search import search_text_for
        from feedback.timeutil import to_local

        self.search_text_for, self.to_local = search_text_for, to_local
        self.today = to_local(now).date()
        self.start = now - timedelta(days=DAYS)
        self._deadlines: dict = {}
        self.year_counters: dict[int, int] = {}

    # -------------------------------------------------------------- deadlines (cached app functions)

    def deadline(self, purpose: str, start: date, kind: str, category_id: int, note=None):
        """(due, explanation vi, en, basis) as `calendar.compute` gives them (call inside an app context)."""
        key = (purpose, start, kind, category_id, note)
        hit = self._deadlines.get(key)
        if hit is None:
            rule = self.rule_for[(purpose, kind, category_id)]
            d = self.deadlines.due_date(
                start, rule, self.cal, counted_from="answer" if purpose == "publish" else "receipt"
            )
            if note is not None:
                d = d.with_receipt_note(note)
            hit = (d.due, d.explain("vi"), d.explain("en"), self.calendar.basis_of(d))
            self._deadlines[key] = hit
        return hit

    def receipt(self, received_at: datetime):
        key = received_at.replace(second=0, microsecond=0)
        hit = self._deadlines.get(key)
        if hit is None:
            hit = self._deadlines[key] = self.calendar.receipt(key, self.cal)
        return hit

    # -------------------------------------------------------------- one ticket

    def person(self) -> tuple[str, str]:
        r = self.rng
        surname, middle, given = r.choice(SURNAMES), r.choice(MIDDLES), r.choice(GIVEN)
        name = f"{surname} {middle} {given}"
        handle = f"{given}.{surname}{r.randrange(10, 9999)}".lower().translate(ASCII).replace(" ", "")
        return name, handle

    def tax_code(self) -> str:
        """A tax code with a valid modulo-11 check digit (domain/taxcode.py), 5 % of them a branch's."""
        while True:
            first = f"{self.rng.choice('0123')}{self.rng.randrange(10**7, 10**8)}"
            check = self.check_digit(first)
            if check is not None:
                return f"{first}{check}" + (f"-{self.rng.randrange(1, 20):03d}" if self.rng.random() < 0.05 else "")

    def ticket(self, i: int) -> tuple[dict, list[tuple]]:
        """Ticket number i (1-based, in order of receipt) and its timeline events."""
        r = self.rng
        # Evenly over the period, at office-hour moments (local 07:30-17:00 is 00:30-10:00 UTC), a few after.
        day = self.start + timedelta(days=DAYS * (i - 0.5) / self.count)
        day = day.replace(hour=0, minute=0, second=0, microsecond=0)
        received_at = day + timedelta(minutes=30 + r.randrange(600 if r.random() < 0.93 else 1380))
        if received_at >= self.now:
            received_at = self.now - timedelta(minutes=1 + r.randrange(60))
        received_at = received_at.replace(second=r.randrange(60))
        received_on, note = self.receipt(received_at)
        local_year = self.to_local(received_at).year
        seq = self.year_counters[local_year] = self.year_counters.get(local_year, 0) + 1
        code = f"{self.prefix}-{local_year}-{seq:06d}"
        kind = ("complaint", "recommendation", "proposal")[r.randrange(3)]
        category_id, unit_id = self.categories[r.randrange(len(self.categories))]
        if r.random() < 0.1:  # re-routed to another unit (the board and the office answer some too)
            unit_id = r.choice(list(self.units))
        due, explain_vi, explain_en, basis = self.deadline("answer", received_on, kind, category_id, note)
        route_due = self.deadline("route", received_on, kind, category_id)
        transfer_due = self.deadline("transfer", received_on, kind, category_id)
        enterprise = r.random() < 0.75
        name, handle = self.person()
        company = f"{r.choice(COMPANY_NAMES)}"
        organization = f"{r.choice(COMPANY_FORMS)} {r.choice(TRADES)} {company}" if enterprise else None
        domain = (
            company.lower().translate(ASCII).replace(" ", "") + ".com.vn"
            if enterprise and r.random() < 0.5
            else r.choice(["gmail.com", "gmail.com", "yahoo.com", "outlook.com"])
        )
        email = f"{handle}@{domain}" if r.random() < 0.92 else None
        channel = r.choices(("web", "email", "paper", "phone", "api"), (70, 10, 12, 5, 3))[0]
        if email is None and channel == "web":
            channel = "paper"
        topic = TOPICS[r.randrange(len(TOPICS))]
        title = f"Về {topic}" + (f" của {organization}" if organization and r.random() < 0.3 else "")
        content = " ".join(
            (r.choice(OPENINGS).format(t=topic), r.choice(MIDDLE_TEXTS), r.choice(MIDDLE_TEXTS), r.choice(CLOSINGS))
        )
        consent = r.random() < 0.8
        row = dict(
            id=i,
            code=code,
            tracking_token=secrets.token_urlsafe(32),
            version=1,
            kind=kind,
            category_id=category_id,
            unit_id=unit_id,
            assignee_id=None,
            state="new",
            channel=channel,
            incoming_number=f"{r.randrange(1, 9999)}/ĐẾN" if channel == "paper" else None,
            regime="default",
            submitter_type="enterprise" if enterprise else "citizen",
            organization=organization,
            tax_code=self.tax_code() if enterprise else None,
            name=name,
            email=email,
            phone=f"0{r.choice('389')}{r.randrange(10**7, 10**8)}" if r.random() < 0.85 else None,
            address=f"Số {r.randrange(1, 400)} đường {r.choice(STREETS)}, {r.choice(WARDS)}, tỉnh Tây Ninh",
            consent_publish=consent,
            locale="en" if r.random() < 0.02 else "vi",
            notice_version=self.notice if channel in ("web", "api") else None,
            consent_processing_at=received_at if channel in ("web", "api") else None,
            consent_publish_at=received_at if consent else None,
            privacy_kept=[],
            title=title,
            content=content,
            received_at=received_at,
            received_on=received_on,
            due_date=due,
            original_due_date=due,
            due_explanation=explain_vi,
            due_explanation_en=explain_en,
            deadline_basis={"answer": basis, "route": route_due[3], "transfer": transfer_due[3]},
            route_due_date=route_due[0],
            transfer_due_date=transfer_due[0],
            routed_at=None,
            paused_at=None,
            paused_on=None,
            paused_from_state=None,
            paused_working_days=0,
            extension_count=0,
            draft_answer=None,
            answer=None,
            answered_at=None,
            answered_on=None,
            answered_by_id=None,
            approved_by_id=None,
            on_time=None,
            late_reason=None,
            refuse_reason_code=None,
            refuse_reason=None,
            transfer_agency=None,
            transfer_reason=None,
            closed_at=None,
            publish_due_date=None,
            published_at=None,
            public_title=None,
            public_summary=None,
            public_answer=None,
            search_text=None,
            review_round=0,
            created_at=received_at,
            updated_at=received_at,
        )
        events = [
            (
                "submit",
                None,
                "new",
                True,
                explain_vi,
                {"channel": channel, "message_en": explain_en},
                "" if channel in ("web", "api", "email") else self.staff.by_role["coordinator"][0][1],
                None,
                received_at,
            )
        ]
        self.lifecycle(row, events, topic)
        return row, self.event_rows(i, events)

    def lifecycle(self, t: dict, events: list, topic: str) -> None:
        """Move the ticket along the real lifecycle to where it stands now (states, dates, actors)."""
        r = self.rng
        today, now = self.today, self.now
        received_at, due = t["received_at"], t["due_date"]
        coordinator = r.choice(self.staff.by_role["coordinator"])
        unit_officers = self.staff.officers.get(t["unit_id"]) or self.staff.officers[next(iter(self.staff.officers))]
        officer = r.choice(unit_officers)
        head = self.staff.heads.get(t["unit_id"]) or coordinator

        def at(fraction: float, end: datetime | None = None) -> datetime:
            end = min(end or now, now)
            return received_at + (end - received_at) * fraction

        def route(moment):
            t.update(state="assigned", routed_at=moment, updated_at=moment)
            events.append(
                (
                    "route",
                    "new",
                    "assigned",
                    True,
                    None,
                    {"unit": self.units[t["unit_id"]]},
                    coordinator[1],
                    coordinator[0],
                    moment,
                )
            )

        def assign(moment):
            t.update(state="in_progress", assignee_id=officer[0], updated_at=moment)
            events.append(
                ("assign", "assigned", "in_progress", False, None, {"assignee": officer[1]}, head[1], head[0], moment)
            )

        def draft(moment):
            answer = r.choice(ANSWERS)
            t.update(state="pending_approval", draft_answer=answer, answered_by_id=officer[0], updated_at=moment)
            events.append(
                ("answer", "in_progress", "pending_approval", False, answer, {}, officer[1], officer[0], moment)
            )

        def note(moment, state):
            events.append(("note", state, state, False, r.choice(NOTES), {}, officer[1], officer[0], moment))

        age = (today - t["received_on"]).days
        x = r.random()
        if due >= today and age <= 25:  # received recently: mostly still being handled
            if age <= 2 and x < 0.6:
                t["unit_id"] = None
                return
            route(at(0.15))
            if x < 0.3:
                return
            assign(at(0.3))
            if x < 0.7:
                if x < 0.05:
                    self.pause(t, events, at(0.6), officer)
                return
            draft(at(0.6))
            if x < 0.83:
                return
            self.answer(t, events, at(0.8), head, coordinator, topic)
            return
        if x < 0.133:  # stuck: open past its due date (the overdue)
            y = r.random()
            if y < 0.08:
                t["unit_id"] = None
                return
            route(at(0.02, datetime.combine(due, datetime.min.time())))
            if y < 0.33:
                return
            assign(at(0.05, datetime.combine(due, datetime.min.time())))
            note(at(0.3), "in_progress")
            if y < 0.88:
                return
            draft(at(0.6))
            return
        if x < 0.183:  # waiting for the submitter's information: the clock is paused
            route(at(0.02, datetime.combine(due, datetime.min.time())))
            assign(at(0.04, datetime.combine(due, datetime.min.time())))
            self.pause(t, events, at(0.08, datetime.combine(due, datetime.min.time())), officer)
            return
        if 20 <= age <= 60 and x < 0.183 + 0.25:  # extended: the new due date is still ahead
            route(at(0.05))
            assign(at(0.1))
            new_due = today + timedelta(days=r.randrange(1, 30))
            moment = at(0.3, datetime.combine(due, datetime.min.time()))
            t.update(
                due_date=new_due,
                extension_count=1,
                updated_at=moment,
                due_explanation=t["due_explanation"] + f" Gia hạn đến ngày {new_due:%d/%m/%Y}.",
                due_explanation_en=t["due_explanation_en"] + f" Extended to {new_due:%d/%m/%Y}.",
            )
            t["deadline_basis"] = {**t["deadline_basis"], "answer": self.calendar.fixed_basis(new_due, "extension")}
            events.append(
                (
                    "extend",
                    "in_progress",
                    "in_progress",
                    True,
                    f"Gia hạn đến ngày {new_due:%d/%m/%Y}.",
                    {"due_date": new_due.isoformat()},
                    head[1],
                    head[0],
                    moment,
                )
            )
            return
        if x < 0.208 + 0.25 * (20 <= age <= 60):
            moment = at(0.05, datetime.combine(t["route_due_date"], datetime.min.time()))
            t.update(
                state="refused",
                refuse_reason_code=r.choice(["out_of_scope", "insufficient", "duplicate"]),
                refuse_reason="Nội dung không thuộc phạm vi giải quyết của Sở.",
                closed_at=moment,
                updated_at=moment,
                unit_id=None,
            )
            events.append(
                ("refuse", "new", "refused", True, t["refuse_reason"], {}, coordinator[1], coordinator[0], moment)
            )
            return
        if x < 0.223 + 0.25 * (20 <= age <= 60):
            moment = at(0.05, datetime.combine(t["transfer_due_date"], datetime.min.time()))
            agency = r.choice(AGENCIES)
            t.update(
                state="transferred",
                transfer_agency=agency,
                transfer_reason="Thuộc thẩm quyền của " + agency,
                closed_at=moment,
                updated_at=moment,
                unit_id=None,
            )
            events.append(
                (
                    "transfer",
                    "new",
                    "transferred",
                    True,
                    t["transfer_reason"],
                    {"agency": agency},
                    coordinator[1],
                    coordinator[0],
                    moment,
                )
            )
            return
        # Answered: on time (85 %) somewhere before the due date, or late by up to 30 days.
        received_day = t["received_on"]
        if r.random() < 0.85:
            answered_on = received_day + timedelta(days=r.randrange(2, max(3, (due - received_day).days + 1)))
        else:
            answered_on = due + timedelta(days=r.randrange(1, 31))
        answered_on = min(answered_on, today)
        answered_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(
            hours=1 + r.randrange(9), minutes=r.randrange(60)
        )
        answered_at = min(max(answered_at, received_at + timedelta(hours=1)), now - timedelta(minutes=1))
        route(at(0.1, answered_at))
        assign(at(0.2, answered_at))
        draft(at(0.8, answered_at))
        self.answer(t, events, answered_at, head, coordinator, topic)

    def pause(self, t: dict, events: list, moment: datetime, officer) -> None:
        t.update(
            paused_from_state=t["state"],
            state="needs_info",
            paused_at=moment,
            paused_on=self.to_local(moment).date(),
            updated_at=moment,
        )
        events.append(
            (
                "request_info",
                t["paused_from_state"],
                "needs_info",
                True,
                "Đề nghị Quý vị bổ sung bản sao giấy chứng nhận đăng ký doanh nghiệp và hồ sơ liên quan.",
                {},
                officer[1],
                officer[0],
                moment,
            )
        )

    def answer(self, t: dict, events: list, moment: datetime, head, coordinator, topic: str) -> None:
        """Approve the draft at `moment` (the workflow's dates), then publish it or leave it unpublished."""
        r = self.rng
        answered_on = self.to_local(moment).date()
        on_time = answered_on <= t["due_date"]
        publish_due, _vi, _en, publish_basis = self.deadline("publish", answered_on, t["kind"], t["category_id"])
        t.update(
            state="answered",
            answer=t["draft_answer"],
            answered_at=moment,
            answered_on=answered_on,
            approved_by_id=head[0],
            on_time=on_time,
            late_reason=None if on_time else r.choice(LATE_REASONS),
            closed_at=moment,
            publish_due_date=publish_due,
            updated_at=moment,
        )
        t["deadline_basis"] = {**t["deadline_basis"], "publish": publish_basis}
        events.append(
            (
                "approve",
                "pending_approval",
                "answered",
                True,
                "Đã trả lời đúng hạn." if on_time else "Đã trả lời (quá hạn).",
                {"on_time": on_time},
                head[1],
                head[0],
                moment,
            )
        )
        if t["consent_publish"] and r.random() < 0.7:
            published_at = moment + timedelta(hours=r.randrange(1, 60))
            if published_at >= self.now:
                return
            summary = f"Doanh nghiệp phản ánh, kiến nghị về {topic}."
            t.update(
                published_at=published_at,
                public_title=t["title"].split(" của ")[0],
                public_summary=summary,
                public_answer=t["answer"],
                updated_at=published_at,
            )
            key = ("search", t["public_title"], summary, t["answer"])
            words = self._deadlines.get(key)
            if words is None:  # search_text_for(code, title, summary, answer), the public parts' words cached
                words = self._deadlines[key] = self.search_text_for(t["public_title"], summary, t["answer"])
            t["search_text"] = self.search_text_for(t["code"]) + " " + words
            events.append(
                ("publish", "answered", "answered", True, None, {}, coordinator[1], coordinator[0], published_at)
            )

    def event_rows(self, ticket_id: int, events: list) -> list[tuple]:
        """Exactly EVENTS_PER_TICKET events: notes added to short timelines, middle steps dropped from long ones."""
        r = self.rng
        while len(events) > EVENTS_PER_TICKET:
            del events[len(events) // 2]  # the middle of the story (an assign or a draft)
        last = events[-1]
        state = last[2]
        while len(events) < EVENTS_PER_TICKET:
            moment = last[8] + (min(self.now, last[8] + timedelta(days=3)) - last[8]) * r.random()
            events.append(
                ("note", state, state, False, r.choice(NOTES), {}, last[6] or "Văn phòng Sở", last[7], moment)
            )
        base = (ticket_id - 1) * EVENTS_PER_TICKET
        return [
            (base + k + 1, ticket_id, e[8], e[7], e[6], e[0], e[1], e[2], e[3], e[4], e[5])
            for k, e in enumerate(events)
        ]


# ------------------------------------------------------------------ loading


def staff_users(units: dict[int, str]) -> list[dict]:
    """The staff accounts: an admin, two coordinators, a director, per unit a head and four officers."""
    people = [
        ("quantri@sokhcn.gov.vn", "Quản trị hệ thống", "admin", None),
        ("vanphong@sokhcn.gov.vn", "Lê Thị Điều Phối", "coordinator", None),
        ("vanphong2@sokhcn.gov.vn", "Phạm Văn Tiếp Nhận", "coordinator", None),
        ("giamdoc@sokhcn.gov.vn", "Nguyễn Văn Giám Đốc", "director", None),
    ]
    for unit_id, code in sorted(units.items()):
        people.append((f"truong.{code.lower()}@sokhcn.gov.vn", f"Trưởng {code} Trần Văn Hùng", "unit_head", unit_id))
        for k in range(1, 5):
            people.append(
                (f"cv{k}.{code.lower()}@sokhcn.gov.vn", f"Chuyên viên {code} {GIVEN[k * 3]}", "officer", unit_id)
            )
    return [dict(email=e, name=n, role=role, unit_id=u) for e, n, role, u in people]


PASSWORD = "Bench-Scale-2026!"


def officer_email(unit_code: str) -> str:
    return f"cv1.{unit_code.lower()}@sokhcn.gov.vn"


def prepare(app, env: dict) -> Staff:
    """Migrations, `flask seed`, the staff accounts (idempotent)."""
    import subprocess

    from bench.common import ROOT, VENV_BIN
    from feedback.extensions import db
    from feedback.models import Unit, User

    for command in (["db", "upgrade"], ["seed"]):
        t0 = time.perf_counter()
        subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"flask {' '.join(command)}: {time.perf_counter() - t0:.1f} s", flush=True)
    with app.app_context():
        units = {u.id: u.code for u in db.session.execute(db.select(Unit)).scalars()}
        have = set(db.session.execute(db.select(User.email)).scalars())
        for person in staff_users(units):
            if person["email"] not in have:
                user = User(**person)
                user.set_password(PASSWORD)
                db.session.add(user)
        db.session.commit()
        users = [(u.id, u.name, u.role, u.unit_id, u.email) for u in db.session.execute(db.select(User)).scalars()]
    return Staff(users)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def load(app, dialect: str, count: int, now: datetime, staff: Staff, batch: int = 20_000) -> None:
    """Generate and insert `count` tickets and their events, then the tracking counters, then ANALYZE."""
    from feedback.extensions import db

    t0 = time.perf_counter()
    ticket_sql = f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN"
    event_sql = f"COPY ticket_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
    json_at = [k for k, c in enumerate(TICKET_COLUMNS) if c in JSON_TICKET]
    with app.app_context():
        gen = Generator(app, count, now, staff)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for first in range(1, count + 1, batch):
                tickets, events = [], []
                for i in range(first, min(count, first + batch - 1) + 1):
                    row, evs = gen.ticket(i)
                    tickets.append(tuple(row[c] for c in TICKET_COLUMNS))
                    events.extend(evs)
                if dialect == "postgresql":
                    with cursor.copy(ticket_sql) as copy:
                        for row in tickets:
                            row = list(row)
                            for k in json_at:
                                row[k] = json.dumps(row[k], ensure_ascii=False)
                            copy.write_row(row)
                    with cursor.copy(event_sql) as copy:
                        for e in events:
                            copy.write_row((*e[:10], json.dumps(e[10], ensure_ascii=False)))
                else:
                    cursor.execute("BEGIN")  # the app's connections run in autocommit: one transaction per batch
                    marks = ", ".join("?" * len(TICKET_COLUMNS))
                    cursor.executemany(
                        f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) VALUES ({marks})",
                        [tuple(_sqlite_value(v) for v in row) for row in tickets],
                    )
                    marks = ", ".join("?" * len(EVENT_COLUMNS))
                    cursor.executemany(
                        f"INSERT INTO ticket_events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
                        [tuple(_sqlite_value(v) for v in e) for e in events],
                    )
                raw.commit()
                done = min(count, first + batch - 1)
                if done % 100_000 < batch or done == count:
                    print(
                        f"  {done:,} tickets, {done * EVENTS_PER_TICKET:,} events ({time.perf_counter() - t0:.0f} s)",
                        flush=True,
                    )
            if dialect != "postgresql":
                cursor.execute("BEGIN")
            for year, last in gen.year_counters.items():  # new submissions continue the numbering
                if dialect == "postgresql":
                    cursor.execute(
                        "INSERT INTO tracking_counters (year, last) VALUES (%s, %s) ON CONFLICT (year) "
                        "DO UPDATE SET last = GREATEST(tracking_counters.last, EXCLUDED.last)",
                        (year, last),
                    )
                else:
                    cursor.execute(
                        "INSERT INTO tracking_counters (year, last) VALUES (?, ?) ON CONFLICT (year) "
                        "DO UPDATE SET last = MAX(tracking_counters.last, excluded.last)",
                        (year, last),
                    )
            if dialect == "postgresql":
                for table in ("tickets", "ticket_events"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
            raw.commit()
        finally:
            raw.close()
        print(
            f"loaded {count:,} tickets and {count * EVENTS_PER_TICKET:,} events in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        analyze(dialect)


def analyze(dialect: str) -> None:
    from feedback.extensions import db

    t0 = time.perf_counter()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        # In a transaction that commits: the app's SQLite engine begins every transaction itself
        # (feedback/db/sqlite.py), so under AUTOCOMMIT the statistics were rolled back with it and the
        # benchmark measured SQLite without them until the thirteenth round.
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"{'VACUUM ANALYZE' if dialect == 'postgresql' else 'ANALYZE'}: {time.perf_counter() - t0:.0f} s", flush=True)
