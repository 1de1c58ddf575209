"""The side menu and what every template may use: the signed-in user, role names, the menu items
this user sees (by role, and only pages that exist), the view names (for optional links)."""
from __future__ import annotations

from flask import current_app, g, request, url_for

from archive.auth import service as auth
from archive.web.ui.base import bp

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
