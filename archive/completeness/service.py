"""归档完整性检查: for a unit and a year, which items of the collection scope (standards/scope.yaml)
the archive holds, which are doubtful and which are missing; for a township or county the same for
every unit below, rolled up.

How a document counts for a scope item (documents of that very unit and year, not in the trash, and
not judged "not a poverty record"):

* Its class. A document's class counts only when it is a class of the scheme scope.yaml names
  (units on another scheme are recognised by keywords alone). A top class covers its sub-classes.
* Its title: one of the item's keywords in the title (compared in the search's normalised form).
* A class shared by several items of the level (0202 holds both 民主评议记录 and 识别公示) does not say
  which item the document is: the title decides. A document whose title names one of the sharing
  items is that item and no other; one whose title names none of them leaves every sharing item
  "uncertain". Without this, one 评议记录 would make the 公示 look present.
* A settled class (no review pending) that is not one of the item's classes rules the item out even
  when the title has a keyword: "贫困户退出民主评议记录" (0402) is not the 识别 评议记录 (0202).
  While a review is pending the class is only a proposal and a title keyword still counts.

Status of an item: **present** when a document counts for it by class or title and needs no review;
**uncertain** when it is matched only by documents still waiting for review, only through a shared
class, or only by a keyword in the body text; **missing** otherwise.

Body keywords: the text column is never loaded. For the items still missing after the title/class
pass, ONE extra query asks the database which documents' text contains which keyword (a CASE … LIKE
column per keyword), so only ids and flags come back. Matching there is on the raw text (no
normalisation), which is enough for a hint that only ever yields "uncertain". `body=False` skips it.

`complete` means no *required* item is missing in the unit or in any unit below it; uncertain items
do not fail the check (they are listed, 待确认), missing optional items never do (exit items exist
only in the year a village or household exits). summary["self_complete"] is the unit's own result.

Per-household items (the village's 一户一档) are counted for now: present when at least one document
is found, with the count; checking each household comes with the household register.

Queries: the subtree's units, the subtree's documents of the year (id, org_id, title, class, scheme,
needs_review only), and at most one body query — never one per unit or item.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import case, literal, or_, select
from sqlalchemy.orm import Session

from archive.auth.scope import require_in_scope
from archive.models import Document, OrgUnit, User
from archive.text.analysis import match_form
from archive.standards import STANDARDS_DIR, ScopeItem, Standards, level_of

STATUS_LABELS = {"present": "齐全", "uncertain": "待确认", "missing": "缺失"}
STATUS_CSS = {"present": "ok", "uncertain": "warn", "missing": "bad"}
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县（区）", "township": "乡镇", "village": "村",
                "household": "户"}
MATCH_LABELS = {"class+title": "类目与题名", "class": "类目", "title": "题名", "shared_class": "类目（多项共用）",
                "body": "正文关键词"}
DOCUMENTS_SHOWN = 20  # documents listed per item; `count` says how many there are
# Notes are shown to offices as they are (page, API, XLSX): Chinese only.
HOUSEHOLD_NOTE = "按户核对待贫困户名册建立后提供，此处为找到的文件数"
OPTIONAL_NOTE = "非必需项，缺失不影响完整性（如退出材料只在退出年度产生）"
REASON_NOTES = {
    "review": "匹配的文件尚待分类审核",
    "shared_class": "类目由多个归档项共用，题名未说明是哪一项，请核对",
    "body": "仅在正文中出现关键词，请核对",
}


# ------------------------------------------------------------------------------------------ results

@dataclass
class DocumentRef:
    id: int
    title: str
    match: str           # class+title | class | title | shared_class | body
    needs_review: bool

    @property
    def strong(self) -> bool:
        return not self.needs_review and self.match in ("class+title", "class", "title")

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "match": self.match, "needs_review": self.needs_review}


@dataclass
class ItemResult:
    key: str
    name: str
    status: str          # present | uncertain | missing
    required: bool
    per_household: bool
    documents: list[DocumentRef]  # strong matches first, at most DOCUMENTS_SHOWN
    count: int           # documents matched in all
    note: str | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "status": self.status, "required": self.required,
                "per_household": self.per_household, "count": self.count,
                "documents": [d.as_dict() for d in self.documents], "note": self.note}


@dataclass
class UnitReport:
    org: str             # display path
    name: str
    org_id: int
    level: str           # county | township | village | province | city (the last two: no own items)
    year: int
    items: list[ItemResult]
    complete: bool       # nothing required missing here or below
    children: list[UnitReport] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def missing_required(self) -> list[ItemResult]:
        return [i for i in self.items if i.required and i.status == "missing"]

    def walk(self):
        """This report and every report below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def as_dict(self) -> dict:
        return {"org": self.org, "name": self.name, "org_id": self.org_id, "level": self.level, "year": self.year,
                "items": [i.as_dict() for i in self.items], "complete": self.complete,
                "children": [c.as_dict() for c in self.children], "summary": self.summary}


# ------------------------------------------------------------------------------------------ the check

@dataclass(frozen=True)
class _Doc:
    id: int
    org_id: int
    title: str
    title_form: str
    category: str | None  # only when it is a class of the scope's scheme
    needs_review: bool


def check(session: Session, standards: Standards, *, user: User | None, org: OrgUnit, year: int,
          body: bool = True) -> UnitReport:
    """The completeness report of `org` (and every unit below it) for `year`.

    `user` None is the local operator (the command line); otherwise the unit must be in the user's
    scope (OutOfScope, answered like a missing record)."""
    if user is not None:
        require_in_scope(user, org)
    scheme_id = scope_scheme(standards)
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.lineage.startswith(org.lineage))
                                 .order_by(OrgUnit.depth, OrgUnit.name)))
    subtree = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage)).scalar_subquery()
    where = (Document.org_id.in_(subtree), Document.year == year, Document.deleted_at.is_(None),
             or_(Document.is_poverty_record.is_(None), Document.is_poverty_record.is_(True)))
    rows = session.execute(select(Document.id, Document.org_id, Document.title, Document.category_code,
                                  Document.scheme_id, Document.needs_review).where(*where).order_by(Document.id))
    docs_by_unit: dict[int, list[_Doc]] = {}
    for doc_id, org_id, title, category, doc_scheme, needs_review in rows:
        docs_by_unit.setdefault(org_id, []).append(_Doc(
            doc_id, org_id, title or "", match_form(title or ""),
            category if category and doc_scheme == scheme_id else None, bool(needs_review)))

    # Pass 1: classes and titles.
    levels = {u.id: level_of(u.path, u.depth) for u in units}
    matches: dict[int, dict[str, list[DocumentRef]]] = {}
    for unit in units:
        items = standards.scope.get(levels[unit.id], ())
        found = matches[unit.id] = {item.key: [] for item in items}
        for doc in docs_by_unit.get(unit.id, ()):
            for item, how in _match_document(doc, items):
                found[item.key].append(DocumentRef(doc.id, doc.title, how, doc.needs_review))

    # Pass 2: body keywords, for what is still missing.
    if body:
        _body_pass(session, units, levels, standards, matches, docs_by_unit, year, where)

    reports = {u.id: _unit_report(u, levels[u.id], year, standards.scope.get(levels[u.id], ()), matches[u.id])
               for u in units}
    for unit in units:  # depth order: a child's report is attached before its own children are
        if unit.id != org.id and unit.parent_id in reports:
            reports[unit.parent_id].children.append(reports[unit.id])
    root = reports[org.id]
    _roll_up(root)
    return root


def _hits(item: ScopeItem, doc: _Doc) -> tuple[bool, bool]:
    class_hit = bool(doc.category) and any(doc.category.startswith(c) for c in item.class_codes)
    title_hit = any(form and form in doc.title_form for form in _forms(item.keywords))
    return class_hit, title_hit


def _match_document(doc: _Doc, items: tuple[ScopeItem, ...]) -> list[tuple[ScopeItem, str]]:
    """The items `doc` counts for, each with how (see the module's docstring)."""
    hits = {item.key: _hits(item, doc) for item in items}
    claimed = {key for key, (c, t) in hits.items() if c and t}  # class and title agree
    out = []
    for item in items:
        class_hit, title_hit = hits[item.key]
        if class_hit and title_hit:
            out.append((item, "class+title"))
        elif class_hit:
            sharers = [k for k, (c, _) in hits.items() if c and k != item.key]
            if not sharers:
                out.append((item, "class"))
            elif not claimed & set(sharers):
                out.append((item, "shared_class"))
            # else: the title names a sibling item sharing the class, so it is that one
        elif title_hit and (_class_open(doc, item)):
            out.append((item, "title"))
    return out


def _class_open(doc: _Doc, item: ScopeItem) -> bool:
    """Whether the document's class leaves room for the item: no settled class of the scope's
    scheme, or an item without classes (recognised by keywords only)."""
    return doc.category is None or doc.needs_review or not item.class_codes


def _body_pass(session: Session, units: list[OrgUnit], levels: dict[int, str], standards: Standards,
               matches: dict[int, dict[str, list[DocumentRef]]], docs_by_unit: dict[int, list[_Doc]],
               year: int, where: tuple) -> None:
    wanted: dict[int, list[ScopeItem]] = {}
    for unit in units:
        missing = [item for item in standards.scope.get(levels[unit.id], ()) if not matches[unit.id][item.key]]
        if missing and docs_by_unit.get(unit.id):
            wanted[unit.id] = missing
    keywords = sorted({kw for items in wanted.values() for item in items for kw in item.keywords})
    if not keywords:
        return
    conditions = [Document.text.like(f"%{_escape_like(kw)}%", escape="\\") for kw in keywords]
    columns = [case((cond, literal(1)), else_=literal(0)) for cond in conditions]
    stmt = select(Document.id, Document.org_id, *columns).where(
        *where[1:], Document.org_id.in_(list(wanted)), or_(*conditions)).order_by(Document.id)
    docs = {d.id: d for unit_docs in docs_by_unit.values() for d in unit_docs}
    for doc_id, org_id, *flags in session.execute(stmt):
        doc = docs.get(doc_id)
        if doc is None:
            continue
        present = {kw for kw, flag in zip(keywords, flags) if flag}
        for item in wanted.get(org_id, ()):
            if present & set(item.keywords) and _body_allowed(doc, item):
                matches[org_id][item.key].append(DocumentRef(doc.id, doc.title, "body", doc.needs_review))


def _body_allowed(doc: _Doc, item: ScopeItem) -> bool:
    if _class_open(doc, item):
        return True
    return bool(doc.category) and any(doc.category.startswith(c) for c in item.class_codes)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unit_report(unit: OrgUnit, level: str, year: int, items: tuple[ScopeItem, ...],
                 found: dict[str, list[DocumentRef]]) -> UnitReport:
    results = []
    for item in items:
        refs = sorted(found[item.key], key=lambda r: (not r.strong, r.id))
        strong = [r for r in refs if r.strong]
        status = "present" if strong else "uncertain" if refs else "missing"
        notes = []
        if status == "uncertain":
            reasons = {"body" if r.match == "body" else "review" if r.needs_review else "shared_class"
                       for r in refs}
            notes += [REASON_NOTES[r] for r in ("review", "shared_class", "body") if r in reasons]
        if item.per_household:
            notes.append(HOUSEHOLD_NOTE)
        if status == "missing" and not item.required:
            notes.append(OPTIONAL_NOTE)
        results.append(ItemResult(item.key, item.name, status, item.required, item.per_household,
                                  refs[:DOCUMENTS_SHOWN], len(refs), "；".join(notes) or None))
    missing = [i for i in results if i.required and i.status == "missing"]
    return UnitReport(unit.path, unit.name, unit.id, level, year, results, complete=not missing)


def _roll_up(report: UnitReport) -> None:
    """Fill `complete` (self and below) and `summary`, bottom up."""
    for child in report.children:
        _roll_up(child)
    own = report.items
    self_complete = not report.missing_required
    report.complete = self_complete and all(c.complete for c in report.children)
    summary = {
        "self_complete": self_complete,
        "items": len(own),
        "present": sum(i.status == "present" for i in own),
        "uncertain": sum(i.status == "uncertain" for i in own),
        "missing": sum(i.status == "missing" and i.required for i in own),
        "missing_optional": sum(i.status == "missing" and not i.required for i in own),
        "required": sum(i.required for i in own),
        "present_required": sum(i.status == "present" and i.required for i in own),
        "missing_items": [i.key for i in own if i.required and i.status == "missing"],
        "missing_optional_items": [i.key for i in own if not i.required and i.status == "missing"],
        "uncertain_items": [i.key for i in own if i.status == "uncertain"],
    }
    if report.children:
        summary["children"] = {"total": len(report.children),
                               "complete": sum(c.complete for c in report.children),
                               "incomplete": sum(not c.complete for c in report.children)}
        # Every level below (township, village …): units whose own archive is complete, and how many
        # of them miss each required item.
        below: dict[str, list[UnitReport]] = {}
        for unit in report.walk():
            if unit is not report:
                below.setdefault(unit.level, []).append(unit)
        levels = {}
        for level, units in below.items():
            counts: dict[str, dict] = {}
            for unit in units:
                for item in unit.missing_required:
                    entry = counts.setdefault(item.key, {"key": item.key, "name": item.name, "count": 0})
                    entry["count"] += 1
            order = {key: n for n, key in enumerate(i.key for u in units for i in u.items)}
            complete = sum(u.summary["self_complete"] for u in units)
            levels[level] = {"total": len(units), "complete": complete, "incomplete": len(units) - complete,
                             "missing_by_item": sorted(counts.values(), key=lambda e: (-e["count"], order[e["key"]]))}
        summary["levels"] = levels
    report.summary = summary


# ------------------------------------------------------------------------------------------ helpers

@lru_cache(maxsize=256)
def _forms(keywords: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(match_form(k) for k in keywords)


@lru_cache(maxsize=8)
def _scheme_named_in(path: str, mtime: float) -> str | None:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = data.get("scheme") if isinstance(data, dict) else None
    return str(value).strip() if value else None


def scope_scheme(standards: Standards) -> str:
    """The scheme whose class codes scope.yaml uses (its `scheme:`, else the default scheme).
    Standards keeps the scope but not that name, so it is read from the same folder."""
    path = Path(os.environ.get("ARCHIVE_STANDARDS_DIR") or STANDARDS_DIR) / "scope.yaml"
    try:
        named = _scheme_named_in(str(path), path.stat().st_mtime)
    except OSError:
        named = None
    return named if named in standards.schemes else standards.default_scheme
