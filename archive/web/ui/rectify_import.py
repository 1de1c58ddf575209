"""整改 pages: importing a 问题清单 into a new feedback batch or an existing one, in two steps: a
preview (how each column was understood, the problems, cell by cell; nothing saved) and 确认导入
(every row saved, or on any problem nothing).

Between the two steps the upload waits in the stash (stash.py) under the data dir's
uploads/rectify/: the page carries only its token, and only its owner can confirm it, once.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.auth.scope import OutOfScope
from archive.documents import service as documents
from archive.models import FeedbackBatch
from archive.models.rectify import SOURCES
from archive.rectify import importing, service as rectify
from archive.rectify.importer import FIELDS as FIELD_NAMES, MAX_BYTES, ImportFileError, parse
from archive.values import lenient_int
from archive.web.errors import mark_failed, status_for
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import MB, UploadRefused, confirm_stashed, max_bytes, read_upload, unit_arg, writable_units
from archive.web.ui.rectify_common import can_write
from archive.web.ui.stash import UploadStash

STASH = UploadStash("rectify", "问题清单")
LEVELS = ("国家", "省", "市", "县", "乡镇")
FIELDS = ("title", "source", "level", "received_on", "org", "document_id", "batch")


def _fields(source) -> dict:
    return {name: str(source.get(name) or "").strip() for name in FIELDS}


def _target(fields: dict):
    """The existing batch (fields["batch"]) or a BatchSpec from the form; RectifyError when invalid."""
    if fields["batch"]:
        batch_id = lenient_int(fields["batch"])
        if batch_id is None:
            raise OutOfScope()
        batch = rectify.get_batch(g.session, batch_id, user=g.user)
        policy.require(policy.can_edit(g.actor, batch.org), "当前角色不能向该批次导入问题清单")
        return batch
    org = unit_arg(fields["org"]) or g.user.org
    if not fields["title"]:
        raise rectify.RectifyError("title_required", "请填写反馈批次的标题")
    if not fields["source"]:
        raise rectify.RectifyError("source_required", "请选择问题来源")
    document_id = None
    if fields["document_id"]:
        document_id = lenient_int(fields["document_id"])
        if document_id is None:
            raise rectify.RectifyError("bad_document", "反馈文件编号应为数字")
        try:
            documents.get(g.session, document_id, user=g.user)
        except OutOfScope:
            raise rectify.RectifyError("document_not_found", f"文件 {document_id} 不存在或无权访问") from None
    return rectify.BatchSpec(org=org, title=fields["title"], source=rectify.parse_source(fields["source"]),
                             level=fields["level"][:50], received_on=rectify.parse_date(fields["received_on"], "反馈时间"),
                             document_id=document_id)


def _limit() -> int:
    return min(max_bytes(), MAX_BYTES)


def _import_form(fields: dict, *, error: str | None = None, status: int = 200):
    batch = None
    if fields.get("batch"):
        batch = rectify.get_batch(g.session, lenient_int(fields["batch"]) or 0, user=g.user)
    return render_template("rectify/import.html", f=fields, batch=batch, error=error, sources=SOURCES,
                           levels=LEVELS, units=writable_units(), base_depth=g.user.org.depth,
                           max_mb=_limit() // MB), status


def _refused(fields: dict, error: str, status: int = 422):
    mark_failed()
    return _import_form(fields, error=error, status=status)


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
    policy.require(can_write(), "当前角色不能导入问题清单")
    fields = _fields(request.form)
    try:
        target = _target(fields)
    except rectify.RectifyError as e:
        return _refused(fields, e.message)
    try:
        data, name = read_upload(missing="请选择问题清单文件（XLSX 或 DOCX）", default_name="问题清单", limit=_limit())
    except UploadRefused as e:
        return _refused(fields, e.message, status_for(e))
    try:
        parsed = parse(data, name)
    except ImportFileError as e:
        return _refused(fields, f"{name}：{e.message}")
    outcome = importing.preview_import(g.session, g.actor, target, parsed)
    token = STASH.put(data, name) if outcome.ok else ""  # a list with problems cannot be confirmed: keep nothing
    return _preview(fields, target, outcome, token, name)


def _preview(fields: dict, target, outcome, token: str, name: str, *, error: str | None = None, status: int = 200):
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
    return confirm_stashed(STASH, lambda error, status: _import_form(fields, error=error, status=status),
                           lambda token, data, name: _confirm(fields, token, data, name))


def _confirm(fields: dict, token: str, data: bytes, name: str):
    """(response, saved) for 确认导入 of a claimed upload."""
    try:
        target = _target(fields)
        parsed = parse(data, name)
    except rectify.RectifyError as e:
        return _refused(fields, e.message), False
    except ImportFileError as e:
        return _refused(fields, f"{name}：{e.message}"), False
    try:
        outcome = importing.import_items(g.session, g.actor, target, parsed, file_name=name)
    except rectify.RectifyError as e:
        g.session.rollback()
        return _refused(fields, e.message), False
    if not outcome.ok:
        g.session.rollback()
        mark_failed()
        target = _target(fields)
        preview = importing.preview_import(g.session, g.actor, target, parsed)
        return _preview(fields, target, preview, token, name, status=422,
                        error=f"问题清单有 {len(outcome.problems)} 处问题，未导入任何内容"), False
    batch_id, count = outcome.batch.id, len(outcome.items)
    g.session.commit()
    flash(f"已导入 {count} 项问题（《{name}》）", "ok")
    return redirect(url_for("ui.rectify_batch", batch_id=batch_id)), True
