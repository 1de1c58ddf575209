from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.base import Base, utcnow


class OrgUnit(Base):
    """A unit of the tree province > city > county > township > village."""

    __tablename__ = "org_units"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # 统计用区划代码, 12 digits, where known.
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    # Display path such as 河南省/安阳市/文峰区/莲蓬寺镇/黎元村.
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    # Ancestor ids "/1/5/9/" (self included): a subtree is a prefix match on this.
    lineage: Mapped[str] = mapped_column(String(500), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.path}>"
