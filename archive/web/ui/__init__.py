"""HTML pages (Jinja2 + htmx). Views stay thin: parse the request, call one service, render.

Every page view runs with `g.session` (one unit of work per request, committed at the end) and,
behind `login_required`, `g.user` and `g.actor`.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session, url_for

from archive.auth import service as auth
from archive.auth.actor import Actor
from archive.auth.policy import Forbidden
from archive.auth.scope import OutOfScope
from archive.models import User
from archive.errors import DomainError
from archive.web.errors import error_page, status_for
from archive.web.session import services, unit_of_work

bp = Blueprint("ui", __name__)
unit_of_work(bp)


@bp.before_request
def load_user():
    g.user = None
    user_id = session.get("uid")
    if user_id is not None:
        user = g.session.get(User, user_id)
        # A disabled account, or one whose password changed since, loses its session at once.
        if user is not None and user.active and session.get("pw") == _password_stamp(user):
            g.user = user
            g.actor = Actor(user, request.remote_addr, request.user_agent.string)
        else:
            session.clear()


# The side menu: (group heading, label, endpoint, roles that see it; None = everyone).
NAV = [
    (None, "首页", "ui.home", None),
    (None, "浏览档案", "ui.browse", None),
    (None, "全文检索", "ui.search_page", None),
    (None, "完整性检查", "ui.completeness", None),
    (None, "上传文件", "ui.upload", ("admin", "clerk")),
    (None, "分类审核", "ui.review", ("admin", "clerk")),
    (None, "案卷", "ui.volumes", None),
    (None, "整改", "ui.rectify", None),
    (None, "台账", "ui.ledgers", None),
    (None, "一户一档", "ui.households", None),
    ("系统管理", "回收站", "ui.trash", ("admin",)),
    (None, "用户管理", "ui.admin_users", ("admin",)),
    (None, "单位管理", "ui.admin_orgs", ("admin",)),
    (None, "审计日志", "ui.admin_audit", ("admin",)),
]


def nav_items() -> list[dict]:
    user = g.get("user")
    if user is None:
        return []
    items, group_shown = [], set()
    for group, label, endpoint, roles in NAV:
        if endpoint not in current_app.view_functions or (roles and user.role not in roles):
            continue
        heading = group if group and group not in group_shown else None
        group_shown.add(group)
        items.append({"group": heading, "label": label, "url": url_for(endpoint),
                      "active": request.endpoint == endpoint or (request.endpoint or "").startswith(endpoint + "_")})
    return items


@bp.app_context_processor
def inject_user():
    return {"current_user": g.get("user"), "role_names": auth.ROLE_NAMES, "nav_items": nav_items,
            "view_names": current_app.view_functions}


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("ui.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper


def _password_stamp(user: User) -> str:
    return (user.password_hash or "")[-16:]


def start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["pw"] = _password_stamp(user)


def safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ?next= must not send people to another host."""
    if not target:
        return url_for("ui.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.home")
    return target



@bp.errorhandler(DomainError)
def _refused(exc: DomainError):
    return error_page(status_for(exc), exc.message)


@bp.errorhandler(OutOfScope)
def _not_found(exc):
    return error_page(404)


@bp.errorhandler(Forbidden)
def _forbidden(exc):
    return error_page(403, exc.message)


from archive.web.ui import admin, auth_views, completeness, documents, ledgers, pages, rectify, review, search_views, volumes  # noqa: E402,F401  (routes register on bp)
