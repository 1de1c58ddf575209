"""The household-file check: which items of standards.household_items a household's documents hold,
which required ones are missing, and whether their dates keep the order the standards give."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from archive.ledgers.linking import linked
from archive.models import Document, Household


def file_check(session: Session, standards, household: Household) -> dict:
    """Which household-file items (standards.household_items) the linked documents (not in the
    trash) hold, which required ones are missing, and whether their dates keep the order 申请 ≤ 评议
    ≤ 公示 ≤ 确认 (and at exit 评议 ≤ 公示 ≤ 确认), by the documents' 成文日期.

    A document counts for the item its title names best (HouseholdItem.score); a document whose
    title names none counts for the item its text names best. Returns
    {"complete", "items": [{"key", "name", "stage", "required", "present", "documents": [...]}],
     "missing": [{"key", "name"}], "date_order": [{"key", "name", "date", "document_id"}],
     "problems": [{"code", "item", "message"}]}."""
    ids = [d.document_id for d in linked(household)]
    docs = list(session.scalars(select(Document).where(Document.id.in_(ids), Document.deleted_at.is_(None))
                                .options(undefer(Document.text)).order_by(Document.doc_date.nulls_last(),
                                                                          Document.id))) if ids else []
    by_item: dict[str, list[Document]] = {item.key: [] for item in standards.household_items}
    for doc in docs:
        item = standards.household_item_for(doc.title) or standards.household_item_for(doc.text or "")
        if item is not None:
            by_item[item.key].append(doc)
    items, missing, problems = [], [], []
    for item in standards.household_items:
        found = by_item[item.key]
        items.append({"key": item.key, "name": item.name, "stage": item.stage, "required": item.required,
                      "present": bool(found),
                      "documents": [{"id": d.id, "title": d.title, "doc_date": d.doc_date.isoformat() if d.doc_date else None,
                                     "archive_code": d.archive_code} for d in found]})
        if item.required and not found:
            missing.append({"key": item.key, "name": item.name})
            problems.append({"code": "missing_item", "item": item.key, "message": f"缺少{item.name}"})
    names = {item.key: item.name for item in standards.household_items}
    order_rows = []
    for order in (standards.household_date_order, getattr(standards, "household_exit_date_order", ())):
        dated = []
        for key in order:
            first = next((d for d in by_item.get(key, []) if d.doc_date is not None), None)
            if first is not None:
                dated.append((key, first))
                order_rows.append({"key": key, "name": names.get(key, key), "date": first.doc_date.isoformat(),
                                   "document_id": first.id})
        chain = " ≤ ".join(names.get(k, k) for k in order)
        for (key_a, a), (key_b, b) in zip(dated, dated[1:]):
            if a.doc_date > b.doc_date:
                problems.append({"code": "date_order", "item": key_b, "message": (
                    f"{names.get(key_a, key_a)}（{a.doc_date.isoformat()}）晚于{names.get(key_b, key_b)}"
                    f"（{b.doc_date.isoformat()}），日期顺序应为 {chain}")})
    return {"complete": not problems, "items": items, "missing": missing, "date_order": order_rows,
            "problems": problems}
