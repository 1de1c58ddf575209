"""Audit log to XLSX (openpyxl write-only mode, so large logs stream in constant memory)."""
from __future__ import annotations

import datetime as dt
import json
from typing import BinaryIO, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from archive.models import ACTIONS, AuditEvent

HEADER = ["序号", "时间", "用户", "操作", "对象类型", "对象编号", "摘要", "IP 地址", "修改内容"]


def write_xlsx(events: Iterable[AuditEvent], out: BinaryIO, *, tz: dt.tzinfo | None = None,
               tz_name: str = "UTC") -> int:
    """`tz`: the zone times are shown in (None = as stored, UTC); `tz_name` labels them."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(HEADER)
    count = 0
    for count, e in enumerate(events, start=1):
        ws.append([
            count,
            (e.at.astimezone(tz) if tz else e.at).strftime("%Y-%m-%d %H:%M:%S") + f" {tz_name}",
            safe_cell(e.username or ""),
            ACTIONS.get(e.action, e.action),
            safe_cell(e.object_type or ""),
            safe_cell(e.object_id or ""),
            safe_cell(e.summary or ""),
            safe_cell(e.ip or ""),
            safe_cell(json.dumps(e.changes, ensure_ascii=False)) if e.changes else "",
        ])
    wb.save(out)
    return count


def safe_cell(value: str) -> str:
    """`value` as an XLSX cell: control characters dropped, a formula start defused."""
    # Control characters cannot be stored in XLSX (openpyxl refuses them); a typed user name may hold some.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    # A cell starting with = + - @ (or a tab/CR before them) would run as a formula in Excel/WPS.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
