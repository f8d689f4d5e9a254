"""Build tests/data/redaction_corpus.jsonl from the hand-written sentences and a mixed part.

The hand-written part (redaction_corpus_src.txt) holds the hard cases and the negatives. The mixed
part puts varied real-looking values (names in every form people write them, phones and e-mails
spelled to dodge filters, addresses from several regions) into varied hand-written frames, so that
each kind is measured on many values, not on one pattern. Run: python tests/data/build_redaction_corpus.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).parent
MARK = re.compile(r"\{(name|phone|email|id|address|bank|plate|dob)\|([^{}]+)\}")

NAMES = [
    "Nguyễn Văn Toàn",
    "Trần Thị Hồng Nhung",
    "Lê Quang Vinh",
    "Phạm Thị Thu Trang",
    "Hoàng Minh Đức",
    "Huỳnh Thị Kim Ngân",
    "Phan Văn Sáng",
    "Vũ Thị Hải Yến",
    "Võ Minh Tâm",
    "Đặng Hữu Phước",
    "Bùi Thị Thanh Xuân",
    "Đỗ Mạnh Hùng",
    "Hồ Thị Phương Linh",
    "Ngô Quốc Bảo",
    "Dương Thị Hà",
    "Lý Văn Phúc",
    "Đào Thị Nguyệt",
    "Trịnh Công Sơn",
    "Trương Mỹ Lan",
    "Lâm Văn Khải",
    "nguyen thi lan anh",
    "TRAN VAN HAI",
    "Le Thi Bich",
    "Pham Duc Long",
    "Hoang Anh Tuan",
    "Đinh Thị Ngọc Hân",
    "Mai Văn Thành",
    "Tô Hoài Nam",
    "Lưu Thị Diệu Linh",
    "Quách Tuấn Kiệt",
    "Châu Ngọc Thảo",
    "Kiều Minh Tuấn",
    "Lại Văn Sâm",
    "Nghiêm Xuân Hòa",
    "Phùng Thị Mến",
]
PARTIAL = [
    "Bích Ngọc",
    "Minh Anh",
    "Thu Hà",
    "Hồng Nhung",
    "Quốc Bảo",
    "Thanh Tâm",
    "Ngọc Hân",
    "Kim Ngân",
    "Hải Yến",
    "Mỹ Duyên",
]
REVERSED = ["Ngoc Tran", "Hung Nguyen", "Lan Pham", "Minh Le", "Tuan Hoang", "Thao Vu", "Khanh Do", "Nam Bui"]
HONORIFIC_GIVEN = [
    ("anh", "Tuấn"),
    ("chị", "Lan"),
    ("bà", "Sáu"),
    ("ông", "Tám"),
    ("cô", "Hoa"),
    ("chú", "Bảy"),
    ("em", "Vy"),
    ("bác", "Năm"),
    ("Mr", "Kevin"),
    ("Ms", "Hana"),
    ("Mrs", "Jennifer Wong"),
    ("anh", "Khoa"),
    ("chị", "Thắm"),
    ("ông", "Hoàng Long"),
]
PHONES = [
    "0903 123 456",
    "0912.345.678",
    "0987-654-321",
    "+84 903 111 222",
    "+84-983-456-789",
    "84 912 000 111",
    "(028) 3823 4567",
    "024 3943 5566",
    "0236.3822.111",
    "09 78 56 34 12",
    "0 9 1 2 3 4 5 6 7 8",
    "0868123456",
    "0333 44 55 66",
    "(+84) 28 3930 1234",
    "0901 23 45 67",
]
EMAILS = [
    "lan.nguyen@gmail.com",
    "ngoc.tran (at) congtyabc.vn",
    "tuan.hoang[at]yahoo.com",
    "ketoan a còng thanhdat chấm vn",
    "hung.pham @ outlook . com",
    "info(at)minhphat(dot)com(dot)vn",
    "thu.ha.88@hotmail.com",
    "sales @ tanthanh.com.vn",
    "giamdoc.hp [at] hoangphat [dot] vn",
    "le.bich a cong gmail cham com",
]
ADDRESSES = [
    "số 25 đường Lý Thường Kiệt, phường Hải Châu 1",
    "ngõ 120 phố Hoàng Quốc Việt",
    "thôn Đông Xá, xã Đông Hưng",
    "ấp Mỹ Thạnh, xã Mỹ Xuyên",
    "khu phố 4, phường Tân Phong",
    "hẻm 88 Nguyễn Đình Chiểu, phường 4",
    "kiệt 20 Trần Cao Vân",
    "tổ 12, phường Quang Trung",
    "số nhà 7, ngách 15/3 ngõ Văn Chương",
    "46B đường Ba Tháng Hai, phường 12",
    "xóm Trại, xã Hưng Đạo",
    "thôn 3, xã Ea Kao",
    "số 9 phố Hàng Bài, phường Tràng Tiền",
    "lô C4, khu đô thị Phú Mỹ Hưng",
    "số 101/5 Nguyễn Văn Linh, phường Tân Thuận Tây",
]
IDS = [
    "CCCD 001089012345",
    "CMND 212345678",
    "căn cước 079 190 001 234",
    "hộ chiếu B7654321",
    "số định danh 038185009876",
    "CCCD: 0340 8500 1122",
]
BANKS = [
    "STK {bank|0071000123456} Vietcombank",
    "số tài khoản {bank|1903 5566 7788 99} Techcombank",
    "tài khoản {bank|2601 2052 1234} Agribank",
    "STK: {bank|19036677889010}",
    "TK số {bank|0451 0003 21987} (VCB)",
    "BIDV {bank|3141 0000 456 789}",
]
PLATES = ["51F-123.45", "30G-678.90", "43A-111.22", "70A-12345", "92C-05678", "59X3-456.78"]
DOBS = [
    ("sinh ngày", "12/05/1987"),
    ("ngày sinh", "03-11-1992"),
    ("sinh năm", "1975"),
    ("SN", "20/10/1968"),
    ("năm sinh", "2001"),
    ("sinh ngày", "7 tháng 8 năm 1983"),
]

FRAMES = [
    "Nhân viên tên {N} ở quầy tiếp nhận đã từ chối nhận hồ sơ của công ty.",
    "Người liên hệ: {N}, điện thoại {P}.",
    "Tôi được {N} giới thiệu đến Sở để hỏi về thủ tục đăng ký sáng chế.",
    "Hợp đồng ký giữa công ty và {N} không được Sở chấp thuận.",
    "Mọi thông tin xin gửi về {E}, cảm ơn Quý Sở.",
    "Đề nghị liên hệ lại qua số {P} hoặc thư {E}.",
    "Cơ sở sản xuất của chúng tôi ở {A}, huyện Hòa Vang.",
    "Đoàn kiểm tra đến {A} lúc 9 giờ sáng mà không báo trước.",
    "Gửi kèm bản chụp {I} của người đại diện.",
    "Kinh phí hỗ trợ xin chuyển vào {B}.",
    "Xe chở hàng biển {L} bị dừng kiểm tra tải trọng.",
    "Người bị hại {N}, {D}, hiện sống cùng gia đình.",
    "Theo {N} thì cân điện tử ở sạp này đã không được kiểm định hai năm nay.",
    "Sáng 12/3, {N} đến nộp hồ sơ nhưng được hẹn quay lại sau 15 ngày.",
    "Hồ sơ đứng tên {N}, liên hệ {P}, hiện chưa được giải quyết.",
    "Tôi, {N}, xin phản ánh việc chậm trả kết quả thử nghiệm.",
    "Vui lòng gửi thông báo cho {N} theo địa chỉ {A}.",
    "Bên mua là {N}; bên bán là Công ty TNHH Minh Phát.",
    "Thư trả lời xin gửi về {E} (người nhận: {N}).",
    "{N} là chủ nhiệm đề tài cấp tỉnh mã số ĐT.12/2024.",
    "Cần hỏi thêm, xin gọi {P} gặp {N}.",
    "Chúng tôi đã chuyển {B} số tiền 3.000.000 đồng theo hướng dẫn của cán bộ.",
    "Ô tô {L} của công ty đã được kiểm định nhưng tem bị ghi sai.",
    "Chủ hộ kinh doanh là {N}, {I}.",
    "Địa chỉ liên lạc: {A}; điện thoại: {P}.",
]


def parse(line: str) -> dict:
    spans, out, position = [], [], 0
    for match in MARK.finditer(line):
        out.append(line[position : match.start()])
        start = sum(len(p) for p in out)
        out.append(match.group(2))
        spans.append({"start": start, "end": start + len(match.group(2)), "kind": match.group(1)})
        position = match.end()
    out.append(line[position:])
    return {"text": "".join(out), "spans": spans}


def mixed(rng: random.Random, count: int) -> list[str]:
    lines = []
    for index in range(count):
        frame = FRAMES[index % len(FRAMES)]
        form = rng.random()
        if form < 0.55:
            name = f"{{name|{rng.choice(NAMES)}}}"
        elif form < 0.7:
            name = f"chị {{name|{rng.choice(PARTIAL)}}}"
        elif form < 0.8:
            name = f"{{name|{rng.choice(REVERSED)}}}"
        else:
            title, given = rng.choice(HONORIFIC_GIVEN)
            name = f"{title} {{name|{given}}}"
        dob_word, dob = rng.choice(DOBS)
        id_text = rng.choice(IDS)
        id_word, id_value = re.match(r"(\D*?)[: ]*([A-Z]?[0-9][0-9 ]*)$", id_text).groups()
        bank_text = rng.choice(BANKS)
        lines.append(
            frame.format(
                N=name,
                P=f"{{phone|{rng.choice(PHONES)}}}",
                E=f"{{email|{rng.choice(EMAILS)}}}",
                A=f"{{address|{rng.choice(ADDRESSES)}}}",
                I=f"{id_word} {{id|{id_value.strip()}}}",
                B=bank_text,
                L=f"{{plate|{rng.choice(PLATES)}}}",
                D=f"{dob_word} {{dob|{dob}}}",
            )
        )
    return lines


def main() -> None:
    hand = [
        line.rstrip("\n")
        for line in (HERE / "redaction_corpus_src.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    rows = [dict(parse(line), source="hand") for line in hand]
    rows += [dict(parse(line), source="mixed") for line in mixed(random.Random(13), 200)]
    with open(HERE / "redaction_corpus.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences written")
    holdout = [
        line
        for line in (HERE / "redaction_holdout_src.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    with open(HERE / "redaction_holdout.jsonl", "w", encoding="utf-8") as out:
        for line in holdout:
            out.write(json.dumps(dict(parse(line), source="holdout"), ensure_ascii=False) + "\n")
    print(f"{len(holdout)} held-out sentences written")


if __name__ == "__main__":
    main()
