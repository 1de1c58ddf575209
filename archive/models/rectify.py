"""Rectification of inspection feedback (整改, STANDARDS.md §5): a feedback batch received by a unit,
its items (one problem each) with their responsible units, evidence documents and timeline."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow
from archive.models.document import Document
from archive.models.org import OrgUnit
from archive.models.user import User

# 问题来源 as offices name them; anything else is recorded as 其他 by the service.
SOURCES = ("巡视", "考核", "督查", "审计", "普查", "其他")

# 责任单位: one or more org units per item.
item_units = Table(
    "rectification_item_units", Base.metadata,
    Column("item_id", ForeignKey("rectification_items.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("org_units.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class FeedbackBatch(Base):
    """One inspection's feedback as a unit received it (a 问题清单 and the feedback document)."""

    __tablename__ = "feedback_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(20))                  # 问题来源: 巡视/考核/督查/审计/普查/其他
    level: Mapped[str] = mapped_column(String(50), default="")       # 国家/省/市/县 (free text)
    title: Mapped[str] = mapped_column(String(500))
    received_on: Mapped[dt.date | None] = mapped_column(Date)         # 反馈时间
    # The feedback document itself, as filed in the archive.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    org: Mapped[OrgUnit] = relationship()
    document: Mapped[Document | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[RectificationItem]] = relationship(back_populates="batch", cascade="all, delete-orphan",
                                                         order_by="RectificationItem.id")


class RectificationItem(Base):
    """One problem to fix, prove, accept and close (销号). `state` moves only through rectify.states;
    every change is an ItemEvent."""

    __tablename__ = "rectification_items"
    __table_args__ = (UniqueConstraint("batch_id", "number", name="uq_rectification_items_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("feedback_batches.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(50))                  # 编号, unique within the batch
    description: Mapped[str] = mapped_column(Text)                   # 问题描述
    category: Mapped[str] = mapped_column(String(200), default="")   # 问题类别
    goal: Mapped[str] = mapped_column(Text, default="")              # 整改目标
    measures: Mapped[str] = mapped_column(Text, default="")          # 整改措施
    lead_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    leader: Mapped[str] = mapped_column(String(200), default="")     # 责任领导
    person: Mapped[str] = mapped_column(String(200), default="")     # 责任人
    # The clerk responsible in the system: acceptance must be by someone else.
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)  # 整改时限
    deadline_text: Mapped[str] = mapped_column(String(200), default="")  # as written, e.g. 长期坚持
    original_deadline: Mapped[dt.date | None] = mapped_column(Date)   # the first deadline, kept
    progress: Mapped[str] = mapped_column(Text, default="")          # 进展
    completed_on: Mapped[dt.date | None] = mapped_column(Date)        # 完成时间: set when submitted
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acceptance_opinion: Mapped[str] = mapped_column(Text, default="")  # 验收意见
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)           # 销号日期
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # 销号审批人
    state: Mapped[str] = mapped_column(String(30), default="not_started", index=True)
    overdue_since: Mapped[dt.date | None] = mapped_column(Date)       # set by the daily job, once
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[FeedbackBatch] = relationship(back_populates="items")
    lead_org: Mapped[OrgUnit | None] = relationship(foreign_keys=[lead_org_id])
    units: Mapped[list[OrgUnit]] = relationship(secondary=item_units, order_by=OrgUnit.path)
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    evidence: Mapped[list[ItemEvidence]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                        order_by="ItemEvidence.id")
    events: Mapped[list[ItemEvent]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                   order_by="ItemEvent.id")


class ItemEvidence(Base):
    """A document in the archive linked to an item as 佐证材料."""

    __tablename__ = "rectification_evidence"
    __table_args__ = (UniqueConstraint("item_id", "document_id", name="uq_rectification_evidence_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    item: Mapped[RectificationItem] = relationship(back_populates="evidence")
    document: Mapped[Document] = relationship()
    added_by: Mapped[User | None] = relationship()


class ItemEvent(Base):
    """One change to an item (the timeline): who, when, what, from which state to which, why."""

    __tablename__ = "rectification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Copied, so the timeline still reads right if the user changes later.
    user_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    item: Mapped[RectificationItem] = relationship(back_populates="events")
