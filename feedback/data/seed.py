"""The default organisation named in the department's plan: its units and categories (the demo is data/demo.py)."""

from __future__ import annotations

from ..extensions import db
from ..models import Category, DeadlineRule, Unit

UNITS = [
    # code, name, English name, order
    ("VP", "Văn phòng Sở", "Department Office", 10),
    ("QLCN", "Phòng Quản lý Công nghệ", "Technology Management Division", 20),
    ("CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "Sub-department of Standards, Metrology and Quality", 30),
    (
        "TTUD",
        "Trung tâm Ứng dụng, kỹ thuật, thông tin khoa học và công nghệ",
        "Centre for S&T Application, Engineering and Information",
        40,
    ),
    ("BGD", "Ban Giám đốc Sở", "Board of Directors", 50),
]

CATEGORIES = [
    # code, name, English name, default unit, order
    ("SHTT", "Sở hữu trí tuệ", "Intellectual property", "QLCN", 10),
    ("CGCN", "Chuyển giao công nghệ và đổi mới công nghệ", "Technology transfer and innovation", "QLCN", 20),
    ("TDC", "Tiêu chuẩn, đo lường, chất lượng", "Standards, metrology and quality", "CCTDC", 30),
    ("NSCL", "Năng suất và giải thưởng chất lượng", "Productivity and quality awards", "CCTDC", 40),
    ("KNST", "Khởi nghiệp đổi mới sáng tạo", "Innovative start-ups", "QLCN", 50),
    (
        "DVKHCN",
        "Dịch vụ, thông tin và trang thiết bị khoa học và công nghệ",
        "S&T services, information and equipment",
        "TTUD",
        60,
    ),
    (
        "TTHC",
        "Thủ tục hành chính và dịch vụ công trực tuyến",
        "Administrative procedures and online public services",
        "VP",
        70,
    ),
    ("KHAC", "Lĩnh vực khác", "Other", "VP", 90),
]

RULES = [
    # purpose, amount, unit, legal basis
    # The legal basis is a citation: explanations read "20 ngày ... theo <legal basis>".
    ("answer", 20, "calendar_days", "Thông tư 02/2017/TT-VPCP"),
    ("transfer", 5, "working_days", "Nghị định 20/2008/NĐ-CP, Điều 9; Nghị định 92/2017/NĐ-CP"),
    ("route", 2, "working_days", "quy chế nội bộ của Sở"),
    ("publish", 2, "working_days", "Thông tư 02/2017/TT-VPCP"),
    ("progress", 7, "calendar_days", "Thông tư 02/2017/TT-VPCP"),
    # Reconsideration (issue 14): request within 15 days of the answer; the review answered in 10 working days.
    ("review_request", 15, "calendar_days", "quy chế tiếp nhận, xử lý phản ánh, kiến nghị của Sở"),
    ("review", 10, "working_days", "quy chế tiếp nhận, xử lý phản ánh, kiến nghị của Sở"),
]

# Rules of the regime for feedback on legal normative documents (Công điện 89/CĐ-TTg of 16/06/2025).
REGIME_RULES = [
    # regime, purpose, amount, unit, legal basis
    ("legal_document", "answer", 15, "calendar_days", "Công điện 89/CĐ-TTg ngày 16/06/2025"),
    ("legal_document", "transfer", 2, "working_days", "Công điện 89/CĐ-TTg ngày 16/06/2025"),
]


def seed_organisation() -> dict[str, int]:
    """Add the default units, categories and deadline rules that are missing; return what was added.

    Idempotent: existing rows (possibly edited by an administrator) are left as they are.
    """
    added = {"units": 0, "categories": 0, "rules": 0}
    units = {u.code: u for u in db.session.execute(db.select(Unit)).scalars()}
    for code, name, name_en, order in UNITS:
        if code not in units:
            units[code] = Unit(code=code, name=name, name_en=name_en, sort_order=order)
            db.session.add(units[code])
            added["units"] += 1
    db.session.flush()
    existing = set(db.session.execute(db.select(Category.code)).scalars())
    for code, name, name_en, unit_code, order in CATEGORIES:
        if code not in existing:
            db.session.add(
                Category(code=code, name=name, name_en=name_en, default_unit=units.get(unit_code), sort_order=order)
            )
            added["categories"] += 1
    general = set(
        db.session.execute(
            db.select(DeadlineRule.regime, DeadlineRule.purpose).where(
                DeadlineRule.kind.is_(None), DeadlineRule.category_id.is_(None)
            )
        ).all()
    )
    for purpose, amount, day_unit, basis in RULES:
        if (None, purpose) not in general:
            db.session.add(DeadlineRule(purpose=purpose, amount=amount, day_unit=day_unit, legal_basis=basis))
            added["rules"] += 1
    for regime, purpose, amount, day_unit, basis in REGIME_RULES:
        if (regime, purpose) not in general:
            db.session.add(
                DeadlineRule(regime=regime, purpose=purpose, amount=amount, day_unit=day_unit, legal_basis=basis)
            )
            added["rules"] += 1
    db.session.flush()
    return added
