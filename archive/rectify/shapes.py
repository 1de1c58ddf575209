"""Rectification records as JSON-ready dicts (the API answers with them, the pages and the CLI show
them), and the evidence that counts."""
from __future__ import annotations

import datetime as dt

from archive.clock import today
from archive.models import Document, ItemEvent, ItemEvidence, OrgUnit, RectificationItem, User
from archive.rectify import states

EVENT_NAMES = states.ACTIONS | {
    "import": "导入", "edit": "修改", "evidence_add": "添加佐证材料", "evidence_remove": "移除佐证材料",
    "overdue": "逾期",
}


def evidence_count(item: RectificationItem) -> int:
    """Evidence that counts: linked documents not in the trash."""
    return sum(1 for e in item.evidence if e.document.deleted_at is None)


def _user_ref(user: User | None) -> dict | None:
    return {"id": user.id, "username": user.username, "name": user.display_name or user.username} if user else None


def _org_ref(org: OrgUnit | None) -> dict | None:
    return {"id": org.id, "name": org.name, "path": org.path} if org else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def item_dict(item: RectificationItem, *, today_: dt.date | None = None, detail: bool = False) -> dict:
    day = today_ or today()
    overdue = states.is_overdue(item.state, item.deadline, day)
    data = {
        "id": item.id,
        "batch": {"id": item.batch.id, "title": item.batch.title, "source": item.batch.source,
                  "level": item.batch.level, "received_on": _day(item.batch.received_on)},
        "number": item.number, "description": item.description, "category": item.category, "goal": item.goal,
        "measures": item.measures, "lead_org": _org_ref(item.lead_org), "units": [_org_ref(u) for u in item.units],
        "leader": item.leader, "person": item.person, "responsible_user": _user_ref(item.responsible_user),
        "deadline": _day(item.deadline), "deadline_text": item.deadline_text,
        "original_deadline": _day(item.original_deadline),
        "days_left": (item.deadline - day).days if item.deadline and item.state in states.OPEN_STATES else None,
        "overdue": overdue, "overdue_since": _day(item.overdue_since),
        "progress": item.progress, "completed_on": _day(item.completed_on),
        "acceptance_opinion": item.acceptance_opinion, "accepted_by": _user_ref(item.accepted_by),
        "closed_on": _day(item.closed_on), "closed_by": _user_ref(item.closed_by),
        "state": item.state, "state_name": states.state_name(item.state),
        "actions": states.available(item.state), "evidence_count": evidence_count(item),
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
    }
    if detail:
        data["evidence"] = [evidence_dict(e) for e in item.evidence]
        data["timeline"] = [event_dict(e) for e in item.events]
    return data


def evidence_dict(link: ItemEvidence) -> dict:
    doc: Document = link.document
    return {"document_id": doc.id, "title": doc.title, "archive_code": doc.archive_code, "org": doc.org.path,
            "category_code": doc.category_code, "doc_date": _day(doc.doc_date), "page_count": doc.page_count,
            "in_trash": doc.deleted_at is not None,
            "added_by": link.added_by.username if link.added_by else None,
            "added_at": link.added_at.isoformat() if link.added_at else None}


def event_dict(event: ItemEvent) -> dict:
    return {"id": event.id, "at": event.at.isoformat() if event.at else None, "user_id": event.user_id,
            "user": event.user_name, "action": event.action, "action_name": EVENT_NAMES.get(event.action, event.action),
            "from_state": event.from_state, "to_state": event.to_state,
            "from_state_name": states.state_name(event.from_state) or None,
            "to_state_name": states.state_name(event.to_state) or None,
            "comment": event.comment, "data": event.data}
