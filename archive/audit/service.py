"""The audit log: recorded in the same transaction as what it describes; never deleted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.auth import policy
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


def recently(session: Session, actor: Actor, action: str, object_type: str, object_id, within: dt.timedelta) -> bool:
    """Whether this actor recorded this action on this object within the last `within`."""
    if actor.user is None:
        return False
    since = dt.datetime.now(dt.timezone.utc) - within
    stmt = select(AuditEvent.id).where(
        AuditEvent.user_id == actor.user.id, AuditEvent.action == action, AuditEvent.object_type == object_type,
        AuditEvent.object_id == str(object_id), AuditEvent.at >= since).limit(1)
    return session.scalar(stmt) is not None


@dataclass
class AuditFilter:
    username: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # The zone the dates are meant in (the pages show local time); None = UTC.
    tz: dt.tzinfo | None = None


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
        stmt = stmt.where(AuditEvent.at >= _start_of(flt.date_from, flt.tz))
    if flt.date_to:
        stmt = stmt.where(AuditEvent.at < _start_of(flt.date_to + dt.timedelta(days=1), flt.tz))
    return stmt


def _start_of(day: dt.date, tz: dt.tzinfo | None = None) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz or dt.timezone.utc)
    return start.astimezone(dt.timezone.utc)


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


def get_log(session: Session, actor: Actor, flt: AuditFilter, *, page: int = 1, per_page: int = 50):
    """The audit log as the admin pages show it: 系统管理员 only, limited to their subtree."""
    policy.require(policy.can_administer(actor), "只有系统管理员可以查看审计日志")
    return get_all(session, viewer=actor.user, flt=flt, page=page, per_page=per_page)


def export_xlsx(session: Session, actor: Actor, flt: AuditFilter, out, *, tz: dt.tzinfo | None = None,
                tz_name: str = "UTC", description: str | None = None) -> int:
    """Write the matching events to `out` as XLSX (系统管理员 only); the export itself is audited."""
    from archive.audit.export import write_xlsx

    policy.require(policy.can_administer(actor), "只有系统管理员可以导出审计日志")
    count = write_xlsx(iter_all(session, viewer=actor.user, flt=flt), out, tz=tz, tz_name=tz_name)
    record(session, actor, "audit_export", object_type="audit", org_id=actor.user.org_id if actor.user else None,
           summary=f"导出 {count} 条" + (f"（{description}）" if description else ""))
    return count


def history(session: Session, object_type: str, object_id: int | str) -> list[AuditEvent]:
    stmt = (select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return list(session.scalars(stmt))
