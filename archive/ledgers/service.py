"""Ledgers (台账) as records: importing one (read, validate, keep the original, store rows, problems
and households), finding them, their report and the highlighted copy.

Every interface (API, pages, CLI) goes through these functions; scope and roles are checked here.
A user sees the ledgers of their unit and below; clerks and admins import. `user=None` / the CLI
actor is the operator at the command line, who sees everything.

Reading the file is reader.py, the checks validate.py, the highlighted copy highlight.py (all pure);
households, their documents and file check are households.py; the JSON shapes (masked) shapes.py.
"""
from __future__ import annotations

import dataclasses
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, require_in_scope
from archive.ingest.undo import undo_ingest
from archive.models import Document, Ledger, LedgerProblem, LedgerRow, OrgUnit, User
from archive.values import jsonable
from archive.errors import CONFLICT, NOT_FOUND, UNPROCESSABLE, DomainError


MAX_PER_PAGE = 200
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


class LedgerError(DomainError):
    """A request refused for its content: `code` for machines, `message` in Chinese for people."""

    KINDS = {"duplicate_out_of_scope": CONFLICT, "duplicate_in_trash": CONFLICT,
             "already_imported": CONFLICT, "already_linked": CONFLICT, "document_not_found": NOT_FOUND}


@dataclass
class LedgerOutcome:
    """What an import did, or (preview) would do. `table` is reader.Table, `report` validate.Report."""
    preview: bool
    type_key: str
    type_name: str
    year: int | None
    table: object
    report: object
    ledger: Ledger | None = None
    ingest_status: str | None = None      # stored | duplicate: how the original came into the archive
    households: int = 0                   # households created or updated
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- helpers

def _standards(services):
    return services.standards


def ledger_type(standards, type_key: str | None):
    """The ledger type of `type_key` (its key or its Chinese name); None for None."""
    if type_key is None or not str(type_key).strip():
        return None
    key = str(type_key).strip()
    types = standards.ledger_types
    if key in types:
        return types[key]
    for lt in types.values():
        if lt.name == key:
            return lt
    names = "、".join(f"{k}（{t.name}）" for k, t in types.items())
    raise LedgerError("unknown_type", f"没有台账类型“{key[:30]}”，应为：{names}")


def field_kinds(lt) -> dict[str, str]:
    return {f.key: f.kind for f in lt.fields} if lt is not None else {}


def is_household_type(lt) -> bool:
    """A ledger whose rows are households (or their members): it has the fields households need."""
    from archive.ledgers.households import household_fields

    return lt is not None and household_fields(lt) is not None


def _column_dicts(table) -> list[dict]:
    return [{"index": c.index, "letter": c.letter, "header": c.header, "field": c.field, "how": c.how}
            for c in table.columns]


def _guess_year(table, report, name: str) -> int | None:
    """The ledger's year when not given: a 年度 column's commonest value, else a year in the title
    above the header, the file name or the sheet's name."""
    years = Counter()
    for row in report.rows:
        value = row.values.get("year")
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            years[int(value)] += 1
    if years:
        return years.most_common(1)[0][0]
    for text in (getattr(table, "title", "") or "", name, getattr(table, "sheet", "") or ""):
        m = _YEAR.search(text)
        if m:
            return int(m[1])
    return None


def _check_year(year) -> int | None:
    if year is None or year == "":
        return None
    try:
        value = int(str(year).strip())
    except ValueError:
        raise LedgerError("invalid_year", f"年度“{str(year)[:10]}”无效，应为四位数字") from None
    if not 1950 <= value <= 2100:
        raise LedgerError("invalid_year", f"年度 {value} 超出范围（1950—2100）")
    return value


# ------------------------------------------------------------------------------------------- import

def import_ledger(session: Session, services, actor: Actor, data: bytes, name: str, *, org: OrgUnit,
                  type_key: str | None = None, year=None, preview: bool = False) -> LedgerOutcome:
    """Read and validate a ledger; unless `preview`, keep the original in the archive as a document,
    store its rows and problems and, for a household ledger, create or update the households with
    their figures for the ledger's year. All or nothing: on any failure nothing is left (the new
    document is removed again). Commits (the ingest has committed its own unit of work).

    Raises LedgerError (unknown type, no year for a household ledger, the same file imported
    before, a file the archive refuses) and reader.LedgerFileError (unreadable file)."""
    from archive.ledgers.reader import read_table
    from archive.ledgers.validate import validate

    policy.require(policy.can_edit(actor, org), "当前角色不能导入台账")
    standards = _standards(services)
    given = ledger_type(standards, type_key)
    year = _check_year(year)
    table = read_table(data, name, given, standards.ledger_types)
    lt = given or (standards.ledger_types.get(table.type_key) if table.type_key else None)
    if lt is None:
        names = "、".join(f"{k}（{t.name}）" for k, t in standards.ledger_types.items())
        raise LedgerError("unknown_type", f"无法从表头判断台账类型，请指定类型：{names}", UNPROCESSABLE)
    from archive.ledgers.households import other_unit_ids

    report = validate(table, lt, other_ids=other_unit_ids(session, table, lt, org))
    notes = []
    if year is None:
        year = _guess_year(table, report, name)
        if year is not None:
            notes.append(f"年度未指定，按台账的年度列、标题或文件名取 {year} 年")
    household = is_household_type(lt)
    if household and year is None:
        if not preview:
            raise LedgerError("year_required", "无法确定台账年度（户的各年数据按年度保存），请指定年度")
        notes.append("无法确定台账年度，导入时须指定年度")
    outcome = LedgerOutcome(preview=preview, type_key=lt.key, type_name=lt.name, year=year, table=table,
                            report=report, notes=notes)
    if preview:
        return outcome
    return _save(session, services, actor, data, name, org, lt, outcome)


def _save(session: Session, services, actor: Actor, data: bytes, name: str, org: OrgUnit, lt,
          outcome: LedgerOutcome) -> LedgerOutcome:
    from archive.ingest.attached import ingest_attached
    from archive.ingest.pipeline import Incoming
    from archive.ledgers.households import apply_ledger

    archived, archived_name = _archivable(data, name, outcome)
    status, doc = ingest_attached(session, services.pipeline, actor,
                                  Incoming(source=io.BytesIO(archived), name=archived_name, org=org),
                                  error=LedgerError, name=name)
    if status == "duplicate":
        earlier = session.scalar(select(Ledger.id).where(Ledger.document_id == doc.id).limit(1))
        if earlier is not None:
            raise LedgerError("already_imported", f"该台账文件已导入过（台账 {earlier}）")
    try:
        ledger = _store(session, actor, doc, name, org, lt, outcome)
        outcome.households = apply_ledger(session, ledger, lt, outcome.report)
        ledger.household_count = outcome.households
        session.flush()
        audit.record(session, actor, "ledger_import", object_type="ledger", object_id=ledger.id, org_id=org.id,
                     summary=f"{lt.name} {ledger.year or ''}：{name[:150]}（{ledger.row_count} 行，"
                             f"错误 {ledger.error_count}，警告 {ledger.warning_count}）")
        session.commit()
    except IntegrityError:
        # The same file imported twice at once: the other import's ledger holds the document.
        session.rollback()
        earlier = session.scalar(select(Ledger.id).where(Ledger.document_id == doc.id))
        if earlier is None:
            if status == "stored":
                undo_ingest(services, doc.id, doc.sha256, after="a failed ledger import")
            raise
        raise LedgerError("already_imported", f"该台账文件已导入过（台账 {earlier}）") from None
    except BaseException:
        session.rollback()
        if status == "stored":
            undo_ingest(services, doc.id, doc.sha256, after="a failed ledger import")
        raise
    outcome.ledger, outcome.ingest_status = ledger, status
    return outcome


def _archivable(data: bytes, name: str, outcome: LedgerOutcome) -> tuple[bytes, str]:
    """What is kept in the archive: the file itself (XLSX, CSV), or for an old XLS, which the archive
    does not accept, an XLSX copy made from it (the highlighted copy with nothing highlighted)."""
    if getattr(outcome.table, "format", "") != "xls":
        return data, name
    from openpyxl import load_workbook

    from archive.ledgers.highlight import highlight

    # The sheet as read, every cell at its own row and column (the report's row numbers hold), merged
    # ranges kept; highlight() adds its summary sheet last, which an unmarked copy does not need.
    book = load_workbook(io.BytesIO(highlight(data, outcome.table, dataclasses.replace(outcome.report, problems=[]))))
    del book[book.sheetnames[-1]]
    out = io.BytesIO()
    book.save(out)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    outcome.notes.append("XLS 文件已转存为 XLSX 归档（档案不接收旧版 XLS 格式；只含所读的工作表）")
    return out.getvalue(), f"{stem}.xlsx"


def _store(session: Session, actor: Actor, doc: Document, name: str, org: OrgUnit, lt,
           outcome: LedgerOutcome) -> Ledger:
    table, report = outcome.table, outcome.report
    problems = list(report.problems)
    ledger = Ledger(
        org_id=org.id, type_key=lt.key, year=outcome.year, document_id=doc.id, file_name=name[:500],
        sheet=(table.sheet or "")[:200], header_rows=list(table.header_rows), columns=_column_dicts(table),
        row_count=len(report.rows), error_count=sum(1 for p in problems if p.severity == "error"),
        warning_count=sum(1 for p in problems if p.severity != "error"),
        created_by_id=actor.user.id if actor.user else None)
    session.add(ledger)
    session.flush()
    # Bulk inserts: a county's ledger has tens of thousands of rows.
    rows = [{"ledger_id": ledger.id, "row_number": row.number, "values": jsonable(dict(row.values))}
            for row in report.rows]
    if rows:
        session.execute(insert(LedgerRow), rows)
    found = [{"ledger_id": ledger.id, "row": p.row, "column": (p.column or None) and str(p.column)[:10],
              "field": (p.field or None) and str(p.field)[:50], "code": str(p.code)[:50],
              "severity": p.severity if p.severity in ("error", "warning") else "warning", "message": str(p.message)}
             for p in problems]
    if found:
        session.execute(insert(LedgerProblem), found)
    return ledger



# ------------------------------------------------------------------------------------------- reading

def _subtree(org: OrgUnit):
    return select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))


def get_ledger(session: Session, ledger_id: int, *, user: User | None) -> Ledger:
    """One ledger the user sees (else OutOfScope, like a missing one)."""
    ledger = session.get(Ledger, ledger_id)
    if ledger is None:
        raise OutOfScope()
    if user is not None:
        require_in_scope(user, ledger.org)
    return ledger


@dataclass
class LedgerFilter:
    org: OrgUnit | None = None     # the unit and below
    type_key: str | None = None
    year: int | None = None


def list_ledgers(session: Session, *, user: User | None, flt: LedgerFilter | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[int, list[Ledger]]:
    """Ledgers of the user's unit and below, filtered; newest first."""
    flt = flt or LedgerFilter()
    stmt = select(Ledger)
    if user is not None:
        stmt = stmt.where(Ledger.org_id.in_(_subtree(user.org)))
    if flt.org is not None:
        if user is not None:
            require_in_scope(user, flt.org)
        stmt = stmt.where(Ledger.org_id.in_(_subtree(flt.org)))
    if flt.type_key:
        stmt = stmt.where(Ledger.type_key == flt.type_key)
    if flt.year is not None:
        stmt = stmt.where(Ledger.year == flt.year)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE if user is not None else 100_000)
    rows = session.scalars(stmt.order_by(Ledger.created_at.desc(), Ledger.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return total, list(rows)


def stored_problems(session: Session, ledger: Ledger) -> list[LedgerProblem]:
    return list(session.scalars(select(LedgerProblem).where(LedgerProblem.ledger_id == ledger.id)
                                .order_by(LedgerProblem.row.nulls_first(), LedgerProblem.column, LedgerProblem.id)))


def report(session: Session, ledger: Ledger) -> dict:
    """The contract JSON, unmasked: {"ledger_id", "rows", "problems": [{"row", "column", "field",
    "code", "severity", "message"}]}; `rows` is the number of data rows. Masking is shapes.py's."""
    return {"ledger_id": ledger.id, "rows": ledger.row_count,
            "problems": [{"row": p.row, "column": p.column, "field": p.field, "code": p.code,
                          "severity": p.severity, "message": p.message} for p in stored_problems(session, ledger)]}


def ledger_rows(session: Session, ledger: Ledger, *, offset: int = 0, limit: int = 100) -> list[LedgerRow]:
    return list(session.scalars(select(LedgerRow).where(LedgerRow.ledger_id == ledger.id)
                                .order_by(LedgerRow.row_number).offset(max(offset, 0)).limit(limit)))


def highlighted_xlsx(session: Session, services, actor: Actor, ledger: Ledger, *, personal: bool = False) -> bytes:
    """The archived original with the problem cells highlighted and commented, as XLSX. Without
    `personal` (see shapes.may_unmask) ID and phone numbers are masked in the cells and the comments.
    The download is audited."""
    from archive.ledgers import shapes
    from archive.ledgers.highlight import highlight
    from archive.ledgers.reader import read_table
    from archive.ledgers.validate import Problem, Report

    doc = session.get(Document, ledger.document_id)
    with services.store.open(doc.sha256) as f:
        original = f.read()
    standards = _standards(services)
    lt = standards.ledger_types.get(ledger.type_key)
    table = read_table(original, doc.original_name, lt, standards.ledger_types)
    kinds = field_kinds(lt)
    problems = [Problem(row=p.row, column=p.column, field=p.field, code=p.code, severity=p.severity,
                        message=p.message if personal else shapes.mask_message(p.message))
                for p in stored_problems(session, ledger)]
    data = highlight(original, table, Report(rows=[], problems=problems))
    if not personal:
        data = shapes.mask_workbook(data, table, kinds)
    audit.record(session, actor, "download", object_type="ledger", object_id=ledger.id, org_id=ledger.org_id,
                 summary=f"标注问题的台账：{ledger.file_name[:150]}" + ("（未脱敏）" if personal else ""))
    return data


def type_names(standards) -> dict[str, str]:
    return {k: t.name for k, t in standards.ledger_types.items()}



# ------------------------------------------------------------------------------------------- personal data

def may_unmask(actor: Actor) -> bool:
    """The operator at the command line, or a user given the right (User.can_view_personal)."""
    return actor.is_operator or bool(actor.user.can_view_personal)


def personal_access(session: Session, actor: Actor, unmask: bool, *, object_type: str, object_id, org_id: int | None,
                    what: str) -> bool:
    """Whether ID and phone numbers are shown unmasked: only when asked for, and only to someone with
    the right (else Forbidden); every such view is audited ("personal_view")."""
    if not unmask:
        return False
    policy.require(may_unmask(actor), "无权查看未脱敏的身份证号码和电话号码")
    audit.record(session, actor, "personal_view", object_type=object_type, object_id=object_id, org_id=org_id,
                 summary=what[:500])
    return True
