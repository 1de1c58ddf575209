"""Ledgers (台账) and households (一户一档): an imported spreadsheet with its rows and the problems its
validation found, and the household records the household ledgers create, with their figures per
ledger year, members and linked documents."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow
from archive.models.document import Document
from archive.models.org import OrgUnit
from archive.models.user import User

SEVERITIES = ("error", "warning")
# How a document came to be in a household's file: the head's or a member's ID number in its text,
# the head's name with the village's, or a person's choice. "excluded": a person removed a document
# found automatically; it stays out when the links are looked for again.
LINK_HOWS = ("id_number", "name", "person", "excluded")


class Ledger(Base):
    """One imported ledger: which type, year and unit, the original file (kept in the archive as a
    document), how its columns were understood, and the counts of its validation report."""

    __tablename__ = "ledgers"
    __table_args__ = (Index("ix_ledgers_org_year", "org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    type_key: Mapped[str] = mapped_column(String(50), index=True)   # a key of standards.ledger_types
    year: Mapped[int | None]                                         # the ledger's year (年度)
    # Unique: one file is one ledger (importing the same bytes again is refused).
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sheet: Mapped[str] = mapped_column(String(200), default="")
    header_rows: Mapped[list] = mapped_column(JSON, default=list)   # the spreadsheet's row numbers
    # [{"index", "letter", "header", "field", "how"}]: each column and the field it was mapped to
    columns: Mapped[list] = mapped_column(JSON, default=list)
    row_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    warning_count: Mapped[int] = mapped_column(default=0)
    household_count: Mapped[int] = mapped_column(default=0)         # households created or updated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    org: Mapped[OrgUnit] = relationship()
    document: Mapped[Document] = relationship()
    created_by: Mapped[User | None] = relationship()
    rows: Mapped[list[LedgerRow]] = relationship(back_populates="ledger", cascade="all, delete-orphan",
                                                 order_by="LedgerRow.row_number")
    problems: Mapped[list[LedgerProblem]] = relationship(back_populates="ledger", cascade="all, delete-orphan",
                                                         order_by="LedgerProblem.id")


class LedgerRow(Base):
    """One data row, by the spreadsheet's own row number, with its normalised values by field key."""

    __tablename__ = "ledger_rows"
    __table_args__ = (UniqueConstraint("ledger_id", "row_number", name="uq_ledger_rows_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)

    ledger: Mapped[Ledger] = relationship(back_populates="rows")


class LedgerProblem(Base):
    """One finding of the validation: row (the spreadsheet's), column letter, field, machine code,
    severity and the Chinese message."""

    __tablename__ = "ledger_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None]
    column: Mapped[str | None] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(50))
    code: Mapped[str] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(10))               # error | warning
    message: Mapped[str] = mapped_column(Text)

    ledger: Mapped[Ledger] = relationship(back_populates="problems")


class Household(Base):
    """A household (户) of a village, known by its head's ID number."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    head_name: Mapped[str] = mapped_column(String(100))             # 户主姓名
    # 户主证件号码, normalised (18 characters, upper-case X). Unique: NULLs do not collide.
    head_id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    category: Mapped[str] = mapped_column(String(50), default="", index=True)  # 脱贫户/监测户/边缘户 …
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    org: Mapped[OrgUnit] = relationship()
    members: Mapped[list[HouseholdMember]] = relationship(back_populates="household", cascade="all, delete-orphan",
                                                          order_by="HouseholdMember.id")
    years: Mapped[list[HouseholdYear]] = relationship(back_populates="household", cascade="all, delete-orphan",
                                                      order_by="HouseholdYear.year")
    documents: Mapped[list[HouseholdDocument]] = relationship(back_populates="household",
                                                              cascade="all, delete-orphan",
                                                              order_by="HouseholdDocument.id")


class HouseholdMember(Base):
    """A member of a household as the latest household ledger gives them (户主 included)."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    relation: Mapped[str] = mapped_column(String(50), default="")   # 与户主关系

    household: Mapped[Household] = relationship(back_populates="members")


class HouseholdYear(Base):
    """A household's key figures in one year (members, income, category …), from that year's ledger:
    the history by ledger year."""

    __tablename__ = "household_years"
    __table_args__ = (UniqueConstraint("household_id", "year", name="uq_household_years_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    year: Mapped[int]
    ledger_id: Mapped[int | None] = mapped_column(ForeignKey("ledgers.id", ondelete="SET NULL"), index=True)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship(back_populates="years")
    ledger: Mapped[Ledger | None] = relationship()


class HouseholdDocument(Base):
    """A document in a household's file (一户一档), and how it came there (LINK_HOWS)."""

    __tablename__ = "household_documents"
    __table_args__ = (UniqueConstraint("household_id", "document_id", name="uq_household_documents_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    how: Mapped[str] = mapped_column(String(20))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship(back_populates="documents")
    document: Mapped[Document] = relationship()
    added_by: Mapped[User | None] = relationship()
