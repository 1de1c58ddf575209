"""The review queue (分类审核): documents the rules were not sure about, for a person to decide.

A person accepts the proposal as is (in bulk) or corrects it row by row; either way the document is
filed (archive.classify.service: scope, role, filing and audit live there).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.classify.service import ClassificationError, accept, decide, review_queue
from archive.models import Document
from archive.standards import LEVELS, Scheme, level_of
from archive.web.errors import mark_failed
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import id_list, page_arg, page_count

PER_PAGE = 50
NOT_POVERTY = "not_poverty"


@dataclass
class ClassGroup:
    """One <optgroup>: a top class and the leaf classes under it (the top class itself when it is a leaf)."""
    code: str
    name: str
    leaves: list


def _require_reviewer() -> None:
    policy.require(policy.can_upload(g.actor), "当前角色不能审核分类")


def _scheme_of(doc: Document) -> Scheme:
    standards = services().standards
    return standards.schemes.get(doc.scheme_id or "") or standards.scheme_for(path=doc.org.path, code=doc.org.code)


def _top_of(scheme: Scheme, code: str) -> str:
    cls = scheme.classes[code]
    while cls.parent is not None and cls.parent in scheme.classes:
        cls = scheme.classes[cls.parent]
    return cls.code


def _groups(scheme: Scheme, level: str) -> list[ClassGroup]:
    """The leaf classes a unit of `level` may use, grouped by top class, in the scheme's order."""
    groups: dict[str, ClassGroup] = {}
    for leaf in scheme.leaves(level if level in LEVELS else None):
        top = scheme.classes[_top_of(scheme, leaf.code)]
        groups.setdefault(top.code, ClassGroup(top.code, top.name, [])).leaves.append(leaf)
    return list(groups.values())


@dataclass
class Row:
    doc: Document
    category: dict | None   # {"code", "name"} of the proposal, None without one
    retention_name: str | None
    percent: int | None
    groups: list[ClassGroup]


def _rows(docs: list[Document]) -> list[Row]:
    retention = services().standards.retention
    cache: dict[tuple[str, str], list[ClassGroup]] = {}
    rows = []
    for doc in docs:
        scheme = _scheme_of(doc)
        level = level_of(doc.org.path, doc.org.depth)
        groups = cache.get((scheme.id, level))
        if groups is None:
            groups = cache[(scheme.id, level)] = _groups(scheme, level)
        category = None
        if doc.category_code and doc.is_poverty_record is not False:
            cls = scheme.classes.get(doc.category_code)
            category = {"code": doc.category_code, "name": cls.name if cls else None}
        period = retention.get(doc.retention or "") if doc.is_poverty_record is not False else None
        percent = None if doc.confidence is None else round(doc.confidence * 100)
        rows.append(Row(doc, category, period.name if period else (doc.retention or None), percent, groups))
    return rows


@bp.get("/review")
@login_required
def review():
    _require_reviewer()
    page = page_arg(request.args)
    total, docs = review_queue(g.session, g.actor, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    if page > pages:
        page = pages
        total, docs = review_queue(g.session, g.actor, page=page, per_page=PER_PAGE)
    return render_template("review/queue.html", rows=_rows(docs), total=total, page=page, pages=pages,
                           retention=services().standards.retention, not_poverty=NOT_POVERTY)


@bp.post("/review/<int:document_id>")
@login_required
def review_decide(document_id: int):
    _require_reviewer()
    page = page_arg(request.form)
    back = redirect(url_for("ui.review", page=page if page > 1 else None))
    category = request.form.get("category", "").strip()
    if not category:
        flash("请选择类目，或选择“不是扶贫档案”", "error")
        return back
    is_poverty = category != NOT_POVERTY
    try:
        doc = decide(g.session, services().standards, g.actor, document_id, is_poverty=is_poverty,
                     category_code=category if is_poverty else None,
                     retention=request.form.get("retention", "").strip() or None)
    except ClassificationError as e:
        g.session.rollback()
        mark_failed()
        flash(e.message, "error")
        return back
    if not is_poverty:
        flash(f"已标记为非扶贫档案：{doc.title[:60]}", "ok")
    elif doc.archive_code:
        flash(f"已归档：{doc.archive_code}", "ok")
    else:
        flash(f"已保存分类；文件缺少年度，请在文件详情中填写年度后自动归档：{doc.title[:60]}", "info")
    return back


@bp.post("/review/accept")
@login_required
def review_accept():
    _require_reviewer()
    page = page_arg(request.form)
    back = redirect(url_for("ui.review", page=page if page > 1 else None))
    ids = id_list(request.form.getlist("ids"))
    if ids is None:
        flash("所选文件无效，请刷新页面后重试", "error")
        return back
    ids = list(dict.fromkeys(ids))
    if not ids:
        flash("请先勾选要接受建议的文件", "error")
        return back
    try:
        docs = accept(g.session, services().standards, g.actor, ids)
    except ClassificationError as e:
        g.session.rollback()
        mark_failed()
        flash(f"{e.message}。本次未做任何更改。", "error")
        return back
    codes = [d.archive_code for d in docs if d.archive_code]
    not_poverty = sum(1 for d in docs if d.is_poverty_record is False)
    unfiled = len(docs) - len(codes) - not_poverty
    parts = [f"已接受 {len(docs)} 件文件的建议"]
    if codes:
        parts.append(f"归档 {len(codes)} 件：{'、'.join(codes)}")
    if not_poverty:
        parts.append(f"{not_poverty} 件标记为非扶贫档案")
    if unfiled:
        parts.append(f"{unfiled} 件缺少年度，暂未生成档号")
    flash("；".join(parts), "ok")
    return back
