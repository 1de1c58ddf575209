"""The audit log: recorded in the same transaction as what it describes; never deleted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.auth.actor import Actor
from archive.models import AuditEvent, OrgUnit, User

MAX_PER_PAGE = 200


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | str | None = None,
    org_id: int | None = None,
    summary: str | None = None,
    changes: dict | None = None,
    user: User | None = None,
) -> AuditEvent:
    """`user` overrides the actor's user, for events such as a failed log-in by a known name."""
    who = user or actor.user
    event = AuditEvent(
        user_id=who.id if who else None,
        username=who.username if who else ("命令行" if actor.ip == "cli" else None),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        org_id=org_id,
        ip=actor.ip,
        user_agent=(actor.user_agent or "")[:300] or None,
        summary=(summary or "")[:500] or None,
        changes=changes,
    )
    session.add(event)
    return event


@dataclass
class AuditFilter:
    username: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _filtered(viewer: User | None, flt: AuditFilter):
    stmt = select(AuditEvent)
    if viewer is not None:
        # An admin sees events about their own subtree, and events by users of their subtree.
        units = select(OrgUnit.id).where(OrgUnit.lineage.startswith(viewer.org.lineage))
        users = select(User.id).where(User.org_id.in_(units))
        stmt = stmt.where(AuditEvent.org_id.in_(units) | AuditEvent.user_id.in_(users))
    if flt.username:
        stmt = stmt.where(AuditEvent.username == flt.username)
    if flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.object_type:
        stmt = stmt.where(AuditEvent.object_type == flt.object_type)
    if flt.object_id:
        stmt = stmt.where(AuditEvent.object_id == flt.object_id)
    if flt.date_from:
        stmt = stmt.where(AuditEvent.at >= _start_of(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(AuditEvent.at < _start_of(flt.date_to + dt.timedelta(days=1)))
    return stmt


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def get_all(session: Session, *, viewer: User | None, flt: AuditFilter, page: int = 1, per_page: int = 50):
    stmt = _filtered(viewer, flt)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    rows = session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return total, list(rows)


def iter_all(session: Session, *, viewer: User | None, flt: AuditFilter):
    """Every matching event, oldest first, streamed (for exports)."""
    stmt = _filtered(viewer, flt).order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=1000)
    yield from session.scalars(stmt)


def history(session: Session, object_type: str, object_id: int | str) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return list(session.scalars(stmt))
