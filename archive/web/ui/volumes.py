"""案卷 pages: the volumes in scope, composing one (pick documents, reorder, preview the table of
contents), following its build, downloading the PDF.

Scope, roles and audit live in archive.binder.service: these views call the same functions as the
JSON API (archive/web/api/volumes.py), and the build runs as the "volume_build" job.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import flash, g, redirect, render_template, request, url_for

from archive.auth import policy
from archive.binder import service as binder
from archive.binder.build import pdf_path
from archive.binder.service import VolumeError
from archive.clock import local_time
from archive.documents import service as documents
from archive.models import Document, OrgUnit
from archive.standards import Scheme
from archive.values import InvalidValue, lenient_int, parse_year
from archive.web.errors import error_page, mark_failed
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import download, id_list, page_arg, page_count, unit_arg, writable_units

PER_PAGE = 50
STATUS_LABELS = {"queued": ("排队中", "warn"), "building": ("生成中", "warn"), "done": ("完成", "ok"),
                 "failed": ("失败", "bad")}
ACTIVE = ("queued", "building")
# Which form field a refusal is about (the rest are shown above the document list).
ERROR_FIELDS = {"invalid_year": "year", "missing_year": "year", "missing_category": "category", "invalid_category": "category",
                "invalid_retention": "retention"}
TEXT_FIELDS = ("title", "made_by", "checked_by", "filing_no", "remarks")
FLAGS = {"double_sided": False, "spine": False, "filing_stamp": True}


@bp.app_template_filter("volume_time")
def volume_time(moment) -> str:
    return local_time(moment, "%Y-%m-%d %H:%M") if moment is not None else "—"


def _require_composer() -> None:
    policy.require(policy.can_upload(g.actor), "当前角色不能组卷")


def _unit(value) -> OrgUnit:
    """The unit asked for (?org=<id>), the user's own when none; out of scope answers 404."""
    return unit_arg(value, g.user.org)


# ---------------------------------------------------------------------------------------------- list

@bp.get("/volumes")
@login_required
def volumes():
    page = page_arg(request.args)
    total, rows = binder.list_for(g.session, user=g.user, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    if page > pages:
        page = pages
        total, rows = binder.list_for(g.session, user=g.user, page=page, per_page=PER_PAGE)
    counts = binder.item_counts(g.session, [v.id for v in rows])
    standards = services().standards
    return render_template("volumes/list.html", rows=rows, counts=counts, total=total, page=page, pages=pages,
                           class_name=lambda v: binder.class_name(standards, v.scheme_id, v.category_code),
                           volume_status=STATUS_LABELS, can_compose=policy.can_edit(g.actor, g.user.org))


# ---------------------------------------------------------------------------------------------- compose

@dataclass
class ClassOption:
    code: str
    name: str
    depth: int
    retention: str


def _class_options(scheme: Scheme) -> list[ClassOption]:
    """Every class of the scheme in file order (a class binds its sub-classes too), indented."""
    def depth(code: str) -> int:
        n, parent = 0, scheme.classes[code].parent
        while parent and parent in scheme.classes:
            n, parent = n + 1, scheme.classes[parent].parent
        return n

    return [ClassOption(c.code, c.name, depth(c.code), c.retention) for c in scheme.classes.values()]


@dataclass
class Compose:
    """Everything the compose page shows; `docs` is None until the documents are listed."""
    unit: OrgUnit
    year: str
    category: str
    retention: str                   # as chosen; "" = the class's
    fields: dict
    docs: list[Document] | None = None
    checked: set[int] = field(default_factory=set)
    proposed_title: str = ""
    preview: dict | None = None
    preview_error: str | None = None
    error: str | None = None
    error_field: str | None = None
    spec_retention: str = ""         # the resolved code the listing was made with


def _filter_spec(source) -> binder.Spec:
    """Unit, year, class and retention (default: the class's) from the form, checked as the API does."""
    standards = services().standards
    org = _unit(source.get("org"))
    year = parse_year(source.get("year"))
    category = str(source.get("category") or "").strip()
    scheme = binder.scheme_of(standards, org)
    if not category:
        raise VolumeError("missing_category", "请选择类目")
    if category not in scheme.classes:
        raise VolumeError("invalid_category", f"类目“{category[:20]}”在分类方案“{scheme.name}”中不存在")
    retention = str(source.get("retention") or "").strip() or scheme.classes[category].retention
    return binder.Spec(
        org=org, category=category, year=year, retention=binder.parse_retention(standards, retention),
        title=str(source.get("title") or ""), filing_no=str(source.get("filing_no") or ""),
        made_by=str(source.get("made_by") or ""), checked_by=str(source.get("checked_by") or ""),
        remarks=str(source.get("remarks") or ""),
        double_sided=source.get("double_sided") == "1", spine=source.get("spine") == "1",
        filing_stamp=source.get("filing_stamp") == "1")


def _ordered_ids(form) -> list[int]:
    """The ticked documents in the order of the rows on the page (hidden `order` inputs in DOM order)."""
    def ints(values) -> list[int]:
        ids = id_list(values)
        if ids is None:
            raise VolumeError("invalid_documents", "所选文件无效，请重新列出文件")
        return ids

    order, ticked = ints(form.getlist("order")), ints(form.getlist("documents"))
    chosen = set(ticked)
    ids = [i for i in dict.fromkeys(order) if i in chosen]
    ids += [i for i in dict.fromkeys(ticked) if i not in set(ids)]
    if not ids:
        raise VolumeError("no_documents", "请至少勾选一份文件")
    return ids


def _default_fields() -> dict:
    return {"title": "", "made_by": g.user.display_name or g.user.username, "checked_by": "", "filing_no": "",
            "remarks": "", **FLAGS}


def _posted_fields(form) -> dict:
    return {**{name: form.get(name, "") for name in TEXT_FIELDS}, **{name: form.get(name) == "1" for name in FLAGS}}


def _list_documents(state: Compose, source, order: list[int] | None = None, checked: set[int] | None = None) -> None:
    """Fill in the candidates (in `order` when the page sent one) and the preview of the ticked ones."""
    standards = services().standards
    try:
        spec = _filter_spec(source)
    except (VolumeError, InvalidValue) as e:
        state.error = state.error or e.message
        state.error_field = state.error_field or ERROR_FIELDS.get(e.code)
        return
    state.spec_retention = spec.retention
    docs = binder.candidates(g.session, standards, user=g.user, org=spec.org, category=spec.category,
                             year=spec.year, retention=spec.retention)
    if len(docs) > binder.MAX_DOCUMENTS:  # never bind the first 2,000 silently
        state.error = f"符合条件的文件超过 {binder.MAX_DOCUMENTS} 份，请按下级单位或类目分卷"
        return
    if order:
        rank = {doc_id: n for n, doc_id in enumerate(order)}
        docs.sort(key=lambda d: rank.get(d.id, len(rank)))
    state.docs = docs
    state.checked = {d.id for d in docs} if checked is None else checked & {d.id for d in docs}
    name = binder.class_name(standards, binder.scheme_of(standards, spec.org).id, spec.category)
    state.proposed_title = binder.propose_title(spec.org, spec.year, name, docs)
    ticked = [d.id for d in docs if d.id in state.checked]
    if ticked:
        try:
            state.preview = binder.preview(g.session, standards, g.user,
                                           replace(spec, documents=ticked, title=state.fields.get("title", "")),
                                           renditions=binder.renditions_of(services()))
        except (VolumeError, InvalidValue) as e:
            state.preview_error = e.message


def _render_compose(state: Compose, status: int = 200):
    standards = services().standards
    scheme = binder.scheme_of(standards, state.unit)
    classes = _class_options(scheme)
    class_retention = scheme.classes[state.category].retention if state.category in scheme.classes else ""
    years = [y for y, _ in documents.year_counts(g.session, user=g.user) if y is not None]
    units = writable_units()
    return render_template("volumes/new.html", s=state, units=units, classes=classes, years=years,
                           retention=standards.retention, class_retention=class_retention,
                           base_depth=g.user.org.depth), status


@bp.get("/volumes/new")
@login_required
def volumes_new():
    _require_composer()
    args = request.args
    years = [y for y, _ in documents.year_counts(g.session, user=g.user) if y is not None]
    state = Compose(unit=_unit(args.get("org")), year=args.get("year", str(years[0]) if years else "").strip(),
                    category=args.get("category", "").strip(), retention=args.get("retention", "").strip(),
                    fields=_default_fields())
    if args.get("list"):
        _list_documents(state, args)
    return _render_compose(state)


@bp.post("/volumes/new")
@login_required
def volumes_create():
    _require_composer()
    form = request.form
    fields = _posted_fields(form)
    try:
        spec = replace(_filter_spec(form), documents=_ordered_ids(form))
        volume = binder.create(g.session, services().standards, g.actor, spec)
    except (VolumeError, InvalidValue) as e:
        g.session.rollback()
        mark_failed()
        state = Compose(unit=_unit(form.get("org")), year=form.get("year", "").strip(),
                        category=form.get("category", "").strip(), retention=form.get("retention", "").strip(),
                        fields=fields, error=e.message, error_field=ERROR_FIELDS.get(e.code))
        order = [i for i in (lenient_int(v) for v in form.getlist("order")) if i is not None]
        checked = {i for i in (lenient_int(v) for v in form.getlist("documents")) if i is not None}
        _list_documents(state, form, order=order, checked=checked)
        return _render_compose(state, 422)
    volume_id, message = volume.id, f"已提交组卷：{volume.title}（{len(volume.items)} 件），正在后台生成 PDF"
    binder.start_build(g.session, g.actor, volume)
    flash(message, "info")
    return redirect(url_for("ui.volumes_detail", volume_id=volume_id))


@bp.post("/volumes/<int:volume_id>/build")
@login_required
def volumes_rebuild(volume_id: int):
    """重新生成: a failed volume, after its documents were fixed."""
    volume = binder.get(g.session, volume_id, user=g.user)
    try:
        binder.retry(g.session, g.actor, volume)
    except (VolumeError, InvalidValue) as e:
        flash(e.message, "error")
        return redirect(url_for("ui.volumes_detail", volume_id=volume_id))
    flash("已重新提交生成", "info")
    return redirect(url_for("ui.volumes_detail", volume_id=volume_id))


@bp.post("/volumes/preview")
@login_required
def volumes_preview():
    """The 卷内文件目录 the ticked documents would get, in the page's order (an htmx fragment)."""
    _require_composer()
    try:
        spec = replace(_filter_spec(request.form), documents=_ordered_ids(request.form))
        preview = binder.preview(g.session, services().standards, g.user, spec,
                                 renditions=binder.renditions_of(services()))
    except (VolumeError, InvalidValue) as e:
        mark_failed()
        return render_template("volumes/_preview.html", preview=None, error=e.message)
    return render_template("volumes/_preview.html", preview=preview, error=None)


@bp.get("/volumes/classes")
@login_required
def volumes_classes():
    """<option>s of the chosen unit's scheme, for the 类目 select when the unit changes (htmx)."""
    _require_composer()
    unit = _unit(request.args.get("org"))
    scheme = binder.scheme_of(services().standards, unit)
    return render_template("volumes/_class_options.html", classes=_class_options(scheme),
                           selected=request.args.get("category", "").strip())


# ---------------------------------------------------------------------------------------------- one volume

def _live(volume_id: int) -> dict:
    volume = binder.get(g.session, volume_id, user=g.user)
    info = binder.build_job(g.session, volume)
    percent = 100 if volume.status == "done" else round(100 * (info["progress"] if info else 0))
    return {"volume": volume, "job": info, "percent": max(0, min(percent, 100)),
            "active": volume.status in ACTIVE, "volume_status": STATUS_LABELS,
            "can_compose": policy.can_edit(g.actor, volume.org),
            "class_name": binder.class_name(services().standards, volume.scheme_id, volume.category_code),
            "retention_name": getattr(services().standards.retention.get(volume.retention), "name", volume.retention)}


@bp.get("/volumes/<int:volume_id>")
@login_required
def volumes_detail(volume_id: int):
    return render_template("volumes/detail.html", **_live(volume_id))


@bp.get("/volumes/<int:volume_id>/status")
@login_required
def volumes_status(volume_id: int):
    """The part of the volume page that changes while it builds; polled every second until done."""
    return render_template("volumes/_live.html", **_live(volume_id))


@bp.get("/volumes/<int:volume_id>/pdf")
@login_required
def volumes_pdf(volume_id: int):
    volume = binder.get(g.session, volume_id, user=g.user)
    path = pdf_path(services().settings.volumes_dir, volume.id)
    if volume.status != "done" or not path.exists():
        label = STATUS_LABELS.get(volume.status, (volume.status, ""))[0]
        return error_page(409, f"案卷尚未生成（状态：{label}），生成完成后才能下载")
    binder.record_download(g.session, g.actor, volume)
    name = f"{volume.archive_code or volume.id}-{volume.title[:60]}.pdf"
    g.session.commit()
    return download(path, name, "application/pdf")

