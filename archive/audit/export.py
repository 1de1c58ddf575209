"""Audit log to XLSX (openpyxl write-only mode, so large logs stream in constant memory)."""
from __future__ import annotations

import json
from typing import BinaryIO, Iterable

from openpyxl import Workbook

from archive.models import ACTIONS, AuditEvent

HEADER = ["序号", "时间", "用户", "操作", "对象类型", "对象编号", "摘要", "IP 地址", "修改内容"]


def write_xlsx(events: Iterable[AuditEvent], out: BinaryIO, *, tz_name: str = "UTC") -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(HEADER)
    count = 0
    for count, e in enumerate(events, start=1):
        ws.append([
            count,
            e.at.strftime("%Y-%m-%d %H:%M:%S") + f" {tz_name}",
            e.username or "",
            ACTIONS.get(e.action, e.action),
            e.object_type or "",
            e.object_id or "",
            _safe(e.summary or ""),
            e.ip or "",
            _safe(json.dumps(e.changes, ensure_ascii=False)) if e.changes else "",
        ])
    wb.save(out)
    return count


def _safe(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in Excel/WPS (CSV/formula injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
