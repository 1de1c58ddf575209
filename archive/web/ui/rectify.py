"""整改 pages: the feedback batches in scope, importing a 问题清单 with a preview, the item list
(filters, pages) and the board by state, the 整改台账 download. One item's page (actions, evidence,
timeline) is rectify_item.py.

Scope, roles, rules and audit live in archive.rectify: these views call the same service functions
as the JSON API (archive/web/api_rectify.py) and the CLI (archive/cli_rectify.py).

Between the preview and 确认导入 the uploaded file waits under the data dir's uploads/rectify/ as
<random token>.bin, with a .json beside it naming its owner and file name; the page carries only the
token (never a path), the confirm step reads it back for the same user only, and stashes older than a
day are swept whenever a new one is made.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from io import BytesIO
from pathlib import Path

from flask import flash, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select

from archive.auth import policy
from archive.auth.scope import OutOfScope, scoped_org
from archive.documents import service as documents
from archive.models import FeedbackBatch, OrgUnit
from archive.models.rectify import SOURCES
from archive.orgs import service as orgs
from archive.rectify import deadlines, service as rectify, states
from archive.web.errors import mark_failed
from archive.web.filenames import content_disposition
from archive.web.ui import bp, login_required, services
from archive.web.ui.stash import UploadStash

PER_PAGE = 50
BOARD_CARDS = 60            # cards per column on the board; the rest through the list
DUE_DAYS = 7
LEVELS = ("国家", "省", "市", "县", "乡镇")
# state code -> badge class (app.css: "" grey, warn yellow, info blue, ok green)
STATE_STYLE = {"not_started": "", "in_progress": "warn", "awaiting_acceptance": "info", "closed": "ok"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def can_write() -> bool:
    """Clerks and admins record batches and act on items (each one still checked by the service)."""
    return policy.can_upload(g.actor)


@bp.app_template_filter("rectify_day")
def rectify_day(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value or "—"


@bp.app_context_processor
def _rectify_names():
    return {"rectify_states": states.STATES, "rectify_state_style": STATE_STYLE, "rectify_actions": states.ACTIONS}


def _count(flt: rectify.ItemFilter, today: dt.date) -> int:
    stmt = rectify.items_query(g.user, flt, today)
    return g.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _scope_units() -> list[OrgUnit]:
    return orgs.list_units(g.session, under=g.user.org)


def _writable_units() -> list[OrgUnit]:
    return [u for u in _scope_units() if policy.can_edit(g.actor, u)]


# ---------------------------------------------------------------------------------------------- batches

@bp.get("/rectify", endpoint="rectify")
@login_required
def batches_page():
    page = max(_int(request.args.get("page"), 1) or 1, 1)
    total, rows = rectify.list_batches(g.session, user=g.user, page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    today = rectify.today()
    batches = []
    for batch in rows:
        counts = rectify.batch_counts(g.session, batch, user=g.user)
        batches.append({"batch": batch, "counts": counts, "total": sum(counts.values()),
                        "overdue": _count(rectify.ItemFilter(batch_id=batch.id, overdue=True), today)})
    summary = deadlines.counts(g.session, g.user, today_=today, days=DUE_DAYS)
    return render_template("rectify/batches.html", batches=batches, total=total, page=page, pages=pages,
                           summary=summary, can_write=can_write())


@bp.get("/rectify/batches/<int:batch_id>")
@login_required
def rectify_batch(batch_id: int):
    batch = rectify.get_batch(g.session, batch_id, user=g.user)
    page = max(_int(request.args.get("page"), 1) or 1, 1)
    today = rectify.today()
    result = rectify.list_items(g.session, user=g.user, flt=rectify.ItemFilter(batch_id=batch.id), page=page,
                                per_page=100, today_=today)
    pages = max((result.total + result.per_page - 1) // result.per_page, 1)
    counts = rectify.batch_counts(g.session, batch, user=g.user)
    return render_template(
        "rectify/batch.html", batch=batch, counts=counts, result=result, page=page, pages=pages, today=today,
        overdue=_count(rectify.ItemFilter(batch_id=batch.id, overdue=True), today),
        due_soon=_count(rectify.ItemFilter(batch_id=batch.id, due_within_days=DUE_DAYS), today),
        can_import=policy.can_edit(g.actor, batch.org), can_bind=binder_available() and can_write(),
        rows=[rectify.item_dict(i, today_=today) for i in result.items])


# ---------------------------------------------------------------------------------------------- evidence binder

def binder_available() -> bool:
    """整改佐证材料汇编 needs archive/rectify/binder.py (the volume composer's evidence kind)."""
    try:
        from archive.rectify import binder  # noqa: F401
    except ImportError:
        return False
    return hasattr(binder, "create_evidence_volume")


@bp.post("/rectify/batches/<int:batch_id>/binder")
@login_required
def rectify_batch_binder(batch_id: int):
    from archive.binder import service as volumes
    from archive.binder.service import VolumeError
    from archive.rectify import binder

    batch = rectify.get_batch(g.session, batch_id, user=g.user)
    policy.require(can_write(), "当前角色不能组卷")
    # A unit above the receiving one binds the whole batch; a unit below, the items it is responsible for.
    org = None if policy.can_edit(g.actor, batch.org) else g.user.org
    try:
        volume = binder.create_evidence_volume(g.session, services().standards, g.actor, batch_id=batch.id, org=org)
    except VolumeError as e:
        g.session.rollback()
        mark_failed()
        flash(f"未生成佐证材料汇编：{e.message}", "error")
        return redirect(url_for("ui.rectify_batch", batch_id=batch_id))
    volume_id, title = volume.id, volume.title
    volumes.start_build(g.session, g.actor, volume)
    flash(f"已提交汇编：{title}，正在后台生成 PDF", "info")
    return redirect(url_for("ui.volumes_detail", volume_id=volume_id))


# ---------------------------------------------------------------------------------------------- import

STASH = UploadStash("rectify", "问题清单")
_stash, _unstash, _claim_stash, _release_stash, _drop_stash = STASH.put, STASH.get, STASH.claim, STASH.release, STASH.drop


FIELDS = ("title", "source", "level", "received_on", "org", "document_id", "batch")


def _fields(source) -> dict:
    return {name: str(source.get(name) or "").strip() for name in FIELDS}


def _target(fields: dict):
    """The existing batch (fields["batch"]) or a BatchSpec from the form; RectifyError when invalid."""
    if fields["batch"]:
        batch_id = _int(fields["batch"])
        if batch_id is None:
            raise OutOfScope()
        batch = rectify.get_batch(g.session, batch_id, user=g.user)
        policy.require(policy.can_edit(g.actor, batch.org), "当前角色不能向该批次导入问题清单")
        return batch
    org = _unit(fields["org"]) or g.user.org
    if not fields["title"]:
        raise rectify.RectifyError("title_required", "请填写反馈批次的标题")
    if not fields["source"]:
        raise rectify.RectifyError("source_required", "请选择问题来源")
    document_id = None
    if fields["document_id"]:
        document_id = _int(fields["document_id"])
        if document_id is None:
            raise rectify.RectifyError("bad_document", "反馈文件编号应为数字")
        try:
            documents.get(g.session, document_id, user=g.user)
        except OutOfScope:
            raise rectify.RectifyError("document_not_found", f"文件 {document_id} 不存在或无权访问") from None
    return rectify.BatchSpec(org=org, title=fields["title"], source=rectify.parse_source(fields["source"]),
                             level=fields["level"][:50], received_on=rectify.parse_date(fields["received_on"], "反馈时间"),
                             document_id=document_id)


def _max_bytes() -> int:
    from archive.rectify.importer import MAX_BYTES

    return min(services().settings.limits.max_bytes, MAX_BYTES)


def _import_form(fields: dict, *, error: str | None = None, status: int = 200):
    batch = None
    if fields.get("batch"):
        batch = rectify.get_batch(g.session, _int(fields["batch"]) or 0, user=g.user)
    return render_template("rectify/import.html", f=fields, batch=batch, error=error, sources=SOURCES,
                           levels=LEVELS, units=_writable_units(), base_depth=g.user.org.depth,
                           max_mb=_max_bytes() // (1024 * 1024)), status


@bp.get("/rectify/import")
@login_required
def rectify_import():
    policy.require(can_write(), "当前角色不能导入问题清单")
    fields = _fields(request.args)
    fields["org"] = fields["org"] or str(g.user.org_id)
    if fields["batch"]:
        _target(fields)  # the batch in scope and writable
    return _import_form(fields)


@bp.post("/rectify/import")
@login_required
def rectify_import_preview():
    """Step 1: read the file, show how it was understood; nothing saved, the file kept for step 2."""
    from archive.rectify.importer import ImportFileError, parse

    policy.require(can_write(), "当前角色不能导入问题清单")
    fields = _fields(request.form)
    try:
        target = _target(fields)
    except rectify.RectifyError as e:
        mark_failed()
        return _import_form(fields, error=e.message, status=422)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        mark_failed()
        return _import_form(fields, error="请选择问题清单文件（XLSX 或 DOCX）", status=422)
    limit = _max_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        mark_failed()
        return _import_form(fields, error=f"文件超过大小限制（{limit // (1024 * 1024)} MB）", status=413)
    name = Path(upload.filename.replace("\\", "/")).name[:200] or "问题清单"
    try:
        parsed = parse(data, name)
    except ImportFileError as e:
        mark_failed()
        return _import_form(fields, error=f"{name}：{e.message}", status=422)
    outcome = rectify.preview_import(g.session, g.actor, target, parsed)
    token = _stash(data, name) if outcome.ok else ""  # a list with problems cannot be confirmed: keep nothing
    return _preview(fields, target, outcome, token, name)


def _preview(fields: dict, target, outcome, token: str, name: str, *, error: str | None = None, status: int = 200):
    from archive.rectify.importer import FIELDS as FIELD_NAMES

    parsed = outcome.parse
    bad_rows = {p.get("row") for p in outcome.problems if p.get("row") is not None}
    bad_cells = {(p.get("row"), p.get("column")) for p in outcome.problems}
    field_letters: dict[str, list[str]] = {}  # several columns may feed one field (责任单位 + 配合单位)
    for column in parsed.columns:
        if column.field:
            field_letters.setdefault(column.field, []).append(column.letter)
    batch = target if isinstance(target, FeedbackBatch) else None
    return render_template(
        "rectify/preview.html", f=fields, f_args={k: v for k, v in fields.items() if v}, batch=batch,
        spec=None if batch else target, outcome=outcome,
        parsed=parsed, token=token, name=name, error=error, bad_rows=bad_rows, bad_cells=bad_cells,
        field_letters=field_letters, field_names={k: label for k, (label, _) in FIELD_NAMES.items()}), status


@bp.post("/rectify/import/confirm")
@login_required
def rectify_import_confirm():
    """Step 2: 确认导入: every row saved, or (on any problem) nothing."""
    policy.require(can_write(), "当前角色不能导入问题清单")
    fields = _fields(request.form)
    token = str(request.form.get("token") or "")
    stashed = _unstash(token)
    if stashed is None:
        mark_failed()
        return _import_form(fields, error="上传的文件已过期或不存在，请重新选择文件", status=410)
    data, name = stashed
    if not _claim_stash(token):  # a second click while the first one imports
        mark_failed()
        return _import_form(fields, error="该问题清单正在导入或已经导入，请勿重复提交", status=409)
    saved = False
    try:
        response, saved = _confirm(fields, token, data, name)
        return response
    finally:
        _drop_stash(token) if saved else _release_stash(token)


def _confirm(fields: dict, token: str, data: bytes, name: str):
    """(response, saved) for 确认导入 of a claimed upload."""
    from archive.rectify.importer import ImportFileError, parse

    try:
        target = _target(fields)
        parsed = parse(data, name)
    except rectify.RectifyError as e:
        mark_failed()
        return _import_form(fields, error=e.message, status=422), False
    except ImportFileError as e:
        mark_failed()
        return _import_form(fields, error=f"{name}：{e.message}", status=422), False
    try:
        outcome = rectify.import_items(g.session, g.actor, target, parsed, file_name=name)
    except rectify.RectifyError as e:
        g.session.rollback()
        mark_failed()
        return _import_form(fields, error=e.message, status=422), False
    if not outcome.ok:
        g.session.rollback()
        mark_failed()
        target = _target(fields)
        preview = rectify.preview_import(g.session, g.actor, target, parsed)
        return _preview(fields, target, preview, token, name, status=422,
                        error=f"问题清单有 {len(outcome.problems)} 处问题，未导入任何内容"), False
    batch_id, count = outcome.batch.id, len(outcome.items)
    g.session.commit()
    flash(f"已导入 {count} 项问题（《{name}》）", "ok")
    return redirect(url_for("ui.rectify_batch", batch_id=batch_id)), True


# ---------------------------------------------------------------------------------------------- items

def _item_filter(args) -> tuple[rectify.ItemFilter, dict]:
    """The list's filters from the query string, and the same as URL parameters (for links)."""
    org = _unit(args.get("org"))
    try:
        state = states.parse_state(args.get("state"))
    except ValueError:
        state = None
    batch_id = _int(args.get("batch"))
    if batch_id is not None:
        rectify.get_batch(g.session, batch_id, user=g.user)  # 404 when out of scope
    overdue = args.get("overdue") == "1"
    due = args.get("due") == str(DUE_DAYS)
    q = " ".join(str(args.get("q") or "").split())[:200]
    flt = rectify.ItemFilter(org=org, state=state, batch_id=batch_id, overdue=overdue,
                             due_within_days=DUE_DAYS if due else None, q=q)
    params = {"org": org.id if org else None, "state": state, "batch": batch_id, "overdue": "1" if overdue else None,
              "due": str(DUE_DAYS) if due else None, "q": q or None}
    return flt, {k: v for k, v in params.items() if v is not None}


@bp.get("/rectify/items")
@login_required
def rectify_items():
    flt, params = _item_filter(request.args)
    view = "board" if request.args.get("view") == "board" else "list"
    today = rectify.today()
    page = max(_int(request.args.get("page"), 1) or 1, 1)
    context = {"view": view, "params": params, "flt": flt, "today": today, "due_days": DUE_DAYS,
               "units": _scope_units(), "base_depth": g.user.org.depth,
               "batches": rectify.list_batches(g.session, user=g.user, per_page=200)[1]}
    if view == "board":
        columns = []
        for code in states.STATES:
            if flt.state and flt.state != code:
                continue
            column = dataclasses.replace(flt, state=code)
            result = rectify.list_items(g.session, user=g.user, flt=column, per_page=BOARD_CARDS, today_=today)
            columns.append({"state": code, "total": result.total,
                            "cards": [rectify.item_dict(i, today_=today) for i in result.items]})
        total = sum(c["total"] for c in columns)
        return render_template("rectify/items.html", columns=columns, total=total, **context)
    result = rectify.list_items(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE, today_=today)
    pages = max((result.total + PER_PAGE - 1) // PER_PAGE, 1)
    if page > pages:
        page = pages
        result = rectify.list_items(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE, today_=today)
    return render_template("rectify/items.html", rows=[rectify.item_dict(i, today_=today) for i in result.items],
                           total=result.total, page=page, pages=pages, **context)


@bp.get("/rectify/export")
@login_required
def rectify_export():
    """The 整改台账 as XLSX (one sheet per batch and a summary), by unit and state, as the API's."""
    org = _unit(request.args.get("org"))
    try:
        state = states.parse_state(request.args.get("state"))
    except ValueError:
        state = None
    out = BytesIO()
    deadlines.export_ledger(g.session, g.actor, out, org=org, state=state)
    g.session.commit()
    out.seek(0)
    name = f"整改台账-{(org or g.user.org).name}-{rectify.today().strftime('%Y%m%d')}.xlsx"
    response = send_file(out, mimetype=XLSX, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


from archive.web.ui import rectify_item  # noqa: E402,F401  (the item page's routes)
