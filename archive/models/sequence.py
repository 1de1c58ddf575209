from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base


class ArchiveSequence(Base):
    """The last 件号 issued in one lowest category (全宗, 门类, 年度, 保管期限, 类目).

    Incremented with UPDATE … RETURNING inside the filing transaction: concurrent filers queue on the
    row (PostgreSQL) or the database write lock (SQLite), and a rolled-back filing returns its number,
    so numbers are unique and gapless.
    """

    __tablename__ = "archive_sequences"
    __table_args__ = (UniqueConstraint("fonds", "door", "year", "retention", "class_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fonds: Mapped[str] = mapped_column(String(10))
    door: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    retention: Mapped[str] = mapped_column(String(10))
    class_code: Mapped[str] = mapped_column(String(20))
    last_item: Mapped[int] = mapped_column(default=0)
