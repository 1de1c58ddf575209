"""整改 pages: the feedback batches in scope, one batch (its items, counts and the 佐证材料汇编), the
item list (filters, pages) and the board by state, the 整改台账 download. Importing a 问题清单 is
rectify_import.py; one item's page (actions, evidence, timeline) is rectify_item.py.

Scope, roles, rules and audit live in archive.rectify: these views call the same service functions
as the JSON API (archive/web/api/feedback.py, rectification.py) and the CLI (archive/cli/rectify.py).
"""
from __future__ import annotations

import dataclasses

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.binder import service as volumes
from archive.binder.service import VolumeError
from archive.rectify import binder, deadlines, service as rectify, shapes, states
from archive.rectify.lookups import count_items
from archive.values import lenient_int
from archive.web.errors import mark_failed
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import page_arg, page_count, scope_units, unit_arg, written_download
from archive.web.ui.rectify_common import DUE_DAYS, can_write

PER_PAGE = 50
BOARD_CARDS = 60            # cards per column on the board; the rest through the list


def _count(flt: rectify.ItemFilter, today) -> int:
    return count_items(g.session, user=g.user, flt=flt, today=today)


# ---------------------------------------------------------------------------------------------- batches

@bp.get("/rectify", endpoint="rectify")
@login_required
def batches_page():
    page = page_arg(request.args)
    total, rows = rectify.list_batches(g.session, user=g.user, page=page, per_page=PER_PAGE)
    today = rectify.today()
    batches = []
    for batch in rows:
        counts = rectify.batch_counts(g.session, batch, user=g.user)
        batches.append({"batch": batch, "counts": counts, "total": sum(counts.values()),
                        "overdue": _count(rectify.ItemFilter(batch_id=batch.id, overdue=True), today)})
    summary = deadlines.counts(g.session, g.user, today_=today, days=DUE_DAYS)
    return render_template("rectify/batches.html", batches=batches, total=total, page=page,
                           pages=page_count(total, PER_PAGE), summary=summary, can_write=can_write())


@bp.get("/rectify/batches/<int:batch_id>")
@login_required
def rectify_batch(batch_id: int):
    batch = rectify.get_batch(g.session, batch_id, user=g.user)
    page = page_arg(request.args)
    today = rectify.today()
    result = rectify.list_items(g.session, user=g.user, flt=rectify.ItemFilter(batch_id=batch.id), page=page,
                                per_page=100, today_=today)
    counts = rectify.batch_counts(g.session, batch, user=g.user)
    return render_template(
        "rectify/batch.html", batch=batch, counts=counts, result=result, page=page,
        pages=page_count(result.total, result.per_page), today=today,
        overdue=_count(rectify.ItemFilter(batch_id=batch.id, overdue=True), today),
        due_soon=_count(rectify.ItemFilter(batch_id=batch.id, due_within_days=DUE_DAYS), today),
        can_import=policy.can_edit(g.actor, batch.org), can_bind=can_write(),
        rows=[shapes.item_dict(i, today_=today) for i in result.items])


@bp.post("/rectify/batches/<int:batch_id>/binder")
@login_required
def rectify_batch_binder(batch_id: int):
    """整改佐证材料汇编: the batch's evidence bound as a volume, built in the background."""
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


# ---------------------------------------------------------------------------------------------- items

def _state_arg(value) -> str | None:
    try:
        return states.parse_state(value)
    except ValueError:
        return None


def _item_filter(args) -> tuple[rectify.ItemFilter, dict]:
    """The list's filters from the query string, and the same as URL parameters (for links)."""
    org = unit_arg(args.get("org"))
    state = _state_arg(args.get("state"))
    batch_id = lenient_int(args.get("batch"))
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
    page = page_arg(request.args)
    context = {"view": view, "params": params, "flt": flt, "today": today, "due_days": DUE_DAYS,
               "units": scope_units(), "base_depth": g.user.org.depth,
               "batches": rectify.list_batches(g.session, user=g.user, per_page=200)[1]}
    if view == "board":
        columns = []
        for code in states.STATES:
            if flt.state and flt.state != code:
                continue
            column = dataclasses.replace(flt, state=code)
            result = rectify.list_items(g.session, user=g.user, flt=column, per_page=BOARD_CARDS, today_=today)
            columns.append({"state": code, "total": result.total,
                            "cards": [shapes.item_dict(i, today_=today) for i in result.items]})
        total = sum(c["total"] for c in columns)
        return render_template("rectify/items.html", columns=columns, total=total, **context)
    result = rectify.list_items(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE, today_=today)
    pages = page_count(result.total, PER_PAGE)
    if page > pages:
        page = pages
        result = rectify.list_items(g.session, user=g.user, flt=flt, page=page, per_page=PER_PAGE, today_=today)
    return render_template("rectify/items.html", rows=[shapes.item_dict(i, today_=today) for i in result.items],
                           total=result.total, page=page, pages=pages, **context)


@bp.get("/rectify/export")
@login_required
def rectify_export():
    """The 整改台账 as XLSX (one sheet per batch and a summary), by unit and state, as the API's."""
    org = unit_arg(request.args.get("org"))
    state = _state_arg(request.args.get("state"))
    name = f"整改台账-{(org or g.user.org).name}-{rectify.today().strftime('%Y%m%d')}.xlsx"
    response = written_download(lambda out: deadlines.export_ledger(g.session, g.actor, out, org=org, state=state),
                                name)
    g.session.commit()  # the export's audit row
    return response
