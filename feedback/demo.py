"""Demo data: one staff user per role and a handful of realistic tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from .domain.states import Channel, Role
from .extensions import db
from .models import Ticket, Unit, User
from .services import intake

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
    dict(submitter_type="enterprise", organization="Công ty TNHH Cơ khí Chính xác Long An",
         tax_code="0101243150", name="Nguyễn Văn An", email="nguyenvanan@example.com", phone="0912345678",
         address="Lô C5, KCN Đức Hòa 1, xã Đức Hòa, tỉnh Tây Ninh", kind="complaint", category="TDC",
         title="Thời gian kiểm định cân thương mại kéo dài",
         content="Doanh nghiệp đã nộp hồ sơ kiểm định 12 cân điện tử từ tháng trước nhưng đến nay chưa có lịch "
                 "kiểm định. Đề nghị Sở cho biết thời hạn và quy trình cụ thể.",
         regulation="Thông tư 23/2013/TT-BKHCN", consent_publish=True),
    dict(submitter_type="enterprise", organization="Công ty Cổ phần Nông sản Đồng Tháp Mười",
         tax_code="0300588569", name="Trần Thị Bích", email="bich.tran@example.com", phone="0283 8234 567",
         address="Số 12 đường 30/4, phường Tân An, tỉnh Tây Ninh", kind="recommendation", category="SHTT",
         title="Hỗ trợ đăng ký nhãn hiệu tập thể cho gạo đặc sản",
         content="Chúng tôi kiến nghị Sở hướng dẫn và hỗ trợ kinh phí đăng ký nhãn hiệu tập thể cho sản phẩm "
                 "gạo đặc sản của hợp tác xã theo Chương trình phát triển tài sản trí tuệ đến năm 2030.",
         consent_publish=True),
    dict(submitter_type="citizen", name="Lê Hoàng Phúc", email="phuc.le@example.com",
         address="Ấp 3, xã Mỹ Hạnh, tỉnh Tây Ninh", kind="proposal", category="TTHC",
         title="Đề nghị cho phép nộp hồ sơ trực tuyến toàn trình",
         content="Thủ tục cấp giấy chứng nhận đăng ký hoạt động khoa học và công nghệ vẫn yêu cầu nộp bản giấy. "
                 "Đề nghị cho phép nộp trực tuyến toàn trình trên Cổng dịch vụ công.",
         consent_publish=False),
    dict(submitter_type="enterprise", organization="Công ty TNHH Khởi Nghiệp Xanh",
         tax_code="0100109106", name="Phạm Minh Khôi", email="khoi@example.com", phone="+84 903 123 456",
         address="Tầng 4, số 88 Hùng Vương, phường Long An, tỉnh Tây Ninh", kind="recommendation",
         category="KNST", title="Tiêu chí hỗ trợ khởi nghiệp đổi mới sáng tạo chưa rõ",
         content="Kế hoạch hỗ trợ khởi nghiệp đổi mới sáng tạo chưa nêu rõ tiêu chí xét chọn doanh nghiệp được "
                 "hỗ trợ tham gia Techfest. Kiến nghị công bố tiêu chí cụ thể.", consent_publish=True),
    dict(submitter_type="enterprise", organization="Công ty TNHH Thiết bị Đo Lường Miền Nam",
         tax_code="0300588569-001", name="Đỗ Thị Hạnh", email="hanh.do@example.com", phone="0272 3826 123",
         address="Số 5 Nguyễn Huệ, phường Tân An, tỉnh Tây Ninh", kind="complaint", category="DVKHCN",
         title="Phí sử dụng phòng thí nghiệm của Trung tâm chưa công khai",
         content="Doanh nghiệp không tìm thấy biểu phí sử dụng trang thiết bị phòng thí nghiệm của Trung tâm "
                 "Ứng dụng trên cổng thông tin của Sở. Đề nghị công khai biểu phí.", consent_publish=True),
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
    """Submit the demo tickets (once: nothing is added when demo tickets exist)."""
    if db.session.execute(db.select(Ticket.id).limit(1)).first() is not None:
        return []
    tickets = []
    for offset, data in enumerate(DEMO_TICKETS):
        sub = intake.Submission(**data, channel=Channel.WEB)
        tickets.append(intake.submit(sub, now - timedelta(days=3 * (len(DEMO_TICKETS) - offset))))
    return tickets
