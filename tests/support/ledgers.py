"""Household ledgers (台账) for the ledger tests: ID numbers with their defects, the messy 2023 ledger,
the 2024 one, an old XLS, and documents filed with a date."""
from __future__ import annotations

import datetime as dt
import functools
import io

from openpyxl import Workbook
from sqlalchemy import select

from archive.auth.actor import CLI
from archive.ingest.pipeline import Incoming
from archive.ledgers.idnumber import check_character
from archive.models import Document, OrgUnit
from tests.support.sheets import titled_sheet, workbook_bytes

LIYUAN = "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"
XIGANG = "河南省/安阳市/文峰区/宝莲寺镇/西岗村"


def make_id(first17: str) -> str:
    return first17 + check_character(first17)


# Household 1 (clean): 张建国, 李秀兰, 张伟
ZHANG = make_id("41050219650312001")
LI = make_id("41050219670708002")
ZHANG_WEI = make_id("41050219900101003")
# Household 2: the head's ID typed as a number (digits lost)
WANG = make_id("41050219700215005")
WANG_SON = make_id("41050219980620007")
# Household 3: full-width digits and a lower-case x (normalised, warnings)
LIU = next(make_id(f"41050219780315{n:03}") for n in range(1000)
           if check_character(f"41050219780315{n:03}") == "X")
# Household 4: a wrong check character
ZHAO = make_id("41050219801111004")
ZHAO_BAD = ZHAO[:17] + ("0" if ZHAO[17] != "0" else "1")
ZHOU_PHONE = "13912345678"
PHONE = "13812345678"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


def liu_messy() -> str:
    # full-width digits, and the check character X in lower case
    return fullwidth(LIU[:17]) + "x"


@functools.cache
def household_ledger_2023() -> bytes:
    """One row per person, as villages keep them: a merged title, a 填报 line, a two-row header with
    group cells (户主基本情况 over 户编号 | 姓名, 家庭成员情况 over 姓名 | 与户主关系 | 证件号码),
    the household's 家庭人口/户类型 merged down its rows, and every ID defect."""
    wb, ws = titled_sheet("2023年台账", "黎元村2023年脱贫户和监测对象信息台账", "填报单位：黎元村村民委员会")
    ws.append(["序号", "户主基本情况", None, "家庭成员情况", None, None, "家庭人口", "户类型", "联系电话",
               "年人均纯收入（元）", "备注"])
    ws.append([None, "户编号", "姓名", "姓名", "与户主关系", "证件号码"])
    for col in "AGHIJK":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("B3:C3")
    ws.merge_cells("D3:F3")
    rows = [
        # 5-7: household 1, clean
        [1, "LY001", "张建国", "张建国", "户主", ZHANG, 3, "脱贫户", PHONE, 12000, None],
        [2, "LY001", "张建国", "李秀兰", "配偶", LI, None, None, None, None, None],
        [3, "LY001", "张建国", "张伟", "长子", ZHANG_WEI, None, None, None, None, None],
        # 8-9: household 2, the head's ID typed as a number
        [4, "LY002", "王明", "王明", "户主", float(WANG[:15] + "000"), 2, "脱贫户", None, 9000, None],
        [5, "LY002", "王明", "王小明", "之子", WANG_SON, None, None, None, None, None],
        # 10: household 3, full-width digits and lower-case x; 约3000 is not a number
        [6, "LY003", "刘芳", "刘芳", "户主", liu_messy(), 1, "监测户", None, "约3000", None],
        # 11: household 4, a wrong check character
        [7, "LY004", "赵强", "赵强", "户主", ZHAO_BAD, 1, "边缘户", None, 8000, None],
        # 12: household 5, the same ID as 李秀兰 (row 6): both rows are flagged
        [8, "LY005", "钱进", "钱进", "户主", LI, 1, "脱贫户", None, 8000, None],
        # 13: household 6, no ID at all; the income a formula
        [9, "LY006", "周平", "周平", "户主", None, 1, "脱贫户", ZHOU_PHONE, "=800*10", None],
    ]
    for row in rows:
        ws.append(row)
    ws.append(["注：本表由村委会填报，数据截至2023年12月31日。"])
    return workbook_bytes(wb)


def household_ledger_2024(rows=None, title="黎元村2024年监测对象信息台账") -> bytes:
    """One row per household (户主 only), another year, another layout."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "户主姓名", "户主身份证号码", "家庭人口数", "户类型", "人均纯收入", "年度"])
    for row in rows or [
        [1, "张建国", ZHANG, 4, "监测户", 15000, 2024],
        [2, "刘芳", LIU, 2, "监测户", 6000, 2024],
    ]:
        ws.append(row)
    return workbook_bytes(wb)


# Every full ID and phone number of the 2023 ledger: none may show where numbers are masked.
FULL_NUMBERS = (ZHANG, LI, ZHANG_WEI, LIU, WANG_SON, ZHAO_BAD, PHONE, ZHOU_PHONE)


def no_full_numbers(text: str) -> None:
    for number in FULL_NUMBERS:
        assert number not in text and number.lower() not in text, number


XLS_FIXTURE = (
    "eNrtWFtsFGUUPv/cdrd02+12F9KSkAqhIrfsbDUghC6K2gfDyLIkFijFlq7EQItZgQAPWIE+1VWM2kZDTJqABklQeJD7pTwpIeH2"
    "QGKiaTEmRF80QdFIO55z5p/pbq0JTaQJZs7kP3Mu/znfmf82s3vtasVA37HqQRhF9aDCsB0Co8AmsIVcJQLot20S3XsQm+3TI0Wh"
    "IE6kocOZ8JUAzSHN9yAo8KXWjxzgNrYmeB2sLR3ZmgmkZ7mGFkE1LEEu4ABayqCKq4oy38C8kvkX3PMs86VsyTNfgn0HxBq4mrJm"
    "L5SruFGZzr4yoLwnOOZbtpgQh69pFb+5Xzh9dXgm91rL5kfMMU0rhYOAE9qQ7cjmSC+HQ1ACsBNpXnv7vLa2AYjhZB+E3+wagLvu"
    "rr5Y49sn1i4A7X8U2wP/Yg/iJI62v69oAJ1gv8KbpAvP5aROHk3Mb97e+vmGc9n70CCq0BLnJS8aoRHSG5OQgCTUwdZmt9svmdo8"
    "pni3+V5GAw7+c23L2yguaF1s3VwdXqWDOPLOkNXffS8jdsguFKg74oz8X9ZpS9p/z979MOCIz+Wvvxe0l6VDNmavWR+yogBPmomn"
    "Eknz6YWJhJkwzWSdGQbxmVVtUUC1fT1Tn33sk1t7TCwyAT9lVBDWxlzznf0hEGaT22tz+vL23qblL2Ha7jc+sNC3Onu80/Hd6Un2"
    "9nVHV2LktjxFKiS0p6MgYnaFHbHj2KIoVdmT8YrIVom8En34FIszvdsoFz7dp7vruJAE7SBwTsxI0YkZ5pOkFHkblLNcwedJBKfs"
    "/uFfbyxvXZFaz5ZOfks679KZNHVgw1sUgcFl7Al4fDZHzGG+h7NOZbmaeQw3O95rV8Sl8MJe7rOPvbWIU8d0M/V4gTwL5a6f0yen"
    "df2QegLlow2Du2JHb6X6YDq+29swnq69MFfMFR9/RHQq5d6FPHe/Y171jzM4qERk7bb8YCiHIR4zwPEgOo8ZgEdn5DI4TowRJziO"
    "uKO5o3oe6xYokeZ4VJR1r5/GWV1NRy3gaQZqQVmrMgqT8iqyVurtzKPqaYSoSXyFMVUpa+xxZJ1rcWTDez51FNZupYRtI5WqjBby"
    "NEIr8TRCm+RphFeK2jkcTxXRovDqBeqfmwISTxsDT2M8N6dWhKcV4WmMF/a0QjyN8b5nvEvrXDx9DDyd8cpkFp3xSFNxpeuMFz+y"
    "48Web3qWOX7CLPd6E2ZEYuqMebmfYm7PdzGNMTANxozKLIZca66mFPkIr9LTXDwnC+GtuahIH81jDH0/wiJEFDyzBt91fi6Fx0jw"
    "qlDlHlK4jZAB9UoUvmLT0gJ7Cfjkk08++eTTRBN9XdErib5F6PtAl1+0Afm/zhC2Yf9vkv8trYQteG3FH5XPQwfec7BzXOtnMujC"
    "zSUeMMb9v5DoZUTPwSZo5To2jXv94i8SUfg8DxwY+e+20Hjxh8dT50PG/xtx+GyC"
)
# ^ an XLS (BIFF8, written with xlwt, zlib+base64): 帮扶措施 sheet, a title merged over A1:G1, 帮扶对象 merged
# over 户主姓名 | 身份证号码, the other header cells merged down two rows, dates as date cells, rows 4–7:
# the same household twice (assistance: not a duplicate), an ID typed as a number, full-width digits
# and 约3000.


def ingest_dated(services, org_path, name, text, doc_date=None) -> int:
    """File `text` in the unit at `org_path` from the command line, its 成文日期 set to `doc_date`."""
    with services.db.session() as session:
        org = session.scalar(select(OrgUnit).where(OrgUnit.path == org_path))
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(text.encode()), name=name, org=org), CLI)
    assert result.status == "stored", result.error
    with services.db.session() as session:
        doc = session.get(Document, result.document.id)
        doc.doc_date = dt.date.fromisoformat(doc_date) if doc_date else None
        return doc.id
