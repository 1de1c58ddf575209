"""One rectification item's page: its fields, the actions its state allows (each a form), the
evidence (link a document in scope, upload a new one, unlink) and the timeline.

Every change goes through archive.rectify (service.act, evidence.link/upload/unlink), as the API's
does; a refusal re-renders the page with the reason in Chinese and what was typed kept.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.rectify import evidence, service as rectify, shapes, states
from archive.rectify.lookups import pick_documents
from archive.values import lenient_int
from archive.web.errors import mark_failed, status_for, too_large_message
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import MB, max_bytes, request_too_large
from archive.web.ui.rectify_common import DUE_DAYS

# The form fields each action takes (states.decide says which are required).
ACTION_FIELDS = {"start": ("comment",), "submit": ("progress", "comment"), "accept": ("opinion",),
                 "reject": ("comment",), "extend": ("comment", "deadline"), "reopen": ("comment",)}
ACTION_STYLE = {"start": "btn-primary", "submit": "btn-primary", "accept": "btn-primary", "reject": "btn-danger",
                "extend": "", "reopen": ""}


def _can_act(item) -> bool:
    return any(policy.can_edit(g.actor, org) for org in rectify.item_orgs(item))


def _found(item, doc_q: str):
    """Documents to pick for linking, for someone who may act on the item and typed something."""
    return pick_documents(g.session, user=g.user, q=doc_q) if doc_q and _can_act(item) else None


def _doc_q() -> str:
    return " ".join(str(request.args.get("doc_q") or "").split())[:100]


def _render(item, *, error: str | None = None, form=None, open_action: str | None = None, status: int = 200):
    today = rectify.today()
    data = shapes.item_dict(item, today_=today, detail=True)
    can_act = _can_act(item)
    doc_q = _doc_q()
    return render_template(
        "rectify/item.html", item=item, d=data, today=today, due_days=DUE_DAYS, can_act=can_act,
        actions=states.available(item.state) if can_act else [], action_style=ACTION_STYLE,
        can_evidence=can_act and item.state != "closed", error=error, form=form or {}, open_action=open_action,
        doc_q=doc_q, found=_found(item, doc_q),
        event_names=shapes.EVENT_NAMES,
        linked={e["document_id"] for e in data["evidence"]},
        max_mb=max_bytes() // MB), status


def _refused(item_id: int, message: str, status: int, *, form=None, open_action: str | None = None):
    """The page again, nothing saved, the reason on top."""
    g.session.rollback()
    mark_failed()
    item = rectify.get_item(g.session, item_id, user=g.user)
    return _render(item, error=message, form=form, open_action=open_action, status=status)


def _back(item_id: int, anchor: str = ""):
    return redirect(url_for("ui.rectify_item", item_id=item_id) + anchor)


@bp.get("/rectify/items/<int:item_id>")
@login_required
def rectify_item(item_id: int):
    return _render(rectify.get_item(g.session, item_id, user=g.user))


@bp.get("/rectify/items/<int:item_id>/documents")
@login_required
def rectify_item_documents(item_id: int):
    """Search results for linking (an htmx fragment; the item page renders the same without JS)."""
    item = rectify.get_item(g.session, item_id, user=g.user)
    doc_q = _doc_q()
    linked = {e.document_id for e in item.evidence}
    found = _found(item, doc_q)
    return render_template("rectify/_documents.html", item=item, doc_q=doc_q, found=found, linked=linked)


@bp.post("/rectify/items/<int:item_id>/actions/<action>")
@login_required
def rectify_item_act(item_id: int, action: str):
    item = rectify.get_item(g.session, item_id, user=g.user)
    form = request.form
    name = states.ACTIONS.get(action, action[:20])
    try:
        deadline = rectify.parse_date(form.get("deadline"), "新的整改时限")
        rectify.act(g.session, g.actor, item, action, comment=form.get("comment", ""),
                    progress=form.get("progress", ""), opinion=form.get("opinion", ""), deadline=deadline)
    except states.IllegalTransition as e:
        return _refused(item_id, f"未能{name}：{e.message}", 409, form=form, open_action=action)
    except rectify.RectifyError as e:
        return _refused(item_id, f"未能{name}：{e.message}", 400, form=form, open_action=action)
    flash(f"已{name}，当前状态：{states.state_name(item.state)}", "ok")
    return _back(item_id)


@bp.post("/rectify/items/<int:item_id>/evidence")
@login_required
def rectify_item_link(item_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    document_id = lenient_int(request.form.get("document_id"))
    if document_id is None:
        return _refused(item_id, "请输入要关联的文件编号（数字），或按题名搜索后点“关联”", 400)
    try:
        link = evidence.link(g.session, g.actor, item, document_id)
    except rectify.RectifyError as e:
        return _refused(item_id, f"未关联：{e.message}", 404 if e.code == "document_not_found" else 409)
    flash(f"已关联佐证材料《{link.document.title}》", "ok")
    return _back(item_id, "#evidence")


@bp.post("/rectify/items/<int:item_id>/evidence/upload")
@login_required
def rectify_item_upload(item_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    limit = max_bytes()
    if request_too_large(limit):
        return _refused(item_id, f"未上传：{too_large_message(limit)}", 413)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused(item_id, "未上传：请选择要上传的佐证材料文件", 400)
    try:
        result = evidence.upload(g.session, services(), g.actor, item, upload.stream, upload.filename)
    except rectify.RectifyError as e:
        return _refused(item_id, f"未上传：{e.message}", status_for(e) if e.kind != "invalid" else 409)
    doc = result.document
    how = "与档案中已有的文件相同，已直接关联" if result.status == "duplicate" else "已入库、归档并关联"
    flash(f"佐证材料《{doc.title}》{how}（档号 {doc.archive_code or '未编'}）", "ok")
    return _back(item_id, "#evidence")


@bp.post("/rectify/items/<int:item_id>/evidence/<int:document_id>/remove")
@login_required
def rectify_item_unlink(item_id: int, document_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    try:
        evidence.unlink(g.session, g.actor, item, document_id)
    except rectify.RectifyError as e:
        return _refused(item_id, f"未移除：{e.message}", 409)
    flash("已移除该佐证材料的关联（文件仍在档案中）", "ok")
    return _back(item_id, "#evidence")
