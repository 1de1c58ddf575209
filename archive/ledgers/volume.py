"""A household's file (一户一档) as one bound volume, made with the volume composer (archive/binder/).

The volume is an ordinary Volume of kind "household": the household's linked documents (a person's
removals and documents in the trash left out), in the order of the household-file items of
standards/household_files.yaml — by stage (识别 → 帮扶 → 退出), then item, within an item by 成文日期
(undated last). A document that names no item comes last, under 其他材料. Every bound document carries
its stage and item for the table of contents ("识别 · 申请书"); a required item the file lacks is a
VolumeTocNote heading alone, in its place, marked （缺）. The 页号 column therefore still lists exactly
the bound documents, which the build's check reads back.

The class is the unit's scheme's 一户一档 class (the top one: a household's volume holds its
识别/帮扶/退出 sub-classes together), with that class's retention period; the year is the household's
latest ledger year, else its newest document's. The title names the head and the village only, never
an ID number. Roles and scope as for any volume (binder.service.create): clerks and admins, for a
household in their scope.

The Volume row, its items and notes and the audit entry are binder/records.py's; the caller starts
the build: binder.service.start_build(session, actor, volume).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from archive.auth import policy
from archive.auth.actor import Actor
from archive.binder import records
from archive.binder.service import Spec, VolumeError, scheme_of
from archive.ledgers import households as hh
from archive.models import Document, Volume
from archive.standards import HOUSEHOLD_STAGES, Standards

KIND = "household"
HOUSEHOLD_CLASS = "一户一档"
STAGE_NAMES = {"identification": "识别", "assistance": "帮扶", "exit": "退出"}
OTHER = "其他材料"
MISSING = "（缺）"


def group_label(stage: str, item_name: str) -> str:
    """The heading of a household-file item in the table of contents: "识别 · 申请书"."""
    return f"{STAGE_NAMES.get(stage, stage)} · {item_name}"[:500]


def create_household_volume(session: Session, standards: Standards, actor: Actor, household_id: int, *,
                            title: str = "", made_by: str = "", checked_by: str = "", filing_no: str = "",
                            double_sided: bool = False, spine: bool = False) -> Volume:
    """Record the volume of a household's file; status "queued". Refuses (VolumeError, Chinese
    message) a household without linked documents; Forbidden for a role that may not bind;
    OutOfScope for a household the actor does not see (or that does not exist)."""
    user = actor.user
    household = hh.get_household(session, household_id, user=user)
    unit = household.org
    policy.require(policy.can_edit(actor, unit), "当前角色不能组卷")
    scheme = scheme_of(standards, unit)
    category = _household_class(scheme)
    retention = scheme.classes[category].retention
    who = f"{household.head_name}户（{unit.name}）"

    check = hh.file_check(session, standards, household)
    ids = [link.document_id for link in hh.linked(household)]
    docs = {doc.id: doc for doc in (session.get(Document, i) for i in ids) if doc is not None and doc.deleted_at is None}
    if not docs:
        raise VolumeError("no_documents", f"{who}的一户一档没有关联文件，无法组卷；请先关联文件")

    stage_rank = {stage: n for n, stage in enumerate(HOUSEHOLD_STAGES)}
    items = sorted(enumerate(check["items"]), key=lambda pair: (stage_rank.get(pair[1]["stage"], len(stage_rank)),
                                                                pair[0]))
    contents = records.Contents()
    placed: set[int] = set()
    missing: list[str] = []
    for _, item in items:
        heading = group_label(item["stage"], item["name"])
        found = [docs[d["id"]] for d in item["documents"] if d["id"] in docs and d["id"] not in placed]
        if not found:
            if item["required"]:
                missing.append(item["name"])
                contents.note(heading + MISSING)
            continue
        for doc in found:   # file_check lists them by 成文日期, undated last
            placed.add(doc.id)
            contents.bind(doc, heading)
    others = sorted((d for d in docs.values() if d.id not in placed),
                    key=lambda d: (d.doc_date is None, d.doc_date or dt.date.min, d.id))
    for doc in others:
        contents.bind(doc, OTHER)

    outside = [f"《{d.title[:40]}》（{d.org.name}）" for d in docs.values() if not records.in_unit(d, unit)]
    if outside:
        raise VolumeError("document_outside_unit", f"文件{records.few(outside)}不属于{unit.name}及其下级单位，不能装入"
                                                   f"{who}的一户一档案卷；请先调整这些文件的归属或移出该户档案")
    spec = Spec(org=unit, category=category, year=_year(household, list(docs.values())), retention=retention,
                title=title, filing_no=filing_no, made_by=made_by, checked_by=checked_by,
                remarks=_remarks(household, unit.name, missing, check, len(others)), double_sided=double_sided,
                spine=spine)
    return records.record(session, actor, spec, contents, kind=KIND, scheme_id=scheme.id,
                          default_title=f"{household.head_name}户一户一档（{unit.name}）", audit_label="一户一档组卷")


def _household_class(scheme) -> str:
    """The code of the scheme's 一户一档 class (the top one when several share the name); else the
    top class of the household level."""
    code = records.class_named(scheme, HOUSEHOLD_CLASS)
    if code is not None:
        return code
    found = [c for c in scheme.classes.values() if "household" in c.levels and c.parent is None]
    if not found:
        raise VolumeError("no_household_class", f"分类方案“{scheme.name}”没有“{HOUSEHOLD_CLASS}”类目，无法为户组卷")
    return min(found, key=lambda c: (len(c.code), c.code)).code


def _year(household, docs: list[Document]) -> int:
    """The household's latest ledger year; without one, its newest document's year."""
    if household.years:
        return max(y.year for y in household.years)
    years = [d.doc_date.year if d.doc_date else d.year for d in docs if d.doc_date or d.year]
    return max(years) if years else dt.date.today().year


def _remarks(household, village: str, missing: list[str], check: dict, others: int) -> str:
    """What 本卷情况说明 says about a household's volume, besides the counts the build adds. Names
    only: never an ID number."""
    category = f"（{household.category}）" if household.category else ""
    lines = [f"本卷为{village}{household.head_name}户{category}一户一档，按识别、帮扶、退出阶段及档案项目排列，"
             f"同一项目内按成文日期排列。"]
    if missing:
        lines.append(f"缺少必备材料 {len(missing)} 项：{'、'.join(missing)}，目录中注明“缺”。")
    if others:
        lines.append(f"未能归入档案项目的文件 {others} 件，列于“{OTHER}”。")
    order = [p["message"] for p in check.get("problems", []) if p.get("code") == "date_order"]
    if order:
        lines.append("日期顺序问题：" + "；".join(order))
    return "\n".join(lines)
