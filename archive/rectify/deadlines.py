"""Deadlines and overviews: overdue and due-soon lists, the daily overdue marking, counts by state and
unit (home page), and the 整改台账 sheets for the XLSX export (ledger.py writes them).

Overdue: still 未整改 or 整改中 after its 整改时限. An item handed in for acceptance is not overdue
(the work is done; it waits for the checkers); one sent back becomes overdue again if its deadline
has passed. An extension (延期) gives a new deadline and clears the mark.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.audit import service as audit
from archive.auth.actor import Actor
from archive.auth.scope import require_in_scope
from archive.models import FeedbackBatch, ItemEvidence, OrgUnit, RectificationItem, User
from archive.rectify import states
from archive.rectify.service import ItemFilter, item_loads, items_query, list_items, record_event, today


def overdue(session: Session, user: User | None, today_: dt.date | None = None, *,
            org: OrgUnit | None = None) -> list[RectificationItem]:
    """Open items past their deadline, earliest deadline first."""
    return list_items(session, user=user, flt=ItemFilter(org=org, overdue=True), per_page=100_000,
                      today_=today_).items


def due_soon(session: Session, user: User | None, today_: dt.date | None = None, *, days: int = 7,
             org: OrgUnit | None = None) -> list[RectificationItem]:
    """Open items whose deadline is today or within `days` days, earliest first."""
    return list_items(session, user=user, flt=ItemFilter(org=org, due_within_days=days), per_page=100_000,
                      today_=today_).items


def mark_overdue(session: Session, today_: dt.date | None = None) -> int:
    """The daily job: mark each newly overdue item (overdue_since = the day after its deadline) and
    put one "overdue" event on its timeline. Items already marked are left alone, so running it twice
    marks nothing twice. Returns how many were marked; the caller commits."""
    day = today_ or today()
    stmt = (select(RectificationItem).where(RectificationItem.state.in_(states.OPEN_STATES),
                                           RectificationItem.deadline < day,
                                           RectificationItem.overdue_since.is_(None))
            .options(selectinload(RectificationItem.events)).with_for_update(skip_locked=True))
    marked = 0
    for item in session.scalars(stmt):
        item.overdue_since = item.deadline + dt.timedelta(days=1)
        days = (day - item.deadline).days
        record_event(item, None, "overdue", from_state=item.state, to_state=item.state,
                     comment=f"已超过整改时限 {item.deadline.isoformat()}（逾期 {days} 天）",
                     data={"deadline": item.deadline.isoformat(), "marked_on": day.isoformat()})
        marked += 1
    session.flush()
    return marked


def counts(session: Session, user: User | None, *, org: OrgUnit | None = None, today_: dt.date | None = None,
           days: int = 7) -> dict:
    """Counts for the home page, within the user's scope:

    {"org": {"id", "path"} | None, "total", "by_state": {state: n}, "overdue", "due_soon",
     "units": [{"id", "name", "path", "total", "by_state": {...}, "overdue", "due_soon"}]}

    `units`: `org` (default the user's unit; the operator: the top units) itself for items assigned
    to it directly, then each unit directly below it, counting the items whose 责任单位 or 牵头单位
    lie in its subtree (an item shared by two units counts for both)."""
    day = today_ or today()
    if org is not None and user is not None:
        require_in_scope(user, org)
    base = org or (user.org if user is not None else None)
    stmt = items_query(user, ItemFilter(org=base), day).options(
        selectinload(RectificationItem.units), selectinload(RectificationItem.lead_org))
    items = list(session.scalars(stmt))
    if base is not None:
        groups = [base, *session.scalars(select(OrgUnit).where(OrgUnit.parent_id == base.id).order_by(OrgUnit.name))]
    else:
        groups = list(session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.name)))

    def tally(selected: list[RectificationItem]) -> dict:
        by_state = {code: 0 for code in states.STATES}
        for item in selected:
            by_state[item.state] = by_state.get(item.state, 0) + 1
        return {"total": len(selected), "by_state": by_state,
                "overdue": sum(states.is_overdue(i.state, i.deadline, day) for i in selected),
                "due_soon": sum(i.state in states.OPEN_STATES and i.deadline is not None
                                and day <= i.deadline <= day + dt.timedelta(days=days) for i in selected)}

    units = []
    for group in groups:
        if base is not None and group.id == base.id:
            chosen = [i for i in items if any(o.id == base.id for o in _orgs(i))]
        else:
            chosen = [i for i in items if any(o.lineage.startswith(group.lineage) for o in _orgs(i))]
        if chosen or group is not base:
            units.append({"id": group.id, "name": group.name, "path": group.path} | tally(chosen))
    return {"org": {"id": base.id, "path": base.path} if base is not None else None} | tally(items) | {"units": units}


def _orgs(item: RectificationItem) -> list[OrgUnit]:
    return [*item.units, *([item.lead_org] if item.lead_org is not None else [])]


# ------------------------------------------------------------------------------------------- 台账

def _users(item: RectificationItem, attr: str) -> str:
    user = getattr(item, attr)
    return (user.display_name or user.username) if user else ""


def ledger_row(item: RectificationItem, today_: dt.date | None = None) -> dict:
    """One item as a row of the 整改台账, keyed by ledger.LEDGER_COLUMNS (STANDARDS.md §5), plus
    ledger.OVERDUE_KEY."""
    from archive.rectify.ledger import LEDGER_COLUMNS, OVERDUE_KEY

    evidence = [e.document for e in item.evidence if e.document.deleted_at is None]
    deadline = item.deadline.isoformat() if item.deadline else (item.deadline_text or "")
    if item.original_deadline and item.deadline and item.original_deadline != item.deadline:
        deadline += f"（原 {item.original_deadline.isoformat()}，已延期）"
    values = {
        "编号": item.number,
        "问题来源": item.batch.source,
        "反馈时间": item.batch.received_on,
        "问题描述": item.description,
        "问题类别": item.category,
        "整改目标": item.goal,
        "整改措施": item.measures,
        "牵头单位": item.lead_org.name if item.lead_org else "",
        "责任单位": [u.name for u in item.units],
        "责任领导": item.leader,
        "责任人": item.person,
        "整改时限": deadline,
        "进展": item.progress,
        "完成时间": item.completed_on,
        "佐证材料": [f"{d.archive_code or '未归档'} {d.title}" for d in evidence],
        "验收意见": item.acceptance_opinion,
        "状态": states.state_name(item.state),
        "销号审批人": _users(item, "closed_by"),
        "销号日期": item.closed_on,
    }
    return {column: values.get(column, "") for column in LEDGER_COLUMNS} | {
        OVERDUE_KEY: states.is_overdue(item.state, item.deadline, today_ or today())}


def ledger_sheets(session: Session, user: User | None, org: OrgUnit | None = None, state: str | None = None):
    """One LedgerSheet per batch (newest first) with the items the user sees, filtered by unit and
    state; batches with no such items are left out."""
    from archive.rectify.ledger import LedgerSheet

    stmt = items_query(user, ItemFilter(org=org, state=state), today()).options(
        *item_loads(), selectinload(RectificationItem.closed_by),
        selectinload(RectificationItem.evidence).selectinload(ItemEvidence.document))
    by_batch: dict[int, list[RectificationItem]] = {}
    for item in session.scalars(stmt.order_by(RectificationItem.id)):
        by_batch.setdefault(item.batch_id, []).append(item)
    batches = sorted((session.get(FeedbackBatch, batch_id) for batch_id in by_batch),
                     key=lambda b: (b.received_on or dt.date.min, b.id), reverse=True)
    day = today()
    return [LedgerSheet(title=b.title, source=b.source, rows=[ledger_row(i, day) for i in by_batch[b.id]])
            for b in batches]


def export_ledger(session: Session, actor: Actor, out, *, org: OrgUnit | None = None,
                  state: str | None = None) -> int:
    """Write the 整改台账 (one sheet per batch plus the summary) to `out`; audited. Returns the rows."""
    from archive.rectify.ledger import write_ledger

    sheets = ledger_sheets(session, actor.user, org=org, state=state)
    unit = org.path if org is not None else (actor.user.org.path if actor.user else "全部单位")
    filters = f"单位：{unit}（含下级）；状态：{states.state_name(state) if state else '全部'}"
    write_ledger(sheets, out, title="整改台账", filters=filters)
    rows = sum(len(s.rows) for s in sheets)
    audit.record(session, actor, "rectify_export", object_type="rectification",
                 org_id=org.id if org is not None else (actor.user.org_id if actor.user else None),
                 summary=f"导出整改台账 {rows} 项（{filters}）")
    return rows
