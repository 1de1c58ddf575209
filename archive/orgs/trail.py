"""A unit's trail: its ancestors from the top down, and itself (the breadcrumbs of a page)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import OrgUnit


def trail(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(i) for i in unit.lineage.strip("/").split("/") if i]
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
