"""Demo data: one staff user per role and a handful of realistic tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.states import Channel, Role
from ..extensions import db
from ..models import Ticket, Unit, User
from ..services import calendar, intake, publication, workflow
from ..timeutil import to_local, to_utc_naive

DEMO_USERS = [
    # email, name, role, unit, password
    ("admin@demo.sokhcn.vn", "Trần Quản Trị", Role.ADMIN, None, "demo-admin-2026"),
    ("vanphong@demo.sokhcn.vn", "Lê Thị Điều Phối", Role.COORDINATOR, "VP", "demo-vanphong-2026"),
    ("giamdoc@demo.sokhcn.vn", "Phạm Văn Giám Đốc", Role.DIRECTOR, "BGD", "demo-giamdoc-2026"),
    ("truongphong.qlcn@demo.sokhcn.vn", "Nguyễn Văn Trưởng", Role.UNIT_HEAD, "QLCN", "demo-truongphong-2026"),
    ("chuyenvien.qlcn@demo.sokhcn.vn", "Võ Thị Chuyên Viên", Role.OFFICER, "QLCN", "demo-chuyenvien-2026"),
    ("chicuc.truong@demo.sokhcn.vn", "Đặng Minh Chi Cục", Role.UNIT_HEAD, "CCTDC", "demo-chicuc-2026"),
    ("chicuc.chuyenvien@demo.sokhcn.vn", "Huỳnh Ngọc Đo Lường", Role.OFFICER, "CCTDC", "demo-chicuccv-2026"),
]

DEMO_TICKETS = [
    dict(
        submitter_type="enterprise",
        organization="Công ty TNHH Cơ khí Chính xác Long An",
        tax_code="0101243150",
        name="Nguyễn Văn An",
        email="nguyenvanan@example.com",
        phone="0912345678",
        address="Lô C5, KCN Đức Hòa 1, xã Đức Hòa, tỉnh Tây Ninh",
        kind="complaint",
        category="TDC",
        title="Thời gian kiểm định cân thương mại kéo dài",
        content="Doanh nghiệp đã nộp hồ sơ kiểm định 12 cân điện tử từ tháng trước nhưng đến nay chưa có lịch "
        "kiểm định. Đề nghị Sở cho biết thời hạn và quy trình cụ thể.",
        regulation="Thông tư 23/2013/TT-BKHCN",
        consent_publish=True,
    ),
    dict(
        submitter_type="enterprise",
        organization="Công ty Cổ phần Nông sản Đồng Tháp Mười",
        tax_code="0300588569",
        name="Trần Thị Bích",
        email="bich.tran@example.com",
        phone="0283 8234 567",
        address="Số 12 đường 30/4, phường Tân An, tỉnh Tây Ninh",
        kind="recommendation",
        category="SHTT",
        title="Hỗ trợ đăng ký nhãn hiệu tập thể cho gạo đặc sản",
        content="Chúng tôi kiến nghị Sở hướng dẫn và hỗ trợ kinh phí đăng ký nhãn hiệu tập thể cho sản phẩm "
        "gạo đặc sản của hợp tác xã theo Chương trình phát triển tài sản trí tuệ đến năm 2030.",
        consent_publish=True,
    ),
    dict(
        submitter_type="citizen",
        name="Lê Hoàng Phúc",
        email="phuc.le@example.com",
        address="Ấp 3, xã Mỹ Hạnh, tỉnh Tây Ninh",
        kind="proposal",
        category="TTHC",
        title="Đề nghị cho phép nộp hồ sơ trực tuyến toàn trình",
        content="Thủ tục cấp giấy chứng nhận đăng ký hoạt động khoa học và công nghệ vẫn yêu cầu nộp bản giấy. "
        "Đề nghị cho phép nộp trực tuyến toàn trình trên Cổng dịch vụ công.",
        consent_publish=False,
    ),
    dict(
        submitter_type="enterprise",
        organization="Công ty TNHH Khởi Nghiệp Xanh",
        tax_code="0100109106",
        name="Phạm Minh Khôi",
        email="khoi@example.com",
        phone="+84 903 123 456",
        address="Tầng 4, số 88 Hùng Vương, phường Long An, tỉnh Tây Ninh",
        kind="recommendation",
        category="KNST",
        title="Tiêu chí hỗ trợ khởi nghiệp đổi mới sáng tạo chưa rõ",
        content="Kế hoạch hỗ trợ khởi nghiệp đổi mới sáng tạo chưa nêu rõ tiêu chí xét chọn doanh nghiệp được "
        "hỗ trợ tham gia Techfest. Kiến nghị công bố tiêu chí cụ thể.",
        consent_publish=True,
    ),
    dict(
        submitter_type="enterprise",
        organization="Công ty TNHH Thiết bị Đo Lường Miền Nam",
        tax_code="0300588569-001",
        name="Đỗ Thị Hạnh",
        email="hanh.do@example.com",
        phone="0272 3826 123",
        address="Số 5 Nguyễn Huệ, phường Tân An, tỉnh Tây Ninh",
        kind="complaint",
        category="DVKHCN",
        title="Phí sử dụng phòng thí nghiệm của Trung tâm chưa công khai",
        content="Doanh nghiệp không tìm thấy biểu phí sử dụng trang thiết bị phòng thí nghiệm của Trung tâm "
        "Ứng dụng trên cổng thông tin của Sở. Đề nghị công khai biểu phí.",
        consent_publish=True,
    ),
    dict(
        submitter_type="enterprise",
        organization="Công ty TNHH Bao Bì Phương Nam",
        tax_code="0101243150",
        name="Vũ Quốc Bảo",
        email="bao.vu@example.com",
        phone="0909 112 233",
        address="KCN Long Hậu, xã Cần Giuộc, tỉnh Tây Ninh",
        kind="proposal",
        category="NSCL",
        title="Đề xuất hỗ trợ áp dụng ISO 9001 cho doanh nghiệp nhỏ",
        content="Doanh nghiệp đề xuất Sở tổ chức lớp hướng dẫn và hỗ trợ một phần chi phí tư vấn áp dụng "
        "hệ thống quản lý chất lượng ISO 9001 cho doanh nghiệp nhỏ và vừa.",
        consent_publish=True,
    ),
    dict(
        submitter_type="citizen",
        name="Nguyễn Thị Mai",
        email="mai.nguyen@example.com",
        address="Khu phố 2, phường Tân Ninh, tỉnh Tây Ninh",
        kind="complaint",
        category="KHAC",
        title="Phản ánh về giá điện sinh hoạt tăng cao",
        content="Hóa đơn tiền điện tháng này của gia đình tôi tăng gấp đôi so với tháng trước dù sử dụng như cũ. "
        "Đề nghị cơ quan chức năng kiểm tra.",
        consent_publish=False,
    ),
    dict(
        submitter_type="citizen",
        name="Trần Văn Hùng",
        phone="0987 654 321",
        address="Ấp Bình Tả, xã Đức Lập, tỉnh Tây Ninh",
        kind="recommendation",
        category="KHAC",
        title="Kiến nghị chung chung không rõ nội dung",
        content="Đề nghị các cơ quan làm việc tốt hơn nữa, không nêu cụ thể vấn đề hay quy định nào.",
        consent_publish=False,
        channel=Channel.PHONE,
    ),
]


def create_demo_users() -> list[tuple[str, str, str]]:
    """Add the demo staff users that are missing; return (email, role, password) of each."""
    units = {u.code: u for u in db.session.execute(db.select(Unit)).scalars()}
    created = []
    for email, name, role, unit_code, password in DEMO_USERS:
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=name, role=role, unit=units.get(unit_code) if unit_code else None)
            user.set_password(password)
            db.session.add(user)
        created.append((email, str(role), password))
    db.session.flush()
    return created


def create_demo_tickets(now: datetime) -> list[Ticket]:
    """Submit the demo tickets and work them into every state (once: nothing is added when tickets exist)."""
    if db.session.execute(db.select(Ticket.id).limit(1)).first() is not None:
        return []
    tickets = []
    for offset, data in enumerate(DEMO_TICKETS):
        data = dict(data)
        channel = data.pop("channel", Channel.WEB)
        sub = intake.Submission(**data, channel=channel)
        day = to_local(now - timedelta(days=3 * (len(DEMO_TICKETS) - offset)))
        received = to_utc_naive(day.replace(hour=9, minute=5 * offset, second=0, microsecond=0))
        tickets.append(intake.submit(sub, received))  # during office hours, days apart
    work_demo_tickets(tickets, now)
    return tickets


def work_demo_tickets(tickets: list[Ticket], now: datetime) -> None:
    """Take the sample tickets through the workflow services so that every state has one."""
    users = {u.email: u for u in db.session.execute(db.select(User)).scalars()}
    coordinator = users["vanphong@demo.sokhcn.vn"]
    head_qlcn = users["truongphong.qlcn@demo.sokhcn.vn"]
    officer_qlcn = users["chuyenvien.qlcn@demo.sokhcn.vn"]
    head_cc = users["chicuc.truong@demo.sokhcn.vn"]
    officer_cc = users["chicuc.chuyenvien@demo.sokhcn.vn"]
    # The sixth ticket stays `new`, for the coordinator to triage.
    answered, extension, needs_info, pending, assigned, _new, transferred, refused = tickets

    def at(ticket: Ticket, hours: int) -> datetime:
        return min(ticket.received_at + timedelta(hours=hours), now)

    # answered: routed, assigned, drafted, approved (then publishable by the coordinator).
    workflow.route(answered, coordinator, "CCTDC", at(answered, 4))
    workflow.assign(answered, head_cc, officer_cc, at(answered, 6))
    workflow.answer(
        answered,
        officer_cc,
        "Chi cục đã bố trí lịch kiểm định 12 cân điện tử của doanh nghiệp vào "
        "tuần tới theo Thông tư 23/2013/TT-BKHCN; cán bộ kiểm định sẽ liên hệ trước 01 ngày.",
        at(answered, 30),
    )
    workflow.approve(answered, head_cc, at(answered, 32))
    # ...and published by the office, with the redacted text the publish form proposes.
    text = publication.prefill(answered)
    publication.publish(answered, coordinator, text.title, text.summary, text.answer, at(answered, 36))
    # ...and rated by the submitter (issue 14: the dashboard and statistics have a rating to show).
    from ..services import satisfaction

    satisfaction.rate(answered, "acceptable", ["too_late"], None, at(answered, 40))
    # in_progress with an extension request waiting for approval.
    workflow.route(extension, coordinator, "QLCN", at(extension, 3))
    workflow.assign(extension, head_qlcn, officer_qlcn, at(extension, 5))
    workflow.extend(
        extension,
        head_qlcn,
        calendar.work_calendar().add_working_days(extension.due_date, 10),
        "Cần lấy ý kiến Cục Sở hữu trí tuệ về hồ sơ nhãn hiệu tập thể.",
        at(extension, 8),
    )
    # needs_info: the coordinator asks the submitter before routing.
    workflow.request_info(
        needs_info,
        coordinator,
        "Đề nghị Quý vị cho biết tên thủ tục cụ thể và mã hồ sơ đã nộp (nếu có).",
        at(needs_info, 2),
    )
    # pending_approval: a draft waits for the unit head.
    workflow.route(pending, coordinator, "QLCN", at(pending, 2))
    workflow.assign(pending, head_qlcn, officer_qlcn, at(pending, 4))
    workflow.note(pending, officer_qlcn, "Đã đối chiếu Kế hoạch hỗ trợ khởi nghiệp năm nay.", at(pending, 5))
    workflow.answer(
        pending,
        officer_qlcn,
        "Tiêu chí xét chọn doanh nghiệp tham gia Techfest được công bố tại "
        "Kế hoạch của Sở; Phòng sẽ đăng tải bản hướng dẫn chi tiết trên cổng thông tin.",
        at(pending, 7),
    )
    # assigned: routed to the unit, not yet given to an officer.
    workflow.route(assigned, coordinator, "CCTDC", at(assigned, 1))
    # refused and transferred.
    workflow.refuse(
        refused,
        coordinator,
        "Nội dung chưa nêu cụ thể quy định hay thủ tục nào gây khó khăn; đề nghị Quý vị gửi lại với nội dung cụ thể.",
        at(refused, 1),
        reason_code="insufficient",
    )
    workflow.transfer(
        transferred,
        coordinator,
        "Sở Công Thương tỉnh Tây Ninh",
        "Giá điện sinh hoạt thuộc thẩm quyền quản lý của ngành Công Thương.",
        at(transferred, 1),
    )
    db.session.flush()
