"""Ledgers and households as JSON-ready dicts (the API answers with them, the pages and the CLI show
them), masked unless `personal`: ID and phone numbers are starred (masking.py) in every value,
problem message, figure and title, for anyone without the right to see them (DESIGN.md).

`personal=True` only where the caller has decided so (service.personal_access: the operator at the
command line, or a user with User.can_view_personal who asked, audited)."""
from __future__ import annotations

import io

from archive.text.masking import mask_id, mask_phone, mask_text
from archive.values import jsonable
from archive.models import Household, HouseholdDocument, HouseholdYear, Ledger, LedgerRow, OrgUnit

_ID_KINDS = ("id_number",)
_PHONE_KINDS = ("phone",)
# Household fields by kind where no ledger type says otherwise.
HOUSEHOLD_KINDS = {"id_number": "id_number", "head_id_number": "id_number", "phone": "phone",
                   "helper_phone": "phone"}


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def mask_value(value, kind: str | None):
    """One value as shown without the right: ID and phone fields starred, other text scanned."""
    if value is None or value == "":
        return value
    if kind in _ID_KINDS:
        return mask_id(_number_text(value))
    if kind in _PHONE_KINDS:
        return mask_phone(_number_text(value))
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, (list, tuple)):
        return [mask_value(v, None) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, None) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 11:
        return mask_text(str(value))  # a long number typed as a number
    return value


def mask_values(values: dict, kinds: dict[str, str], personal: bool) -> dict:
    if personal:
        return dict(values)
    return {k: mask_value(v, kinds.get(k)) for k, v in values.items()}


def mask_message(message: str | None) -> str:
    return mask_text(message or "")


def _text(value: str | None, personal: bool) -> str | None:
    return value if personal or value is None else mask_text(value)


def _org_ref(org: OrgUnit | None) -> dict | None:
    return {"id": org.id, "name": org.name, "path": org.path} if org else None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------------------------------- ledgers

def problem_dict(problem, personal: bool) -> dict:
    """{"row", "column", "field", "code", "severity", "message"} from a stored LedgerProblem, a
    validate.Problem or a dict."""
    get = problem.get if isinstance(problem, dict) else (lambda k: getattr(problem, k, None))
    return {"row": get("row"), "column": get("column") or None, "field": get("field") or None, "code": get("code"),
            "severity": get("severity"), "message": get("message") if personal else mask_message(get("message"))}


def report_dict(report: dict, personal: bool) -> dict:
    """The contract JSON ({"ledger_id", "rows", "problems": [...]}) with the messages masked."""
    return dict(report) | {"problems": [problem_dict(p, personal) for p in report["problems"]]}


def columns_list(columns) -> list[dict]:
    """The mapping: each column, its header, the field it was taken for and how."""
    out = []
    for c in columns:
        get = c.get if isinstance(c, dict) else (lambda k, c=c: getattr(c, k, None))
        out.append({"index": get("index"), "letter": get("letter"), "header": get("header"), "field": get("field"),
                    "how": get("how")})
    return out


def ledger_dict(ledger: Ledger, type_names: dict[str, str] | None = None) -> dict:
    """A ledger's summary (no personal data: the file name and the counts)."""
    doc = ledger.document
    return {
        "id": ledger.id, "org": _org_ref(ledger.org), "type": ledger.type_key,
        "type_name": (type_names or {}).get(ledger.type_key, ledger.type_key), "year": ledger.year,
        "file_name": ledger.file_name, "sheet": ledger.sheet, "header_rows": list(ledger.header_rows or []),
        "row_count": ledger.row_count, "error_count": ledger.error_count, "warning_count": ledger.warning_count,
        "household_count": ledger.household_count,
        "document": {"id": doc.id, "title": doc.title, "archive_code": doc.archive_code,
                     "in_trash": doc.deleted_at is not None} if doc else None,
        "created_by": ledger.created_by.username if ledger.created_by else None,
        "created_at": _iso(ledger.created_at),
    }


def row_dict(row: LedgerRow, kinds: dict[str, str], personal: bool) -> dict:
    return {"row": row.row_number, "values": mask_values(row.values or {}, kinds, personal),
            "household_id": row.household_id}


def outcome_dict(outcome, kinds: dict[str, str], personal: bool, type_names: dict[str, str] | None = None,
                 sample: int = 20) -> dict:
    """An import's answer: the report of the contract, the mapping, and what was saved (nothing on
    a preview). `sample`: the first rows' values as understood (masked), for the preview."""

    ledger = outcome.ledger
    base = outcome.report.as_dict(ledger_id=ledger.id if ledger is not None else None)
    problems = [problem_dict(p, personal) for p in base["problems"]]
    errors = sum(1 for p in problems if p["severity"] == "error")
    return base | {
        "problems": problems, "preview": outcome.preview, "saved": ledger is not None,
        "type": outcome.type_key, "type_name": outcome.type_name, "year": outcome.year,
        "sheet": outcome.table.sheet, "header_rows": list(outcome.table.header_rows),
        "columns": columns_list(outcome.table.columns), "error_count": errors, "warning_count": len(problems) - errors,
        "sample": [{"row": r.number, "values": mask_values(jsonable(dict(r.values)), kinds, personal)}
                   for r in outcome.report.rows[:sample]],
        "ledger": ledger_dict(ledger, type_names) if ledger is not None else None,
        "ingest_status": outcome.ingest_status, "households": outcome.households, "notes": list(outcome.notes),
    }


def mask_workbook(data: bytes, table, kinds: dict[str, str]) -> bytes:
    """The highlighted XLSX with the ID and phone columns of its data rows starred, and ID- or
    phone-like text in any data cell and in the comments too."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell

    wb = load_workbook(io.BytesIO(data))
    ws = wb[table.sheet] if table.sheet in wb.sheetnames else wb.active
    by_column = {c.index: kinds.get(c.field) for c in table.columns if c.field}  # Column.index: 1-based
    for row in table.rows:
        for cell in ws[row.number]:
            if isinstance(cell, MergedCell):
                continue
            kind = by_column.get(cell.column)
            value = cell.value
            if isinstance(value, str) and value.startswith("="):
                continue
            masked = mask_value(value, kind) if kind in _ID_KINDS + _PHONE_KINDS else (
                mask_text(value) if isinstance(value, str) else mask_value(value, None))
            if masked != value:
                cell.value = masked
            if cell.comment is not None:
                cell.comment.text = mask_text(cell.comment.text)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- households

def household_kinds(year: HouseholdYear | None, standards=None) -> dict[str, str]:
    kinds = dict(HOUSEHOLD_KINDS)
    if year is not None and year.ledger is not None and standards is not None:
        lt = standards.ledger_types.get(year.ledger.type_key)
        if lt is not None:
            kinds |= {f.key: f.kind for f in lt.fields}
    return kinds


def household_dict(household: Household, personal: bool) -> dict:
    """A household in a list: no members, documents or file check."""
    latest = household.years[-1] if household.years else None
    return {
        "id": household.id, "org": _org_ref(household.org), "head_name": household.head_name,
        "head_id_number": household.head_id_number if personal else mask_id(household.head_id_number) or None,
        "category": household.category, "latest_year": latest.year if latest else None,
        "created_at": _iso(household.created_at), "updated_at": _iso(household.updated_at),
    }


def year_dict(year: HouseholdYear, personal: bool, standards=None) -> dict:
    return {"year": year.year, "ledger_id": year.ledger_id,
            "figures": mask_values(year.figures or {}, household_kinds(year, standards), personal),
            "updated_at": _iso(year.updated_at)}


def document_link_dict(link: HouseholdDocument, personal: bool) -> dict:
    doc = link.document
    return {"document_id": doc.id, "title": _text(doc.title, personal), "archive_code": doc.archive_code,
            "org": doc.org.path, "doc_date": _iso(doc.doc_date), "category_code": doc.category_code,
            "in_trash": doc.deleted_at is not None, "how": link.how,
            "added_by": link.added_by.username if link.added_by else None, "added_at": _iso(link.added_at)}


def file_check_dict(check: dict, personal: bool) -> dict:
    if personal:
        return check
    items = [item | {"documents": [d | {"title": mask_text(d["title"])} for d in item["documents"]]}
             for item in check["items"]]
    return check | {"items": items, "problems": [p | {"message": mask_text(p["message"])} for p in check["problems"]]}


def household_detail(household: Household, *, personal: bool, links: list[HouseholdDocument], check: dict | None,
                     standards=None) -> dict:
    """A household's page as JSON: figures per year, members, documents and the file check."""
    return household_dict(household, personal) | {
        "personal": personal,
        "members": [{"name": m.name, "id_number": m.id_number if personal else (mask_id(m.id_number) or None),
                     "relation": m.relation} for m in household.members],
        "years": [year_dict(y, personal, standards) for y in household.years],
        "documents": [document_link_dict(link, personal) for link in links],
        "file_check": file_check_dict(check, personal) if check is not None else None,
    }
