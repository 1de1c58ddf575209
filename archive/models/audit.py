from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, utcnow

# What people do that the audit log records. Nothing in the product deletes audit rows.
ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "upload": "上传",
    "view": "查看",
    "download": "下载",
    "edit": "修改",
    "delete": "删除（移入回收站）",
    "restore": "恢复",
    "classify": "确认或更正分类",
    "move": "移至其他单位",
    "suggestion_dismiss": "忽略单位建议",
    "user_create": "新建用户",
    "user_edit": "修改用户",
    "org_create": "新建单位",
    "org_import": "导入单位",
    "audit_export": "导出审计日志",
    "catalogue_export": "导出归档文件目录",
    "volume_create": "组卷",
    "volume_download": "下载案卷",
    "rectify_batch": "登记整改反馈",
    "rectify_import": "导入问题清单",
    "rectify_action": "整改状态变更",
    "rectify_edit": "修改整改问题",
    "rectify_evidence_add": "添加佐证材料",
    "rectify_evidence_remove": "移除佐证材料",
    "rectify_export": "导出整改台账",
    "ledger_import": "导入台账",
    "household_link": "关联户档文件",
    "household_unlink": "移除户档文件",
    "personal_view": "查看未脱敏的个人信息",
}


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The user id and, copied, the name: the row must still read right if the user changes later.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30), index=True)
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The unit the object belongs to, so admins see the events of their own subtree.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(500))
    # For edits: {"before": {...}, "after": {...}} of the changed fields only.
    changes: Mapped[dict | None] = mapped_column(JSON)
