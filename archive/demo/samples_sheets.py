"""Household tables in generated samples: the rows of a 公示 or 台账 inside a document, and a 帮扶台账 workbook."""
from __future__ import annotations

import random
from pathlib import Path

from archive.demo.samples_words import masked_id, masked_phone, random_name

# 帮扶措施; document tables use the first eight, workbooks all of them.
MEASURES = ["产业帮扶", "就业帮扶", "危房改造", "教育资助", "健康扶贫", "小额信贷", "公益岗位", "兜底保障",
            "光伏收益", "易地搬迁"]


def household_table(rng: random.Random, n_rows: int, kind: str) -> list[list[str]]:
    """Rows of a 公示 / ledger table: who, masked ID, family size, measure."""
    if kind == "publicity":
        rows = [["序号", "户主姓名", "身份证号", "家庭人口", "致贫原因", "备注"]]
        reasons = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金"]
        for i in range(1, n_rows + 1):
            rows.append([str(i), random_name(rng), masked_id(rng), str(rng.randint(1, 7)),
                         rng.choice(reasons), ""])
    else:
        rows = [["序号", "户主姓名", "身份证号", "家庭人口", "帮扶措施", "帮扶责任人"]]
        for i in range(1, n_rows + 1):
            rows.append([str(i), random_name(rng), masked_id(rng), str(rng.randint(1, 7)),
                         rng.choice(MEASURES[:8]), random_name(rng)])
    return rows


def write_xlsx_ledger(path: Path | str, rng: random.Random, unit_name: str, year: int,
                      rows: int) -> Path:
    """A 帮扶台账 workbook: merged title row, header row, ``rows`` households."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    header = ["序号", "户主姓名", "身份证号", "家庭人口", "帮扶措施", "帮扶责任人", "联系电话", "备注"]
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年帮扶台账"
    ws.append([f"{unit_name}{year}年建档立卡贫困户帮扶台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i in range(1, rows + 1):
        ws.append([i, random_name(rng), masked_id(rng), rng.randint(1, 7),
                   "、".join(rng.sample(MEASURES, rng.randint(1, 3))),
                   random_name(rng), masked_phone(rng),
                   rng.choice(["", "", "", "监测户", "已脱贫", "兜底户"])])
    for col, width in zip("ABCDEFGH", (6, 10, 22, 9, 26, 11, 15, 10)):
        ws.column_dimensions[col].width = width
    wb.properties.title = f"{unit_name}{year}年帮扶台账"
    wb.properties.creator = unit_name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path
