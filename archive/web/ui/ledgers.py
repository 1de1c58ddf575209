"""台账 and 一户一档 pages: the ledgers in scope, importing one with a preview (how each column was
understood, the problems, a masked sample of rows; nothing saved until 确认导入), a ledger's report
(filter errors / warnings) and its highlighted XLSX, the households created or updated; the household
list (unit, category, keyword) and a household's page (head, members, figures per year, linked
documents and how, the file check with missing items and date-order problems, link / unlink by hand).

Scope, roles, masking and audit live in archive.ledgers: these views call the same service functions
as the JSON API (archive/web/api_ledgers.py) and the CLI (archive/cli_ledgers.py). ID and phone
numbers are masked on every page; a user with User.can_view_personal may ask with ?unmask=1
(显示完整号码), which service.personal_access audits.

Between the preview and 确认导入 the upload waits under the data dir's uploads/ledgers/ as <random
token>.bin with a .json beside it naming its owner and file name (as the 整改 import does): the page
carries only the token, the confirm step reads it back for the same user, claims it once (a rename),
and stashes older than a day are swept whenever a new one is made.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from archive.auth import policy
from archive.auth.scope import OutOfScope, scoped_org
from archive.ledgers import households as hh, service as ledgers, shapes
from archive.models import Household, HouseholdYear, LedgerRow, OrgUnit
from archive.orgs import service as orgs
from archive.web.errors import mark_failed
from archive.web.filenames import content_disposition
from archive.web.ui import bp, login_required, services
from archive.web.ui.stash import UploadStash

PER_PAGE = 50
SAMPLE_ROWS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_CATEGORIES = ("脱贫户", "监测户", "边缘户")
HOW_NAMES = {"id_number": "正文含身份证号码", "name": "正文含户主姓名和村名", "person": "人工关联"}
STAGE_NAMES = {"identification": "识别", "assistance": "帮扶", "exit": "退出"}


# ---------------------------------------------------------------------------------------------- helpers

def _int(value, default: int | None = None) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else default


def _unit(value) -> OrgUnit | None:
    """?org=<id> as a unit in scope (404 otherwise); None when not given."""
    if not str(value or "").strip():
        return None
    unit_id = _int(value)
    unit = orgs.get(g.session, unit_id) if unit_id is not None else None
    if unit is None:
        raise OutOfScope()
    return scoped_org(g.session, g.user, unit)


def _scope_units() -> list[OrgUnit]:
    return sorted(orgs.list_units(g.session, under=g.user.org), key=lambda u: u.path.split("/"))


def _writable_units() -> list[OrgUnit]:
    return [u for u in _scope_units() if policy.can_edit(g.actor, u)]


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
    page = max(_int(request.args.get("page"), 1) or 1, 1)
    type_key = request.args.get("type") or None
    if type_key not in _standards().ledger_types:
        type_key = None
    year = _int(request.args.get("year"))
    flt = ledgers.LedgerFilter(org=_unit(request.args.get("org")), type_key=type_key, year=year)
    total, rows = ledgers.list_ledgers(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    names = ledgers.type_names(_standards())
    params = {k: v for k, v in {"org": flt.org.id if flt.org else None, "type": type_key, "year": year}.items() if v}
    return render_template("ledgers/list.html", rows=[shapes.ledger_dict(x, names) for x in rows], total=total,
                           page=page, pages=pages, params=params, type_names=names, units=_scope_units(),
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
    # The households this ledger created or updated (a household ledger), or its rows point at.
    ids = set(g.session.scalars(select(HouseholdYear.household_id).where(HouseholdYear.ledger_id == ledger.id)))
    ids |= set(g.session.scalars(select(LedgerRow.household_id).where(LedgerRow.ledger_id == ledger.id,
                                                                      LedgerRow.household_id.is_not(None))))
    households = list(g.session.scalars(select(Household).where(Household.id.in_(ids))
                                        .order_by(Household.head_name, Household.id))) if ids else []
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
    response = send_file(BytesIO(data), mimetype=XLSX, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"{stem}-问题标注.xlsx")
    return response


# ---------------------------------------------------------------------------------------------- import: stash

STASH = UploadStash("ledgers", "台账")
_stash, _unstash, _claim_stash, _release_stash, _drop_stash = STASH.put, STASH.get, STASH.claim, STASH.release, STASH.drop


# ---------------------------------------------------------------------------------------------- import: pages

FIELDS = ("org", "type", "year")


def _fields(source) -> dict:
    return {name: str(source.get(name) or "").strip()[:50] for name in FIELDS}


def _import_org(fields: dict) -> OrgUnit:
    org = _unit(fields["org"]) or g.user.org
    policy.require(policy.can_edit(g.actor, org), "当前角色不能为该单位导入台账")
    return org


def _import_form(fields: dict, *, error: str | None = None, status: int = 200):
    return render_template("ledgers/import.html", f=fields, error=error, units=_writable_units(),
                           base_depth=g.user.org.depth, types=_standards().ledger_types,
                           max_mb=services().settings.limits.max_bytes // (1024 * 1024)), status


@bp.get("/ledgers/import")
@login_required
def ledgers_import():
    policy.require(can_import(), "当前角色不能导入台账")
    fields = _fields(request.args)
    fields["org"] = fields["org"] or str(g.user.org_id)
    return _import_form(fields)


def _run_import(fields: dict, data: bytes, name: str, *, preview: bool):
    """(outcome, None) or (None, error message) for the import of `data` (a preview or the real one)."""
    from archive.ledgers.reader import LedgerFileError

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
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        mark_failed()
        return _import_form(fields, error="请选择台账文件（XLSX、XLS 或 CSV）", status=422)
    limit = services().settings.limits.max_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        mark_failed()
        return _import_form(fields, error=f"文件超过大小限制（{limit // (1024 * 1024)} MB）", status=413)
    name = Path(upload.filename.replace("\\", "/")).name[:200] or "台账"
    outcome, error = _run_import(fields, data, name, preview=True)
    if outcome is None:
        g.session.rollback()
        mark_failed()
        return _import_form(fields, error=error, status=422)
    return _preview(fields, outcome, _stash(data, name), name)


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
    token = str(request.form.get("token") or "")
    stashed = _unstash(token)
    if stashed is None:
        mark_failed()
        return _import_form(fields, error="上传的文件已过期或不存在，请重新选择文件", status=410)
    data, name = stashed
    if not _claim_stash(token):  # a second click while the first one imports
        mark_failed()
        return _import_form(fields, error="该台账正在导入或已经导入，请勿重复提交", status=409)
    saved = False
    try:
        outcome, error = _run_import(fields, data, name, preview=False)
        if outcome is None:
            g.session.rollback()
            mark_failed()
            again, _ = _run_import(fields, data, name, preview=True)
            if again is None:
                return _import_form(fields, error=error, status=422)
            return _preview(fields, again, token, name, error=f"未导入：{error}", status=422)
        saved = True
        ledger = outcome.ledger
        flash(f"已导入台账《{name}》：{ledger.row_count} 行，错误 {ledger.error_count} 处，警告 {ledger.warning_count} 处"
              + (f"，新建或更新 {outcome.households} 户" if outcome.households else ""), "ok")
        return redirect(url_for("ui.ledgers_detail", ledger_id=ledger.id))
    finally:
        _drop_stash(token) if saved else _release_stash(token)


# ---------------------------------------------------------------------------------------------- households

@bp.get("/households", endpoint="households")
@login_required
def households_list():
    page = max(_int(request.args.get("page"), 1) or 1, 1)
    org = _unit(request.args.get("org"))
    category = (request.args.get("category") or "").strip()[:50] or None
    q = " ".join(str(request.args.get("q") or "").split())[:200]
    flt = hh.HouseholdFilter(org=org, category=category, q=q)
    total, rows = hh.list_households(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    params = {k: v for k, v in {"org": org.id if org else None, "category": category, "q": q or None}.items() if v}
    return render_template("households/list.html", rows=[shapes.household_dict(x, False) for x in rows], total=total,
                           page=page, pages=pages, params=params, units=_scope_units(), base_depth=g.user.org.depth,
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
    document_id = _int(request.form.get("document_id"))
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
