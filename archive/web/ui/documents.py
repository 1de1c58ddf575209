"""Document pages: browse, detail, edit, delete, download, preview, upload and the trash.

Every read and write goes through archive.documents.service (scope, role and audit live there);
the views only parse the request and shape the page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.scope import in_scope
from archive.clock import local_time
from archive.documents import moves, service as documents
from archive.ingest.batch import BadUpload, safe_relative, visible_result
from archive.ingest.pipeline import Incoming
from archive.ingest.walk import unit_for_folders
from archive.models import OrgUnit
from archive.models.audit import ACTIONS
from archive.orgs import service as orgs
from archive.orgs.trail import trail
from archive.values import lenient_int
from archive.web.errors import error_page, mark_failed, too_large_message
from archive.web.filenames import content_disposition, send_original, send_rendition
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import max_bytes, page_arg, page_count, request_too_large, unit_arg

PER_PAGE = 50
PREVIEW_KINDS = ("pdf", "jpeg", "png")

STATUS_LABELS = {"ready": ("已入库", "ok"), "awaiting_ocr": ("待OCR", "warn")}
FIELD_LABELS = {"title": "题名", "doc_number": "文号", "author": "责任者", "doc_date": "成文日期", "year": "年度",
                "org": "单位", "archive_code": "档号", "item_no": "件号", "suggested_org": "建议单位"}
# Audit actions whose before/after the detail page's history lists field by field.
CHANGE_ACTIONS = ("edit", "move", "suggestion_dismiss")
KIND_LABELS = {"pdf": "PDF", "docx": "Word 文档 (DOCX)", "xlsx": "Excel 表格 (XLSX)", "txt": "纯文本 (TXT)",
               "jpeg": "JPEG 图片", "png": "PNG 图片", "tiff": "TIFF 图片"}
# Browse columns that sort: (label, sort key in documents.SORTS or None for a plain column, css class).
COLUMNS = [("题名", "title", ""), ("文号", "doc_number", "nowrap"), ("责任者", None, ""),
           ("成文日期", "date", "nowrap"), ("年度", "year", "nowrap"), ("单位", None, "nowrap"),
           ("页数", None, "num"), ("状态", None, "nowrap")]


@bp.app_template_filter("doc_time")
def doc_time(moment: dt.datetime | None) -> str:
    """A stored UTC time as the office reads it: local, to the minute."""
    return local_time(moment, "%Y-%m-%d %H:%M") if moment is not None else "—"


@bp.app_template_filter("doc_size")
def doc_size(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return ""  # not reached


@bp.app_context_processor
def _document_labels():
    return {"status_labels": STATUS_LABELS, "field_labels": FIELD_LABELS, "action_labels": ACTIONS,
            "kind_labels": KIND_LABELS, "change_actions": CHANGE_ACTIONS}


# ---------------------------------------------------------------------------------------------- browse

@dataclass
class TreeNode:
    unit: OrgUnit
    count: int = 0
    children: list[TreeNode] = field(default_factory=list)


def _scope_tree(counts: dict[int, int]) -> TreeNode:
    """The user's unit and everything below it, each with its documents including descendants."""
    units = orgs.list_units(g.session, under=g.user.org)
    nodes = {u.id: TreeNode(u) for u in units}
    for unit_id, n in counts.items():
        unit = nodes.get(unit_id)
        if unit is None:
            continue
        for ancestor in unit.unit.lineage.strip("/").split("/"):
            if ancestor and int(ancestor) in nodes:
                nodes[int(ancestor)].count += n
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id)
        if parent is not None and node.unit.id != g.user.org_id:
            parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.unit.name)
    return nodes[g.user.org_id]


@bp.get("/browse")
@login_required
def browse():
    selected = unit_arg(request.args.get("org"), g.user.org)
    year = lenient_int(request.args.get("year"))
    sort = request.args.get("sort", "created")
    if sort not in documents.SORTS or sort == "deleted":
        sort = "created"
    descending = request.args.get("dir", "desc" if sort == "created" else "asc") != "asc"
    page = page_arg(request.args)

    result = documents.get_all(g.session, user=g.user, org=selected, year=year, page=page, per_page=PER_PAGE,
                               sort=sort, descending=descending)
    pages = page_count(result.total, PER_PAGE)
    if page > pages:
        page = pages
        result = documents.get_all(g.session, user=g.user, org=selected, year=year, page=page, per_page=PER_PAGE,
                                   sort=sort, descending=descending)
    tree = _scope_tree(documents.org_counts(g.session, user=g.user))
    years = documents.year_counts(g.session, user=g.user, org=selected)
    params = {"org": selected.id if selected.id != g.user.org_id else None, "year": year}
    return render_template("documents/browse.html", result=result, tree=tree, selected=selected, years=years,
                           year=year, sort=sort, descending=descending, page=page, pages=pages,
                           params=params, columns=COLUMNS, year_total=sum(n for _, n in years))


# ---------------------------------------------------------------------------------------------- detail

def _unit_trail(unit: OrgUnit) -> list[tuple[OrgUnit, bool]]:
    """The unit's ancestors and itself, each with whether the user may browse it."""
    return [(u, in_scope(g.user, u)) for u in trail(g.session, unit)]


@bp.get("/documents/<int:document_id>")
@login_required
def document_detail(document_id: int):
    doc = documents.view(g.session, g.actor, document_id)
    history = audit.history(g.session, "document", doc.id)
    can_edit = policy.can_edit(g.actor, doc.org)
    # Units the document may be moved to: the user's scope, less its own unit.
    targets = [u for u in orgs.list_units(g.session, under=g.user.org) if u.id != doc.org_id] if can_edit else []
    return render_template("documents/detail.html", doc=doc, trail=_unit_trail(doc.org), history=history,
                           previous_codes=documents.previous_codes(history), move_targets=targets,
                           can_edit=can_edit, previewable=doc.file_kind in PREVIEW_KINDS)


def _form_values(doc) -> dict:
    return {"title": doc.title or "", "doc_number": doc.doc_number or "", "author": doc.author or "",
            "doc_date": doc.doc_date.isoformat() if doc.doc_date else "",
            "year": "" if doc.year is None else str(doc.year)}


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def document_edit(document_id: int):
    if request.method == "POST":
        changes = {name: request.form.get(name, "") for name in documents.EDITABLE if name in request.form}
        refile = request.form.get("refile") == "1"
        old_code = documents.get(g.session, document_id, user=g.user).archive_code
        try:
            doc = documents.update(g.session, g.actor, document_id, changes, refile=refile,
                                   standards=services().standards)
        except (documents.InvalidField, documents.RefilingRequired) as e:
            mark_failed()
            g.session.rollback()
            doc = documents.get(g.session, document_id, user=g.user)
            values = _form_values(doc) | changes
            needs_refile = isinstance(e, documents.RefilingRequired)
            return render_template("documents/edit.html", doc=doc, values=values, refile=refile,
                                   errors={"year" if needs_refile else e.field: e.message},
                                   needs_refile=needs_refile), 409 if needs_refile else 422
        if old_code and doc.archive_code != old_code:
            flash(f"已保存并重新归档：新档号 {doc.archive_code or '（暂无）'}；原档号 {old_code} 已作废，不再使用", "ok")
        else:
            flash("已保存", "ok")
        return redirect(url_for("ui.document_detail", document_id=document_id))
    doc = documents.get(g.session, document_id, user=g.user)
    policy.require(policy.can_edit(g.actor, doc.org), "当前角色不能修改文件")
    return render_template("documents/edit.html", doc=doc, values=_form_values(doc), errors={}, refile=False)


def _moved(doc, old_code: str | None) -> None:
    if old_code and doc.archive_code:
        flash(f"已移至 {doc.org.path} 并重新归档：新档号 {doc.archive_code}；原档号 {old_code} 已作废，不再使用", "ok")
    elif old_code:
        flash(f"已移至 {doc.org.path}；原档号 {old_code} 已作废。该单位的分类方案中没有原类目，"
              "请在“分类审核”中重新分类后归档", "info")
    else:
        flash(f"已移至 {doc.org.path}", "ok")


def _refused(message: str, document_id: int):
    """A move or suggestion action that changed nothing: say why on the detail page."""
    mark_failed()
    g.session.rollback()
    flash(f"未移动：{message}", "error")
    return redirect(url_for("ui.document_detail", document_id=document_id))


@bp.post("/documents/<int:document_id>/move")
@login_required
def document_move(document_id: int):
    org_id = lenient_int(request.form.get("org"))
    target = orgs.get(g.session, org_id) if org_id is not None else None
    try:
        doc, old_code = moves.move(g.session, services().standards, g.actor, document_id, target,
                                       refile=request.form.get("refile") == "1")
    except documents.RefilingRequired:
        return _refused("文件已归档，移动即重新归档（原档号作废，分配新档号）。请勾选“重新归档并分配新档号”后再移动。",
                        document_id)
    except moves.MoveError as e:
        return _refused(e.message if request.form.get("org", "").strip() else "请选择目标单位", document_id)
    _moved(doc, old_code)
    return redirect(url_for("ui.document_detail", document_id=document_id))


@bp.post("/documents/<int:document_id>/suggestion/accept")
@login_required
def document_suggestion_accept(document_id: int):
    try:
        doc, old_code = moves.accept_suggestion(g.session, services().standards, g.actor, document_id,
                                                    refile=request.form.get("refile") == "1")
    except (documents.RefilingRequired, moves.MoveError) as e:
        return _refused(e.message, document_id)
    _moved(doc, old_code)
    return redirect(url_for("ui.document_detail", document_id=document_id))


@bp.post("/documents/<int:document_id>/suggestion/dismiss")
@login_required
def document_suggestion_dismiss(document_id: int):
    try:
        moves.dismiss_suggestion(g.session, g.actor, document_id)
    except moves.MoveError as e:
        mark_failed()
        flash(e.message, "error")
        return redirect(url_for("ui.document_detail", document_id=document_id))
    flash("已忽略单位建议，文件留在原单位", "ok")
    return redirect(url_for("ui.document_detail", document_id=document_id))


@bp.route("/documents/<int:document_id>/delete", methods=["GET", "POST"])
@login_required
def document_delete(document_id: int):
    if request.method == "POST":
        documents.delete(g.session, g.actor, document_id)
        flash("已移入回收站，系统管理员可以恢复", "ok")
        return redirect(url_for("ui.browse"))
    doc = documents.get(g.session, document_id, user=g.user)
    policy.require(policy.can_edit(g.actor, doc.org), "当前角色不能删除文件")
    return render_template("documents/delete.html", doc=doc)


@bp.get("/documents/<int:document_id>/file")
@login_required
def document_file(document_id: int):
    doc = documents.download(g.session, g.actor, document_id)
    return send_original(services().store, doc)


@bp.get("/documents/<int:document_id>/rendition.pdf")
@login_required
def document_rendition(document_id: int):
    """The printable PDF (DOCX, XLSX, images and text converted), with the 归档章 when filed."""
    doc = documents.download(g.session, g.actor, document_id)
    g.session.commit()  # no transaction held while LibreOffice runs
    response = send_rendition(services(), doc)
    if response is None:
        return error_page(422, f"《{doc.original_name}》无法转换为 PDF（文件可能已损坏），请下载原件查看")
    return response


@bp.get("/documents/<int:document_id>/preview")
@login_required
def document_preview(document_id: int):
    """The original shown inline in the detail page (PDF, JPEG, PNG only).

    Audited as a "view", except right after the detail page's own view (the same look, not a second
    one). No range requests, so a preview is one fetch.
    """
    doc = documents.get(g.session, document_id, user=g.user)
    if doc.file_kind not in PREVIEW_KINDS:
        abort(404)
    doc = documents.view(g.session, g.actor, document_id, unless_viewed_within=dt.timedelta(minutes=1))
    # Whole file in one answer (no ranges): one fetch, one audit row.
    response = send_file(services().store.open(doc.sha256), mimetype=doc.mime_type, conditional=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(doc.original_name, inline=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Defence in depth: the file is shown as an opaque, script-less origin. (Checked with Chromium:
    # its PDF viewer still renders a PDF served this way inside the detail page's iframe.)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


# ---------------------------------------------------------------------------------------------- upload

@bp.get("/upload")
@login_required
def upload():
    policy.require(policy.can_upload(g.actor), "当前角色不能上传文件")
    units = orgs.list_units(g.session, under=g.user.org)
    return render_template("documents/upload.html", units=units, max_bytes=max_bytes())


def _json_error(status: int, code: str, message: str, name: str = ""):
    mark_failed()
    return jsonify({"path": name, "status": "rejected", "document_id": None, "archive_code": None,
                    "org": None, "title": None, "error": {"code": code, "message": message}}), status


@bp.post("/upload/file")
@login_required
def upload_file():
    relpath = (request.form.get("relpath") or "").strip()
    if not policy.can_upload(g.actor):
        return _json_error(403, "forbidden", "当前角色不能上传文件", relpath)
    limit = max_bytes()
    if request_too_large(limit):
        return _json_error(413, "file_too_large", too_large_message(limit), relpath)
    upload_ = request.files.get("file")
    if upload_ is None or not upload_.filename:
        return _json_error(400, "missing_file", "缺少上传文件", relpath)
    try:
        relative = safe_relative(relpath or upload_.filename)
    except BadUpload as e:
        return _json_error(400, e.code, e.message, relpath)
    name = str(relative)
    org_id = lenient_int(request.form.get("org"))
    chosen = orgs.get(g.session, org_id) if org_id is not None else g.user.org
    if chosen is None or not in_scope(g.user, chosen):
        return _json_error(404, "org_not_found", "所选单位不存在或不在管辖范围内", name)
    # Every folder of the path may name a unit below the chosen one (the picked folder too, as in
    # `archive ingest` and the API's folder jobs); other folders are plain folders of that unit.
    unit = unit_for_folders(g.session, chosen, list(relative.parts[:-1]))
    g.session.commit()  # nothing held open while the file is analysed and recorded
    result = services().pipeline.ingest(Incoming(source=upload_.stream, name=name, org=unit), g.actor)
    body = visible_result(result, g.user)
    doc = result.document
    if result.status == "duplicate" and doc is not None and doc.deleted_at is not None and body["document_id"]:
        body |= {"document_id": None,
                 "error": {"code": "duplicate_in_trash", "message": "相同的文件在回收站中，请联系系统管理员恢复"}}
    if body.get("document_id"):
        body["url"] = url_for("ui.document_detail", document_id=body["document_id"])
    if result.status == "rejected" and result.error is not None and result.error.code == "file_too_large":
        return jsonify(body), 413
    return jsonify(body)


# ---------------------------------------------------------------------------------------------- trash

@bp.get("/trash")
@login_required
def trash():
    page = page_arg(request.args)
    result = documents.get_trash(g.session, g.actor, page=page, per_page=PER_PAGE)
    pages = page_count(result.total, PER_PAGE)
    return render_template("documents/trash.html", result=result, page=page, pages=pages)


@bp.post("/trash/<int:document_id>/restore")
@login_required
def trash_restore(document_id: int):
    doc = documents.restore(g.session, g.actor, document_id)
    flash(f"已恢复：{doc.title}", "ok")
    return redirect(url_for("ui.trash"))

