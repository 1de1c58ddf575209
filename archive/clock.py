"""The office's clock. Times are stored in UTC and shown, and days counted, in the installation's
zone (ARCHIVE_TIMEZONE, default Asia/Shanghai: China keeps one zone, UTC+8, all year)."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone() -> dt.tzinfo:
    try:
        return ZoneInfo(os.environ.get("ARCHIVE_TIMEZONE") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8), "UTC+8")


LOCAL_TZ = _zone()
LOCAL_TZ_NAME = "北京时间" if str(LOCAL_TZ) in ("Asia/Shanghai", "UTC+8") else str(LOCAL_TZ)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """Today where the office is (a deadline passes at the office's midnight, not UTC's)."""
    return dt.datetime.now(LOCAL_TZ).date()


def local_time(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime(fmt)
