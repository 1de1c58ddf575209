"""Managing accounts (系统管理员 only, within their own subtree)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, require_in_scope
from archive.auth.service import ROLE_NAMES, AuthError, create_user, set_password
from archive.models import ROLES, OrgUnit, User


def get_all(session: Session, actor: Actor) -> list[User]:
    policy.require(policy.can_administer(actor), "只有系统管理员可以管理用户")
    stmt = select(User).join(OrgUnit, OrgUnit.id == User.org_id).options(joinedload(User.org))
    if actor.user is not None:
        stmt = stmt.where(OrgUnit.lineage.startswith(actor.user.org.lineage))
    return list(session.scalars(stmt.order_by(OrgUnit.path, User.username)))


def get(session: Session, actor: Actor, user_id: int) -> User:
    policy.require(policy.can_administer(actor), "只有系统管理员可以管理用户")
    user = session.get(User, user_id)
    if user is None:
        raise OutOfScope()
    if actor.user is not None:
        require_in_scope(actor.user, user.org)
    return user


def create(session: Session, actor: Actor, *, username: str, org: OrgUnit, role: str, password: str,
           display_name: str | None = None, can_view_personal: bool = False) -> User:
    policy.require(policy.can_administer(actor), "只有系统管理员可以新建用户")
    if actor.user is not None:
        require_in_scope(actor.user, org)
    _check_lengths(username=username, display_name=display_name)
    user = create_user(session, username=username, org=org, role=role, password=password)
    user.display_name = (display_name or "").strip() or None
    user.can_view_personal = bool(can_view_personal)
    audit.record(session, actor, "user_create", object_type="user", object_id=user.id, org_id=org.id,
                 summary=f"{user.username}（{ROLE_NAMES[role]}，{org.path}）"
                         + ("，可查看完整号码" if can_view_personal else ""))
    return user


def update(session: Session, actor: Actor, user_id: int, *, role: str | None = None, org: OrgUnit | None = None,
           active: bool | None = None, display_name: str | None = None, password: str | None = None,
           can_view_personal: bool | None = None) -> User:
    user = get(session, actor, user_id)
    if password and len(password) < 8:  # checked before anything changes
        raise AuthError("weak_password", "密码至少 8 位")
    if actor.user is not None and actor.user.id == user.id and (active is False or (role and role != "admin")):
        raise AuthError("self_lockout", "不能停用自己或取消自己的管理员角色")
    _check_lengths(display_name=display_name)
    before, after = {}, {}

    def change(field: str, old, new):
        if new is not None and old != new:
            before[field], after[field] = old, new
            return True
        return False

    if role is not None and role not in ROLES:
        raise AuthError("bad_role", f"角色无效：{role}")
    if change("role", user.role, role):
        user.role = role
    if org is not None:
        if actor.user is not None:
            require_in_scope(actor.user, org)
        if change("org", user.org.path, org.path):
            user.org = org
    if change("active", user.active, active):
        user.active = active
    # The right to see ID and phone numbers unmasked (each such view is audited on its own).
    if change("can_view_personal", bool(user.can_view_personal), can_view_personal):
        user.can_view_personal = can_view_personal
    if display_name is not None and change("display_name", user.display_name, display_name.strip() or None):
        user.display_name = display_name.strip() or None
    if password:
        set_password(user, password)
        before["password"], after["password"] = "***", "（已重置）"
    if after:
        audit.record(session, actor, "user_edit", object_type="user", object_id=user.id, org_id=user.org_id,
                     summary=user.username, changes={"before": before, "after": after})
    return user


MAX_NAME_LENGTH = 100  # users.username and users.display_name are VARCHAR(100)


def _check_lengths(*, username: str | None = None, display_name: str | None = None) -> None:
    # Checked here so an over-long value is a clear message rather than a database error.
    if username is not None and len(username.strip()) > MAX_NAME_LENGTH:
        raise AuthError("bad_username", f"用户名不能超过 {MAX_NAME_LENGTH} 个字符")
    if display_name is not None and len(display_name.strip()) > MAX_NAME_LENGTH:
        raise AuthError("bad_display_name", f"姓名不能超过 {MAX_NAME_LENGTH} 个字符")
