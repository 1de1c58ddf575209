"""Users and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from archive.models import ROLES, ApiToken, OrgUnit, User
from archive.models.base import utcnow

ROLE_NAMES = {"admin": "系统管理员", "clerk": "档案员", "inspector": "检查人员", "viewer": "领导"}


class AuthError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def create_user(session: Session, *, username: str, org: OrgUnit, role: str, password: str | None) -> User:
    username = username.strip()
    if not username:
        raise AuthError("bad_username", "用户名不能为空")
    if role not in ROLES:
        raise AuthError("bad_role", f"角色无效：{role}（可选 {', '.join(ROLES)}）")
    if session.scalar(select(User).where(User.username == username)):
        raise AuthError("user_exists", f"用户“{username}”已存在")
    if password is not None and len(password) < 8:
        raise AuthError("weak_password", "密码至少 8 位")
    user = User(
        username=username,
        org=org,
        role=role,
        password_hash=generate_password_hash(password, method="scrypt") if password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AuthError("user_not_found", f"找不到用户“{username}”")
    return user


def check_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User) -> str:
    """Returns the token itself; only its hash is stored (tokens are random, so SHA-256 suffices)."""
    token = "ar_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=_hash_token(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user
