"""整改佐证材料汇编: the evidence of a feedback batch's (or a unit's) rectification items as one bound
volume, made with the volume composer (archive/binder/).

The volume is an ordinary Volume of kind "evidence": its documents are bound in item order (batch,
then 编号 in natural order: 2 before 10), each item's evidence in the order it was linked. Every bound
document carries its item's heading for the table of contents ("3. 问题描述（整改中）"); the rows that
bind nothing are VolumeTocNote rows:
- an item without evidence: its heading alone, marked （无佐证材料）;
- a document that is evidence of an earlier item too: bound once, under the first item, and listed
  again under the later one with 备注 "见第 1 项" and no 页号.
The 页号 column therefore still lists exactly the bound documents, which the build's check reads back.

The class is the unit's scheme's 督查考核与问题整改 class (its own code, not a sub-class: a volume may
hold evidence filed under any of its sub-classes or elsewhere), with that class's retention period;
the year is the batch's 反馈时间 (across batches: the latest). Roles and scope as for any volume
(binder.service.create): clerks and admins, for a unit in their scope; only items the actor sees.

The Volume row, its items and notes and the audit entry are binder/records.py's; the caller starts
the build: binder.service.start_build(session, actor, volume).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from sqlalchemy.orm import Session, selectinload

from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import in_scope, require_in_scope
from archive.binder import records
from archive.binder.service import Spec, VolumeError, scheme_of
from archive.models import Document, FeedbackBatch, ItemEvidence, OrgUnit, RectificationItem, Volume
from archive.rectify import service as rectify
from archive.rectify import states
from archive.rectify.evidence import EVIDENCE_CLASS
from archive.standards import Standards

KIND = "evidence"
SUBTITLE = "整改佐证材料汇编"
DESCRIPTION_CHARS = 40      # of 问题描述 in a heading
NO_EVIDENCE = "（无佐证材料）"


def create_evidence_volume(session: Session, standards: Standards, actor: Actor, *, batch_id: int | None = None,
                           org: OrgUnit | None = None, title: str = "", made_by: str = "", checked_by: str = "",
                           filing_no: str = "", double_sided: bool = False, spine: bool = False) -> Volume:
    """Record the evidence binder of a batch (`batch_id`), of the items `org` (and the units below it)
    is responsible for (`org`), or of both together; status "queued". A batch received above the
    actor's unit gives the actor's unit's share of it (as if `org` were the actor's unit). Refuses (VolumeError, Chinese
    message) when nothing would be bound; Forbidden for a role that may not bind; OutOfScope for a
    batch or unit the actor does not see."""
    if batch_id is None and org is None:
        raise VolumeError("missing_scope", "请指定反馈批次或责任单位")
    user = actor.user
    batch = rectify.get_batch(session, batch_id, user=user) if batch_id is not None else None
    if org is not None and user is not None:
        require_in_scope(user, org)
    if org is None and user is not None and not in_scope(user, batch.org):
        # a batch received above the user's unit (seen through its items): the unit's own share of it
        org = user.org
    if org is not None:
        org = session.get(OrgUnit, org.id)  # this session's instance (the caller's may be detached)
    unit = org if org is not None else batch.org
    policy.require(policy.can_edit(actor, unit), "当前角色不能组卷")
    scheme = scheme_of(standards, unit)
    category = _evidence_class(scheme)
    retention = scheme.classes[category].retention

    items = _items(session, user, batch, org)
    where = f"《{batch.title[:60]}》" if batch is not None else f"{unit.name}（含下级单位）"
    if batch is not None and org is not None:
        where = f"《{batch.title[:60]}》中{org.name}（含下级单位）负责"
    if not items:
        raise VolumeError("no_items", f"{where}没有整改问题")

    batches = list(dict.fromkeys(item.batch for item in items))
    several = len(batches) > 1
    contents = records.Contents()
    first_item: dict[int, RectificationItem] = {}   # document id → the item it is bound under
    outside: list[str] = []
    without, shared = 0, 0
    for item in items:
        heading = group_label(item, with_batch=several)
        evidence = [link.document for link in item.evidence if link.document.deleted_at is None]
        if not evidence:
            without += 1
            contents.note(heading + NO_EVIDENCE)
            continue
        for doc in evidence:
            if doc.id in first_item:
                shared += 1
                contents.note(heading, document_id=doc.id, remarks=reference(first_item[doc.id], item))
                continue
            if not records.in_unit(doc, unit):
                outside.append(f"《{doc.title[:40]}》（第 {item_number(item)} 项，{doc.org.name}）")
                continue
            first_item[doc.id] = item
            contents.bind(doc, heading)
    if outside:
        raise VolumeError("document_outside_unit", f"佐证材料{records.few(outside)}不属于{unit.name}及其下级单位，不能装入"
                                                   f"{unit.name}的汇编；请由上级单位汇编，或先调整这些文件的归属")
    if not contents.items:
        raise VolumeError("no_evidence", f"{where}的 {len(items)} 个整改问题都没有佐证材料，无法汇编")

    default_title = (f"{batch.title}{SUBTITLE}" + (f"（{org.name}）" if org is not None and org.id != batch.org_id
                                                  else "")) if batch is not None else f"{unit.name}{SUBTITLE}"
    spec = Spec(org=unit, category=category, year=_year(batches), retention=retention, title=title,
                filing_no=filing_no, made_by=made_by, checked_by=checked_by,
                remarks=_remarks(where, items, without, shared), double_sided=double_sided, spine=spine)
    return records.record(session, actor, spec, contents, kind=KIND, scheme_id=scheme.id, default_title=default_title,
                          audit_label=SUBTITLE, audit_counts=f"{len(items)} 个问题，",
                          too_many_hint="，请按批次或单位分卷汇编", batch_id=batch.id if batch is not None else None)


# ------------------------------------------------------------------------------------ the items

def _items(session: Session, user, batch: FeedbackBatch | None, org: OrgUnit | None) -> list[RectificationItem]:
    """The items the actor sees, of the batch and/or under the unit, in binder order."""
    flt = rectify.ItemFilter(org=org, batch_id=batch.id if batch is not None else None)
    stmt = rectify.items_query(user, flt, rectify.today()).options(
        selectinload(RectificationItem.batch),
        selectinload(RectificationItem.evidence).selectinload(ItemEvidence.document).selectinload(Document.org))
    items = list(session.scalars(stmt))
    items.sort(key=lambda item: (item.batch.received_on or dt.date.min, item.batch_id,
                                 natural_key(item.number), item.id))
    return items


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十百]+")


def _cn_value(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零三 → 103, 二〇二一 → 2021."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total, current = total + (current or 1) * 100, 0
        elif ch == "十":
            total, current = total + (current or 1) * 10, 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


def natural_key(number: str) -> tuple:
    """编号 in natural order: 2 before 10, （二） before （十）, 2-1 before 2-10. Digits compare as
    numbers, the rest as text; text parts and number parts alternate, so keys always compare."""
    text = _CN_NUMBER.sub(lambda m: str(_cn_value(m.group())), number or "")
    parts = re.split(r"(\d+)", text.strip())
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def item_number(item: RectificationItem) -> str:
    """编号 as printed: without the 、or . an office writes after it."""
    return (item.number or "").strip().rstrip("、.．。") or str(item.id)


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def group_label(item: RectificationItem, *, with_batch: bool = False) -> str:
    """The heading of an item in the table of contents: "3. 问题描述（整改中）"; with the batch's
    title in front when the volume holds several batches."""
    prefix = f"【{shorten(item.batch.title, 20)}】" if with_batch else ""
    label = f"{prefix}{item_number(item)}. {shorten(item.description)}（{states.state_name(item.state)}）"
    return label[:500]


def reference(first: RectificationItem, later: RectificationItem) -> str:
    """备注 of a document listed again under a later item: where it is bound."""
    if first.batch_id == later.batch_id:
        return f"见第 {item_number(first)} 项"
    return f"见《{shorten(first.batch.title, 12)}》第 {item_number(first)} 项"[:200]


# ------------------------------------------------------------------------------------ the volume

def _evidence_class(scheme) -> str:
    """The code of the scheme's 督查考核与问题整改 class (the top one when several share the name)."""
    code = records.class_named(scheme, EVIDENCE_CLASS)
    if code is None:
        raise VolumeError("no_evidence_class", f"分类方案“{scheme.name}”没有“{EVIDENCE_CLASS}”类目，无法汇编佐证材料")
    return code


def _year(batches: list[FeedbackBatch]) -> int:
    """The 反馈时间's year; across batches the latest; a batch without one counts by when it was recorded."""
    years = [b.received_on.year if b.received_on else (b.created_at or dt.datetime.now()).year for b in batches]
    return max(years)


def _remarks(where: str, items: list[RectificationItem], without: int, shared: int) -> str:
    """What 本卷情况说明 says about an evidence binder, besides the counts the build adds."""
    counts = Counter(item.state for item in items)
    by_state = "，".join(f"{name} {counts[code]} 项" for code, name in states.STATES.items() if counts[code])
    lines = [f"本卷汇编{where}整改问题 {len(items)} 项（{by_state}）的佐证材料，按问题编号排列。"]
    if without:
        lines.append(f"其中 {without} 项尚无佐证材料，目录中注明“无佐证材料”。")
    if shared:
        lines.append(f"同一文件佐证多个问题的，只在第一个问题下装订，其余问题下注明“见第某项”（{shared} 处）。")
    return "\n".join(lines)
