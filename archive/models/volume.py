from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow
from archive.models.document import Document
from archive.models.org import OrgUnit
from archive.models.user import User

VOLUME_STATUSES = ("queued", "building", "done", "failed")
# "volume": an ordinary 案卷 (one class, year and retention); "evidence": a 整改佐证材料汇编 — the
# evidence of a feedback batch's (or a unit's) rectification items, grouped by item in the table of
# contents (archive/rectify/binder.py).
VOLUME_KINDS = ("volume", "evidence", "household")  # 案卷, 整改佐证材料汇编, 一户一档


class Volume(Base):
    """A bound volume (案卷, GB/T 9705-2008): one unit, class, year and retention period and an
    ordered list of documents. Once built it is frozen: its items record exactly what was bound."""

    __tablename__ = "volumes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="volume", server_default="volume")
    # the feedback batch an evidence binder was made for (None: a unit's items across batches)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_batches.id", ondelete="SET NULL"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    scheme_id: Mapped[str] = mapped_column(String(50))
    category_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    retention: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))                  # 案卷题名
    filing_no: Mapped[str] = mapped_column(String(100), default="")  # 归档号, as the office writes it
    made_by: Mapped[str] = mapped_column(String(100), default="")    # 立卷人
    checked_by: Mapped[str] = mapped_column(String(100), default="")  # 检查人
    remarks: Mapped[str] = mapped_column(Text, default="")           # added to 本卷情况说明
    double_sided: Mapped[bool] = mapped_column(default=False)
    spine: Mapped[bool] = mapped_column(default=False)
    filing_stamp: Mapped[bool] = mapped_column(default=True)         # 归档章 on filed documents
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # 案卷号 and the volume's 档号: issued when a build starts, frozen once it succeeds; a failed
    # build gives the number back unless a later one was issued (then the volume keeps it).
    volume_no: Mapped[int | None]
    archive_code: Mapped[str | None] = mapped_column(String(100), unique=True)
    page_count: Mapped[int | None]    # pages of the bound documents (页数 on the cover)
    total_pages: Mapped[int | None]   # pages of the whole PDF, front matter included
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None]
    errors: Mapped[list] = mapped_column(JSON, default=list)       # Chinese messages of a failed build
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    built_at: Mapped[dt.datetime | None]

    org: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[VolumeItem]] = relationship(back_populates="volume", order_by="VolumeItem.position",
                                                   cascade="all, delete-orphan")
    toc_notes: Mapped[list[VolumeTocNote]] = relationship(
        back_populates="volume", order_by="[VolumeTocNote.after_position, VolumeTocNote.ordinal]",
        cascade="all, delete-orphan")


class VolumeItem(Base):
    """One document in a volume, in binding order, with what was bound: the file version (sha256),
    its rendition and the metadata printed in the table of contents, as they were at build time."""

    __tablename__ = "volume_items"
    __table_args__ = (UniqueConstraint("volume_id", "position", name="uq_volume_items_position"),
                      UniqueConstraint("volume_id", "document_id", name="uq_volume_items_document"))

    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volumes.id", ondelete="CASCADE"))
    position: Mapped[int]                                            # 顺序号, 1..n
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))                  # the original file bound
    rendition_sha256: Mapped[str | None] = mapped_column(String(64))
    archive_code: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(1000))
    doc_number: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(500))
    doc_date: Mapped[dt.date | None]
    page_start: Mapped[int | None]                                   # 页号 in the volume
    page_end: Mapped[int | None]
    # The heading the table of contents prints above this row when it differs from the previous
    # row's (an evidence binder: "3. 问题描述（整改中）"); None in an ordinary volume.
    group_label: Mapped[str | None] = mapped_column(String(500))

    volume: Mapped[Volume] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()


class VolumeTocNote(Base):
    """A row of the table of contents that binds nothing: a group heading alone (an item without
    evidence) or a reference to a document bound elsewhere in the same volume (备注 "见第 2 项", no
    页号). Printed after the bound item at `after_position` (0: before the first), in `ordinal` order."""

    __tablename__ = "volume_toc_notes"
    __table_args__ = (UniqueConstraint("volume_id", "after_position", "ordinal", name="uq_volume_toc_notes_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volumes.id", ondelete="CASCADE"))
    after_position: Mapped[int]
    ordinal: Mapped[int]
    group_label: Mapped[str | None] = mapped_column(String(500))
    # a reference: the document, bound in this volume under another group (None: a heading alone)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    remarks: Mapped[str] = mapped_column(String(200), default="")   # 备注

    volume: Mapped[Volume] = relationship(back_populates="toc_notes")
