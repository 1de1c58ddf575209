from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow
from archive.models.org import OrgUnit
from archive.models.user import User

STATUSES = ("ready", "awaiting_ocr")


class Document(Base):
    """One archived item (件): the original file plus what was extracted from it."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_org_year", "org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    # The file store key. Unique: a byte-identical file is a duplicate, never a second row.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_kind: Mapped[str] = mapped_column(String(10))
    mime_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(1000))            # 题名
    doc_number: Mapped[str | None] = mapped_column(String(200))  # 文号
    author: Mapped[str | None] = mapped_column(String(500))      # 责任者
    doc_date: Mapped[dt.date | None] = mapped_column(Date)       # 成文日期
    year: Mapped[int | None]                                     # 年度
    page_count: Mapped[int | None]                               # 页数
    archive_code: Mapped[str | None] = mapped_column(String(100), unique=True)  # 档号, frozen once issued
    item_no: Mapped[int | None]                                  # 件号 within its lowest category
    filed_at: Mapped[dt.datetime | None]
    # Classification by the standards (standards/): scheme, class, retention, and who decided how surely.
    scheme_id: Mapped[str | None] = mapped_column(String(50))
    category_code: Mapped[str | None] = mapped_column(String(20), index=True)
    retention: Mapped[str | None] = mapped_column(String(10))   # Y, D30, D10
    is_poverty_record: Mapped[bool | None]                       # None: not decided yet
    confidence: Mapped[float | None]
    classified_by: Mapped[str | None] = mapped_column(String(10))  # rule | model | person
    needs_review: Mapped[bool] = mapped_column(default=False, server_default="0", index=True)
    suggested_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="ready")
    # The extracted text as found; normalisation happens only for the index. Deferred: lists never load it.
    text: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Deleting moves a document to the trash; only an admin restores it. Nothing is lost by one click.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    org: Mapped[OrgUnit] = relationship(foreign_keys=[org_id])
    suggested_org: Mapped[OrgUnit | None] = relationship(foreign_keys=[suggested_org_id])
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])
