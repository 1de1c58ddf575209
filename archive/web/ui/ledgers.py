"""台账 and 一户一档 pages: the ledgers in scope, importing one with a preview (how each column was
understood, the problems, a masked sample of rows; nothing saved until 确认导入), a ledger's report
(filter errors / warnings) and its highlighted XLSX, the households created or updated; the household
list (unit, category, keyword) and a household's page (head, members, figures per year, linked
documents and how, the file check with missing items and date-order problems, link / unlink by hand).

Scope, roles, masking and audit live in archive.ledgers: these views call the same service functions
as the JSON API (archive/web/api/ledgers.py, households.py) and the CLI (archive/cli/ledgers.py,
households.py). ID and phone
numbers are masked on every page; a user with User.can_view_personal may ask with ?unmask=1
(显示完整号码), which service.personal_access audits.

Between the preview and 确认导入 the upload waits in the stash (stash.py) under the data dir's
uploads/ledgers/ (as the 整改 import's does): the page carries only its token, and only its owner
can confirm it, once.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.ledgers import households as hh, service as ledgers, shapes
from archive.ledgers.ledger_households import households_of
from archive.ledgers.reader import LedgerFileError
from archive.models import OrgUnit
from archive.values import lenient_int
from archive.web.errors import mark_failed, status_for
from archive.web.filenames import XLSX
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import (
    MB, UploadRefused, confirm_stashed, download, max_bytes, page_arg, page_count, read_upload, scope_units,
    unit_arg, writable_units)
from archive.web.ui.stash import UploadStash

PER_PAGE = 50
SAMPLE_ROWS = 20
DEFAULT_CATEGORIES = ("脱贫户", "监测户", "边缘户")
HOW_NAMES = {"id_number": "正文含身份证号码", "name": "正文含户主姓名和村名", "person": "人工关联"}
STAGE_NAMES = {"identification": "识别", "assistance": "帮扶", "exit": "退出"}


# ---------------------------------------------------------------------------------------------- helpers

def can_import() -> bool:
    """Clerks and admins import (each import still checked by the service for its unit)."""
    return policy.can_upload(g.actor)


def _standards():
    return services().standards


def _unmask_asked() -> bool:
    return request.args.get("unmask") == "1"


def _may_unmask() -> bool:
    return ledgers.may_unmask(g.actor)


def _field_names(type_key: str | None) -> dict[str, str]:
    lt = _standards().ledger_types.get(type_key) if type_key else None
    return {f.key: f.name for f in lt.fields} if lt is not None else {}


def _categories() -> list[str]:
    found: list[str] = []
    for lt in _standards().ledger_types.values():
        for f in lt.fields:
            if f.key == "category":
                found += [c for c in f.choices if c not in found]
    return found or list(DEFAULT_CATEGORIES)


@bp.app_template_filter("ledger_value")
def ledger_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------------------------------------- ledgers

@bp.get("/ledgers", endpoint="ledgers")
@login_required
def ledgers_list():
    page = page_arg(request.args)
    type_key = request.args.get("type") or None
    if type_key not in _standards().ledger_types:
        type_key = None
    year = lenient_int(request.args.get("year"))
    flt = ledgers.LedgerFilter(org=unit_arg(request.args.get("org")), type_key=type_key, year=year)
    total, rows = ledgers.list_ledgers(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    names = ledgers.type_names(_standards())
    params = {k: v for k, v in {"org": flt.org.id if flt.org else None, "type": type_key, "year": year}.items() if v}
    return render_template("ledgers/list.html", rows=[shapes.ledger_dict(x, names) for x in rows], total=total,
                           page=page, pages=pages, params=params, type_names=names, units=scope_units(),
                           base_depth=g.user.org.depth, can_import=can_import())


@bp.get("/ledgers/<int:ledger_id>")
@login_required
def ledgers_detail(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask_asked(), object_type="ledger", object_id=ledger.id,
                                       org_id=ledger.org_id, what=f"台账校验报告：{ledger.file_name[:200]}")
    body = shapes.report_dict(ledgers.report(g.session, ledger), personal)
    severity = request.args.get("severity")
    severity = severity if severity in ("error", "warning") else None
    problems = [p for p in body["problems"] if severity is None or p["severity"] == severity]
    households = households_of(g.session, ledger)
    return render_template(
        "ledgers/detail.html", ledger=shapes.ledger_dict(ledger, ledgers.type_names(_standards())),
        columns=shapes.columns_list(ledger.columns or []), field_names=_field_names(ledger.type_key),
        problems=problems, all_problems=body["problems"], severity=severity, personal=personal,
        may_unmask=_may_unmask(), households=[shapes.household_dict(h, personal) for h in households])


@bp.get("/ledgers/<int:ledger_id>/highlighted.xlsx")
@login_required
def ledgers_highlighted(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask_asked(), object_type="ledger", object_id=ledger.id,
                                       org_id=ledger.org_id, what=f"标注问题的台账：{ledger.file_name[:200]}")
    data = ledgers.highlighted_xlsx(g.session, services(), g.actor, ledger, personal=personal)
    g.session.commit()
    stem = ledger.file_name.rsplit(".", 1)[0] if "." in ledger.file_name else ledger.file_name
    return download(data, f"{stem}-问题标注.xlsx", XLSX)


# ---------------------------------------------------------------------------------------------- import

STASH = UploadStash("ledgers", "台账")
FIELDS = ("org", "type", "year")


def _fields(source) -> dict:
    return {name: str(source.get(name) or "").strip()[:50] for name in FIELDS}


def _import_org(fields: dict) -> OrgUnit:
    org = unit_arg(fields["org"]) or g.user.org
    policy.require(policy.can_edit(g.actor, org), "当前角色不能为该单位导入台账")
    return org


def _import_form(fields: dict, *, error: str | None = None, status: int = 200):
    return render_template("ledgers/import.html", f=fields, error=error, units=writable_units(),
                           base_depth=g.user.org.depth, types=_standards().ledger_types,
                           max_mb=max_bytes() // MB), status


@bp.get("/ledgers/import")
@login_required
def ledgers_import():
    policy.require(can_import(), "当前角色不能导入台账")
    fields = _fields(request.args)
    fields["org"] = fields["org"] or str(g.user.org_id)
    return _import_form(fields)


def _run_import(fields: dict, data: bytes, name: str, *, preview: bool):
    """(outcome, None) or (None, error message) for the import of `data` (a preview or the real one)."""
    org = _import_org(fields)
    try:
        return ledgers.import_ledger(g.session, services(), g.actor, data, name, org=org,
                                     type_key=fields["type"] or None, year=fields["year"] or None,
                                     preview=preview), None
    except LedgerFileError as e:
        return None, f"{name}：{e.message}"
    except ledgers.LedgerError as e:
        return None, e.message


@bp.post("/ledgers/import")
@login_required
def ledgers_import_preview():
    """Step 1: read and validate the file, show how it was understood; nothing saved."""
    policy.require(can_import(), "当前角色不能导入台账")
    fields = _fields(request.form)
    try:
        data, name = read_upload(missing="请选择台账文件（XLSX、XLS 或 CSV）", default_name="台账", limit=max_bytes())
    except UploadRefused as e:
        mark_failed()
        return _import_form(fields, error=e.message, status=status_for(e))
    outcome, error = _run_import(fields, data, name, preview=True)
    if outcome is None:
        g.session.rollback()
        mark_failed()
        return _import_form(fields, error=error, status=422)
    return _preview(fields, outcome, STASH.put(data, name), name)


def _preview(fields: dict, outcome, token: str, name: str, *, error: str | None = None, status: int = 200):
    lt = _standards().ledger_types.get(outcome.type_key)
    body = shapes.outcome_dict(outcome, ledgers.field_kinds(lt), False, ledgers.type_names(_standards()),
                               sample=SAMPLE_ROWS)
    field_names = _field_names(outcome.type_key)
    sample_fields = [c["field"] for c in body["columns"] if c["field"]]
    sample_fields = list(dict.fromkeys(sample_fields))
    bad_cells = {(p["row"], p["column"]): p["severity"] for p in body["problems"] if p["row"] is not None}
    letters = {c["field"]: c["letter"] for c in body["columns"] if c["field"]}
    confirm = dict(fields) | {"type": outcome.type_key, "year": str(outcome.year or fields["year"] or "")}
    return render_template("ledgers/preview.html", f=confirm, body=body, name=name, token=token, error=error,
                           field_names=field_names, sample_fields=sample_fields, bad_cells=bad_cells,
                           letters=letters, org=_import_org(fields)), status


@bp.post("/ledgers/import/confirm")
@login_required
def ledgers_import_confirm():
    """Step 2: 确认导入: the ledger stored (rows with problems too, as the report says)."""
    policy.require(can_import(), "当前角色不能导入台账")
    fields = _fields(request.form)
    return confirm_stashed(STASH, lambda error, status: _import_form(fields, error=error, status=status),
                           lambda token, data, name: _confirm(fields, token, data, name))


def _confirm(fields: dict, token: str, data: bytes, name: str):
    """(response, saved) for 确认导入 of a claimed upload."""
    outcome, error = _run_import(fields, data, name, preview=False)
    if outcome is None:
        g.session.rollback()
        mark_failed()
        again, _ = _run_import(fields, data, name, preview=True)
        if again is None:
            return _import_form(fields, error=error, status=422), False
        return _preview(fields, again, token, name, error=f"未导入：{error}", status=422), False
    ledger = outcome.ledger
    flash(f"已导入台账《{name}》：{ledger.row_count} 行，错误 {ledger.error_count} 处，警告 {ledger.warning_count} 处"
          + (f"，新建或更新 {outcome.households} 户" if outcome.households else ""), "ok")
    return redirect(url_for("ui.ledgers_detail", ledger_id=ledger.id)), True


# ---------------------------------------------------------------------------------------------- households

@bp.get("/households", endpoint="households")
@login_required
def households_list():
    page = page_arg(request.args)
    org = unit_arg(request.args.get("org"))
    category = (request.args.get("category") or "").strip()[:50] or None
    q = " ".join(str(request.args.get("q") or "").split())[:200]
    flt = hh.HouseholdFilter(org=org, category=category, q=q)
    total, rows = hh.list_households(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    params = {k: v for k, v in {"org": org.id if org else None, "category": category, "q": q or None}.items() if v}
    return render_template("households/list.html", rows=[shapes.household_dict(x, False) for x in rows], total=total,
                           page=page, pages=pages, params=params, units=scope_units(), base_depth=g.user.org.depth,
                           categories=_categories(), flt=flt)


@bp.get("/households/<int:household_id>")
@login_required
def households_detail(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask_asked(), object_type="household",
                                       object_id=household.id, org_id=household.org_id,
                                       what=f"一户一档：{household.head_name}")
    household = hh.view_household(g.session, g.actor, household_id, personal=personal)
    standards = _standards()
    detail = shapes.household_detail(household, personal=personal, links=hh.linked(household),
                                     check=hh.file_check(g.session, standards, household), standards=standards)
    figure_names: dict[str, str] = {}
    for lt in standards.ledger_types.values():
        for f in lt.fields:
            figure_names.setdefault(f.key, f.name)
    problem_items = {p["item"] for p in detail["file_check"]["problems"] if p["code"] == "date_order"}
    return render_template("households/detail.html", h=detail, personal=personal, may_unmask=_may_unmask(),
                           can_edit=policy.can_edit(g.actor, household.org), how_names=HOW_NAMES,
                           stage_names=STAGE_NAMES, figure_names=figure_names, problem_items=problem_items)


@bp.post("/households/<int:household_id>/documents")
@login_required
def households_link(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    policy.require(policy.can_edit(g.actor, household.org), "当前角色不能修改一户一档")
    document_id = lenient_int(request.form.get("document_id"))
    if document_id is None:
        flash("请填写文件编号（数字）", "error")
    else:
        try:
            link = hh.link_document(g.session, g.actor, household, document_id)
        except hh.HouseholdError as e:
            g.session.rollback()
            flash(e.message, "error")
        else:
            flash(f"已关联《{shapes.mask_message(link.document.title)}》", "ok")
    return redirect(url_for("ui.households_detail", household_id=household_id))


@bp.post("/households/<int:household_id>/documents/<int:document_id>/unlink")
@login_required
def households_unlink(household_id: int, document_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    hh.unlink_document(g.session, g.actor, household, document_id)
    flash("已从该户档案中移除（文件仍在档案中）", "ok")
    return redirect(url_for("ui.households_detail", household_id=household_id))
