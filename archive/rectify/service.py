"""Rectification (整改) as records: feedback batches, importing a 问题清单, items and their actions.

Every interface (API, pages, CLI, jobs) goes through these functions; scope and roles are checked
here, once. A unit sees the items whose 责任单位 or 牵头单位 is it or below it, and the batches it
received or has such items in. Clerks and admins act within their scope; inspectors and leaders read.
`user=None` / the CLI actor is the operator at the command line, who sees everything.

Evidence is evidence.py; overdue lists, counts and the 台账 export are deadlines.py; the rules of the
state machine are states.py (pure).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, in_scope, require_in_scope
from archive.models import FeedbackBatch, ItemEvent, ItemEvidence, OrgUnit, RectificationItem, User
from archive.models.base import utcnow
from archive.models.rectify import SOURCES, item_units
from archive.rectify import states
from archive.rectify.shapes import evidence_count, today
from archive.rectify.states import IllegalTransition  # noqa: F401  (re-exported for callers)
from archive.errors import CONFLICT, NOT_FOUND, DomainError

MAX_PER_PAGE = 200


class RectifyError(DomainError):
    """A request refused for its content: `code` for machines, `message` in Chinese for people."""

    KINDS = {"document_not_found": NOT_FOUND, "item_closed": CONFLICT, "already_linked": CONFLICT,
             "duplicate_out_of_scope": CONFLICT, "duplicate_in_trash": CONFLICT, "no_evidence_class": CONFLICT}


# ------------------------------------------------------------------------------------------- parsing

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_date(value, what: str = "日期") -> dt.date | None:
    """A date as people write it: 2021-03-05, 2021/3/5, 2021.3.5, 2021年3月5日; None when empty."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    text = str(value).strip()
    if not text:
        return None
    m = _DATE.match(text)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        pass
    raise RectifyError("invalid_date", f"{what}“{text[:20]}”无效，应为 YYYY-MM-DD")


def parse_source(value) -> str:
    """问题来源: 巡视/考核/督查/审计/普查, also inside a longer name (省委巡视 → 巡视); else 其他."""
    text = " ".join(str(value or "").split())
    if not text:
        raise RectifyError("source_required", f"缺少问题来源（{'/'.join(SOURCES)}）")
    for source in SOURCES:
        if source in text:
            return source
    return "巡视" if "巡察" in text else "其他"


def _text(value, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise RectifyError("too_long", f"{what}过长（最多 {limit} 字）")
    return text


# ------------------------------------------------------------------------------------------- scope

def _subtree(org: OrgUnit):
    return select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))


def _items_under(org: OrgUnit):
    """Ids of the items whose 责任单位 or 牵头单位 is `org` or below it."""
    units = _subtree(org)
    by_unit = select(item_units.c.item_id).where(item_units.c.org_id.in_(units))
    return select(RectificationItem.id).where(or_(RectificationItem.id.in_(by_unit),
                                                  RectificationItem.lead_org_id.in_(units)))


def restrict_items(stmt: Select, user: User | None) -> Select:
    return stmt if user is None else stmt.where(RectificationItem.id.in_(_items_under(user.org)))


def item_orgs(item: RectificationItem) -> list[OrgUnit]:
    return [*item.units, *([item.lead_org] if item.lead_org is not None else [])]


def item_visible(user: User | None, item: RectificationItem) -> bool:
    return user is None or any(in_scope(user, org) for org in item_orgs(item))


def require_writer(actor: Actor, item: RectificationItem) -> None:
    policy.require(any(policy.can_edit(actor, org) for org in item_orgs(item)), "当前角色不能办理整改事项")


def _batch_visible(session: Session, user: User | None, batch: FeedbackBatch) -> bool:
    if user is None or in_scope(user, batch.org):
        return True
    stmt = select(RectificationItem.id).where(RectificationItem.batch_id == batch.id,
                                              RectificationItem.id.in_(_items_under(user.org))).limit(1)
    return session.scalar(stmt) is not None


def _who(actor: Actor) -> tuple[int | None, str]:
    user = actor.user
    return (user.id, user.display_name or user.username) if user else (None, "命令行")


def record_event(item: RectificationItem, actor: Actor | None, action: str, *, from_state=None, to_state=None,
                 comment: str = "", data: dict | None = None) -> ItemEvent:
    user_id, name = _who(actor) if actor is not None else (None, "系统")
    event = ItemEvent(user_id=user_id, user_name=name[:100], action=action, from_state=from_state,
                      to_state=to_state, comment=comment, data=data, at=utcnow())
    item.events.append(event)
    return event


def audit_item(session: Session, actor: Actor, action: str, item: RectificationItem, summary: str,
               changes: dict | None = None) -> None:
    orgs = item_orgs(item)
    audit.record(session, actor, action, object_type="rectification_item", object_id=item.id,
                 org_id=orgs[0].id if orgs else None, summary=summary[:500], changes=changes)


def label(item: RectificationItem) -> str:
    return f"《{item.batch.title[:60]}》第 {item.number} 项"


# ------------------------------------------------------------------------------------------- batches

@dataclass(frozen=True)
class BatchSpec:
    """A feedback batch as a person describes it. `source` is normalised by create_batch."""
    org: OrgUnit
    title: str
    source: str
    level: str = ""
    received_on: dt.date | None = None
    document_id: int | None = None


def create_batch(session: Session, actor: Actor, spec: BatchSpec) -> FeedbackBatch:
    """Record a feedback batch received by `spec.org` (in the actor's scope, clerks and admins)."""
    policy.require(policy.can_edit(actor, spec.org), "当前角色不能登记整改反馈")
    title = " ".join(_text(spec.title, 500, "标题").split())
    if not title:
        raise RectifyError("title_required", "缺少反馈批次的标题")
    document = None
    if spec.document_id is not None:
        from archive.documents import service as documents

        try:
            document = documents.get(session, spec.document_id, user=actor.user)
        except OutOfScope:
            raise RectifyError("document_not_found", f"文件 {spec.document_id} 不存在或无权访问") from None
    batch = FeedbackBatch(org=spec.org, title=title, source=parse_source(spec.source),
                          level=_text(spec.level, 50, "层级"), received_on=spec.received_on, document=document,
                          created_by_id=actor.user.id if actor.user else None)
    session.add(batch)
    session.flush()
    audit.record(session, actor, "rectify_batch", object_type="feedback_batch", object_id=batch.id,
                 org_id=spec.org.id, summary=f"{batch.source}：{title[:200]}")
    return batch


def get_batch(session: Session, batch_id: int, *, user: User | None) -> FeedbackBatch:
    batch = session.get(FeedbackBatch, batch_id)
    if batch is None or not _batch_visible(session, user, batch):
        raise OutOfScope()
    return batch


def list_batches(session: Session, *, user: User | None, org: OrgUnit | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[int, list[FeedbackBatch]]:
    """Batches received by a unit in the user's scope or holding items they see; newest first."""
    stmt = select(FeedbackBatch)
    if user is not None:
        stmt = stmt.where(or_(FeedbackBatch.org_id.in_(_subtree(user.org)),
                              FeedbackBatch.id.in_(select(RectificationItem.batch_id)
                                                   .where(RectificationItem.id.in_(_items_under(user.org))))))
    if org is not None:
        if user is not None:
            require_in_scope(user, org)
        stmt = stmt.where(or_(FeedbackBatch.org_id.in_(_subtree(org)),
                              FeedbackBatch.id.in_(select(RectificationItem.batch_id)
                                                   .where(RectificationItem.id.in_(_items_under(org))))))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    per_page = min(max(per_page, 1), 10_000)
    rows = session.scalars(stmt.order_by(FeedbackBatch.received_on.desc().nulls_last(), FeedbackBatch.id.desc())
                           .offset((max(page, 1) - 1) * per_page).limit(per_page))
    return total, list(rows)


def batch_counts(session: Session, batch: FeedbackBatch, *, user: User | None) -> dict[str, int]:
    """Items of the batch the user sees, by state (every state present, zeros included)."""
    stmt = restrict_items(select(RectificationItem.state, func.count())
                          .where(RectificationItem.batch_id == batch.id), user)
    found = dict(session.execute(stmt.group_by(RectificationItem.state)).all())
    return {code: found.get(code, 0) for code in states.STATES}


def batch_dict(session: Session, batch: FeedbackBatch, *, user: User | None) -> dict:
    counts = batch_counts(session, batch, user=user)
    doc = batch.document
    return {
        "id": batch.id, "org": batch.org.path, "org_id": batch.org_id, "source": batch.source,
        "level": batch.level, "title": batch.title,
        "received_on": batch.received_on.isoformat() if batch.received_on else None,
        "document": {"id": doc.id, "title": doc.title, "archive_code": doc.archive_code} if doc else None,
        "created_by": batch.created_by.username if batch.created_by else None,
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
        "item_count": sum(counts.values()), "counts": counts,
    }


# ------------------------------------------------------------------------------------------- items

@dataclass
class ItemFilter:
    org: OrgUnit | None = None          # 责任单位 or 牵头单位 at or below this unit
    state: str | None = None            # a code of states.STATES
    batch_id: int | None = None
    overdue: bool = False               # open (未整改/整改中) and past its deadline
    due_within_days: int | None = None  # open, deadline from today to today + n
    q: str = ""                         # words in 编号, 问题描述, 类别, 措施, 责任领导, 责任人


@dataclass
class Page:
    total: int
    items: list[RectificationItem]
    page: int
    per_page: int


def items_query(user: User | None, flt: ItemFilter, today: dt.date) -> Select:
    stmt = restrict_items(select(RectificationItem), user)
    if flt.org is not None:
        if user is not None:
            require_in_scope(user, flt.org)
        stmt = stmt.where(RectificationItem.id.in_(_items_under(flt.org)))
    if flt.state:
        stmt = stmt.where(RectificationItem.state == flt.state)
    if flt.batch_id is not None:
        stmt = stmt.where(RectificationItem.batch_id == flt.batch_id)
    if flt.overdue:
        stmt = stmt.where(RectificationItem.state.in_(states.OPEN_STATES), RectificationItem.deadline < today)
    if flt.due_within_days is not None:
        stmt = stmt.where(RectificationItem.state.in_(states.OPEN_STATES), RectificationItem.deadline >= today,
                          RectificationItem.deadline <= today + dt.timedelta(days=flt.due_within_days))
    for word in flt.q.split()[:10]:
        stmt = stmt.where(or_(*(column.contains(word, autoescape=True) for column in (
            RectificationItem.number, RectificationItem.description, RectificationItem.category,
            RectificationItem.measures, RectificationItem.leader, RectificationItem.person))))
    return stmt


def list_items(session: Session, *, user: User | None, flt: ItemFilter | None = None, page: int = 1,
               per_page: int = 50, today_: dt.date | None = None) -> Page:
    """Items the user sees, filtered; newest batch first, in 问题清单 order within a batch. Overdue
    and due-soon lists come earliest deadline first."""
    flt = flt or ItemFilter()
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE if user is not None else 100_000)
    stmt = items_query(user, flt, today_ or today())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = ((RectificationItem.deadline, RectificationItem.id) if flt.overdue or flt.due_within_days is not None
             else (RectificationItem.batch_id.desc(), RectificationItem.id))
    rows = session.scalars(stmt.options(*item_loads()).order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return Page(total, list(rows), page, per_page)


def item_loads():
    """What item_dict reads, loaded with the list (no query per item)."""
    return (selectinload(RectificationItem.units), selectinload(RectificationItem.lead_org),
            selectinload(RectificationItem.batch), selectinload(RectificationItem.evidence)
            .selectinload(ItemEvidence.document), selectinload(RectificationItem.responsible_user),
            selectinload(RectificationItem.accepted_by), selectinload(RectificationItem.closed_by))


def get_item(session: Session, item_id: int, *, user: User | None) -> RectificationItem:
    """One item the user sees (else OutOfScope, like a missing one), timeline and evidence loaded."""
    item = session.get(RectificationItem, item_id, options=[
        *item_loads(), selectinload(RectificationItem.events)])
    if item is None or not item_visible(user, item):
        raise OutOfScope()
    return item


def act(session: Session, actor: Actor, item: RectificationItem, action: str, *, comment: str = "",
        progress: str = "", opinion: str = "", deadline: dt.date | None = None,
        today_: dt.date | None = None) -> ItemEvent:
    """Apply one action of states.ACTIONS (start, submit, accept, reject, extend, reopen) or raise
    IllegalTransition with the reason; each is an ItemEvent and an audit row."""
    require_writer(actor, item)
    # Lock the row (PostgreSQL) and decide on its current state: two people acting on one item at
    # once (a double click, accept racing reopen) queue, and the second sees the first's outcome.
    session.flush()  # pending changes of this session are kept, not reloaded away
    session.refresh(item, with_for_update=True)
    day = today_ or today()
    comment, progress, opinion = (_text(comment, 2000, "说明"), _text(progress, 4000, "整改进展"),
                                  _text(opinion, 2000, "验收意见"))
    actor_id = actor.user.id if actor.user else None
    facts = states.Facts(state=item.state, deadline=item.deadline, evidence=evidence_count(item),
                         progress=item.progress or "", responsible_user_id=item.responsible_user_id,
                         submitted_by_id=item.submitted_by_id, actor_id=actor_id)
    target = states.decide(action, facts, states.Request(comment, progress, opinion, deadline), today=day)
    before, data = item.state, {}
    me = session.get(User, actor_id) if actor_id is not None else None  # the actor's user, in this session
    if action in ("start", "submit") and item.responsible_user_id is None and me is not None:
        item.responsible_user = me  # the clerk who takes the item on is the one responsible
        data["responsible_user"] = actor.user.username
    if progress and action in ("start", "submit"):  # the acceptor never rewrites what they accept
        data["progress"] = item.progress = progress
    if action == "submit":
        item.completed_on, item.submitted_by = day, me
        data["completed_on"] = day.isoformat()
    elif action == "accept":
        item.acceptance_opinion, item.closed_on = opinion, day
        item.accepted_by = item.closed_by = me
        data |= {"opinion": opinion, "closed_on": day.isoformat()}
    elif action == "reject":
        data["completed_on"] = item.completed_on.isoformat() if item.completed_on else None
        item.completed_on, item.submitted_by = None, None
        item.overdue_since = None  # the daily job marks it again from today if the deadline has passed
    elif action == "extend":
        data |= {"old_deadline": item.deadline.isoformat() if item.deadline else None,
                 "old_deadline_text": item.deadline_text, "new_deadline": deadline.isoformat()}
        # The first dated deadline is kept; an item that had none ("长期坚持") keeps its text instead.
        item.original_deadline = item.original_deadline or item.deadline
        item.deadline, item.overdue_since = deadline, None
        item.deadline_text = "" if data["old_deadline"] else f"原：{item.deadline_text}"[:200]
    elif action == "reopen":
        data |= {"closed_on": item.closed_on.isoformat() if item.closed_on else None,
                 "closed_by": item.closed_by.username if item.closed_by else None,
                 "acceptance_opinion": item.acceptance_opinion}
        item.closed_on = item.closed_by = item.accepted_by = item.completed_on = item.submitted_by = None
        item.acceptance_opinion, item.overdue_since = "", None
    item.state, item.updated_at = target, utcnow()
    event = record_event(item, actor, action, from_state=before, to_state=target, comment=comment or opinion,
                         data=data or None)
    audit_item(session, actor, "rectify_action", item, f"{states.ACTIONS[action]}：{label(item)}"
               + (f"（{states.state_name(before)} → {states.state_name(target)}）" if before != target else ""),
               changes={"before": {"state": before}, "after": {"state": target}} if before != target else None)
    session.flush()
    return event


EDITABLE = {"category": ("问题类别", 200), "goal": ("整改目标", 4000), "measures": ("整改措施", 4000),
            "leader": ("责任领导", 200), "person": ("责任人", 200), "progress": ("整改进展", 4000)}


def update_item(session: Session, actor: Actor, item: RectificationItem, changes: dict) -> RectificationItem:
    """Correct an item's text fields (EDITABLE) or its responsible clerk (`responsible_user`: a
    username in the actor's scope, or None). State, deadline and acceptance change only by `act`."""
    require_writer(actor, item)
    if item.state == "closed":
        raise RectifyError("item_closed", "已销号的问题不能修改；如需修改请先重新整改")
    if item.state == "awaiting_acceptance":  # what is being accepted, and who may not accept it, stay put
        raise RectifyError("item_awaiting_acceptance", "待验收的问题不能修改；如需修改请先退回整改")
    before, after = {}, {}
    for name, value in changes.items():
        if name in EDITABLE:
            what, limit = EDITABLE[name]
            value = _text(value, limit, what)
            old = getattr(item, name)
        elif name == "responsible_user":
            value, old = _user_in_scope(session, actor, value), item.responsible_user
            if value is not None and value.role not in policy.WRITERS:
                raise RectifyError("invalid_user", f"“{value.username}”不是档案员或系统管理员")
            if value is not None and not item_visible(value, item):
                raise RectifyError("invalid_user", f"“{value.username}”所在单位不负责这个问题")
            value, old = (value.username if value else None), (old.username if old else None)
        else:
            continue
        if value != old:
            before[name], after[name] = old, value
    if not after:
        return item
    for name, value in after.items():
        if name == "responsible_user":
            item.responsible_user = _user_in_scope(session, actor, value)
        else:
            setattr(item, name, value)
    item.updated_at = utcnow()
    record_event(item, actor, "edit", comment="、".join(EDITABLE.get(n, ("责任人（系统用户）",))[0] for n in after),
                 data={"before": before, "after": after})
    audit_item(session, actor, "rectify_edit", item, f"修改：{label(item)}", changes={"before": before, "after": after})
    session.flush()
    return item


def _user_in_scope(session: Session, actor: Actor, username) -> User | None:
    if username is None or str(username).strip() == "":
        return None
    user = session.scalar(select(User).where(User.username == str(username).strip()))
    if user is None or (actor.user is not None and not in_scope(actor.user, user.org)):
        raise RectifyError("invalid_user", f"用户“{str(username)[:30]}”不存在或不在您的管辖范围内")
    return user
