"""A completeness report as XLSX (one sheet of items with a unit column, one sheet of units) and as a
plain table for a terminal."""
from __future__ import annotations

import unicodedata
from typing import BinaryIO

from openpyxl import Workbook

from archive.audit.export import safe_cell  # control characters dropped, formulas defused
from archive.completeness.service import LEVEL_LABELS, STATUS_LABELS, UnitReport

ITEM_HEADER = ["单位", "层级", "年度", "归档项", "必需", "状态", "文件数", "文件（编号：题名）", "说明"]
UNIT_HEADER = ["单位", "层级", "年度", "必需项", "齐全", "待确认", "缺失（必需）", "缺失（非必需）", "本级完整", "含下级完整"]


def write_xlsx(report: UnitReport, out: BinaryIO) -> int:
    """Write the report; returns the number of item rows."""
    wb = Workbook(write_only=True)
    items = wb.create_sheet("归档项")
    items.append(ITEM_HEADER)
    units = wb.create_sheet("单位汇总")
    units.append(UNIT_HEADER)
    rows = 0
    for unit in report.walk():
        level = LEVEL_LABELS.get(unit.level, unit.level)
        for item in unit.items:
            items.append([safe_cell(unit.org), level, unit.year, safe_cell(item.name), "是" if item.required else "否",
                          STATUS_LABELS[item.status], item.count,
                          safe_cell("；".join(f"{d.id}：{d.title}" for d in item.documents)),
                          safe_cell(item.note or "")])
            rows += 1
        s = unit.summary
        units.append([safe_cell(unit.org), level, unit.year, s["required"], s["present"], s["uncertain"], s["missing"],
                      s["missing_optional"], "是" if s["self_complete"] else "否", "是" if unit.complete else "否"])
    wb.save(out)
    return rows


# ------------------------------------------------------------------------------------------ terminal

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def text_lines(report: UnitReport) -> list[str]:
    """The report as an aligned table: 单位, 归档项, 必需, 状态, 文件数; then a verdict."""
    rows = [("单位", "归档项", "必需", "状态", "文件数")]
    for unit in report.walk():
        if not unit.items:
            rows.append((unit.name, "（本级无归档范围）", "", "", ""))
        for item in unit.items:
            rows.append((unit.name, item.name, "是" if item.required else "否", STATUS_LABELS[item.status],
                         str(item.count)))
    widths = [max(_width(r[i]) for r in rows) for i in range(5)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    missing = sum(len(u.missing_required) for u in report.walk())
    uncertain = sum(u.summary["uncertain"] for u in report.walk())
    lines.append("")
    lines.append(f"{report.org} {report.year} 年度：" + (
        "必需项齐全 / complete" if report.complete else f"缺失必需项 {missing} 项 / {missing} required items missing")
        + (f"；待确认 {uncertain} 项 / {uncertain} uncertain" if uncertain else ""))
    levels = report.summary.get("levels", {})
    for level in ("township", "village"):
        if level in levels:
            s = levels[level]
            lines.append(f"{LEVEL_LABELS[level]}：{s['total']} 个，齐全 {s['complete']}，不齐全 {s['incomplete']}")
    return lines
