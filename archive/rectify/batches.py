"""Which feedback batch an imported 问题清单 goes into.

A batch is known by its unit and its title: a list imported under a title the unit already has goes
into that batch (its source and dates stay as recorded), any other title makes a new batch.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import FeedbackBatch, OrgUnit
from archive.rectify.service import BatchSpec, parse_date, parse_source


def batch_titled(session: Session, org: OrgUnit, title: str) -> FeedbackBatch | None:
    """The unit's batch of this title (spaces collapsed, as create_batch stores titles), or None."""
    return session.scalar(select(FeedbackBatch).where(FeedbackBatch.org_id == org.id,
                                                      FeedbackBatch.title == " ".join(title.split())))


def batch_for_import(session: Session, *, org: OrgUnit, title: str, source, level: str = "",
                     received=None) -> FeedbackBatch | BatchSpec:
    """The existing batch of that title, or a BatchSpec for a new one (for preview_import and
    import_items). Source and date are checked only for a new batch (RectifyError when invalid)."""
    existing = batch_titled(session, org, title)
    if existing is not None:
        return existing
    return BatchSpec(org=org, title=title, source=parse_source(source), level=level,
                     received_on=parse_date(received, "反馈时间"))
