"""Saving a parsed 问题清单 (importer.ParseResult) as items: all or nothing.

The importer reads the file (columns by synonym, dates in any form, merged cells); here each row's
unit names are matched to org units within the importing user's scope (exact name, full path, the
end of a path such as 莲蓬寺镇/黎元村, or a division code) and the rows are checked against the batch.
Any problem, from the file or from here, and nothing is saved; the problems say row and column.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.models import FeedbackBatch, OrgUnit, RectificationItem, User
from archive.orgs.service import SEPARATORS, normalise_code, OrgError
from archive.rectify import states

LIMITS = {"number": ("编号", 50), "category": ("问题类别", 200), "leader": ("责任领导", 200),
          "person": ("责任人", 200), "deadline_text": ("整改时限", 200)}


@dataclass
class ImportOutcome:
    """What an import did (`ok`: saved) or would do (preview). `problems`: the file's and the unit
    matching's, each {"row", "column", "message"}; `notes`: saved, but worth a look."""
    ok: bool
    parse: object                       # importer.ParseResult
    problems: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    items: list[RectificationItem] = field(default_factory=list)
    batch: FeedbackBatch | None = None
    preview: bool = False

    def as_dict(self) -> dict:
        data = self.parse.as_dict() if hasattr(self.parse, "as_dict") else {}
        return data | {"ok": self.ok, "preview": self.preview, "saved": 0 if self.preview or not self.ok else len(self.items),
                       "problems": self.problems, "notes": self.notes,
                       "batch_id": self.batch.id if self.batch is not None and self.batch.id else None,
                       "item_ids": [i.id for i in self.items] if self.ok and not self.preview else []}


def problem_dict(problem) -> dict:
    """A problem as {"row", "column", "message"}, whatever shape the importer gave it."""
    if isinstance(problem, dict):
        data = problem
    elif dataclasses.is_dataclass(problem):
        data = dataclasses.asdict(problem)
    elif hasattr(problem, "as_dict"):
        data = problem.as_dict()
    else:
        return {"row": None, "column": None, "message": str(problem)}
    return {"row": data.get("row"), "column": data.get("column"), "message": str(data.get("message", ""))} \
        | {k: v for k, v in data.items() if k not in ("row", "column", "message")}


class UnitMatcher:
    """Org units named in a 问题清单, matched within a user's scope (the operator: all units)."""

    def __init__(self, session: Session, user: User | None, within: OrgUnit | None = None):
        stmt = select(OrgUnit)
        if user is not None:
            stmt = stmt.where(OrgUnit.lineage.startswith(user.org.lineage))
        self.units = list(session.scalars(stmt))
        # Names are first looked for under the unit that received the feedback: a county's list names
        # its own villages, whose names may recur elsewhere in a province.
        self.within = [u for u in self.units if within is not None and u.lineage.startswith(within.lineage)]
        self.by_path = {u.path: u for u in self.units}
        self.by_code = {u.code: u for u in self.units if u.code}

    def match(self, ref: str) -> tuple[OrgUnit | None, str | None]:
        """(unit, None) or (None, the reason in Chinese)."""
        text = " ".join(ref.split())
        parts = [p for p in SEPARATORS.split(text) if p]
        path = "/".join(parts)
        if path in self.by_path:
            return self.by_path[path], None
        if text.isdigit():
            try:
                unit = self.by_code.get(normalise_code(text))
            except OrgError:
                unit = None
            if unit is not None:
                return unit, None
        found = _named_units(self.within, text, parts, path) or _named_units(self.units, text, parts, path)
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, f"单位“{text[:40]}”有 {len(found)} 个同名单位，请写完整路径（如 {found[0].path}）"
        return None, f"找不到单位“{text[:40]}”（应为您管辖范围内单位的名称、完整路径或区划代码）"


def _named_units(units: list[OrgUnit], text: str, parts: list[str], path: str) -> list[OrgUnit]:
    if len(parts) == 1:
        return [u for u in units if u.name == text]
    return [u for u in units if u.path.endswith("/" + path)]


def _check_rows(session: Session, actor: Actor, batch: FeedbackBatch | None, parse,
                receiving: OrgUnit | None = None) -> tuple[list, list, list]:
    """(problems, notes, rows ready to save: (parsed item, 编号, lead unit, units, state)).
    `receiving`: the unit that received the feedback, where unit names are looked for first."""
    problems = [problem_dict(p) for p in (parse.problems or [])]
    notes, ready = [], []
    matcher = UnitMatcher(session, actor.user, receiving)
    letters: dict[str, str] = {}
    for column in getattr(parse, "columns", None) or []:
        if getattr(column, "field", None):
            letters.setdefault(column.field, column.letter)
    taken = set()
    if batch is not None and batch.id is not None:
        taken = set(session.scalars(select(RectificationItem.number).where(RectificationItem.batch_id == batch.id)))
    explicit = {str(i.number or "").strip() for i in parse.items} - {""}
    # Rows without 编号 continue after the batch's highest numeric 编号 (a list added to a batch).
    offset = max((int(n) for n in taken if str(n).isascii() and str(n).isdigit()), default=0)
    for position, item in enumerate(parse.items, start=1 + offset):
        row_problems = []

        def problem(field_: str, code: str, message: str) -> None:
            row_problems.append({"row": item.row, "column": letters.get(field_, ""), "code": code,
                                 "message": f"第{item.row}行 {message}"})

        number = str(item.number or "").strip()
        if not number:
            number = str(position)  # no 编号 in the list: numbered in list order
            if number in explicit or number in taken:
                problem("number", "duplicate_number", f"没有编号，按顺序应为“{number}”，但该编号已被其他行使用，请补全编号")
            else:
                notes.append({"row": item.row, "column": letters.get("number", ""),
                              "message": f"第{item.row}行 没有编号，按顺序编为“{number}”"})
        elif number in taken:
            problem("number", "number_taken", f"编号“{number[:20]}”在该反馈批次中已存在")
        ready_number = number
        for name, (column, limit) in LIMITS.items():
            if len(str(getattr(item, name) or "")) > limit:
                problem(name, "too_long", f"{column}过长（最多 {limit} 字）")
        lead = None
        if str(item.lead_unit or "").strip():
            lead, reason = matcher.match(str(item.lead_unit))
            if reason:
                problem("lead_unit", "unknown_unit", reason)
        units = []
        for name in item.units or []:
            if not str(name).strip():
                continue
            unit, reason = matcher.match(str(name))
            if reason:
                problem("units", "unknown_unit", reason)
            elif unit not in units:
                units.append(unit)
        if not units and lead is not None and not (item.units or []):
            units = [lead]  # only a 牵头单位 given: it is the unit responsible
        if not units and not row_problems:
            problem("units", "missing_unit", "缺少责任单位（至少一个）")
        state = "not_started"
        try:
            given = states.parse_state(item.state)
        except ValueError as e:
            problem("state", "bad_state", str(e))
            given = None
        if given in ("not_started", "in_progress"):
            state = given
        elif given is not None:
            state = "in_progress"
            notes.append({"row": item.row, "column": letters.get("state", ""), "message": (
                f"第{item.row}行 台账中为“{states.state_name(given)}”，导入为“整改中”：验收、销号须在系统中关联佐证材料后进行（不改不销）")})
        problems.extend(row_problems)
        if not row_problems:
            ready.append((item, ready_number, lead, units, state))
    if not parse.items and not problems:
        problems.append({"row": None, "column": None, "code": "no_items", "message": "文件中没有找到问题条目"})
    problems.sort(key=lambda p: (p.get("row") or 0, p.get("column") or ""))
    return problems, notes, ready


def preview_import(session: Session, actor: Actor, batch, parse) -> ImportOutcome:
    """What import_items would do, saving nothing: the parse (columns understood, rows) plus the
    unit-matching problems."""
    policy.require(policy.can_edit(actor, batch.org), "当前角色不能导入问题清单")
    problems, notes, _ = _check_rows(session, actor, batch if isinstance(batch, FeedbackBatch) else None, parse,
                                     batch.org)
    return ImportOutcome(ok=not problems, parse=parse, problems=problems, notes=notes, preview=True)


def import_items(session: Session, actor: Actor, batch, parse, *, file_name: str = "") -> ImportOutcome:
    """Save every row of `parse` as an item of `batch` (a FeedbackBatch, or a service.BatchSpec for a
    batch created with them), or nothing: on any problem `ok` is False and nothing is written (not
    even a new batch). The caller commits."""
    from archive.rectify.service import BatchSpec, create_batch, record_event  # service re-exports this module

    if not isinstance(batch, (FeedbackBatch, BatchSpec)):
        raise TypeError("batch must be a FeedbackBatch or a BatchSpec")
    policy.require(policy.can_edit(actor, batch.org), "当前角色不能导入问题清单")
    existing = batch if isinstance(batch, FeedbackBatch) else None
    problems, notes, ready = _check_rows(session, actor, existing, parse, batch.org)
    if problems:
        return ImportOutcome(ok=False, parse=parse, problems=problems, notes=notes)
    target = existing if existing is not None else create_batch(session, actor, batch)
    noted = {n["row"]: n for n in notes}
    created = []
    for parsed, number, lead, units, state in ready:
        item = RectificationItem(
            batch=target, number=number, description=str(parsed.description).strip(),
            category=_s(parsed.category), goal=_s(parsed.goal), measures=_s(parsed.measures), lead_org=lead,
            units=units, leader=_s(parsed.leader), person=_s(parsed.person), deadline=parsed.deadline,
            deadline_text=_s(parsed.deadline_text), original_deadline=parsed.deadline, progress=_s(parsed.progress),
            state=state)
        source = file_name or "问题清单"
        record_event(item, actor, "import", to_state=state, comment=f"从《{source[:100]}》第 {parsed.row} 行导入",
                     data={"row": parsed.row, "file": file_name or None,
                           **({"ledger_state": parsed.state, "note": noted[parsed.row]["message"]}
                              if parsed.row in noted else {})})
        session.add(item)
        created.append(item)
    session.flush()
    audit.record(session, actor, "rectify_import", object_type="feedback_batch", object_id=target.id,
                 org_id=target.org_id, summary=f"导入 {len(created)} 项问题：{target.title[:150]}"
                                               + (f"（{file_name[:100]}）" if file_name else ""))
    return ImportOutcome(ok=True, parse=parse, notes=notes, items=created, batch=target)


def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
