"""系统管理 pages: users, org units and the audit log.

Admin-only throughout, through the services: they refuse other roles (Forbidden → 403), keep to the
admin's own subtree (OutOfScope → 404) and write the audit log. The views only read the form, call
one service and render.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

from flask import flash, g, redirect, render_template, request, url_for

from archive.audit import service as audit
from archive.auth import policy, users
from archive.auth.scope import OutOfScope
from archive.auth.service import ROLE_NAMES, AuthError
from archive.clock import LOCAL_TZ, LOCAL_TZ_NAME, local_time, utcnow
from archive.models import ACTIONS, OrgUnit
from archive.orgs import service as orgs
from archive.values import lenient_int
from archive.web.ui.base import bp, login_required, start_session
from archive.web.ui.forms import MB, page_arg, page_count, scope_units, written_download

AUDIT_PER_PAGE = 50
USER_AUDIT_ROWS = 20
MAX_CSV_BYTES = 5 * MB
MAX_IMPORT_ERRORS_SHOWN = 50

OBJECT_TYPES = {"document": "文件", "user": "用户", "org": "单位", "audit": "审计日志"}
FIELD_LABELS = {
    "title": "题名", "doc_number": "文号", "author": "责任者", "doc_date": "成文日期", "year": "年度",
    "role": "角色", "org": "单位", "active": "状态", "display_name": "姓名", "password": "密码",
    "can_view_personal": "可查看完整号码",
}
# Which form field an AuthError / OrgError belongs next to.
USER_ERROR_FIELDS = {"bad_username": "username", "user_exists": "username", "bad_role": "role",
                     "weak_password": "password", "bad_display_name": "display_name", "self_lockout": "active"}
ORG_ERROR_FIELDS = {"bad_path": "name", "org_exists": "name", "bad_code": "code", "code_conflict": "code"}


# ---------------------------------------------------------------- helpers for the templates

def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if field == "active" and isinstance(value, bool):
        return "启用" if value else "停用"
    if field == "role":
        return ROLE_NAMES.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def change_lines(changes) -> list[tuple[str, str, str]]:
    """An edit's {"before": {...}, "after": {...}} as (field label, before, after) lines."""
    if not isinstance(changes, dict):
        return []
    before, after = changes.get("before"), changes.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("内容", "", str(changes))]
    fields = list(after) + [f for f in before if f not in after]
    return [(FIELD_LABELS.get(f, f), _shown(f, before.get(f)), _shown(f, after.get(f))) for f in fields]


def _render(template: str, status: int = 200, **context):
    context.update(local_time=local_time, change_lines=change_lines, action_names=ACTIONS,
                   object_types=OBJECT_TYPES, role_choices=list(ROLE_NAMES.items()))
    return render_template(template, **context), status


def _require_admin(message: str) -> None:
    # The rule itself lives in policy; pages that only show a form ask it before the service would.
    policy.require(policy.can_administer(g.actor), message)


def _chosen_org(raw: str, errors: dict, field: str = "org") -> OrgUnit | None:
    org_id = lenient_int(raw)
    unit = orgs.get(g.session, org_id) if org_id else None
    if unit is None:
        errors[field] = "请选择单位"
    return unit


# ---------------------------------------------------------------- users

@bp.get("/admin/users")
@login_required
def admin_users():
    people = users.get_all(g.session, g.actor)
    return _render("admin/users.html", users=people, now=utcnow())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def admin_users_new():
    _require_admin("只有系统管理员可以新建用户")
    form = {"username": "", "display_name": "", "role": "clerk", "org": str(g.user.org_id)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: request.form.get(name, "").strip() for name in form}
        form["can_view_personal"] = request.form.get("can_view_personal") == "1"
        password, password2 = request.form.get("password", ""), request.form.get("password2", "")
        if not form["username"]:
            errors["username"] = "请填写用户名"
        if form["role"] not in ROLE_NAMES:
            errors["role"] = "请选择角色"
        org = _chosen_org(form["org"], errors)
        if not password:
            errors["password"] = "请设置初始密码"
        elif password != password2:
            errors["password2"] = "两次输入的密码不一致"
        if not errors:
            try:
                user = users.create(g.session, g.actor, username=form["username"], org=org, role=form["role"],
                                    password=password, display_name=form["display_name"],
                                    can_view_personal=form["can_view_personal"])
            except AuthError as e:
                g.session.rollback()
                errors[USER_ERROR_FIELDS.get(e.code, "form")] = e.message
            except OutOfScope:
                g.session.rollback()
                errors["org"] = "单位不存在或不在管辖范围内"
            else:
                flash(f"已新建用户“{user.username}”（{ROLE_NAMES[user.role]}，{user.org.path}）", "ok")
                return redirect(url_for("ui.admin_users"))
    return _render("admin/user_form.html", 422 if errors else 200, user=None, form=form, errors=errors,
                   units=scope_units())


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_users_edit(user_id: int):
    user = users.get(g.session, g.actor, user_id)
    form = {"display_name": user.display_name or "", "role": user.role, "org": str(user.org_id),
            "active": user.active, "can_view_personal": bool(user.can_view_personal)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {name: request.form.get(name, "").strip() for name in ("display_name", "role", "org")}
        form["active"] = request.form.get("active") == "1"
        form["can_view_personal"] = request.form.get("can_view_personal") == "1"
        password, password2 = request.form.get("password", ""), request.form.get("password2", "")
        org = _chosen_org(form["org"], errors)
        if password and password != password2:
            errors["password2"] = "两次输入的密码不一致"
        if not errors:
            try:
                users.update(g.session, g.actor, user.id, role=form["role"], org=org, active=form["active"],
                             display_name=form["display_name"], password=password or None,
                             can_view_personal=form["can_view_personal"])
            except AuthError as e:
                g.session.rollback()  # update may have changed some fields before refusing another
                errors[USER_ERROR_FIELDS.get(e.code, "form")] = e.message
            except OutOfScope:
                g.session.rollback()
                errors["org"] = "单位不存在或不在管辖范围内"
            else:
                if password and user.id == g.user.id:
                    start_session(g.user)  # the admin's own new password: keep this session signed in
                flash(f"已保存用户“{user.username}”" + ("，密码已重置" if password else ""), "ok")
                return redirect(url_for("ui.admin_users"))
    _, events = audit.get_log(g.session, g.actor, audit.AuditFilter(username=user.username),
                              per_page=USER_AUDIT_ROWS)
    return _render("admin/user_form.html", 422 if errors else 200, user=user, form=form, errors=errors,
                   units=scope_units(), events=events, now=utcnow())


# ---------------------------------------------------------------- org units

def _orgs_page(*, form: dict | None = None, errors: dict | None = None, import_errors: list | None = None,
               status: int = 200):
    _require_admin("只有系统管理员可以管理单位")
    counts = Counter(u.org_id for u in users.get_all(g.session, g.actor))
    units = scope_units()
    base_depth = g.user.org.depth
    rows = [{"unit": u, "indent": min(max(u.depth - base_depth, 0), 7), "users": counts.get(u.id, 0)}
            for u in units]
    if form is None:
        parent = lenient_int(request.args.get("parent"))
        form = {"parent": str(parent or g.user.org_id), "name": "", "code": ""}
    shown = (import_errors or [])[:MAX_IMPORT_ERRORS_SHOWN]
    more = len(import_errors or []) - len(shown)
    return _render("admin/orgs.html", status, rows=rows, units=units, form=form, errors=errors or {},
                   import_errors=shown, import_errors_more=more)


@bp.get("/admin/orgs")
@login_required
def admin_orgs():
    return _orgs_page()


@bp.post("/admin/orgs/new")
@login_required
def admin_orgs_new():
    form = {name: request.form.get(name, "").strip() for name in ("parent", "name", "code")}
    errors: dict[str, str] = {}
    parent = _chosen_org(form["parent"], errors, "parent")
    if not form["name"]:
        errors["name"] = "请填写单位名称"
    if not errors:
        try:
            unit = orgs.create_child(g.session, g.actor, parent, form["name"], form["code"] or None)
        except orgs.OrgError as e:
            g.session.rollback()
            errors[ORG_ERROR_FIELDS.get(e.code, "name")] = e.message
        except OutOfScope:
            g.session.rollback()
            errors["parent"] = "上级单位不存在或不在管辖范围内"
        else:
            flash(f"已新建单位“{unit.path}”", "ok")
            return redirect(url_for("ui.admin_orgs"))
    return _orgs_page(form=form, errors=errors, status=422)


@bp.post("/admin/orgs/import")
@login_required
def admin_orgs_import():
    upload = request.files.get("csv_file")
    problems: list[str] = []
    if upload is None or not upload.filename:
        problems.append("请选择要导入的 CSV 文件")
    else:
        data = upload.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            problems.append(f"CSV 文件过大（上限 {MAX_CSV_BYTES // MB} MB）")
        else:
            try:
                result = orgs.import_units(g.session, g.actor, data)
            except orgs.OrgError as e:
                problems.append(e.message)
            except csv.Error as e:
                problems.append(f"CSV 格式错误：{e}")
            else:
                if not result.errors:
                    flash(f"导入完成：共 {result.rows} 行，新建 {result.created} 个单位，"
                          f"更新区划代码 {result.updated_codes} 个", "ok")
                    return redirect(url_for("ui.admin_orgs"))
                problems.extend(result.errors)
    g.session.rollback()  # any error imports nothing
    return _orgs_page(import_errors=problems, status=422)


# ---------------------------------------------------------------- audit log

def _audit_filter(*, announce: bool) -> tuple[audit.AuditFilter, dict]:
    """The filter from the query string, and the arguments to keep in links. Bad dates are dropped."""
    args = request.args
    values = {name: args.get(name, "").strip()
              for name in ("username", "action", "date_from", "date_to", "object_type", "object_id")}
    if values["action"] and values["action"] not in ACTIONS:
        values["action"] = ""
    dates: dict[str, dt.date | None] = {}
    for name in ("date_from", "date_to"):
        dates[name] = None
        if not values[name]:
            continue
        try:
            day = dt.date.fromisoformat(values[name])
            if not 1900 <= day.year <= 2999:
                raise ValueError
            dates[name] = day
        except ValueError:
            if announce:
                label = "开始日期" if name == "date_from" else "结束日期"
                flash(f"{label}“{values[name][:20]}”无效，已忽略（格式：年-月-日，如 2024-05-01）", "error")
            values[name] = ""
    flt = audit.AuditFilter(username=values["username"] or None, action=values["action"] or None,
                            object_type=values["object_type"] or None, object_id=values["object_id"] or None,
                            date_from=dates["date_from"], date_to=dates["date_to"], tz=LOCAL_TZ)
    return flt, {k: v for k, v in values.items() if v}


def _describe(flt: audit.AuditFilter) -> str:
    parts = []
    if flt.username:
        parts.append(f"用户 {flt.username}")
    if flt.action:
        parts.append(f"操作 {ACTIONS[flt.action]}")
    if flt.object_type:
        parts.append(f"对象类型 {flt.object_type}")
    if flt.object_id:
        parts.append(f"对象编号 {flt.object_id}")
    if flt.date_from or flt.date_to:
        parts.append(f"日期 {flt.date_from or '…'} 至 {flt.date_to or '…'}")
    return "，".join(parts) or "全部"


@bp.get("/admin/audit")
@login_required
def admin_audit():
    flt, kept = _audit_filter(announce=True)
    page = page_arg(request.args)
    total, events = audit.get_log(g.session, g.actor, flt, page=page, per_page=AUDIT_PER_PAGE)
    pages = page_count(total, AUDIT_PER_PAGE)
    return _render("admin/audit.html", events=events, total=total, page=page, pages=pages,
                   page_numbers=_page_window(page, pages), values=kept, actions=ACTIONS,
                   tz_name=LOCAL_TZ_NAME)


def _page_window(page: int, pages: int, width: int = 3) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: None marks a gap."""
    keep = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    out: list[int | None] = []
    for n in sorted(keep):
        if out and out[-1] is not None and n > out[-1] + 1:
            out.append(None)
        out.append(n)
    return out


@bp.get("/admin/audit.xlsx")
@login_required
def admin_audit_export():
    flt, _ = _audit_filter(announce=False)
    return written_download(
        lambda out: audit.export_xlsx(g.session, g.actor, flt, out, tz=LOCAL_TZ, tz_name=LOCAL_TZ_NAME,
                                      description=_describe(flt)),
        f"审计日志-{local_time(utcnow(), '%Y%m%d')}.xlsx")
